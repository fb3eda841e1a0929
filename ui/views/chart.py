"""The patient chart: identity banner, the "last time" card, visit history with status, and trends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from infusiondesk.records.models import Patient, VisitStatus
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.session import Session
from infusiondesk_ui.widgets.banner import IdentityBanner

if TYPE_CHECKING:  # the store (and SQLAlchemy) loads only when a database is opened
    from infusiondesk.store import VisitSummary


def last_time_text(visits: list[VisitSummary], local: Callable[[datetime], datetime]) -> str:
    """The previous finished visit's dose, duration, side effects and pain change, in one paragraph."""
    done = [v for v in visits if v.status in (VisitStatus.COMPLETED, VisitStatus.SIGNED) and v.dose_text]
    if not done:
        return "No previous infusion."
    v = done[-1]
    shown = v.dose_shown
    effects = ", ".join(f"{e.type_code} grade {e.grade}" for e in v.side_effects) or "no side effects"
    pain = (f"pain {v.pain_before} → {v.pain_after}"
            if v.pain_before is not None and v.pain_after is not None else "pain change not recorded")
    when = f"{local(v.created_at):%d %b %Y}" if v.created_at else ""
    return (f"<b>Last time</b> ({when}): {shown.get('dose', v.dose_text)} at {shown.get('rate', '')} over "
            f"{shown.get('duration', v.duration_text)}; {effects}; {pain}.")


def visit_row(v: VisitSummary, local: Callable[[datetime], datetime]) -> list[str]:
    shown = v.dose_shown
    pain = f"{v.pain_before if v.pain_before is not None else '–'} → " \
           f"{v.pain_after if v.pain_after is not None else '–'}"
    return [f"{local(v.created_at):%d %b %Y %H:%M}" if v.created_at else "", v.status.value,
            shown.get("dose", ""), shown.get("rate", ""), str(len(v.side_effects)), pain]


class ChartView(QWidget):
    open_visit = Signal(object)
    new_visit = Signal()
    back = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.patient: Patient | None = None
        self.visits: list[VisitSummary] = []
        self.reading = 0  # history reads still running (tests and the lock wait on `operations.pending`)
        self.banner = IdentityBanner()
        self.last_time = QLabel()
        self.last_time.setObjectName("lastTimeCard")
        self.last_time.setWordWrap(True)
        self.last_time.setAccessibleName("Last time")
        self.outcome = QLabel()
        self.outcome.setObjectName("outcomeCard")
        self.outcome.setWordWrap(True)
        self.outcome.setAccessibleName("Before and after")
        self.back_button = QPushButton("← &Patients")
        self.new_button = QPushButton("&New visit")
        self.open_button = QPushButton("&Open visit")
        self.edit_button = QPushButton("&Edit patient")
        self.edit_button.setToolTip("Identity, weight, allergies, renal function, pregnancy: what the screening "
                                    "reads (saved and audited).")
        self.history = QTableWidget(0, 6)
        self.history.setHorizontalHeaderLabels(["Date", "Status", "Dose", "Rate", "Side effects", "Pain"])
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # several visits at once (Shift+arrows, Ctrl+click) for "Export selected notes"
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setAccessibleName("Visit history")
        self.history.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((130, 75, 60, 80, 90)):
            self.history.setColumnWidth(col, width)
        self.history.verticalHeader().setVisible(False)
        self.trends = QTabWidget()
        self.trends.setAccessibleName("Trends")
        self._trends_for: tuple[int | None, int] | None = None
        card = QGroupBox()
        card_lay = QVBoxLayout(card)
        card_lay.addWidget(self.last_time)
        card_lay.addWidget(self.outcome)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        left = QVBoxLayout()
        left.addWidget(card)
        left.addWidget(QLabel("Visit history"))
        left.addWidget(self.history, 1)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self.trends, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addLayout(buttons)
        lay.addLayout(self._documents_row())
        lay.addLayout(body, 1)
        self.back_button.clicked.connect(self.back)
        self.new_button.clicked.connect(self.new_visit)
        self.open_button.clicked.connect(self._open_selected)
        self.edit_button.clicked.connect(self.edit_patient)
        self.history.activated.connect(lambda index: self._open_row(index.row()))
        self.history.doubleClicked.connect(lambda index: self._open_row(index.row()))

    def _documents_row(self) -> QVBoxLayout:
        """Course summary (period, Preview / Export / Print) and Export selected notes, with a busy bar."""
        from infusiondesk.units import date_rule
        from infusiondesk_ui.chart_documents import ChartDocuments
        from infusiondesk_ui.views.patient_form import day_first_locale

        day_first = day_first_locale()
        hint = "e.g. 14/02/2026" if day_first else "e.g. 02/14/2026"
        self.date_from, self.date_to = QLineEdit(), QLineEdit()
        for edit, name, empty in ((self.date_from, "Course summary from", "starts at the first visit"),
                                  (self.date_to, "Course summary to", "runs to the latest visit")):
            edit.setPlaceholderText(hint)
            edit.setToolTip(f"Type it as {date_rule(day_first)}. Left empty, the summary {empty}.")
            edit.setAccessibleName(name)
            edit.setMinimumWidth(140)
        from_label, to_label = QLabel("Course summary &from"), QLabel("&to")
        from_label.setBuddy(self.date_from)
        to_label.setBuddy(self.date_to)
        self.summary_preview = QPushButton("Summary pre&view")
        self.summary_export = QPushButton("E&xport summary…")
        self.summary_print = QPushButton("Print s&ummary…")
        self.notes_export = QPushButton("Export se&lected notes…")
        self.notes_export.setToolTip("The notes of the visits selected in the history (Shift+arrows or Ctrl+click): "
                                     "one PDF portfolio, a zip, or one file per visit. Signed notes keep their exact "
                                     "signed bytes.")
        self.doc_progress = QProgressBar()
        self.doc_progress.setAccessibleName("Making the document")
        self.doc_progress.setMaximumWidth(160)
        self.doc_status = QLabel()
        self.doc_status.setWordWrap(True)
        self.doc_status.setAccessibleName("Documents status")
        buttons = (self.summary_preview, self.summary_export, self.summary_print, self.notes_export)
        self.documents = ChartDocuments(self.session, self, self.doc_status, self.doc_progress, self.date_from,
                                        self.date_to, buttons, day_first=day_first)
        row = QHBoxLayout()
        for w in (from_label, self.date_from, to_label, self.date_to, self.summary_preview, self.summary_export,
                  self.summary_print):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.notes_export)
        status = QHBoxLayout()
        status.addWidget(self.doc_progress)
        status.addWidget(self.doc_status, 1)
        self.date_from.returnPressed.connect(self.date_to.setFocus)
        self.date_to.returnPressed.connect(self.summary_preview.click)
        self.summary_preview.clicked.connect(lambda: self._summary(self.documents.preview))
        self.summary_export.clicked.connect(lambda: self._summary(
            lambda pdf: self.documents.export(pdf, self.patient)))
        self.summary_print.clicked.connect(lambda: self._summary(lambda pdf: self.documents.print(pdf, self.patient)))
        self.notes_export.clicked.connect(lambda: self.documents.export_notes(self.selected_visit_ids()))
        out = QVBoxLayout()
        out.addLayout(row)
        out.addLayout(status)
        return out

    def _summary(self, then: Any) -> None:
        if self.patient is not None:
            self.documents.summary(self.patient, then)

    def selected_visit_ids(self) -> list[int]:
        """The visits selected in the history, oldest first (the order a reader expects in a bundle)."""
        newest_first = list(reversed(self.visits))
        rows = sorted({i.row() for i in self.history.selectionModel().selectedRows()}, reverse=True)
        return [newest_first[r].id for r in rows if 0 <= r < len(newest_first)]

    def show_patient(self, patient: Patient) -> None:
        if self.patient is None or self.patient.id != patient.id:
            self.date_from.clear()  # another patient: another course
            self.date_to.clear()
            self.visits = []  # never another patient's history while this one's is read
            self.history.setRowCount(0)
            self.last_time.clear()
            self.outcome.clear()
            if not self.documents.busy:
                self.doc_status.clear()
        self.patient = patient
        self.banner.show_patient(patient, self.session.today(), self.session.zone_label)
        store, session = self.session.store, self.session.require_session()
        assert patient.id is not None
        patient_id = patient.id

        def read() -> tuple[list[VisitSummary], list[Any]]:  # off the UI thread: the history and the follow-ups
            return (store.visits.history(patient_id, by=session),
                    store.follow_ups.recorded(patient_id, by=session))

        self.reading += 1
        StoreOp(self, read, busy_cursor=False).ended(self._read_ended) \
            .success(lambda got: self._show_history(patient, *got)).failure(self.doc_status.setText).run()

    def _read_ended(self) -> None:
        self.reading -= 1

    def _show_history(self, patient: Patient, visits: list[VisitSummary], recorded: list[Any]) -> None:
        """The visit history and the course as read; a read for a patient no longer shown is dropped."""
        if self.patient is None or self.patient.id != patient.id:
            return
        self.visits = visits
        self.last_time.setText(last_time_text(self.visits, self.session.local))
        self.outcome.setText(self._before_after(recorded))
        newest_first = list(reversed(self.visits))
        self.history.setRowCount(len(newest_first))
        for r, v in enumerate(newest_first):
            for c, text in enumerate(visit_row(v, self.session.local)):
                self.history.setItem(r, c, QTableWidgetItem(text))
        if newest_first:
            self.history.selectRow(0)
        self.draw_trends()

    def _before_after(self, recorded: list[Any]) -> str:
        """Attacks per month before the course (the assessments) and at the latest follow-up (the core's words)."""
        from infusiondesk import followups

        reports = [(self.session.local(v.started_at or v.created_at).date(), v.attacks_per_month,
                    v.started_at is not None) for v in self.visits]
        return followups.before_after_text(reports, recorded, self.session.zone)

    def draw_trends(self) -> None:
        key = (self.patient.id if self.patient else None, sum(v.version for v in self.visits))
        if key == self._trends_for:
            return
        self._trends_for = key
        from infusiondesk_ui.views import trends

        while self.trends.count():
            w = self.trends.widget(0)
            self.trends.removeTab(0)
            if w is not None:
                w.deleteLater()
        self.trends.addTab(trends.vitals_trend(self.visits), "Vital signs")
        self.trends.addTab(trends.pain_before_after(self.visits), "Pain before/after")
        self.trends.addTab(trends.attacks_per_month(self.visits), "Attacks per month")

    def edit_patient(self) -> None:
        """The patient form, filled in; saved through the visit service (`update_patient`), then shown here."""
        if self.patient is None:
            return
        from PySide6.QtWidgets import QDialog

        from infusiondesk_ui.views.patient_form import PatientDialog

        dialog = PatientDialog(self.session, self, patient=self.patient)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self.show_patient(dialog.saved)
        self.edit_button.setFocus()

    def _open_selected(self) -> None:
        rows = self.history.selectionModel().selectedRows()
        if rows:
            self._open_row(rows[0].row())

    def _open_row(self, row: int) -> None:
        newest_first = list(reversed(self.visits))
        if 0 <= row < len(newest_first):
            self.open_visit.emit(newest_first[row])
