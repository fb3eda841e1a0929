"""The patient chart: identity banner, the "last time" card, visit history with status, and trends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from infusiondesk.records.models import Patient, VisitStatus
from infusiondesk_ui.session import Session
from infusiondesk_ui.widgets.banner import IdentityBanner

if TYPE_CHECKING:  # the store (and SQLAlchemy) loads only when a database is opened
    from infusiondesk.store import VisitSummary


def last_time_text(visits: list[VisitSummary]) -> str:
    """The previous finished visit's dose, duration, side effects and pain change, in one paragraph."""
    done = [v for v in visits if v.status in (VisitStatus.COMPLETED, VisitStatus.SIGNED) and v.dose_text]
    if not done:
        return "No previous infusion."
    v = done[-1]
    shown = v.dose_shown
    effects = ", ".join(f"{e.type_code} grade {e.grade}" for e in v.side_effects) or "no side effects"
    pain = (f"pain {v.pain_before} → {v.pain_after}"
            if v.pain_before is not None and v.pain_after is not None else "pain change not recorded")
    when = f"{v.created_at:%d %b %Y}" if v.created_at else ""
    return (f"<b>Last time</b> ({when}): {shown.get('dose', v.dose_text)} at {shown.get('rate', '')} over "
            f"{shown.get('duration', v.duration_text)}; {effects}; {pain}.")


def visit_row(v: VisitSummary) -> list[str]:
    shown = v.dose_shown
    pain = f"{v.pain_before if v.pain_before is not None else '–'} → " \
           f"{v.pain_after if v.pain_after is not None else '–'}"
    return [f"{v.created_at:%d %b %Y %H:%M}" if v.created_at else "", v.status.value,
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
        self.banner = IdentityBanner()
        self.last_time = QLabel()
        self.last_time.setObjectName("lastTimeCard")
        self.last_time.setWordWrap(True)
        self.last_time.setAccessibleName("Last time")
        self.back_button = QPushButton("← &Patients")
        self.new_button = QPushButton("&New visit")
        self.open_button = QPushButton("&Open visit")
        self.edit_button = QPushButton("&Edit patient")
        self.edit_button.setToolTip("Identity, weight, allergies, renal function, pregnancy: what the screening "
                                    "reads (saved and audited).")
        self.history = QTableWidget(0, 6)
        self.history.setHorizontalHeaderLabels(["Date", "Status", "Dose", "Rate", "Side effects", "Pain"])
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
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
        QVBoxLayout(card).addWidget(self.last_time)
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
        lay.addLayout(body, 1)
        self.back_button.clicked.connect(self.back)
        self.new_button.clicked.connect(self.new_visit)
        self.open_button.clicked.connect(self._open_selected)
        self.edit_button.clicked.connect(self.edit_patient)
        self.history.activated.connect(lambda index: self._open_row(index.row()))
        self.history.doubleClicked.connect(lambda index: self._open_row(index.row()))

    def show_patient(self, patient: Patient) -> None:
        self.patient = patient
        self.banner.show_patient(patient, self.session.clock.now().astimezone().date())
        self.visits = self.session.store.visit_history(patient.id)
        self.last_time.setText(last_time_text(self.visits))
        newest_first = list(reversed(self.visits))
        self.history.setRowCount(len(newest_first))
        for r, v in enumerate(newest_first):
            for c, text in enumerate(visit_row(v)):
                self.history.setItem(r, c, QTableWidgetItem(text))
        if newest_first:
            self.history.selectRow(0)
        self.draw_trends()

    def draw_trends(self) -> None:
        key = (self.patient.id if self.patient else None, sum(v.version for v in self.visits))
        if key == self._trends_for:
            return
        self._trends_for = key
        from infusiondesk_ui.views import trends

        while self.trends.count():
            w = self.trends.widget(0)
            self.trends.removeTab(0)
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
