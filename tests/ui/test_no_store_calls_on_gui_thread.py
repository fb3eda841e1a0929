"""The guard: a whole visit in the app, by keyboard (sign in, find the patient, assess, order, double check,
start, vitals, side effect, stop, observe, complete, sign, addendum, sign out), opens no store transaction on
the GUI thread except the few not moved yet, named below (issue 11: the UI calls the core through one
operation helper, off the UI thread). A new store call on the GUI thread fails this test; so does moving one of
the listed ones without taking it off the list."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from tests.ui import test_standard_visit
from tests.ui.conftest import Clinic_
from tests.ui.gui_thread_guard import store_calls_on_gui_thread

# Still on the GUI thread (work left for issue 11 item 2; each is a short read or the argon2 check):
NOT_MOVED_YET = {
    "app.py:sign_in",  # the password check (argon2); tests and the lock/forced-change paths call it in line
    "app.py:open_visit",  # the patient, the previous weight and the latest visit, read before the workspace
    "app.py:new_visit",  # service.new_visit, then open_visit
    "session.py:zone",  # the clinic's time zone, read once per session on first use
    # Enter pressed before the typed search returned (the typed search is off): search_now runs `_search`, whose two
    # reads are the patients found and who is out on a laptop (`mobile_marks.read_out`)
    "views/patients.py:_search",
    "views/mobile_marks.py:read_out",
}


def test_a_whole_visit_in_the_app_makes_no_store_call_on_the_gui_thread_but_the_listed_ones(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    with store_calls_on_gui_thread(monkeypatch) as on_gui_thread:
        test_standard_visit.test_a_standard_visit_by_keyboard(qtbot, window, clinic)
        window.sign_out()
    assert set(on_gui_thread) == NOT_MOVED_YET, "\n".join(sorted(set(on_gui_thread) ^ NOT_MOVED_YET))


def test_the_guard_sees_a_store_read_made_by_a_screen_on_the_gui_thread(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorder itself: a screen reading synchronously is caught; the test's own read is not."""
    with store_calls_on_gui_thread(monkeypatch) as on_gui_thread:
        clinic.store.clinic.policy()  # the test's own read
        assert on_gui_thread == []
        window.session.clinic_changed()
        _ = window.session.zone  # the session (app code) reads the clinic on this thread
    assert on_gui_thread == ["session.py:zone"]
