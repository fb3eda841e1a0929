"""Settings, Backups: the admin chooses the folder and how many to keep, saves, and presses Back up now (run in
the background with a progress line); the daily automatic backup makes one a clinic day and says so."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.store.backup import BackupSchedule, backup_schedule, set_backup_schedule
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.backup_ops import DailyBackup
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, sign_in

Key = Qt.Key


def _type(qtbot: QtBot, edit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Key.Key_Return)


def test_the_admin_sets_the_folder_and_backs_up_now(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                    tmp_path: Path) -> None:
    folder = tmp_path / "usb-backup"
    sign_in(window, "admin", "ward-office-key-1")
    window.act_settings.trigger()
    finish()  # the settings are read off the UI thread
    box = window.settings_view.backups
    assert box.message.text() == "No backup folder is set yet: choose one and save."
    _type(qtbot, box.folder, str(tmp_path / "missing"))
    _type(qtbot, box.keep, "7")
    qtbot.keyClick(box.save, Key.Key_Space)
    finish()  # saved off the UI thread
    assert box.message.text() == f"The backup folder {tmp_path / 'missing'} does not exist; create it or choose " \
                                 "another folder."
    assert backup_schedule(clinic.store) is None

    folder.mkdir()
    _type(qtbot, box.folder, str(folder))
    _type(qtbot, box.keep, "0")
    qtbot.keyClick(box.save, Key.Key_Space)
    assert box.message.text() == "Backups to keep: 0 is outside 1–365."
    _type(qtbot, box.keep, "7")
    qtbot.keyClick(box.save, Key.Key_Space)
    finish()
    assert box.message.text().startswith(f"Saved: backups go to {folder}, keeping the newest 7")
    assert backup_schedule(clinic.store) == BackupSchedule(str(folder), 7, True, clinic.admin.id)

    qtbot.keyClick(box.now, Key.Key_Space)
    qtbot.waitUntil(lambda: box.message.text().startswith("Backed up to"), timeout=20_000)
    (made,) = folder.iterdir()
    assert made.name == "infusiondesk-backup-2026-03-02_090000+0000.sqlite3" and str(made) in box.message.text()
    assert box.now.isEnabled()
    entry = [e for e in clinic.store.audit.entries(by=clinic.admin_session) if e["event"] == "backup"][-1]
    assert (entry["event"], entry["username"], entry["detail"]["file"]) == ("backup", "admin", made.name)
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "settings-backups.png"))


def test_the_daily_backup_runs_in_the_background_and_says_so(qtbot: QtBot, clinic: Clinic_, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    set_backup_schedule(clinic.store, BackupSchedule(str(folder), keep=3), clinic.admin_session)
    said: list[tuple[str, bool]] = []
    nurse = clinic.session(clinic.nurse)  # whoever is signed in at the workstation runs the admin's schedule
    daily = DailyBackup(lambda: clinic.store, lambda: nurse, lambda text, ok: said.append((text, ok)))
    qtbot.waitUntil(lambda: any(text.startswith("Daily backup: Backed up to") for text, _ in said), timeout=20_000)
    assert len(list(folder.iterdir())) == 1
    daily.check()  # later the same clinic day: nothing due, nothing said
    qtbot.waitUntil(lambda: not daily.job.running, timeout=20_000)
    assert len(list(folder.iterdir())) == 1 and sum("Backed up" in text for text, _ in said) == 1
    clinic.store.users.create("ada2", "Ada Two", "admin", "second-office-key-9", by=clinic.admin_session)
    assert clinic.admin.id is not None
    clinic.store.users.set_active(clinic.admin.id, False, clinic.store.users.sign_in("ada2", "second-office-key-9"))
    clinic.clock.advance(minutes=24 * 60)  # the next clinic day; the admin who set it has left
    daily.check()
    qtbot.waitUntil(lambda: not said[-1][1], timeout=20_000)
    assert said[-1][0] == ("Daily backup failed: The automatic backup was set up by admin, who is no longer an "
                           "active admin, so it did not run; an admin must save the backup settings again.")


def test_back_up_now_is_off_while_it_runs_and_a_second_press_makes_no_second_backup(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, tmp_path: Path) -> None:
    folder = tmp_path / "usb-backup"
    folder.mkdir()
    set_backup_schedule(clinic.store, BackupSchedule(str(folder), keep=3), clinic.admin_session)
    sign_in(window, "admin", "ward-office-key-1")
    window.act_settings.trigger()
    finish()
    box = window.settings_view.backups
    assert box.folder.text() == str(folder) and box.message.text() == ""
    box.now.setFocus()
    qtbot.keyClick(box.now, Key.Key_Space)
    # the copy runs in the worker: the screen says so and the button cannot start it again
    assert not box.now.isEnabled() and box.message.text().startswith("Backing up…")
    qtbot.keyClick(box.now, Key.Key_Space)
    qtbot.keyClick(window, Key.Key_U, Qt.KeyboardModifier.AltModifier)  # its mnemonic, too
    assert box.save.isEnabled() and box.folder.isEnabled()  # the rest of the screen stays usable
    finish()
    assert box.message.text().startswith("Backed up to") and box.now.isEnabled()
    assert len(list(folder.iterdir())) == 1
    backups = [e for e in clinic.store.audit.entries(by=clinic.admin_session) if e["event"] == "backup"]
    assert len(backups) == 1


def test_back_up_now_without_a_saved_folder_says_so_and_puts_the_cursor_in_the_folder(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    from PySide6.QtWidgets import QApplication

    sign_in(window, "admin", "ward-office-key-1")
    window.act_settings.trigger()
    finish()
    box = window.settings_view.backups
    box.now.setFocus()
    qtbot.keyClick(box.now, Key.Key_Space)
    finish()
    assert box.message.text() == "Save a backup folder first."
    assert box.message.kind.value == "error" and QApplication.focusWidget() is box.folder
    assert box.now.isEnabled()


def test_a_nurse_cannot_save_the_backup_folder_and_is_told_why(qtbot: QtBot, window: MainWindow,
                                                                clinic: Clinic_, tmp_path: Path) -> None:
    from infusiondesk_ui.views.backup_settings import BackupBox

    sign_in(window, "nkim", "nurse-chair-pass-1")
    box = BackupBox(window.session)
    qtbot.addWidget(box)
    box.show()
    box.folder.setText(str(tmp_path))
    box.keep.setText("5")
    qtbot.keyClick(box.save, Key.Key_Space)
    assert not box.save.isEnabled() and box.message.text() == "Saving the backup settings…"
    finish()
    assert box.save.isEnabled() and box.message.kind.value == "error"
    # the core's refusal, in its own words
    assert box.message.text() == "Only an admin can change the clinic's backups; Noor Kim is signed in as nurse."
    assert backup_schedule(clinic.store) is None
