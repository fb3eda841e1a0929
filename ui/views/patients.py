"""The patient list: search as you type (name or MRN, off the UI thread), and registering a new patient (the form
is `infusiondesk_ui.views.patient_form.PatientDialog`, also used to edit one from the chart)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk.records.models import Patient
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.session import Session
from infusiondesk_ui.views import mobile_marks
from infusiondesk_ui.views.patient_form import PatientDialog

__all__ = ["PatientDialog", "PatientListView"]
from infusiondesk_ui.widgets.banner import allergy_text

SEARCH_DELAY_MS = 150


def _search(store: Any, session: Any, text: str) -> tuple[list[Patient], dict[int, Any]]:
    """The patients found and who of everyone is out on a laptop (two store reads; off the UI thread)."""
    found: list[Patient] = store.patients.search(text, limit=50, by=session)
    return found, mobile_marks.read_out(store, session)


class _SearchBox(QLineEdit):
    """Down arrow moves into the results, so the list is usable without the mouse."""

    down = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down.emit()
            return
        super().keyPressEvent(event)


class PatientListView(QWidget):
    open_patient = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.search = _SearchBox()
        self.search.setPlaceholderText("Search by family name, given name or MRN")
        self.search.setAccessibleName("Search patients")
        self.new = QPushButton("&New patient")
        self.busy = QLabel()
        self.busy.setObjectName("searchStatus")
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels(["Name", "MRN", "Born", "Phone", "Weight", "Allergies", "Out on a laptop"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Patients found")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)  # allergies read whole, on one line
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(0, 260)
        self.table.setColumnWidth(2, 120)
        self.table.setColumnWidth(3, 160)  # "+44 20 7946 0958" on one line
        self.table.verticalHeader().setVisible(False)
        top = QHBoxLayout()
        find = QLabel("&Find")
        find.setBuddy(self.search)
        top.addWidget(find)
        top.addWidget(self.search, 1)
        top.addWidget(self.new)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.busy)
        lay.addWidget(self.table, 1)
        self.patients: list[Patient] = []
        self.out: dict[int, Any] = {}  # patient id -> OutOnLaptop (infusiondesk_ui.views.mobile_marks)
        self._pending = ""  # the text of the latest search asked for
        self._shown: str | None = None  # the text whose results the table shows
        self._open_when_found: str | None = None  # Enter was pressed before the search for this text returned
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._open_first)
        self.search.down.connect(self._into_table)
        self.table.activated.connect(lambda index: self._open_row(index.row()))
        self.table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        self.new.clicked.connect(self.new_patient)
        self.setFocusProxy(self.search)

    def run_search(self) -> None:
        """Search once typing pauses (SEARCH_DELAY_MS), off the UI thread; a result that arrives after a
        newer search was typed is dropped."""
        text = self.search.text().strip()
        self._pending = text
        self.busy.setText("Searching…")
        store, session = self.session.store, self.session.require_session()
        # The work returns data and touches no widget; the screen is told on the UI thread.
        StoreOp(self, lambda: _search(store, session, text), busy_cursor=False) \
            .success(lambda found: self._show(text, *found)).failure(self._not_found).run()

    def _not_found(self, sentence: str) -> None:
        self._open_when_found = None  # nothing to open: the sentence says why
        self.busy.setText(sentence)

    def search_now(self) -> None:
        """Search for what is typed now, without waiting for typing to pause (the list shown, Enter pressed
        before the typed search returned); off the UI thread like the typed search."""
        self._timer.stop()
        self.run_search()

    def _show(self, text: str, found: list[Patient], out: dict[int, Any] | None = None) -> None:
        if text != self._pending:
            return  # an older search finished after a newer one was typed
        self._shown = text
        self.patients = found
        self.out = out or {}
        self.busy.setText(f"{len(found)} patient(s)" if text else f"{len(found)} patient(s), most recent first")
        self.table.setRowCount(len(found))
        for r, p in enumerate(found):
            weight = f"{p.weight_kg:g} kg" if p.weight_kg else ""
            away = self.out.get(p.id)
            where = mobile_marks.out_text(away, self.session.local, self.session.today()) if away else ""
            for c, text_ in enumerate((p.display_name, p.mrn, f"{p.date_of_birth:%d %b %Y}", p.phone, weight,
                                       allergy_text(p), where)):
                self.table.setItem(r, c, QTableWidgetItem(text_))
        if found:
            self.table.selectRow(0)
        if self._open_when_found == text:
            self._open_when_found = None
            if found:
                self.open_patient.emit(found[0])

    def _into_table(self) -> None:
        if self.table.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def _open_first(self) -> None:
        """Enter in the search box opens the first patient found for what is typed; before that search has
        returned, they open when it does (once, however often Enter is pressed meanwhile)."""
        text = self.search.text().strip()
        if not self._timer.isActive() and self._shown == text:
            if self.patients:
                self.open_patient.emit(self.patients[0])
            return
        self._open_when_found = text
        if self._timer.isActive() or self._pending != text:
            self.search_now()

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.patients):
            self.open_patient.emit(self.patients[row])

    def new_patient(self) -> None:
        dialog = PatientDialog(self.session, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self.search.setText(dialog.saved.mrn)
            self.search_now()
            self.open_patient.emit(dialog.saved)
