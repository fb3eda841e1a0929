"""A small bar chart painted by hand (one bar per row: visits per day): QtCharts would be a second of start-up for
a picture this simple, and a painted widget looks the same in the light and dark palettes."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class DayBars(QWidget):
    """`set_bars([(label, value), ...], what)`; the tallest bar is full height, its value written above it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[tuple[str, float]] = []
        self.what = ""
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Bar chart")

    def sizeHint(self) -> QSize:
        return QSize(600, 140)

    def set_bars(self, bars: Sequence[tuple[str, float]], what: str) -> None:
        self.bars, self.what = list(bars), what
        top = max((v for _, v in self.bars), default=0)
        self.setAccessibleDescription(f"{what}: {len(self.bars)} bars, highest {top:g}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text, bar = palette.windowText().color(), palette.highlight().color()
        metrics = painter.fontMetrics()
        line = metrics.height()
        painter.setPen(text)
        painter.drawText(QRectF(0, 0, self.width(), line), Qt.AlignmentFlag.AlignLeft, self.what)
        if not self.bars:
            return
        top = max(v for _, v in self.bars) or 1.0
        area = QRectF(4, line * 2.2, self.width() - 8, self.height() - line * 3.4)
        step = area.width() / len(self.bars)
        width = max(1.0, step * 0.7)
        every = max(1, int(len(self.bars) * metrics.horizontalAdvance("00 ") / max(area.width(), 1)) + 1)
        for i, (label, value) in enumerate(self.bars):
            x = area.left() + i * step + (step - width) / 2
            h = area.height() * value / top
            painter.fillRect(QRectF(x, area.bottom() - h, width, h), bar)
            if value and step >= metrics.horizontalAdvance(f"{value:g}"):
                painter.drawText(QRectF(x - step, area.bottom() - h - line, width + 2 * step, line),
                                 Qt.AlignmentFlag.AlignHCenter, f"{value:g}")
            if i % every == 0:
                painter.drawText(QRectF(x - step, area.bottom() + 2, width + 2 * step, line),
                                 Qt.AlignmentFlag.AlignHCenter, label)
        painter.end()
