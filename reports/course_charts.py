"""The course summary's plots as reportlab vector drawings (never raster images): vital signs at each visit,
pain before and after each visit, and migraine attacks per month. Every label is real text in the PDF."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend, LineLegend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors

from infusiondesk.course import CourseVisit
from infusiondesk.records.models import VitalSigns
from infusiondesk_reports import styles
from infusiondesk_reports.charts import filled_marker, place

# the same three vital signs, in the same colours, as the chart's trend in the app (ui/views/trends.py)
_VITALS: tuple[tuple[str, Callable[[VitalSigns], int | None], colors.Color, str], ...] = (
    ("Systolic (mmHg)", lambda v: v.systolic, colors.HexColor("#1565c0"), "FilledTriangle"),
    ("Heart rate (/min)", lambda v: v.heart_rate, colors.HexColor("#c62828"), "FilledCircle"),
    ("Respiratory rate (/min)", lambda v: v.resp_rate, colors.HexColor("#2e7d32"), "FilledSquare"),
)
_BEFORE = colors.HexColor("#9aa5b1")
_AFTER = styles.ACCENT
_GRID = colors.HexColor("#e3e8ee")


def nice_scale(top: float, ticks: int = 5) -> tuple[float, float]:
    """An axis from 0 to at least `top` in round steps (1, 2, 2.5 or 5 × 10ⁿ): (upper end, step)."""
    rough = max(top, 1.0) / ticks
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= rough)
    return math.ceil(top / step) * step if top > 0 else step, step


def _label(v: CourseVisit) -> str:
    return f"{v.day:%d %b %y}"


def _every(n: int, room: float, per_label: float = 34) -> int:
    """Label every k-th visit so that labels never overlap on an axis `room` points long."""
    return max(1, math.ceil(n * per_label / max(room, 1)))


def _drawing(width: float, height: float, title: str) -> Drawing:
    # initialFontName: else the renderer starts in Helvetica, a font the PDF does not embed
    d = Drawing(width, height, initialFontName=styles.FONT)
    d.add(String(0, height - 10, title, fontName=styles.FONT_BOLD, fontSize=8.5, fillColor=styles.ACCENT))
    return d


def _style_axes(plot: LinePlot | VerticalBarChart) -> None:
    axes = (plot.xValueAxis, plot.yValueAxis) if isinstance(plot, LinePlot) else (plot.categoryAxis, plot.valueAxis)
    for axis in axes:
        axis.labels.fontName = styles.FONT
        axis.labels.fontSize = 6.5
        axis.strokeColor = styles.RULE
    value = plot.yValueAxis if isinstance(plot, LinePlot) else plot.valueAxis
    value.visibleGrid = True
    value.gridStrokeColor = _GRID
    value.gridStrokeWidth = 0.4


def _visits_along_x(plot: LinePlot, shown: Sequence[CourseVisit]) -> None:
    """One band per visit along the x axis (visit i spans i to i + 1), labelled with the visit's date, as many
    labels as fit; the axes in the summary's style."""
    n = len(shown)
    k = _every(n, plot.width, 40)
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, n
    plot.xValueAxis.valueSteps = [i + 0.5 for i in range(0, n, k)]
    plot.xValueAxis.labelTextFormat = lambda x: _label(shown[min(n - 1, int(x))])
    _style_axes(plot)
    plot.xValueAxis.visibleTicks = False


def _no_data(d: Drawing, width: float, height: float, what: str) -> Drawing:
    d.add(String(width / 2, height / 2, f"No {what} charted in this period.", fontName=styles.FONT, fontSize=8,
                 fillColor=styles.MUTED, textAnchor="middle"))
    return d


def vitals_per_visit(visits: Sequence[CourseVisit], width: float, height: float = 170) -> Drawing:
    """Systolic pressure, heart rate and respiratory rate at each visit, one band per visit: each visit's readings
    are their own line, placed by minutes since its first reading, so visits weeks apart are never joined."""
    d = _drawing(width, height, "Vital signs at each visit (each band is one visit, readings in time order)")
    shown = [v for v in visits if v.vitals]
    if not shown:
        return _no_data(d, width, height, "vital signs")
    spans = [(v.vitals[-1].taken_at - v.vitals[0].taken_at).total_seconds() for v in shown]
    longest = max([*spans, 3600.0])
    plot = LinePlot()
    place(plot, 30, 26, width - 30 - 110, height - 26 - 18)
    data: list[list[tuple[float, float]]] = []
    kinds: list[int] = []
    top = 10.0
    for band, v in enumerate(shown):
        t0 = v.vitals[0].taken_at
        for kind, (_, pick, _, _) in enumerate(_VITALS):
            points = [(band + 0.1 + 0.8 * (r.taken_at - t0).total_seconds() / longest, float(y))
                      for r in v.vitals if (y := pick(r)) is not None]
            if points:
                data.append(points)
                kinds.append(kind)
                top = max(top, *(y for _, y in points))
    plot.data = data
    for i, kind in enumerate(kinds):
        _, _, colour, marker = _VITALS[kind]
        plot.lines[i].strokeColor = colour
        plot.lines[i].strokeWidth = 1.1
        plot.lines[i].symbol = filled_marker(marker, colour)
    upper, step = nice_scale(top)
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = 0, upper, step
    n = len(shown)
    _visits_along_x(plot, shown)
    d.add(plot)
    for band in range(1, n):  # a hairline between visits
        x = plot.x + plot.width * band / n
        d.add(Line(x, plot.y, x, plot.y + plot.height, strokeColor=_GRID, strokeWidth=0.5))
    legend = LineLegend()
    legend.x, legend.y = plot.x + plot.width + 14, plot.y + plot.height - 4
    legend.fontName, legend.fontSize = styles.FONT, 7
    legend.dx, legend.dy, legend.deltay = 12, 2, 12
    legend.alignment = "right"
    legend.columnMaximum = len(_VITALS)
    legend.colorNamePairs = [(colour, label) for label, _, colour, _ in _VITALS]
    d.add(legend)
    return d


def pain_before_after(visits: Sequence[CourseVisit], width: float, height: float = 150) -> Drawing:
    """Pain (0-10) before and after each visit: did the infusion help?"""
    d = _drawing(width, height, "Pain before and after each visit (0–10)")
    shown = [v for v in visits if v.pain_before is not None or v.pain_after is not None]
    if not shown:
        return _no_data(d, width, height, "pain scores")
    chart = VerticalBarChart()
    place(chart, 30, 26, width - 30 - 110, height - 26 - 18)
    chart.data = [[float(v.pain_before) if v.pain_before is not None else None for v in shown],
                  [float(v.pain_after) if v.pain_after is not None else None for v in shown]]  # None: no bar
    k = _every(len(shown), chart.width)
    chart.categoryAxis.categoryNames = [_label(v) if i % k == 0 else "" for i, v in enumerate(shown)]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 10, 2
    chart.bars[0].fillColor, chart.bars[1].fillColor = _BEFORE, _AFTER
    chart.bars.strokeColor = None
    chart.barSpacing = 1
    chart.groupSpacing = max(4.0, chart.width / len(shown) * 0.3)  # type: ignore[assignment]  # stubs: int
    _style_axes(chart)
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = chart.x + chart.width + 14, chart.y + chart.height - 4
    legend.fontName, legend.fontSize = styles.FONT, 7
    legend.dx, legend.dy, legend.deltay = 8, 8, 12
    legend.alignment = "right"
    legend.colorNamePairs = [(_BEFORE, "Before"), (_AFTER, "After")]
    d.add(legend)
    return d


def attacks_per_month(visits: Sequence[CourseVisit], width: float, height: float = 150) -> Drawing:
    """Migraine attacks per month as reported at each visit."""
    d = _drawing(width, height, "Migraine attacks per month, as reported at each visit")
    shown = [v for v in visits if v.attacks_per_month is not None]
    if not shown:
        return _no_data(d, width, height, "attack counts")
    plot = LinePlot()
    place(plot, 30, 26, width - 30 - 16, height - 26 - 18)
    plot.data = [[(i + 0.5, float(v.attacks_per_month or 0)) for i, v in enumerate(shown)]]
    plot.lines[0].strokeColor = styles.ACCENT
    plot.lines[0].strokeWidth = 1.2
    plot.lines[0].symbol = filled_marker("FilledCircle", styles.ACCENT)
    upper, step = nice_scale(max(4.0, *(float(v.attacks_per_month or 0) for v in shown)))
    if step != int(step):  # attacks are counted: whole-number ticks only (2.5 → 2)
        step = max(1.0, float(int(step)))
        upper = math.ceil(upper / step) * step
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = 0, upper, step
    _visits_along_x(plot, shown)
    d.add(plot)
    return d
