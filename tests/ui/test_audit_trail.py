"""The audit entry of an export or a print is appended off the UI thread (`infusiondesk_ui.audit_trail`): it still
lands in the store, and when the store refuses it the screen says so; the near-miss report exported before its
first read reads once, off the UI thread, and a second press meanwhile does nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.store.audit.events import AuditEvent
from infusiondesk_ui.app import MainWindow
from tests.ui.conftest import PASSWORDS, Clinic_
from tests.ui.steps import finish, sign_in


def _clinic_reports(qtbot: QtBot, window: MainWindow) -> Any:
    sign_in(window, "drlee", PASSWORDS["drlee"])
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    view = window.clinic_reports
    assert view is not None
    qtbot.waitUntil(lambda: view.report is not None, timeout=20_000)
    finish()
    return view


def _save_to(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    """The save dialog answers `path`; returns the list of the names it suggested (one per time it was asked)."""
    asked: list[str] = []

    def answer(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(path), _filter

    monkeypatch.setattr("infusiondesk_ui.pdf_output.QFileDialog.getSaveFileName", answer)
    return asked


def _exports(clinic: Clinic_) -> list[dict[str, Any]]:
    return [e for e in clinic.store.audit.entries(by=clinic.reader) if e["event"] == AuditEvent.EXPORT.value]


def test_the_csv_export_by_keyboard_is_written_and_its_audit_entry_lands_in_the_store(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    view = _clinic_reports(qtbot, window)
    out = tmp_path / "visits.csv"
    _save_to(monkeypatch, out)
    view.csv_button.setFocus()
    qtbot.keyClick(view.csv_button, Qt.Key.Key_Space)
    assert out.exists() and view.status.text().startswith("Exported visits per day")
    finish()
    assert view.status.text().startswith("Exported visits per day")  # nothing refused
    exports = _exports(clinic)
    assert len(exports) == 1
    assert exports[0]["username"] == "drlee"
    assert exports[0]["detail"]["format"] == "csv" and exports[0]["detail"]["file"] == "visits.csv"
    assert exports[0]["detail"]["report"] == "visits-per-day"


def test_a_refused_audit_entry_is_said_on_the_screen_and_the_file_stays(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    view = _clinic_reports(qtbot, window)
    session = window.session.signed_in
    assert session is not None
    clinic.store.users.sign_out(session)  # ended meanwhile (at another desk, say): the store refuses its entries
    out = tmp_path / "visits.csv"
    _save_to(monkeypatch, out)
    view.csv_button.setFocus()
    qtbot.keyClick(view.csv_button, Qt.Key.Key_Space)
    finish()
    assert out.exists()  # the file is written all the same ...
    said = view.status.text()
    assert said.startswith("The file is saved; its audit entry was not recorded: You have been signed out"), said
    assert _exports(clinic) == []  # ... and no entry claims it was recorded


def test_the_near_miss_csv_exported_before_the_first_read_reads_once_and_a_second_press_does_nothing(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(window, "drlee", PASSWORDS["drlee"])
    window.show_report()  # its first read starts off the UI thread ...
    report = window.report
    assert report is not None and report.report is None
    out = tmp_path / "near.csv"
    asked = _save_to(monkeypatch, out)
    report.csv_button.click()  # ... and the export is pressed before it arrives: read first, in the worker
    assert not report.csv_button.isEnabled() and "Reading the near-misses" in report.status.text()
    report.csv_button.click()  # pressed again meanwhile: disabled, nothing more starts
    finish()
    assert len(asked) == 1 and asked[0].startswith("near-misses-")
    assert report.csv_button.isEnabled() and report.status.text().startswith("Exported 0 row(s)")
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1  # the header: no near-misses in this clinic
    assert [e["detail"]["format"] for e in _exports(clinic) if e["detail"].get("what") == "near-miss report"] == \
        ["csv"]
