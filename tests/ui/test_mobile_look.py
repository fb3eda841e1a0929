"""The mobile screens read whole at 1280x800: the laptop marker's sentence is not cut, the conflicts list's columns
are wider than their titles and its entries; and `app --laptop` with a missing file says so before any window."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from infusiondesk.mobile.status import LaptopCopy
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.mobile_conflicts import ConflictsView
from tests.ui.conftest import Clinic_
from tests.ui.steps import sign_in

CONFLICT = {"id": 3, "laptop_id": "6edb2e8e-1111-2222-3333-444455556666", "kind": "patient", "uid": "u-1",
            "found_at": datetime(2026, 3, 2, 16, 5, tzinfo=UTC),
            "laptop": {"mrn": "MRN-0007", "family_name": "Rivera-Lopez", "given_name": "Ana", "weight_kg": 66},
            "clinic": {"mrn": "MRN-0007", "family_name": "Rivera", "given_name": "Ana", "weight_kg": 65}}


def test_the_laptop_marker_says_it_all_in_words_at_1280x800(qtbot: QtBot, window: MainWindow,
                                                             clinic: Clinic_) -> None:
    from infusiondesk_ui.laptop_marker import LaptopMarker

    window.resize(1280, 800)
    assert window.mobile.marker is None  # a clinic database: no marker
    marker = LaptopMarker(window, clinic.store, window.session.local)
    assert not marker.isVisible()
    marker.show_copy(LaptopCopy("6edb2e8e", "Noor Kim", datetime(2026, 3, 2, 8, 5, tzinfo=UTC), 2))
    QApplication.processEvents()
    assert marker.isVisible()
    assert marker.text == ("Laptop copy — checked out 02 Mar 08:05 by Noor Kim; last synced never; 2 visits not yet "
                           "synced")
    label = marker.label
    assert label.width() >= label.fontMetrics().horizontalAdvance(marker.text)
    assert label.accessibleName() == "Laptop copy"


def test_the_conflicts_list_reads_whole_at_1280x800(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    window.resize(1280, 800)
    sign_in(window, "nkim", "nurse-chair-pass-1")
    view = ConflictsView(clinic.store, window.session.require_session, window.session.local)
    window._show(view, "Sync conflicts")
    view.show_conflicts([CONFLICT])
    QApplication.processEvents()
    table = view.table
    assert table.item(0, 1).text() == "Patient Rivera, Ana (MRN MRN-0007)"
    assert table.item(0, 4).text() == "Family name, Weight (kg)"
    for column in range(table.columnCount()):
        title = table.horizontalHeaderItem(column).text()
        assert table.columnWidth(column) > table.horizontalHeader().fontMetrics().horizontalAdvance(title), title
        text = table.item(0, column).text()
        assert table.columnWidth(column) >= table.fontMetrics().horizontalAdvance(text), text
    assert "Family name — laptop: <b>Rivera-Lopez</b>; clinic: <b>Rivera</b>" in view.detail.text()
    assert view.keep_laptop.isEnabled() and view.keep_clinic.isEnabled()
    window.sign_out()


def test_app_laptop_with_a_missing_file_says_so_before_any_window(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from infusiondesk_ui.cli import main

    assert main(["app", "--laptop", str(tmp_path / "nowhere.db")]) == 2
    assert f"No laptop database at {tmp_path / 'nowhere.db'}; check --laptop." in capsys.readouterr().err
