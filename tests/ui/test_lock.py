"""The lock is a lock: with the lock card up, no shortcut, menu, mnemonic, timer or background result reaches a
screen; the same person unlocks and everything works again."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import VisitStatus
from infusiondesk_ui import ops
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import assess_and_approve, double_check, finish, get_ready, order, sign_in

Key = Qt.Key
Mod = Qt.KeyboardModifier
# every application shortcut, the menu's and the tabs' mnemonics, the infusion F-keys, and Enter after them
ATTACK_KEYS = [(Key.Key_P, Mod.ControlModifier), (Key.Key_Return, Mod.NoModifier),
               (Key.Key_R, Mod.ControlModifier), (Key.Key_N, Mod.ControlModifier),
               (Key.Key_Comma, Mod.ControlModifier), (Key.Key_U, Mod.ControlModifier),
               (Key.Key_T, Mod.ControlModifier), (Key.Key_G, Mod.ControlModifier), (Key.Key_J, Mod.ControlModifier),
               *((k, Mod.NoModifier) for k in (Key.Key_F5, Key.Key_F6, Key.Key_F7, Key.Key_F8, Key.Key_F9)),
               *((k, Mod.AltModifier) for k in (Key.Key_1, Key.Key_2, Key.Key_3, Key.Key_4)),
               (Key.Key_I, Mod.AltModifier), (Key.Key_C, Mod.AltModifier), (Key.Key_N, Mod.AltModifier),
               (Key.Key_Alt, Mod.NoModifier), (Key.Key_Return, Mod.NoModifier)]


def ready_to_start(window: MainWindow, clinic: Clinic_) -> VisitWorkspace:
    """Dr Lee's visit, assessed, 2 g ordered, checklist complete: F5 would start the infusion."""
    sign_in(window, "drlee", "doctor-sign-pass-1")
    assert window.session.user is not None
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    assess_and_approve(ws)
    order(ws)
    double_check(ws)
    get_ready(ws)
    ws.tabs.setCurrentWidget(ws.infusion)
    assert ws.infusion.start.isEnabled(), ws.infusion.readiness.problems.text()
    return ws


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key, mod: Qt.KeyboardModifier) -> None:
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key, mod)


def test_ctrl_l_locks_and_says_the_person_locked_it(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ready_to_start(window, clinic)
    qtbot.keyClick(QApplication.focusWidget() or window, Key.Key_L, Mod.ControlModifier)
    finish()
    assert window.stack.currentWidget() is window.lock_view
    text = window.lock_view.who.text()
    assert text.startswith("Dana Lee locked InfusionDesk.")
    assert "after a time without use" not in text


def test_the_idle_lock_says_it_locked_itself(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ready_to_start(window, clinic)
    clinic.clock.advance(minutes=10)
    qtbot.waitUntil(lambda: window.locked, timeout=3000)
    assert window.lock_view.who.text().startswith("InfusionDesk locked itself after a time without use.")


def test_unlocked_the_keys_work_so_the_locked_test_means_something(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ws = ready_to_start(window, clinic)
    ws.infusion.start.setFocus()
    press(qtbot, window, Key.Key_F5, Mod.NoModifier)
    finish()
    assert ws.visit.status is VisitStatus.INFUSING, ws.problem.text()
    press(qtbot, window, Key.Key_R, Mod.ControlModifier)
    finish()
    assert window.stack.currentWidget() is window.report
    press(qtbot, window, Key.Key_P, Mod.ControlModifier)
    finish()
    assert window.stack.currentWidget() is window.patients


def test_no_shortcut_menu_or_mnemonic_gets_past_the_lock(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ws = ready_to_start(window, clinic)
    ws.infusion.start.setFocus()
    window.lock()
    assert window.locked and window.windowTitle().startswith("InfusionDesk — Locked")
    assert not window.menuBar().isEnabled()
    assert not any(a.isEnabled() for a in window.findChildren(QAction) if a.parent() is window)
    for key, mod in ATTACK_KEYS:
        press(qtbot, window, key, mod)
        # and straight at the hidden pages, as if the focus had stayed behind on them
        for hidden in (ws.infusion, ws.infusion.start, ws.tabs, window.menuBar()):
            qtbot.keyClick(hidden, key, mod)
        assert window.stack.currentWidget() is window.lock_view, f"{key} {mod} got past the lock"
    assert window.report is None and window.users is None and window.settings_view is None
    assert ws.visit.status is VisitStatus.ASSESSED  # F5 did not start the infusion
    assert clinic.store.visits.get(ws.visit.id, by=clinic.reader).status is VisitStatus.ASSESSED
    assert ws.tabs.currentWidget() is ws.infusion  # Alt+1..4 changed no tab
    assert window.windowTitle().startswith("InfusionDesk — Locked")
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]

    # the right person unlocks (once the check of what the attack typed has said no): everything is back, and works
    finish()
    qtbot.keyClicks(window.lock_view.password, "doctor-sign-pass-1")
    qtbot.keyClick(window.lock_view.password, Key.Key_Return)
    finish()
    assert not window.locked and window.stack.currentWidget() is ws
    assert window.menuBar().isEnabled() and window.act_patients.isEnabled() and window.act_report.isEnabled()
    assert not window.act_users.isEnabled()  # still a clinician: what was off before the lock stays off
    ws.infusion.start.setFocus()
    press(qtbot, window, Key.Key_F5, Mod.NoModifier)
    finish()
    assert ws.visit.status is VisitStatus.INFUSING, ws.problem.text()
    press(qtbot, window, Key.Key_P, Mod.ControlModifier)
    finish()
    assert window.stack.currentWidget() is window.patients


def test_someone_else_cannot_unlock_and_the_lock_holds_after_a_wrong_password(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ready_to_start(window, clinic)
    window.lock()
    qtbot.keyClicks(window.lock_view.password, "nurse-chair-pass-1")
    qtbot.keyClick(window.lock_view.password, Key.Key_Return)
    finish()
    assert window.locked and window.lock_view.error.text()
    press(qtbot, window, Key.Key_P, Mod.ControlModifier)
    finish()
    press(qtbot, window, Key.Key_Return, Mod.NoModifier)
    finish()
    assert window.stack.currentWidget() is window.lock_view
    assert window.windowTitle().startswith("InfusionDesk — Locked")


def test_timers_stop_while_locked_and_the_clock_is_current_after_unlock(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ws = ready_to_start(window, clinic)
    ws.infusion.start.click()
    finish()
    assert ws.visit.status is VisitStatus.INFUSING
    assert ws.infusion.tick.isActive()
    clinic.clock.advance(minutes=20)  # the nurse walked away: the idle lock comes first
    qtbot.waitUntil(lambda: window.locked, timeout=3000)
    assert not ws.infusion.tick.isActive()
    shown = ws.infusion.timer_label.text()
    qtbot.wait(1200)
    assert ws.infusion.timer_label.text() == shown  # nothing refreshed behind the lock card
    window.unlock("doctor-sign-pass-1")
    finish()
    assert ws.infusion.tick.isActive()
    assert "0:20 running" in ws.infusion.timer_label.text()
    assert ws.infusion.reminder.isVisibleTo(ws.infusion)  # the vitals reminder, due, shows at unlock



def test_a_background_result_waits_for_the_unlock(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ready_to_start(window, clinic)
    window.lock()
    ran = threading.Event()
    got: list[object] = []
    ops.run_in_thread(lambda: (ran.set(), "result")[1], got.append, got.append)
    qtbot.waitUntil(ran.is_set, timeout=3000)
    qtbot.wait(200)
    assert got == []  # finished, but held
    window.unlock("doctor-sign-pass-1")
    finish()
    assert got == ["result"]


def test_a_background_result_is_dropped_when_the_locked_person_signs_out(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ready_to_start(window, clinic)
    window.lock()
    ran = threading.Event()
    got: list[object] = []
    ops.run_in_thread(lambda: (ran.set(), "preview of Ana Rivera")[1], got.append, got.append)
    qtbot.waitUntil(ran.is_set, timeout=3000)
    qtbot.wait(200)
    window.lock_view.switch.click()  # "Sign out"
    finish()
    assert window.stack.currentWidget() is window.signin
    qtbot.wait(100)
    assert got == []
    assert not ops.results_held()
    sign_in(window, "nkim", "nurse-chair-pass-1")  # the next person's screens work normally
    assert window.stack.currentWidget() is window.patients


def test_data_keeping_work_is_not_held(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ready_to_start(window, clinic)
    window.lock()
    got: list[object] = []
    ops.run_in_thread(lambda: "stored", got.append, got.append, shows=False)
    qtbot.waitUntil(lambda: got == ["stored"], timeout=3000)


def test_a_dialog_open_at_the_lock_is_closed_unsaved(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    before = clinic.store.patients.search("", limit=50, by=clinic.reader)
    seen: list[bool] = []

    def lock_while_open() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
        seen.append(bool(dialogs))
        for d in dialogs:
            for edit, text in (("mrn", "MRN-9"), ("family", "Half"), ("given", "Typed")):
                getattr(d, edit).setText(text)
        window.lock()

    QTimer.singleShot(100, lock_while_open)
    window.patients.new_patient()  # runs the dialog until the lock closes it
    assert seen == [True]
    assert window.locked
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    assert len(clinic.store.patients.search("", limit=50, by=clinic.reader)) == len(before)


@pytest.mark.parametrize("unlock", [True, False])
def test_an_open_preview_hides_at_the_lock(qtbot: QtBot, window: MainWindow, clinic: Clinic_, unlock: bool) -> None:
    ready_to_start(window, clinic)
    preview = QWidget()
    qtbot.addWidget(preview)
    preview.setWindowTitle("InfusionDesk — visit note (draft)")
    preview.show()
    window.lock()
    assert not preview.isVisible()
    if unlock:
        window.unlock("doctor-sign-pass-1")
        finish()
        assert preview.isVisible()  # the person who opened it gets it back
    else:
        window.lock_view.switch.click()
        finish()
        assert not preview.isVisible()  # the next person never sees it
