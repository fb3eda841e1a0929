"""The small vitals chart on the note: blood pressure, heart rate and SpO2 against minutes from the first reading."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from reportlab.graphics.charts.areas import PlotArea
from reportlab.graphics.charts.legends import LineLegend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import Marker
from reportlab.lib import colors

from infusiondesk.records.models import VitalSigns
from infusiondesk_reports import styles

_SERIES: tuple[tuple[str, Callable[[VitalSigns], float | None], colors.Color, str], ...] = (
    ("Systolic (mmHg)", lambda v: v.systolic, colors.HexColor("#1f4e79"), "FilledTriangle"),
    ("Diastolic (mmHg)", lambda v: v.diastolic, colors.HexColor("#5b8fc7"), "FilledDiamond"),
    ("Heart rate (/min)", lambda v: v.heart_rate, colors.HexColor("#a61b1b"), "FilledCircle"),
    ("SpO2 (%)", lambda v: v.spo2, colors.HexColor("#2e7d32"), "FilledSquare"),
)


def place(area: PlotArea, x: float, y: float, width: float, height: float) -> None:
    """Put a plot at (x, y) in its drawing, `width` by `height` points."""
    # reportlab takes any number (it validates with isNumber); its stubs declare these int.
    area.x, area.y, area.width, area.height = x, y, width, height  # type: ignore[assignment]


def filled_marker(kind: str, colour: colors.Color, size: float = 3.5) -> Marker:
    """A series' point symbol ("FilledCircle", "FilledSquare"...) in the series' colour: what reportlab's untyped
    `makeMarker` builds for a marker name."""
    return Marker(kind=kind, size=size, fillColor=colour, strokeColor=colour)


def vitals_chart(vitals: Sequence[VitalSigns], width: float, height: float = 150) -> Drawing | None:
    """A line chart of the readings, or None when fewer than two readings were taken (nothing to trend)."""
    readings = sorted(vitals, key=lambda v: v.taken_at)
    if len(readings) < 2:
        return None
    t0: datetime = readings[0].taken_at
    data: list[list[tuple[float, float]]] = []
    shown: list[tuple[str, colors.Color, str]] = []
    for label, pick, colour, marker in _SERIES:
        points = [((v.taken_at - t0).total_seconds() / 60, float(y)) for v in readings if (y := pick(v)) is not None]
        if points:
            data.append(points)
            shown.append((label, colour, marker))
    if not data:
        return None

    # initialFontName: else the renderer starts in Helvetica, a font we do not embed
    drawing = Drawing(width, height, initialFontName=styles.FONT)
    plot = LinePlot()
    place(plot, 34, 30, width - 34 - 120, height - 42)
    plot.data = data
    all_y = [y for series in data for _, y in series]
    plot.yValueAxis.valueMin = max(0, (min(all_y) // 20) * 20 - 10)
    plot.yValueAxis.valueMax = (max(all_y) // 20) * 20 + 30
    plot.yValueAxis.valueStep = 20 if plot.yValueAxis.valueMax - plot.yValueAxis.valueMin <= 200 else 40
    last_min = max(x for series in data for x, _ in series)
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = max(10.0, last_min)
    plot.xValueAxis.valueStep = 10 if last_min <= 90 else 30
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = styles.FONT
        axis.labels.fontSize = 7
        axis.strokeColor = styles.RULE
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = colors.HexColor("#e3e8ee")
    plot.yValueAxis.gridStrokeWidth = 0.4
    for i, (_, colour, marker) in enumerate(shown):
        plot.lines[i].strokeColor = colour
        plot.lines[i].strokeWidth = 1.2
        plot.lines[i].symbol = filled_marker(marker, colour)
    drawing.add(plot)

    drawing.add(String(plot.x + plot.width / 2, 6, "minutes from first reading", fontName=styles.FONT,
                       fontSize=7, fillColor=styles.MUTED, textAnchor="middle"))
    legend = LineLegend()
    legend.x, legend.y = plot.x + plot.width + 14, plot.y + plot.height - 4
    legend.fontName, legend.fontSize = styles.FONT, 7
    legend.alignment = "right"
    legend.dx, legend.dy, legend.deltay = 12, 2, 12
    legend.columnMaximum = len(shown)
    legend.colorNamePairs = [(colour, label) for label, colour, _ in shown]
    drawing.add(legend)
    return drawing
