"""Idle lock and vitals reminder times are workstation settings: the admin edits them, the command line
overrides them for one run, and a 1-minute lock locks after one minute on the app's clock (no waiting)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.settings import Timing
from infusiondesk_ui import cli
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.session import Session
from infusiondesk_ui.settings import WorkstationSettings
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import assess_and_approve, double_check, finish, get_ready, order, sign_in

Key = Qt.Key


def type_into(qtbot: QtBot, edit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Key.Key_Return)


def test_the_admin_sets_a_one_minute_lock_and_it_locks_after_one_minute(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, workstation_settings: Path) -> None:
    assert window.session.idle_lock_min == 10 and window.session.vitals_reminder_min == 15  # defaults
    sign_in(window, "admin", "ward-office-key-1")
    assert window.act_settings.isEnabled()
    window.act_settings.trigger()  # Ctrl+,
    finish()  # the settings are read off the UI thread
    view = window.settings_view
    assert window.stack.currentWidget() is view
    assert view.edits["idle_lock_min"].text() == "10" and view.edits["vitals_every_min"].text() == "15"

    type_into(qtbot, view.edits["idle_lock_min"], "0")
    qtbot.keyClick(view.save, Key.Key_Space)
    finish()
    assert view.errors["idle_lock_min"].text() == "Idle auto-lock: 0 min is outside 1–120 min."
    assert window.session.idle_lock_min == 10  # nothing saved

    type_into(qtbot, view.edits["idle_lock_min"], "1")
    assert view.edits["vitals_every_min"].hasFocus()  # Enter moved on
    type_into(qtbot, view.edits["vitals_every_min"], "5")
    assert view.save.hasFocus()
    qtbot.keyClick(view.save, Key.Key_Space)
    finish()
    assert view.errors["idle_lock_min"].text() == ""
    assert "locks after 1 min" in view.message.text()
    assert window.session.idle_lock_min == 1 and window.session.vitals_reminder_min == 5
    saved = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "InfusionDesk", "workstation")
    assert Path(saved.fileName()).is_relative_to(workstation_settings)
    assert int(saved.value("idle_lock_min")) == 1 and int(saved.value("vitals_every_min")) == 5
    audit = [e for e in clinic.store.audit.entries(by=clinic.admin_session) if e["event"] == "settings"]
    assert len(audit) == 1

    # the nurse works; one simulated minute later without a key or mouse, the screen locks
    window.sign_out()
    sign_in(window, "nkim", "nurse-chair-pass-1")
    assert window.stack.currentWidget() is window.patients
    clinic.clock.advance(seconds=59)
    window.check_idle()
    assert window.stack.currentWidget() is window.patients
    clinic.clock.advance(seconds=1)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.lock_view, timeout=3000)  # the 1 s check


def test_activity_restarts_the_idle_time(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    window.session.idle_lock_min = 1
    sign_in(window, "nkim", "nurse-chair-pass-1")
    clinic.clock.advance(seconds=50)
    window.eventFilter(window.patients.search, _key_press())  # a key pressed anywhere in the app
    clinic.clock.advance(seconds=50)
    window.check_idle()
    assert window.stack.currentWidget() is window.patients
    clinic.clock.advance(seconds=10)
    window.check_idle()
    assert window.stack.currentWidget() is window.lock_view


def _key_press():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    return QKeyEvent(QEvent.Type.KeyPress, Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")


def test_saved_settings_apply_at_the_next_start_and_the_command_line_overrides_them(
        qtbot: QtBot, clinic: Clinic_) -> None:
    WorkstationSettings().save(Timing(idle_lock_min=3, vitals_every_min=20))
    session = Session(store=clinic.store, drug=load_drug(), clock=clinic.clock)
    w = MainWindow(session)
    qtbot.addWidget(w)
    finish()
    assert (session.idle_lock_min, session.vitals_reminder_min) == (3, 20)

    session = Session(store=clinic.store, drug=load_drug(), clock=clinic.clock)
    w = MainWindow(session, settings=WorkstationSettings({"idle_lock_min": 2, "vitals_every_min": None}))
    qtbot.addWidget(w)
    finish()
    assert (session.idle_lock_min, session.vitals_reminder_min) == (2, 20)


def test_a_bad_saved_value_falls_back_to_the_default() -> None:
    q = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "InfusionDesk", "workstation")
    q.setValue("idle_lock_min", "ten")
    q.setValue("vitals_every_min", "30")
    q.sync()
    assert WorkstationSettings().effective() == Timing(idle_lock_min=10, vitals_every_min=30)


def test_infusiondesk_app_takes_the_overrides(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) \
        -> None:
    seen: dict[str, object] = {}

    def fake_run(argv: object, db: str | None = None, overrides: dict[str, int | None] | None = None) -> int:
        seen.update(db=db, overrides=overrides)
        return 0

    monkeypatch.setattr("infusiondesk_ui.app.run", fake_run)
    assert cli.main(["app", "--db", "c.db", "--idle-lock-min", "1", "--vitals-every-min", "5"]) == 0
    assert seen == {"db": "c.db", "overrides": {"idle_lock_min": 1, "vitals_every_min": 5}}
    seen.clear()
    assert cli.main(["app", "--idle-lock-min", "0"]) == 2
    assert "Idle auto-lock: 0 min is outside 1–120 min." in capsys.readouterr().err
    assert seen == {}  # refused before the app starts


def test_the_vitals_reminder_follows_the_setting(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.apply_timing(Timing(idle_lock_min=10, vitals_every_min=5))
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    assess_and_approve(ws)
    order(ws)
    double_check(ws)
    get_ready(ws)
    ws.infusion.start.click()
    finish()
    ws.tabs.setCurrentWidget(ws.infusion)
    clinic.clock.advance(minutes=4)
    ws.infusion.refresh_clock()
    assert not ws.infusion.reminder.isVisible()
    clinic.clock.advance(minutes=1)
    ws.infusion.refresh_clock()
    assert ws.infusion.reminder.isVisible()
    assert "last taken 5 min ago (every 5 min)" in ws.infusion.reminder.text()


def test_the_admin_turns_the_double_check_off_and_on_and_each_change_is_audited(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "admin", "ward-office-key-1")
    window.act_settings.trigger()
    finish()  # the settings are read off the UI thread
    view = window.settings_view
    assert view.double_check.isChecked(), "on by default"
    view.double_check.setFocus()
    qtbot.keyClick(view.double_check, Key.Key_Space)
    qtbot.keyClick(view.save_policy, Key.Key_Space)
    finish()
    assert not clinic.store.clinic.policy().double_check_required
    assert "without a double check" in view.policy_message.text()
    qtbot.keyClick(view.double_check, Key.Key_Space)
    qtbot.keyClick(view.save_policy, Key.Key_Space)
    finish()
    assert clinic.store.clinic.policy().double_check_required
    changes = [e for e in clinic.store.audit.entries("clinic_policy", by=clinic.admin_session)]
    assert [e["event"] for e in changes] == ["create", "update"] and changes[-1]["username"] == "admin"


def test_only_an_admin_changes_the_clinic_rules(clinic: Clinic_) -> None:
    from infusiondesk.auth import PermissionDenied
    from infusiondesk.records.models import ClinicPolicy

    with pytest.raises(PermissionDenied, match="Only an admin can change the clinic's rules"):
        clinic.store.clinic.set_policy(ClinicPolicy(double_check_required=False), clinic.session(clinic.nurse))
    assert clinic.store.clinic.policy().double_check_required


def test_the_admin_chooses_what_a_mobile_visit_needs_by_keyboard_and_it_is_audited(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    from infusiondesk.records.location import MobileCover

    sign_in(window, "admin", "ward-office-key-1")
    window.act_settings.trigger()
    finish()  # the settings are read off the UI thread
    view = window.settings_view
    assert view.mobile_cover.value == "either", "either cover by default"
    view.mobile_cover.setFocus()
    qtbot.keyClick(view.mobile_cover, Key.Key_Up)  # "A phone check-in arranged"
    qtbot.keyClick(view.mobile_cover, Key.Key_Up)  # "A second person present"
    qtbot.keyClick(view.save_policy, Key.Key_Space)
    finish()
    policy = clinic.store.clinic.policy()
    assert policy.mobile_cover is MobileCover.SECOND_PERSON and policy.double_check_required
    assert "A mobile visit needs: a second person present." in view.policy_message.text()
    entry = clinic.store.audit.entries("clinic_policy", by=clinic.admin_session)[-1]
    assert entry["username"] == "admin"


def test_the_admin_allows_remote_approval_on_laptops_by_keyboard(qtbot: QtBot, window: MainWindow,
                                                                  clinic: Clinic_) -> None:
    from infusiondesk.records.remote_approval import RemoteApproval

    sign_in(window, "admin", "ward-office-key-1")
    window.act_settings.trigger()
    finish()  # the settings are read off the UI thread
    view = window.settings_view
    assert view.remote_approval.value == "at_sync", "approval in the clinic after sync by default"
    view.mobile_cover.setFocus()
    qtbot.keyClick(view.mobile_cover, Key.Key_Tab)  # the next field in Tab order
    assert view.remote_approval.hasFocus()
    qtbot.keyClick(view.remote_approval, Key.Key_Up)  # "Approved on the laptop by a clinician signed in there"
    qtbot.keyClick(view.save_policy, Key.Key_Space)
    finish()
    assert clinic.store.clinic.policy().mobile_remote_approval is RemoteApproval.ALLOWED
    assert "Laptops checked out from now on: a clinician signed in there may approve" in view.policy_message.text()
