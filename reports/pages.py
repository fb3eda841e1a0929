"""Page furniture every InfusionDesk PDF shares: "Page X of Y" in the footer and an optional watermark."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from infusiondesk_reports import styles


def numbered_canvas(footer_left: str, watermark: str | None = None) -> type[Canvas]:
    """A canvas that holds pages back until the end so each can say "Page X of Y" (and carry the watermark,
    e.g. "DRAFT — not signed")."""

    class NumberedCanvas(Canvas):
        if TYPE_CHECKING:  # reportlab's own page state, which its stubs leave out
            _pagesize: tuple[float, float]

            def _startPage(self) -> None: ...

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            self.setFont(styles.FONT, 7.5)
            self.setFillColor(styles.MUTED)
            self.drawString(styles.PAGE_MARGIN, 9 * mm, footer_left)
            self.drawRightString(width - styles.PAGE_MARGIN, 9 * mm, f"Page {self.getPageNumber()} of {total}")
            if watermark:
                self.setFont(styles.FONT_BOLD, 44)
                self.setFillColor(styles.WATERMARK)
                self.translate(width / 2, height / 2)
                self.rotate(45)
                self.drawCentredString(0, -18, watermark)
            self.restoreState()

    return NumberedCanvas
