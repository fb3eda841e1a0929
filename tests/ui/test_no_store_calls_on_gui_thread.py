"""The guard: a whole visit in the app, by keyboard (sign in, find the patient, assess, order, double check,
start, vitals, side effect, stop, observe, complete, sign, addendum, sign out), opens no store transaction on
the GUI thread (the UI calls the core through one operation helper, off the UI thread). Every other UI test runs
under the same guard (conftest); this one states it for the whole visit, sign-out included."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from tests.ui import test_standard_visit
from tests.ui.conftest import Clinic_
from tests.ui.gui_thread_guard import store_calls_on_gui_thread


def test_a_whole_visit_in_the_app_makes_no_store_call_on_the_gui_thread(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    with store_calls_on_gui_thread(monkeypatch) as on_gui_thread:
        test_standard_visit.test_a_standard_visit_by_keyboard(qtbot, window, clinic)
        window.sign_out()
    assert on_gui_thread == []


def test_the_guard_sees_a_store_read_made_by_a_screen_on_the_gui_thread(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorder itself: a screen reading synchronously is caught; the test's own read is not."""
    with store_calls_on_gui_thread(monkeypatch) as on_gui_thread:
        clinic.store.clinic.policy()  # the test's own read
        assert on_gui_thread == []
        from infusiondesk_ui.views import mobile_marks

        mobile_marks.read_out(clinic.store, clinic.reader)  # a screen's worker read, called on this thread
    assert on_gui_thread == ["views/mobile_marks.py:read_out"]


def test_the_app_closing_may_wait_for_the_store_on_the_gui_thread(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    """The one allowed case: closing the window saves the drafts and signs out in line (the app is going)."""
    from tests.ui.steps import finish, sign_in

    sign_in(window, "nkim", "nurse-chair-pass-1")
    with store_calls_on_gui_thread(monkeypatch) as on_gui_thread:
        window.close()
    assert on_gui_thread == []
    finish()
