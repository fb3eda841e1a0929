"""Sign-in and unlock check the password off the UI thread: the card says it is checking, a second Enter checks
nothing twice, a refusal is said in its own words, and only the lock card's own check gets past the lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Clinic
from infusiondesk_ui import ops
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.session import ClinicZoneUnknown, Session
from tests.ui.conftest import PASSWORDS, Clinic_
from tests.ui.steps import finish, sign_in


def held_back(monkeypatch: pytest.MonkeyPatch, target: object, name: str) -> tuple[list[str], threading.Event]:
    """`target.name` counts its calls and waits for the returned event before it checks: the check is running."""
    real: Callable[..., Any] = getattr(target, name)
    calls: list[str] = []
    go = threading.Event()

    def waiting(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        assert go.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, waiting)
    return calls, go


def type_sign_in(qtbot: QtBot, window: MainWindow, username: str, password: str) -> None:
    window.signin.username.setFocus()
    qtbot.keyClicks(window.signin.username, username)
    qtbot.keyClick(window.signin.username, Qt.Key.Key_Return)
    qtbot.keyClicks(window.signin.password, password)
    qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)


def test_a_double_enter_checks_the_password_once_and_the_card_says_it_is_checking(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls, go = held_back(monkeypatch, clinic.store.users, "sign_in")
    type_sign_in(qtbot, window, "nkim", PASSWORDS["nkim"])
    qtbot.waitUntil(lambda: calls == ["sign_in"], timeout=5_000)
    qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)  # impatient: Enter again, and the button
    qtbot.mouseClick(window.signin.button, Qt.MouseButton.LeftButton)
    window.signin.submitted.emit("nkim", PASSWORDS["nkim"])  # even a second submit reaching the window
    assert window.signin.error.text() == "Checking your password…"
    assert not window.signin.button.isEnabled() and not window.signin.password.isEnabled()
    assert window.stack.currentWidget() is window.signin and window.session.signed_in is None
    window.grab().save(str(tmp_path / "signin-checking.png"))  # the sentence in the info colour, not red
    go.set()
    finish()
    assert calls == ["sign_in"]  # checked once
    assert window.session.user is not None and window.session.user.username == "nkim"
    assert window.stack.currentWidget() is window.patients
    assert window.signin.button.isEnabled() and window.signin.password.isEnabled()  # ready for the next person


def test_a_wrong_password_is_said_and_the_password_field_is_ready_again(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    type_sign_in(qtbot, window, "nkim", "not the nurse's password")
    finish()
    assert window.session.signed_in is None and window.stack.currentWidget() is window.signin
    assert window.signin.error.text() == "That user name and password do not match; check them and try again."
    assert window.signin.password.text() == "" and window.signin.password.hasFocus()
    assert window.signin.button.isEnabled()
    qtbot.keyClicks(window.signin.password, PASSWORDS["nkim"])  # she types it again and goes on
    qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)
    finish()
    assert window.session.user is not None and window.session.user.username == "nkim"


def test_the_clinic_zone_is_read_at_sign_in(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    admin = clinic.admin_session
    clinic.store.clinic.update(Clinic("Riverside Infusion Clinic", "1 River Rd", timezone="America/New_York"), admin)
    sign_in(window, "nkim", PASSWORDS["nkim"])
    assert window.session.zone.key == "America/New_York"
    assert window.session.hhmm(clinic.clock.now()) == "04:00"  # 09:00 UTC on 2 March is 04:00 in New York


def test_a_session_whose_clinic_was_never_read_refuses_to_give_times(clinic: Clinic_) -> None:
    session = Session(store=clinic.store, drug=None, clock=clinic.clock)
    with pytest.raises(ClinicZoneUnknown, match="has not been read yet"):
        session.hhmm(clinic.clock.now())  # not UTC dressed up as the clinic's time
    session.use_clinic(Clinic("Riverside", "1 River Rd", timezone="Europe/Dublin"))
    assert session.zone.key == "Europe/Dublin"
    session.use_clinic(Clinic("Riverside", "1 River Rd", timezone="Mars/Olympus_Mons"))
    with pytest.raises(DomainError, match='"Mars/Olympus_Mons" is not known'):
        session.today()


def lock_with_a_result_waiting(qtbot: QtBot, window: MainWindow) -> list[object]:
    """Signed in and locked, with a screen's read finished behind the lock (held, like every result)."""
    sign_in(window, "nkim", PASSWORDS["nkim"])
    window.lock()
    got: list[object] = []
    StoreOp(window.patients, lambda: "the patient list", busy_cursor=False).success(got.append).run()
    qtbot.wait(200)
    return got


def test_a_wrong_unlock_password_is_said_the_screen_stays_locked_and_results_keep_waiting(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    got = lock_with_a_result_waiting(qtbot, window)
    assert got == []
    qtbot.keyClicks(window.lock_view.password, PASSWORDS["drlee"])  # someone else's password
    qtbot.keyClick(window.lock_view.password, Qt.Key.Key_Return)
    finish()
    assert window.locked and window.stack.currentWidget() is window.lock_view
    assert window.lock_view.error.text() == "That user name and password do not match; check them and try again."
    assert window.lock_view.password.text() == "" and window.lock_view.password.hasFocus()
    assert got == []  # the refusal reached the lock card; the screen's result still waits
    qtbot.keyClicks(window.lock_view.password, PASSWORDS["nkim"])
    qtbot.keyClick(window.lock_view.password, Qt.Key.Key_Return)
    finish()
    assert not window.locked and window.stack.currentWidget() is window.patients
    assert got == ["the patient list"]  # delivered at the unlock


def test_the_unlock_check_runs_once_and_shows_it_is_checking(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    got = lock_with_a_result_waiting(qtbot, window)
    calls, go = held_back(monkeypatch, clinic.store.users, "confirm_password")
    qtbot.keyClicks(window.lock_view.password, PASSWORDS["nkim"])
    qtbot.keyClick(window.lock_view.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: calls == ["confirm_password"], timeout=5_000)
    qtbot.keyClick(window.lock_view.password, Qt.Key.Key_Return)
    window.lock_view.unlock.emit(PASSWORDS["nkim"])
    assert window.lock_view.error.text() == "Checking your password…"
    assert not window.lock_view.button.isEnabled() and not window.lock_view.switch.isEnabled()
    assert window.locked and got == []
    go.set()
    finish()
    assert calls == ["confirm_password"]
    assert not window.locked and got == ["the patient list"]


def test_enter_on_an_empty_lock_card_asks_for_the_password_without_a_check(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(window, "nkim", PASSWORDS["nkim"])
    window.lock()
    calls, go = held_back(monkeypatch, clinic.store.users, "confirm_password")
    go.set()
    qtbot.keyClick(window.lock_view.password, Qt.Key.Key_Return)
    finish()
    assert calls == [] and window.locked
    assert window.lock_view.error.text() == "Type your password, then press Enter to unlock."


def test_a_result_asked_for_while_locked_is_not_let_through_by_the_unlock_check(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    """Only the lock card's own operation is `while_locked`: a wrong password delivers nothing else."""
    sign_in(window, "nkim", PASSWORDS["nkim"])
    window.lock()
    got: list[object] = []
    ops.run_in_thread(lambda: "a preview", got.append, got.append)
    qtbot.keyClicks(window.lock_view.password, "a wrong password")
    qtbot.keyClick(window.lock_view.password, Qt.Key.Key_Return)
    finish()
    qtbot.wait(100)
    assert window.locked and got == []
