"""The admin imports a clinic's patient list from the keyboard: Ctrl+Shift+I, type the path, Enter checks it
(nothing written), the rejected rows are listed with row, field and reason, then "Import N patients" writes the
rest off the UI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from infusiondesk.interop.writing import AUDIT_EVENT
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.patient_import import PatientImportView
from tests.infusiondesk.interop.csv_files import good_row, to_csv
from tests.ui.conftest import PASSWORDS, Clinic_
from tests.ui.steps import sign_in


def _import_screen(window: MainWindow, qtbot: QtBot) -> PatientImportView:
    sign_in(window, "admin", PASSWORDS["admin"])
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    view = window.patient_import
    assert isinstance(view, PatientImportView) and window.stack.currentWidget() is view
    assert "Import patients" in window.windowTitle()
    return view


def test_admin_checks_a_file_sees_the_bad_rows_then_imports_the_rest(
        window: MainWindow, clinic: Clinic_, qtbot: QtBot, tmp_path: Path) -> None:
    rows = [good_row(i) for i in range(1, 41)]
    rows[4] = {**rows[4], "date_of_birth": "03/04/1980"}   # row 6
    rows[9] = {**rows[9], "mrn": "MRN-0007"}                 # row 11: the clinic's patient already
    rows[19] = {**rows[19], "sex": "F"}                      # row 21
    (tmp_path / "list.csv").write_bytes(to_csv(rows))
    view = _import_screen(window, qtbot)
    assert QApplication.focusWidget() is view.path
    qtbot.keyClicks(view.path, str(tmp_path / "list.csv"))
    qtbot.keyClick(view.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.report is not None, timeout=20_000)

    assert view.table.rowCount() == 3
    cells = [[view.table.item(r, c).text() for c in range(3)] for r in range(3)]
    assert cells == [["6", "date_of_birth", "refused"], ["11", "mrn", "duplicate MRN"], ["21", "sex", "refused"]]
    assert "YYYY-MM-DD" in view.table.item(0, 3).text()
    assert "would import" in view.summary.text() and "37 patient(s)" in view.summary.text()
    assert view.commit_button.text() == "&Import 37 patients" and view.commit_button.isEnabled()
    assert QApplication.focusWidget() is view.commit_button  # Space imports
    reader = clinic.session(clinic.admin)
    assert len(clinic.store.patients.search("IMP", limit=100, by=reader)) == 0  # the check wrote nothing
    view.grab().save(str(tmp_path / "import-checked.png"))

    qtbot.keyClick(view.commit_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.report is not None and view.report.committed, timeout=30_000)
    assert view.progress.value() == view.progress.maximum() == 37
    assert "imported 37 patient(s)" in view.summary.text()
    assert not view.commit_button.isEnabled()  # the same file is not imported twice from one check
    assert len(clinic.store.patients.search("IMP", limit=100, by=reader)) == 37
    assert clinic.store.patients.by_mrn("MRN-0007", by=reader).family_name == "Rivera"  # never merged
    assert [e["event"] for e in clinic.store.audit.entries(by=reader)].count(AUDIT_EVENT) == 1
    view.grab().save(str(tmp_path / "import-done.png"))


def test_a_bad_header_is_one_sentence_and_nothing_can_be_imported(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("mrn,surname,given_name,dob,sex\n")
    view = _import_screen(window, qtbot)
    qtbot.keyClicks(view.path, str(tmp_path / "bad.csv"))
    qtbot.keyClick(view.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    assert 'unknown column "surname"' in view.summary.text()
    assert 'did you mean "date_of_birth"' in view.summary.text() or 'unknown column "dob"' in view.summary.text()
    assert not view.commit_button.isEnabled()
    assert QApplication.focusWidget() is view.path


def test_only_an_admin_has_the_import_action(window: MainWindow) -> None:
    sign_in(window, "nkim", PASSWORDS["nkim"])
    assert not window.act_import.isEnabled()
