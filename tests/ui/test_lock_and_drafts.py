"""Idle lock keeps unsaved work; drafts are autosaved through the store; first-run setup; hard stops."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.records.models import VisitStatus
from infusiondesk.store import AuthError, Store
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.clock import FixedClock
from infusiondesk_ui.session import Session
from infusiondesk_ui.views.visit_workspace import VisitWorkspace, draft_key
from tests.ui.conftest import CLINIC_START, Clinic_
from tests.ui.steps import finish, sign_in


def signed_in(qtbot: QtBot, window: MainWindow, username: str, password: str) -> None:
    sign_in(window, username, password)
    assert window.session.user is not None, window.signin.error.text()


def open_new_visit(window: MainWindow, clinic: Clinic_) -> VisitWorkspace:
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    return ws


def test_idle_lock_keeps_the_unsaved_dose_and_only_the_same_user_unlocks(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    assert window.session.idle_lock_min == 10  # the default
    signed_in(qtbot, window, "nkim", "nurse-chair-pass-1")
    ws = open_new_visit(window, clinic)
    ws.tabs.setCurrentWidget(ws.dose)
    qtbot.keyClicks(ws.dose.panel.dose, "2 g")
    qtbot.keyClicks(ws.dose.panel.concentration, "2 g/50 mL")
    clinic.clock.advance(minutes=10)  # ten minutes without a key or mouse; the idle check runs every second
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.lock_view, timeout=3000)
    assert window.windowTitle().startswith("InfusionDesk — Locked")
    # the draft was saved when the screen locked
    finish()
    draft = clinic.store.drafts.load(draft_key(ws.visit), by=window.session.require_session())
    assert draft is not None and draft["dose"]["dose"] == "2 g"
    # someone else's password does not unlock it
    qtbot.keyClicks(window.lock_view.password, "doctor-sign-pass-1")
    qtbot.keyClick(window.lock_view.password, Qt.Key.Key_Return)
    finish()
    assert window.stack.currentWidget() is window.lock_view
    assert window.lock_view.error.text()
    qtbot.keyClicks(window.lock_view.password, "nurse-chair-pass-1")
    qtbot.keyClick(window.lock_view.password, Qt.Key.Key_Return)
    finish()
    assert window.stack.currentWidget() is ws
    assert ws.dose.panel.dose.text() == "2 g"
    assert ws.dose.panel.concentration.text() == "2 g/50 mL"


def test_a_draft_comes_back_after_signing_out_and_in(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    signed_in(qtbot, window, "nkim", "nurse-chair-pass-1")
    ws = open_new_visit(window, clinic)
    visit_id = ws.visit.id
    qtbot.keyClicks(ws.assessment.pain, "8")
    qtbot.keyClicks(ws.infusion.readiness.lot, "LOT-55")
    window.sign_out()
    assert window.stack.currentWidget() is window.signin
    signed_in(qtbot, window, "nkim", "nurse-chair-pass-1")
    window.show_chart(clinic.patient)
    finish()
    window.open_visit(clinic.store.visits.get(visit_id or 0, by=clinic.reader))
    finish()  # the saved draft is read off the UI thread
    again = window.stack.currentWidget()
    assert isinstance(again, VisitWorkspace) and again is not ws
    assert again.assessment.pain.text() == "8"
    assert again.infusion.readiness.lot.text() == "LOT-55"


def test_switching_screens_keeps_what_was_typed(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    signed_in(qtbot, window, "nkim", "nurse-chair-pass-1")
    ws = open_new_visit(window, clinic)
    qtbot.keyClicks(ws.dose.panel.dose, "1.5 g")
    window.show_patients()
    window.show_report()
    finish()
    window.show_chart(clinic.patient)
    finish()
    window.open_visit(ws.visit)
    finish()
    assert window.stack.currentWidget() is ws
    assert ws.dose.panel.dose.text() == "1.5 g"


def test_a_hard_stop_blocks_start_and_appears_in_the_near_miss_report(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    signed_in(qtbot, window, "drlee", "doctor-sign-pass-1")
    ws = open_new_visit(window, clinic)
    ws.assessment.record.click()
    finish()
    ws.assessment.suitable.click()
    finish()
    assert ws.visit.status is VisitStatus.ASSESSED, ws.problem.text()
    panel = ws.dose.panel
    qtbot.keyClicks(panel.dose, "2 g")
    qtbot.keyClicks(panel.concentration, "2 g/50 mL")
    qtbot.keyClicks(panel.duration, "10 min")
    assert panel.blocked
    ws.dose.order.click()
    finish()
    assert ws.visit.dose_order is None
    assert "cannot be ordered" in ws.problem.text()
    assert not ws.infusion.start.isEnabled()
    window.show_report()
    finish()
    table = window.report.table
    assert table.rowCount() == 1
    assert table.item(0, 1).text() == "HARD STOP"
    assert table.item(0, 3).text() == "dose_rate.max.hard"
    assert table.item(0, 2).text() == "drlee"


def test_first_run_setup_creates_the_clinic_then_sign_in(qtbot: QtBot, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from infusiondesk import enrolment

    first_run_sessions = []
    real_set_up = enrolment.set_up_clinic

    def set_up_clinic(*args: Any, **kwargs: Any) -> Any:
        made = real_set_up(*args, **kwargs)
        first_run_sessions.append(made.admin_session)
        return made

    monkeypatch.setattr(enrolment, "set_up_clinic", set_up_clinic)
    clock = FixedClock(CLINIC_START)
    store = Store.open(str(tmp_path / "new.db"), clock=clock.now)
    window = MainWindow(Session(store=store, drug=load_drug(), clock=clock))
    qtbot.addWidget(window)
    window.show()
    finish()  # the store is looked at off the UI thread before the first-run card is chosen
    assert window.stack.currentWidget() is window.setup_view
    v = window.setup_view
    for edit, text in ((v.clinic, "Hilltop Clinic"), (v.admin_username, "boss"), (v.admin_name, "Bo Ss"),
                       (v.admin_password, "long-pass-phrase-42"), (v.admin_confirm, "long-pass-43"),
                       (v.ca_passphrase, "hilltop vault phrase"), (v.ca_confirm, "hilltop vault phrase")):
        qtbot.keyClicks(edit, text)
    v.button.click()
    finish()
    assert "differ" in v.error.text()
    v.admin_confirm.clear()
    qtbot.keyClicks(v.admin_confirm, "long-pass-phrase-42")
    qtbot.keyClick(v.ca_confirm, Qt.Key.Key_Return)
    finish()
    assert window.stack.currentWidget() is window.signin
    assert store.clinic.get().name == "Hilltop Clinic"
    shown = re.search(r"CA recovery code: ([0-9A-Z-]+)\.", window.signin.status.text())
    assert shown is not None and "shown only now" in window.signin.status.text()
    sign_in(window, "boss", "long-pass-phrase-42")
    assert window.session.user is not None and window.session.user.username == "boss"
    assert shown.group(1) not in window.signin.status.text()  # shown once: gone after the first sign-in
    enrolment.recover_ca_passphrase(store, shown.group(1), "hilltop vault phrase two",  # the code works
                                    by=window.session.require_session())
    window.sign_out()
    with pytest.raises(AuthError, match="signed out"):  # the first run's own session ended at once, too
        store.users.all(by=first_run_sessions[0])
    store.close()


def test_a_second_person_double_checks_the_order(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    from tests.ui.steps import assess_and_approve, order

    signed_in(qtbot, window, "drlee", "doctor-sign-pass-1")
    ws = open_new_visit(window, clinic)
    assess_and_approve(ws)
    order(ws)
    ws.dose.check_by("drlee", "doctor-sign-pass-1")  # the one who ordered cannot check their own order
    finish()
    assert ws.visit.dose_order is not None and ws.visit.dose_order.double_check is None
    assert ws.problem.text()
    ws.dose.check_by("nkim", "wrong")
    finish()
    assert ws.problem.text().startswith("Not double-checked:")
    ws.dose.check_by("nkim", "nurse-chair-pass-1")
    finish()
    assert ws.visit.dose_order.double_check is not None
    assert ws.visit.dose_order.double_check.by == clinic.nurse.id
    assert "double-checked by Noor Kim at" in ws.dose.status.text()
    assert not ws.dose.check.isEnabled()  # once is enough
