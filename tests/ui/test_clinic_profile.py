"""The admin keeps the clinic profile that heads every visit note: edited in Settings, saved, audited."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, sign_in


def test_the_admin_updates_the_clinic_phone_and_time_zone(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "admin", "ward-office-key-1")
    window.act_settings.trigger()
    finish()  # the settings are read off the UI thread
    view = window.settings_view
    edits = view.clinic_edits
    assert edits["name"].text() == "Riverside Infusion Clinic"

    edits["phone"].selectAll()
    qtbot.keyClicks(edits["phone"], "+1 207 555 0142")
    edits["timezone"].selectAll()
    qtbot.keyClicks(edits["timezone"], "Mars/Olympus_Mons")
    qtbot.keyClick(view.save_clinic, Qt.Key.Key_Space)
    finish()
    assert "is not a known time zone" in view.clinic_message.text()
    assert clinic.store.clinic.get().phone == ""  # nothing saved from a refused form

    edits["timezone"].selectAll()
    qtbot.keyClicks(edits["timezone"], "America/New_York")
    qtbot.keyClick(view.save_clinic, Qt.Key.Key_Space)
    finish()
    assert view.clinic_message.text().startswith("Saved"), view.clinic_message.text()
    saved = clinic.store.clinic.get()
    assert (saved.phone, saved.timezone, saved.name) == ("+1 207 555 0142", "America/New_York",
                                                         "Riverside Infusion Clinic")
    change = [e for e in clinic.store.audit.entries(by=clinic.admin_session)
              if e["event"] == "update" and e["table_name"] == "clinic"]
    assert change and change[-1]["detail"]["after"]["phone"] == "+1 207 555 0142"


def test_the_clinic_needs_a_name(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "admin", "ward-office-key-1")
    window.act_settings.trigger()
    finish()  # the settings are read off the UI thread
    view = window.settings_view
    view.clinic_edits["name"].clear()
    qtbot.keyClick(view.save_clinic, Qt.Key.Key_Space)
    finish()
    assert "Enter the clinic's name" in view.clinic_message.text()
    assert clinic.store.clinic.get().name == "Riverside Infusion Clinic"
