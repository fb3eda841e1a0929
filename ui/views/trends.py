"""The chart's plots (QtCharts, imported only when a chart is first drawn, to keep start-up fast)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:  # the store (and SQLAlchemy) loads only when a database is opened
    from infusiondesk.store import VisitSummary


def _view(chart: Any) -> QWidget:
    """The chart in the app's light or dark palette (a white plot in a dark window glares at 7 pm)."""
    from PySide6.QtCharts import QChart, QChartView

    if _dark():
        colours = [s.pen().color() for s in chart.series() if hasattr(s, "pen")]
        chart.setTheme(QChart.ChartTheme.ChartThemeDark)  # (a theme resets series colours: set ours again)
        for s, colour in zip((s for s in chart.series() if hasattr(s, "pen")), colours, strict=True):
            pen = s.pen()
            pen.setColor(colour)
            s.setPen(pen)
            s.setColor(colour)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(220)
    return view


def nice_scale(top: float, ticks: int = 5) -> tuple[float, float]:
    """An axis from 0 to at least `top` in about `ticks` steps of 1, 2, 2.5 or 5 × 10ⁿ: (upper end, step).

    An axis from 0 to top × 1.1 in four equal parts gave ticks like 34.7 / 69.3 / 104.0 / 138.6, which no one
    reads at a glance; 0 / 40 / 80 / 120 / 160 they do.
    """
    rough = max(top, 1.0) / ticks
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= rough)
    return math.ceil(top / step) * step if top > 0 else step, step


# each vital sign's colour on a light and on a dark plot
VITALS = (("Systolic (mmHg)", "systolic", ("#1565c0", "#8ab4f8")), ("Heart rate (/min)", "heart_rate",
                                                                     ("#c62828", "#ff8a80")),
          ("Respiratory rate (/min)", "resp_rate", ("#2e7d32", "#81c995")))


def _dark() -> bool:
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    return QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def vitals_trend(visits: Sequence[VisitSummary]) -> QWidget:
    """Systolic pressure, heart rate and respiratory rate at each visit, one band per visit.

    Each visit's readings are their own line (with a marker at each reading), placed within the visit's band
    by the minutes since its first reading: visits weeks apart are never joined by a line, so the plot shows
    the course within each visit (baseline, during, after) instead of a saw-tooth across months.
    """
    from PySide6.QtCharts import QCategoryAxis, QChart, QLineSeries, QValueAxis
    from PySide6.QtGui import QColor, QPen

    chart = QChart()
    chart.setTitle("Vital signs at each visit (minutes within each visit)")
    shown = [v for v in visits if v.readings]
    spans = [max(r.at for r in v.readings) - min(r.at for r in v.readings) for v in shown]
    longest = max([*spans, 60.0])
    x = QCategoryAxis()
    x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionCenter)
    x.setRange(0, max(len(shown), 1))
    y = QValueAxis()
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    top = 10.0
    shade = 1 if _dark() else 0
    for band, visit in enumerate(shown):
        first = min(r.at for r in visit.readings)
        label = f"{visit.created_at:%d %b %Y}" if visit.created_at else f"visit {visit.id}"
        x.append(f"{label} (#{visit.id})", band + 1)
        for name, attribute, colour in VITALS:
            series = QLineSeries()
            series.setName(name)
            series.setPointsVisible(True)
            series.setMarkerSize(6)
            series.setPen(QPen(QColor(colour[shade]), 2))
            series.setProperty("visit_id", visit.id)
            for r in sorted(visit.readings, key=lambda r: r.at):
                value = getattr(r, attribute)
                if value is not None:
                    series.append(band + 0.1 + 0.8 * (r.at - first) / longest, value)
                    top = max(top, float(value))
            if not series.count():
                continue
            chart.addSeries(series)
            series.attachAxis(x)
            series.attachAxis(y)
            if band:  # one legend entry per vital sign, not one per visit
                for marker in chart.legend().markers(series):
                    marker.setVisible(False)
    upper, step = nice_scale(top)
    y.setRange(0, upper)
    y.setTickCount(round(upper / step) + 1)
    y.setLabelFormat("%g")
    return _view(chart)


def pain_before_after(visits: Sequence[VisitSummary]) -> QWidget:
    """Pain (0-10) before and after each visit: did the infusion help?"""
    from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QValueAxis

    chart = QChart()
    chart.setTitle("Pain before and after, per visit")
    before, after = QBarSet("Before"), QBarSet("After")
    labels = []
    for v in visits:
        if v.pain_before is None and v.pain_after is None:
            continue
        before.append(v.pain_before or 0)
        after.append(v.pain_after or 0)
        labels.append(f"{v.created_at:%d %b}" if v.created_at else f"#{v.id}")
    series = QBarSeries()
    series.append(before)
    series.append(after)
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append(labels)
    y = QValueAxis()
    y.setRange(0, 10)
    y.setTickCount(6)
    y.setLabelFormat("%d")  # pain is a whole number from 0 to 10
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x)
    series.attachAxis(y)
    return _view(chart)


def attacks_per_month(visits: Sequence[VisitSummary]) -> QWidget:
    """Migraine attacks per month as reported at each visit."""
    from PySide6.QtCharts import QBarCategoryAxis, QChart, QLineSeries, QValueAxis

    chart = QChart()
    chart.setTitle("Migraine attacks per month")
    series = QLineSeries()
    series.setName("Attacks per month")
    labels: list[str] = []
    top = 4
    for v in visits:
        n = v.attacks_per_month
        if n is None:
            continue
        series.append(len(labels), n)
        labels.append(f"{v.created_at:%d %b}" if v.created_at else f"#{v.id}")
        top = max(top, n)
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append(labels)
    y = QValueAxis()
    y.setRange(0, top + 1)
    y.setLabelFormat("%d")
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x)
    series.attachAxis(y)
    chart.legend().setVisible(False)
    return _view(chart)
