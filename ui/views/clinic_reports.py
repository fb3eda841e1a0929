"""Clinic reports (admin and clinicians): pick a report and a period of clinic days, read it off the UI thread,
see the table (sortable), its totals and, for visits per day, a bar chart; export CSV or PDF (the PDF in the warm
note worker, from the rows on screen), each export audited."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk import clinic_reports as cr
from infusiondesk.clinic_reports.definition import Cell, ColumnKind, cell_text
from infusiondesk.clinic_reports.export import csv_text, export_detail, to_job
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk_ui.audit_trail import record_later
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.ops import user_message
from infusiondesk_ui.pdf_output import PdfOutput
from infusiondesk_ui.session import Session
from infusiondesk_ui.widgets.day_bars import DayBars


class _Item(QTableWidgetItem):
    """A cell that sorts by its value (numbers as numbers, days as days), not by its text."""

    def __init__(self, text: str, key: Cell) -> None:
        super().__init__(text)
        self.key = key
        if isinstance(key, int | float):
            self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        theirs = other.key if isinstance(other, _Item) else other.text()
        try:
            return bool(self.key < theirs)  # type: ignore[operator]
        except TypeError:
            return str(self.key) < str(theirs)


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _date(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class ClinicReportsView(QWidget):
    back = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.report: cr.ClinicReport | None = None
        self._asked: tuple[str, date, date] | None = None
        self.back_button = QPushButton("← &Back")
        self.choice = QComboBox()
        self.choice.setAccessibleName("Report")
        for d in cr.REPORTS.values():
            self.choice.addItem(d.title, d.name)
        period = cr.this_month(session.clock.now(), session.zone)
        self.first, self.last = QDateEdit(_qdate(period.first)), QDateEdit(_qdate(period.last))
        for edit, name in ((self.first, "First day"), (self.last, "Last day")):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(f"{name} of the period (clinic days)")
            edit.setMinimumWidth(140)
        self.show_button = QPushButton("&Show")
        self.csv_button = QPushButton("Export &CSV…")
        self.pdf_button = QPushButton("Export P&DF…")
        self.print_button = QPushButton("Pr&int…")
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.counts.setObjectName("reportCounts")
        self.totals = QLabel()
        self.totals.setObjectName("reportTotals")
        self.totals.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("reportStatus")
        self.bars = DayBars()
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAccessibleName("Report table")
        self.table.verticalHeader().setVisible(False)
        self.table.setSortingEnabled(True)
        self.output = PdfOutput(self, self.status, (self.pdf_button, self.print_button), "the clinic report",
                                self._audit)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        for label, widget in (("&Report", self.choice), ("&From", self.first), ("&To", self.last)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            caption.setMinimumWidth(caption.sizeHint().width())  # never squeezed at 1280 px ("To" read "Tc")
            top.addWidget(caption)
            top.addWidget(widget)
        top.addWidget(self.show_button)
        top.addStretch(1)
        for button in (self.csv_button, self.pdf_button, self.print_button):
            top.addWidget(button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.counts)
        lay.addWidget(self.bars)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.totals)
        lay.addWidget(self.status)
        for a, b in ((self.choice, self.first), (self.first, self.last), (self.last, self.show_button),
                     (self.show_button, self.table), (self.table, self.csv_button), (self.csv_button, self.pdf_button),
                     (self.pdf_button, self.print_button), (self.print_button, self.back_button)):
            QWidget.setTabOrder(a, b)
        self.setFocusProxy(self.choice)
        self.back_button.clicked.connect(self.back)
        self.show_button.clicked.connect(self.refresh)
        self.choice.currentIndexChanged.connect(lambda _i: self.refresh())
        for edit in (self.first, self.last):
            edit.editingFinished.connect(self._dates_typed)
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.print_button.clicked.connect(lambda: self.print_report())
        self._exports_enabled(False)

    def keyPressEvent(self, event: Any) -> None:
        """Enter presses the focused button; anywhere else above the table it reads the report."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() is not self.table:
            focused = self.focusWidget()
            if isinstance(focused, QPushButton):
                focused.click()
            else:
                self.refresh()
            return
        super().keyPressEvent(event)

    def _dates_typed(self) -> None:
        if self._asked is not None and (_date(self.first.date()), _date(self.last.date())) != self._asked[1:]:
            self.refresh()

    def _exports_enabled(self, on: bool) -> None:
        for button in (self.csv_button, self.pdf_button, self.print_button):
            button.setEnabled(on)

    def refresh(self) -> None:
        """Read the chosen report for the chosen days off the UI thread; "Reading…" meanwhile. An answer to an
        older question (the report or the days changed meanwhile) is dropped."""
        name = str(self.choice.currentData())
        first, last = _date(self.first.date()), _date(self.last.date())
        asked = self._asked = (name, first, last)
        store, by, now = self.session.store, self.session.require_session(), self.session.clock.now()
        try:
            period = cr.ReportPeriod(first, last, self.session.zone)
        except Exception as exc:
            self._failed(asked, exc)
            return
        self.status.setText(f"Reading {cr.report_named(name).title.lower()}…")
        self.show_button.setEnabled(False)
        self._exports_enabled(False)
        StoreOp(self, lambda: cr.run(store, name, period, by=by, now=now), busy_cursor=False) \
            .success(lambda report: self._show(asked, report)) \
            .failure(lambda sentence: self._refused(asked, sentence)).run()

    def _failed(self, asked: tuple[str, date, date], exc: Exception) -> None:
        self._refused(asked, user_message(exc))

    def _refused(self, asked: tuple[str, date, date], sentence: str) -> None:
        if asked != self._asked:
            return
        self.show_button.setEnabled(True)
        self.report = None
        self.table.setRowCount(0)
        self.totals.clear()
        self.status.setText(sentence)

    def _show(self, asked: tuple[str, date, date], report: cr.ClinicReport) -> None:
        if asked != self._asked:
            return
        self.report = report
        self.show_button.setEnabled(True)
        self._exports_enabled(True)
        self.counts.setText(report.summary())
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(report.columns))
        self.table.setHorizontalHeaderLabels([c.header for c in report.columns])
        self.table.setRowCount(len(report.rows))
        for r, row in enumerate(report.rows):
            for c, (column, value) in enumerate(zip(report.columns, row, strict=True)):
                self.table.setItem(r, c, _Item(cell_text(column, value), value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSortingEnabled(True)
        self.table.sortItems(0, Qt.SortOrder.AscendingOrder)
        self.totals.setText(self._totals_text(report))
        self._chart(report)
        self.status.setText(f"{len(report.rows)} row{'s' if len(report.rows) != 1 else ''}." if report.rows
                            else report.empty)

    @staticmethod
    def _totals_text(report: cr.ClinicReport) -> str:
        parts = [f"{c.header}: {t}" for c, t in zip(report.columns, cr.totals_text(report), strict=True)
                 if c.kind in (ColumnKind.COUNT, ColumnKind.GRAMS)]
        return "Totals — " + " · ".join(parts)

    def _chart(self, report: cr.ClinicReport) -> None:
        column = report.chart_column
        self.bars.setVisible(column is not None)
        if column is None:
            return
        bars = [(f"{r[0]:%d}" if isinstance(r[0], date) else str(r[0]), float(r[column]))  # type: ignore[arg-type]
                for r in report.rows]
        self.bars.set_bars(bars, f"{report.columns[column].header} per day")

    # -- exports -------------------------------------------------------------------------------------------

    def _audit(self, event: AuditEvent, detail: dict[str, object]) -> None:
        assert self.report is not None
        record_later(self, self.session, event, export_detail(self.report, detail), say=self.status.setText)

    def _suggested(self, suffix: str) -> str:
        assert self.report is not None
        p = self.report.period
        return f"{self.report.name}-{p.first:%Y-%m-%d}-to-{p.last:%Y-%m-%d}.{suffix}"

    def export_csv(self, path: str | None = None) -> None:
        """The rows and the totals as CSV (UTF-8 with a byte-order mark, which spreadsheet programs need)."""
        if self.report is None:
            return
        path = path if path is not None else self.output.ask_path(self._suggested("csv"), "CSV", "csv")
        if not path:
            return
        try:
            Path(path).write_text(csv_text(self.report), encoding="utf-8-sig", newline="")
        except OSError as exc:
            self.status.setText(f"Not exported: cannot write {path} ({exc.strerror or exc}).")
            return
        self._audit(AuditEvent.EXPORT, {"format": "csv", "file": Path(path).name})
        self.status.setText(f"Exported {self.report.title.lower()} ({len(self.report.rows)} rows) to {path}.")

    def export_pdf(self, path: str | None = None) -> None:
        if self.report is None:
            return
        path = path if path is not None else self.output.ask_path(self._suggested("pdf"), "PDF", "pdf")
        if path:
            self.output.export(to_job(self.report), path)

    def print_report(self, printer: Any = None) -> None:
        if self.report is not None:
            self.output.print(to_job(self.report), printer)
