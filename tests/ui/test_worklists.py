"""The "Today" board and "Awaiting my signature", driven from the keyboard against the real store."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Patient, PatientDetails, RenalStatus, Role, User, Visit, VisitStatus, VitalSigns
from infusiondesk.service import Step, VisitService
from infusiondesk.worklists import BoardStatus
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.clinic_day import chart_visit
from tests.ui.conftest import CLINIC_START, Clinic_
from tests.ui.steps import finish, settle, sign_in


def _second_patient(clinic: Clinic_) -> Patient:
    return clinic.store.patients.add(PatientDetails("MRN-0008", "Okafor", "Chidi", date(1979, 2, 3), "male",
                                                    weight_kg=80, no_known_allergies=True,
                                                    renal_status=RenalStatus.NORMAL, migraine_diagnosis=True),
                                     by=clinic.session(clinic.nurse))


def _day(clinic: Clinic_) -> tuple[User, Visit, Visit]:
    """Ana's visit infusing since 09:20, Chidi's completed earlier (nurse signed), both ordered by Dr Lee."""
    nurse2 = clinic.store.users.create("rpatel", "Ravi Patel", Role.NURSE, "second-nurse-pass-1", "RN",
                                      by=clinic.admin_session)
    second = clinic.store.users.sign_in("rpatel", "second-nurse-pass-1")
    nurse, doctor = clinic.session(clinic.nurse), clinic.session(clinic.clinician)
    drug = load_drug()
    chidi = chart_visit(clinic.store, drug, _second_patient(clinic), nurse, second, doctor,
                        CLINIC_START - timedelta(minutes=90), until=VisitStatus.COMPLETED)
    ana = chart_visit(clinic.store, drug, clinic.patient, nurse, second, doctor, CLINIC_START,
                      until=VisitStatus.INFUSING)
    clinic.clock.advance(minutes=25)
    return nurse2, ana, chidi


def _finish(clinic: Clinic_, visit_id: int) -> None:
    """Stop Ana's infusion once it has run, observe her, complete the visit (as another workstation would)."""
    svc = VisitService(clinic.store, load_drug())
    nurse = clinic.session(clinic.nurse)

    def step() -> Step:
        return Step(nurse, visit_id, clinic.store.visits.get(visit_id, by=nurse).version, clinic.clock.now())

    visit = clinic.store.visits.get(visit_id, by=nurse)
    volume = visit.dose_order.computed_dose.volume_ml  # type: ignore[union-attr]
    clinic.clock.advance(minutes=30)  # the 30 min infusion has run
    svc.stop(step(), volume)
    clinic.clock.advance(minutes=31)
    svc.record_vitals(step(), VitalSigns(clinic.clock.now(), systolic=120, diastolic=78, heart_rate=68,
                                         resp_rate=16, spo2=98))
    svc.complete(step(), 1, "")


def test_today_board_is_live_and_opens_a_visit_with_enter(qtbot: QtBot, window: MainWindow,
                                                          clinic: Clinic_) -> None:
    _, ana, chidi = _day(clinic)
    sign_in(window, "nkim", "nurse-chair-pass-1")
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    board = window.today_board
    settle(qtbot)  # the board reads the day off the UI thread
    assert window.stack.currentWidget() is board
    assert [r.status for r in board.rows] == [BoardStatus.INFUSING, BoardStatus.AWAITING_SIGNATURE]
    assert board.table.item(0, 1).text() == "RIVERA, Ana" and board.table.item(0, 4).text() == "25 min left"
    assert board.table.item(0, 3).text() == "09:20"  # started (the clinic is on UTC)
    assert "Times in UTC" in board.summary.text() and "infusing 1" in board.summary.text()

    # The infusion is stopped and the visit completed at another workstation: the next tick moves it.
    window.session.idle_lock_min = 120  # the nurse is at this board while the test clock jumps an hour
    assert ana.id is not None
    _finish(clinic, ana.id)
    board.timer.timeout.emit()
    settle(qtbot)
    assert [r.status for r in board.rows] == [BoardStatus.AWAITING_SIGNATURE] * 2
    assert [r.visit_id for r in board.rows] == [chidi.id, ana.id]

    board.table.setFocus()
    qtbot.keyClick(board.table, Qt.Key.Key_Down)
    qtbot.keyClick(board.table, Qt.Key.Key_Return)
    finish()  # read off the UI thread
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace) and ws.visit.id == ana.id
    assert ws.controller.patient.mrn == "MRN-0007"


def test_awaiting_my_signature_opens_one_after_another(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    _, ana, chidi = _day(clinic)
    assert ana.id is not None
    _finish(clinic, ana.id)

    sign_in(window, "drlee", "doctor-sign-pass-1")
    qtbot.keyClick(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    queue = window.queue
    settle(qtbot)
    assert [r.visit_id for r in queue.rows] == [chidi.id, ana.id]  # oldest completed first, across patients
    queue.table.setFocus()
    qtbot.keyClick(queue.table, Qt.Key.Key_Return)
    finish()  # read off the UI thread
    first = window.stack.currentWidget()
    assert isinstance(first, VisitWorkspace) and first.visit.id == chidi.id
    assert first.controller.patient.mrn == "MRN-0008"
    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    finish()  # read off the UI thread
    second = window.stack.currentWidget()
    assert isinstance(second, VisitWorkspace) and second.visit.id == ana.id

    # The nurse owes "Administered by" on Ana's visit only (she signed Chidi's when she completed it).
    window.sign_out()
    sign_in(window, "nkim", "nurse-chair-pass-1")
    window.show_queue()
    settle(qtbot)
    assert [r.visit_id for r in window.queue.rows] == [ana.id]
    window.open_next_in_queue()
    finish()
    assert window.stack.currentWidget().visit.id == ana.id
    window.open_next_in_queue()  # the only one: nothing after it
    finish()
    assert "No more notes" in window.statusBar().currentMessage()


def test_the_day_list_prints_what_the_board_shows(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                  tmp_path: Path) -> None:
    _day(clinic)
    sign_in(window, "nkim", "nurse-chair-pass-1")
    window.show_today()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "day.pdf"))
    window.today_board.print_day_list(printer)
    qtbot.waitUntil(lambda: window.today_board.status.text().startswith(("Sent", "Not")), timeout=60_000)
    assert window.today_board.status.text() == "Sent 1 page of the day list to the printer."
    text = PdfReader(tmp_path / "day.pdf").pages[0].extract_text() or ""
    assert "RIVERA, Ana" in text and "OKAFOR, Chidi" in text and "Monday 02 March 2026" in text
    finish()  # the print's audit entry is written off the UI thread
    printed = [e["detail"] for e in clinic.store.audit.entries(by=clinic.reader) if e["event"] == "print"]
    assert printed and printed[-1]["what"] == "day list" and printed[-1]["pages"] == 1


def test_ctrl_j_pressed_twice_while_the_next_note_is_found_opens_it_once(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    from infusiondesk_ui import operations
    from tests.ui.test_visits_off_thread import Held

    _, _ana, chidi = _day(clinic)
    window.sign_in("drlee", "doctor-sign-pass-1")
    finish()
    held = Held(monkeypatch, window.session.store.visits, "worklist")
    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)  # impatient: still one
    qtbot.waitUntil(lambda: len(held.threads) == 1, timeout=5000)
    assert operations.pending(of=window) == 1
    assert window.statusBar().currentMessage() == "Finding the next note to sign…"
    held.release()
    finish()
    assert len(held.threads) == 1 and list(window.workspaces) == [chidi.id]
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace) and ws.visit.id == chidi.id
    assert window.statusBar().currentMessage() == ""
