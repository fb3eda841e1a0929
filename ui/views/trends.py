"""The chart's plots (QtCharts, imported only when a chart is first drawn, to keep start-up fast)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:  # the store (and SQLAlchemy) loads only when a database is opened
    from infusiondesk.store import VisitSummary


def _view(chart: Any) -> QWidget:
    from PySide6.QtCharts import QChartView

    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(220)
    return view


def vitals_trend(visits: Sequence[VisitSummary]) -> QWidget:
    """Systolic pressure and heart rate over time, across every visit."""
    from PySide6.QtCharts import QChart, QDateTimeAxis, QLineSeries, QValueAxis

    chart = QChart()
    chart.setTitle("Vital signs over time")
    series = {"Systolic (mmHg)": QLineSeries(), "Heart rate (/min)": QLineSeries(),
              "Respiratory rate (/min)": QLineSeries()}
    for name, s in series.items():
        s.setName(name)
    readings = sorted((r for visit in visits for r in visit.readings), key=lambda r: r.at)
    top = 10.0
    for v in readings:
        ms = int(v.at * 1000)
        for name, value in (("Systolic (mmHg)", v.systolic), ("Heart rate (/min)", v.heart_rate),
                            ("Respiratory rate (/min)", v.resp_rate)):
            if value is not None:
                series[name].append(ms, value)
                top = max(top, value)
    x = QDateTimeAxis()
    x.setFormat("dd MMM HH:mm")
    y = QValueAxis()
    y.setRange(0, top * 1.1)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    for s in series.values():
        chart.addSeries(s)
        s.attachAxis(x)
        s.attachAxis(y)
    if readings:
        first = QDateTime.fromSecsSinceEpoch(int(readings[0].at))
        last = QDateTime.fromSecsSinceEpoch(int(readings[-1].at))
        x.setRange(first.addSecs(-600), last.addSecs(600))
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
    labels = []
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
