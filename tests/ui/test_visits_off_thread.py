"""Opening and creating visits, the patient search, the patient form and the day list read and write the store off
the UI thread (issue 11): the screen stays usable while they run, a second press does the work once, and a
refusal is said in its own words."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from infusiondesk_ui import operations
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.patient_form import PatientDialog
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, sign_in

Key = Qt.Key
Mod = Qt.KeyboardModifier


class Held:
    """Wraps `owner.name`: records the threads it ran on, and holds each call until `release()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        self.threads: list[int] = []
        self.gate = threading.Event()
        real: Callable[..., Any] = getattr(owner, name)

        def held(*args: Any, **kwargs: Any) -> Any:
            self.threads.append(threading.get_ident())
            assert self.gate.wait(20), "the test never released the call"
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, held)

    def release(self) -> None:
        self.gate.set()


def _at_the_chart(window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    window.show_chart(clinic.patient)
    finish()


def test_new_visit_pressed_twice_while_it_is_created_creates_one_visit(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    _at_the_chart(window, clinic)
    before = len(clinic.store.visits.all(clinic.patient.id, by=clinic.reader))
    held = Held(monkeypatch, window.session.service, "new_visit")
    assert window.chart is not None
    qtbot.keyClick(window.chart.new_button, Key.Key_Space)  # New visit
    qtbot.waitUntil(lambda: len(held.threads) == 1, timeout=5000)
    assert not window.chart.new_button.isEnabled()  # the button cannot start it twice
    assert window.statusBar().currentMessage() == "Opening a new visit for RIVERA, Ana…"
    window.chart.new_visit.emit()  # a second ask reaching the window meanwhile (a key) creates nothing either
    assert operations.pending(of=window) == 1
    assert held.threads[0] != threading.get_ident()  # created in a worker, not on the UI thread
    held.release()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace), window.statusBar().currentMessage()
    assert len(held.threads) == 1
    assert len(clinic.store.visits.all(clinic.patient.id, by=clinic.reader)) == before + 1
    assert window.chart.new_button.isEnabled() and window.statusBar().currentMessage() == ""
    focus = QApplication.focusWidget()
    assert focus is ws.tabs.currentWidget() or ws.tabs.currentWidget().isAncestorOf(focus)  # typing goes on there


def test_a_refused_new_visit_says_why_in_the_status_bar(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from infusiondesk.errors import DomainError

    _at_the_chart(window, clinic)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise DomainError("Ana Rivera already has an open visit; finish it first.")

    monkeypatch.setattr(window.session.service, "new_visit", refuse)
    assert window.chart is not None
    qtbot.keyClick(window.chart.new_button, Key.Key_Space)
    finish()
    assert window.statusBar().currentMessage() == "Ana Rivera already has an open visit; finish it first."
    assert window.stack.currentWidget() is window.chart and window.chart.new_button.isEnabled()
    assert window.workspaces == {}


def test_a_visit_asked_for_twice_while_it_is_read_opens_one_workspace(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    _at_the_chart(window, clinic)
    visit = window.session.service.new_visit(clinic.session(clinic.nurse), clinic.patient.id)
    held = Held(monkeypatch, window.session.store.visits, "get")
    window.open_visit(visit)
    window.open_visit(visit)  # a double click on the history row
    qtbot.waitUntil(lambda: len(held.threads) == 1, timeout=5000)
    assert operations.pending(of=window) == 1  # one read, not two
    assert window.stack.currentWidget() is window.chart  # the chart stays usable meanwhile
    held.release()
    finish()
    assert list(window.workspaces) == [visit.id] and window.stack.currentWidget() is window.workspaces[visit.id]
    assert len(held.threads) == 1


def test_a_visit_that_cannot_be_read_is_said_in_the_status_bar(qtbot: QtBot, window: MainWindow,
                                                              clinic: Clinic_) -> None:
    _at_the_chart(window, clinic)
    window.open_visit_id(987_654)
    finish()
    assert window.statusBar().currentMessage() == "Visit #987654 does not exist."  # the refusal's own words
    assert window.stack.currentWidget() is window.chart and window.workspaces == {}


def test_enter_before_the_search_returned_opens_the_first_patient_once_it_does(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    finish()
    view = window.patients
    opened: list[str] = []
    view.open_patient.connect(lambda p: opened.append(p.mrn))
    held = Held(monkeypatch, window.session.store.patients, "search")
    view.search.setFocus()
    qtbot.keyClicks(view.search, "MRN-0007")
    qtbot.keyClick(view.search, Key.Key_Return)  # before the search has even started
    qtbot.keyClick(view.search, Key.Key_Return)  # and again, impatient: still one chart
    qtbot.waitUntil(lambda: len(held.threads) >= 1, timeout=5000)
    assert opened == [] and view.busy.text() == "Searching…"
    assert held.threads[0] != threading.get_ident()
    held.release()
    finish()
    assert opened == ["MRN-0007"]
    assert window.stack.currentWidget() is window.chart and window.chart is not None
    assert window.chart.patient is not None and window.chart.patient.mrn == "MRN-0007"


def test_the_patient_list_shown_searches_off_the_ui_thread(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    window.patients.search.setText("riv")  # typed earlier; the list shown again searches it at once
    held = Held(monkeypatch, window.session.store.patients, "search")
    window.show_patients()
    assert window.patients.search.hasFocus()  # the nurse can type at once
    qtbot.waitUntil(lambda: len(held.threads) == 1, timeout=5000)
    assert held.threads[0] != threading.get_ident()
    held.release()
    finish()
    assert [p.mrn for p in window.patients.patients] == ["MRN-0007"], window.patients.busy.text()
    assert window.patients.table.item(0, 1).text() == "MRN-0007"


def _filled_form(qtbot: QtBot, window: MainWindow, mrn: str) -> PatientDialog:
    dialog = PatientDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)  # Ctrl+S is the form's window's shortcut
    for edit, text in ((dialog.mrn, mrn), (dialog.family, "Lind"), (dialog.given, "Erik"),
                       (dialog.dob, "1979-02-14")):
        qtbot.keyClicks(edit, text)
    return dialog


def test_the_patient_form_saves_once_however_often_it_is_asked_while_saving(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    dialog = _filled_form(qtbot, window, "MRN-0400")
    held = Held(monkeypatch, window.session.store.patients, "add")
    qtbot.keyClick(dialog.dob, Key.Key_S, Mod.ControlModifier)
    qtbot.waitUntil(lambda: len(held.threads) == 1, timeout=5000)
    assert not dialog.save_button.isEnabled()
    qtbot.keyClick(dialog.dob, Key.Key_S, Mod.ControlModifier)  # Ctrl+S again, then Esc: both wait
    qtbot.keyClick(dialog.dob, Key.Key_Escape)
    assert dialog.isVisible() and operations.pending(of=dialog) == 1
    held.release()
    finish()
    assert len(held.threads) == 1 and dialog.error.text() == ""  # no "MRN in use" from a second save
    assert dialog.saved is not None and dialog.saved.mrn == "MRN-0400"
    assert dialog.result() == PatientDialog.DialogCode.Accepted and not dialog.isVisible()
    assert clinic.store.patients.by_mrn("MRN-0400", by=clinic.reader) is not None


def test_the_patient_form_shows_the_stores_refusal_in_its_own_words(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    dialog = _filled_form(qtbot, window, "MRN-0007")  # Ana Rivera's
    qtbot.keyClick(dialog.dob, Key.Key_S, Mod.ControlModifier)
    finish()
    assert dialog.saved is None and dialog.isVisible()
    assert "MRN-0007" in dialog.error.text(), dialog.error.text()
    assert dialog.save_button.isEnabled()  # the nurse corrects the MRN and saves again


def test_generate_mrn_checks_the_number_off_the_ui_thread(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    dialog = PatientDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    held = Held(monkeypatch, window.session.store.patients, "by_mrn")
    dialog.generate.click()
    qtbot.waitUntil(lambda: len(held.threads) == 1, timeout=5000)
    assert not dialog.generate.isEnabled() and dialog.mrn.text() == ""  # shown once it is checked
    assert held.threads[0] != threading.get_ident()
    held.release()
    finish()
    assert dialog.mrn.text().startswith("ID-") and dialog.generate.isEnabled()
    assert dialog.family.hasFocus()


def test_printing_the_day_list_reads_it_off_the_ui_thread_with_print_off_meanwhile(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    window.show_today()
    finish()
    board = window.today_board
    held = Held(monkeypatch, window.session.store.clinic, "get")
    printed: list[Any] = []
    monkeypatch.setattr(board.output, "print", lambda job, printer=None: printed.append(job))
    board.print_button.click()
    board.print_button.click()  # disabled: nothing more
    qtbot.waitUntil(lambda: len(held.threads) == 1, timeout=5000)
    assert not board.print_button.isEnabled() and board.status.text() == "Reading the day list…"
    held.release()
    finish()
    assert len(printed) == 1 and printed[0]["kind"] == "day_list" and len(held.threads) == 1
    assert printed[0]["clinic"]["name"] == "Riverside Infusion Clinic" and board.print_button.isEnabled()
