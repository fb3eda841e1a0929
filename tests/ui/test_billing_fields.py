"""Billing at the desk: the diagnosis is picked from the listed ICD-10-CM codes at the assessment, and the admin
keeps the clinic's tax id, billing provider and NPI (check digit checked) in the clinic profile."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import assess_and_approve, finish, sign_in

Key = Qt.Key


def test_the_nurse_picks_the_diagnosis_by_keyboard_and_it_is_recorded(qtbot: QtBot, window: MainWindow,
                                                                       clinic: Clinic_, tmp_path: Path) -> None:
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    box = ws.assessment.diagnosis
    assert box.itemText(0) == "not chosen" and box.itemData(1) == "G43.909"
    box.setFocus()
    qtbot.keyClick(box, Key.Key_Down)
    qtbot.keyClick(box, Key.Key_Down)  # the second listed: G43.919
    assert box.value == "G43.919"
    ws.assessment.grab().save(str(tmp_path / "assessment.png"))
    assess_and_approve(ws)
    assert ws.visit.assessment.diagnosis_code == "G43.919"


def test_the_admin_sets_tax_id_provider_and_npi_and_a_mistyped_npi_is_refused(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "admin", "ward-office-key-1")
    window.act_settings.trigger()
    finish()  # the settings are read off the UI thread
    view = window.settings_view
    edits = view.clinic_edits
    qtbot.keyClicks(edits["tax_id"], "12-3456789")
    qtbot.keyClicks(edits["provider_name"], "Dana Lee, MD")
    qtbot.keyClicks(edits["npi"], "1234567890")
    qtbot.keyClick(view.save_clinic, Key.Key_Space)
    finish()
    assert "check digit" in view.clinic_message.text()
    assert edits["npi"].hasFocus()
    assert clinic.store.clinic.get().npi == ""
    edits["npi"].selectAll()
    qtbot.keyClicks(edits["npi"], "1234567893")
    qtbot.keyClick(view.save_clinic, Key.Key_Space)
    finish()
    assert view.clinic_message.text().startswith("Saved"), view.clinic_message.text()
    saved = clinic.store.clinic.get()
    assert (saved.tax_id, saved.provider_name, saved.npi) == ("12-3456789", "Dana Lee, MD", "1234567893")
