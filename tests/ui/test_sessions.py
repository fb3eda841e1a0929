"""Sign-in sessions at the chair: the window acts through the session the store handed out, so signing out,
closing the app, or an admin deactivating someone ends it; the double check's witness signs in for their step."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import UserSession
from infusiondesk.store import AuthError
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import HeldStep, assess_and_approve, fill_assessment, finish, order


def _sign_in_by_keyboard(qtbot: QtBot, window: MainWindow, username: str, password: str) -> UserSession:
    """What a nurse types: the user name, Enter, the password, Enter."""
    window.signin.username.setFocus()
    qtbot.keyClicks(window.signin.username, username)
    qtbot.keyClick(window.signin.username, Qt.Key.Key_Return)
    finish()
    assert window.signin.password.hasFocus()
    qtbot.keyClicks(window.signin.password, password)
    qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)
    finish()
    assert window.session.signed_in is not None, window.signin.error.text()
    return window.session.signed_in


def _new_visit(window: MainWindow, clinic: Clinic_) -> VisitWorkspace:
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    return ws


def test_signing_out_ends_the_session_in_the_store(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    session = _sign_in_by_keyboard(qtbot, window, "nkim", "nurse-chair-pass-1")
    assert clinic.store.users.current(session).username == "nkim"
    window.act_sign_out.trigger()
    finish()
    assert window.session.signed_in is None and window.stack.currentWidget() is window.signin
    with pytest.raises(AuthError, match="You have been signed out"):
        clinic.store.patients.search("riv", by=session)  # a copy of the token kept elsewhere grants nothing


def test_closing_the_app_ends_the_session(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    session = _sign_in_by_keyboard(qtbot, window, "drlee", "doctor-sign-pass-1")
    window.close()
    with pytest.raises(AuthError, match="signed out"):
        clinic.store.users.current(session)


def test_closing_the_app_while_the_password_is_checked_signs_that_session_out(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store granted the session, the window closed before showing it: nobody is left signed in."""
    granted: list[UserSession] = []
    go = threading.Event()
    real = clinic.store.users.sign_in

    def slow_check(username: str, password: str) -> UserSession:
        assert go.wait(20)
        granted.append(real(username, password))
        return granted[-1]

    monkeypatch.setattr(clinic.store.users, "sign_in", slow_check)
    window.sign_in("nkim", "nurse-chair-pass-1")
    threading.Timer(0.2, go.set).start()  # the check ends while the window is closing
    window.close()
    assert len(granted) == 1
    with pytest.raises(AuthError, match="signed out"):
        clinic.store.users.current(granted[0])
    finish()
    assert window.session.signed_in is None and window.stack.currentWidget() is window.signin  # not shown late


def test_closing_the_app_while_a_step_is_saved_keeps_the_step(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    """The nurse records the assessment and closes the window at once: the step is saved before the sign-out
    (signing out first would refuse it, and the assessment would be lost)."""
    session = _sign_in_by_keyboard(qtbot, window, "nkim", "nurse-chair-pass-1")
    ws = _new_visit(window, clinic)
    fill_assessment(ws)
    step = HeldStep(monkeypatch, ws, "assess")
    ws.assessment.record.click()
    qtbot.waitUntil(lambda: bool(step.threads), timeout=10_000)
    threading.Timer(0.2, step.release).start()
    window.close()
    saved = clinic.store.visits.get(ws.visit.id, by=clinic.reader)
    assert saved.assessment.assessed_at is not None
    with pytest.raises(AuthError, match="signed out"):
        clinic.store.users.current(session)


def test_a_nurse_deactivated_mid_visit_is_told_at_her_next_step_and_nothing_is_saved(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    _sign_in_by_keyboard(qtbot, window, "nkim", "nurse-chair-pass-1")
    ws = _new_visit(window, clinic)
    version = ws.visit.version
    clinic.store.users.set_active(clinic.nurse.id, False, by=clinic.admin_session)  # at the admin's desk
    ws.assessment.pain.setText("7")
    ws.assessment.record.click()
    finish()
    assert ws.problem.text().startswith("You have been signed out (account deactivated)"), ws.problem.text()
    assert clinic.store.visits.get(ws.visit.id, by=clinic.reader).version == version
    ws.save_draft()  # the autosave keeps nothing for an ended session, and does not fail


def test_the_double_check_is_the_witness_s_own_short_session(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _sign_in_by_keyboard(qtbot, window, "drlee", "doctor-sign-pass-1")
    ws = _new_visit(window, clinic)
    assess_and_approve(ws)
    order(ws)
    witnesses: list[Any] = []
    real = ws.session.service.double_check
    monkeypatch.setattr(ws.session.service, "double_check", lambda step: (witnesses.append(step.by), real(step))[1])
    ws.dose.check_by("nkim", "the clinician guesses it")  # naming the witness needs her password
    finish()
    assert ws.problem.text().startswith("Not double-checked: That user name and password do not match")
    assert witnesses == [] and ws.visit.dose_order is not None and ws.visit.dose_order.double_check is None
    ws.dose.check_by("nkim", "nurse-chair-pass-1")
    finish()
    assert ws.visit.dose_order.double_check is not None
    assert ws.visit.dose_order.double_check.by == clinic.nurse.id
    [witness] = witnesses
    assert witness.user.username == "nkim" and witness is not window.session.signed_in
    with pytest.raises(AuthError, match="signed out"):  # ended after her step
        clinic.store.users.current(witness)
    assert clinic.store.users.current(window.session.require_session()).username == "drlee"  # still signed in


def test_an_ended_session_does_not_unlock_the_screen(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    _sign_in_by_keyboard(qtbot, window, "nkim", "nurse-chair-pass-1")
    window.lock()
    clinic.store.users.reset_password(clinic.nurse.id, "temporary river stone 7", by=clinic.admin_session)
    qtbot.keyClicks(window.lock_view.password, "nurse-chair-pass-1")
    qtbot.keyClick(window.lock_view.password, Qt.Key.Key_Return)
    finish()
    assert window.locked and window.stack.currentWidget() is window.lock_view
    assert "You have been signed out (password reset by an admin)" in window.lock_view.error.text()
