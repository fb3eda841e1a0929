"""The near-miss report: soft-limit overrides and hard stops, by date, user and rule; printed, as a PDF or CSV.

The PDF is built in the note worker (reportlab never loads into the app) from the rows on screen, so what is
printed or exported is what the screen shows; times are the clinic's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk import near_miss
from infusiondesk.near_miss import NearMissReport
from infusiondesk.records.models import Clinic
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk_ui.audit_trail import record_later
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.pdf_output import PdfOutput
from infusiondesk_ui.session import Session


class OverrideReportView(QWidget):
    back = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.days = QSpinBox()
        self.days.setRange(1, 3650)
        self.days.setValue(30)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Report period in days")
        self.refresh_button = QPushButton("&Refresh")
        self.back_button = QPushButton("← &Patients")
        self.csv_button = QPushButton("Export &CSV…")
        self.pdf_button = QPushButton("Export P&DF…")
        self.print_button = QPushButton("Pr&int…")
        self.summary = QLabel()
        self.summary.setObjectName("reportSummary")
        self.status = QLabel()
        self.status.setObjectName("reportStatus")
        self.report: NearMissReport | None = None
        self.clinic: Clinic | None = None  # read with the report: the PDF's heading
        self.reading = False  # a read of the report is running
        self._waiting: list[Callable[[NearMissReport, Clinic], None]] = []  # exports pressed before it arrived
        self._exports = (self.csv_button, self.pdf_button, self.print_button)
        self._held = False  # the export buttons are disabled until the running read arrives
        self.output = PdfOutput(self, self.status, (self.pdf_button, self.print_button), "the near-miss report",
                                self._audit)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(["Date", "Kind", "User", "Rule", "Reason", "Message"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Overrides and hard stops")
        # Date, kind, user and rule are as wide as their longest entry; the reason and the message share the
        # rest and wrap, so at 1280×800 no column is squeezed below its header or cut mid-word.
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column in (4, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(QLabel("Last"))
        top.addWidget(self.days)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        for button in (self.csv_button, self.pdf_button, self.print_button):
            top.addWidget(button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status)
        self.refresh_button.clicked.connect(self.refresh)
        self.back_button.clicked.connect(self.back)
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.print_button.clicked.connect(lambda: self.print_report())

    def _reader(self) -> Callable[[], tuple[NearMissReport, Clinic]]:
        """The read of the report over the last N days as asked now, and the clinic its PDF is headed with (run
        in the worker)."""
        until = self.session.clock.now() + timedelta(seconds=1)
        since = until - timedelta(days=self.days.value())
        store, session, zone = self.session.store, self.session.require_session(), self.session.zone
        return lambda: (near_miss.report(store.audit.override_report(since, until, by=session), since, until, zone),
                        store.clinic.get())

    def refresh(self) -> None:
        """Read the report again, off the UI thread; an export or print pressed meanwhile waits for it (`_with`)."""
        self.reading = True
        StoreOp(self, self._reader()).busy(self.status.setText, "Reading the near-misses…", self.refresh_button) \
            .success(self._read_arrived).failure(self._read_refused).ended(self._read_ended).run()

    def _read_arrived(self, read: tuple[NearMissReport, Clinic]) -> None:
        self._show(read)
        waiting, self._waiting = self._waiting, []
        for then in waiting:
            then(*read)

    def _read_refused(self, sentence: str) -> None:
        self._waiting = []  # nothing to export: the refusal is said instead
        self.status.setText(sentence)

    def _read_ended(self) -> None:
        self.reading = False
        if self._held:  # given back only when an early export took them (a PDF being built keeps its own)
            self._held = False
            for button in self._exports:
                button.setEnabled(True)

    def _show(self, read: tuple[NearMissReport, Clinic]) -> None:
        """The report read off the UI thread (`refresh`), in the summary and the table."""
        report, self.clinic = read
        self.report = report
        self.summary.setText(report.summary())
        rows = near_miss.table_rows(report)
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(i, c, QTableWidgetItem(text))
        self.status.clear()

    def _with(self, then: Callable[[NearMissReport, Clinic], None]) -> None:
        """`then(report, clinic)`: the report on screen, or, when an export comes before the first read arrived,
        once that read (off the UI thread) has arrived; the export buttons are disabled until then, so a second
        press does not start it twice."""
        if self.report is not None and self.clinic is not None:
            then(self.report, self.clinic)
            return
        self._waiting.append(then)
        self._held = True
        for button in self._exports:
            button.setEnabled(False)
        if not self.reading:
            self.refresh()

    def _audit(self, event: AuditEvent, detail: dict[str, object]) -> None:
        report = self.report
        assert report is not None  # an export or a print is of the report on screen
        record_later(self, self.session, event, {
            "what": "near-miss report", "since": report.since.isoformat(), "until": report.until.isoformat(),
            "rows": len(report.rows), **detail}, say=self.status.setText)

    def _job(self, report: NearMissReport, clinic: Clinic) -> dict[str, object]:
        from infusiondesk_ui.note_worker import near_miss_job

        return near_miss_job(report, clinic, self.session.clock.now())

    @staticmethod
    def _suggested(report: NearMissReport, suffix: str) -> str:
        return (f"near-misses-{report.since.astimezone(report.zone):%Y-%m-%d}-to-"
                f"{report.until.astimezone(report.zone):%Y-%m-%d}.{suffix}")

    def export_csv(self, path: str | None = None) -> None:
        """The rows as CSV (UTF-8 with a byte-order mark, which spreadsheet programs need to read accents)."""
        self._with(lambda report, _: self._write_csv(report, path))

    def _write_csv(self, report: NearMissReport, path: str | None) -> None:
        path = path if path is not None else self.output.ask_path(self._suggested(report, "csv"), "CSV", "csv")
        if not path:
            return
        try:
            Path(path).write_text(near_miss.csv_text(report), encoding="utf-8-sig", newline="")
        except OSError as exc:
            self.status.setText(f"Not exported: cannot write {path} ({exc.strerror or exc}).")
            return
        self.status.setText(f"Exported {len(report.rows)} row(s) to {path}.")
        self._audit(AuditEvent.EXPORT, {"format": "csv", "file": Path(path).name})

    def export_pdf(self, path: str | None = None) -> None:
        def write(report: NearMissReport, clinic: Clinic) -> None:
            chosen = path if path is not None else self.output.ask_path(self._suggested(report, "pdf"), "PDF", "pdf")
            if chosen:
                self.output.export(self._job(report, clinic), chosen)

        self._with(write)

    def print_report(self, printer: Any = None) -> None:
        self._with(lambda report, clinic: self.output.print(self._job(report, clinic), printer))
