"""In the clinic, a patient out on a laptop is marked in the patient search list and on Today's board, read off the
UI thread with the list; a patient not out is not marked."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.mobile import day
from infusiondesk_ui.app import MainWindow
from tests.ui.conftest import PASSWORDS, Clinic_
from tests.ui.steps import settle, sign_in
from tests.ui.test_worklists import _day

OUT = "On Noor Kim's laptop since 09:25"  # checked out after the day's first 25 minutes


def _check_out_ana(clinic: Clinic_, tmp_path: Path) -> None:
    day.checkout(clinic.store, clinic.session(clinic.nurse), PASSWORDS["nkim"], ["MRN-0007"], tmp_path / "nkim.db",
                 laptop_clock=clinic.clock.now)


def test_the_patient_list_says_who_is_out_on_a_laptop(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                       tmp_path: Path) -> None:
    _day(clinic)  # Ana (MRN-0007) and Chidi (MRN-0008)
    _check_out_ana(clinic, tmp_path)
    sign_in(window, "nkim", PASSWORDS["nkim"])
    view = window.patients
    view.search.setFocus()
    qtbot.keyClicks(view.search, "MRN-000")  # typed: the search runs off the UI thread once typing pauses
    qtbot.waitUntil(lambda: view.busy.text().startswith("2 patient"), timeout=5000)

    header = [view.table.horizontalHeaderItem(c).text() for c in range(view.table.columnCount())]
    assert header[-1] == "Out on a laptop"
    rows = {view.table.item(r, 1).text(): view.table.item(r, header.index("Out on a laptop")).text()
            for r in range(view.table.rowCount())}
    assert rows == {"MRN-0007": OUT, "MRN-0008": ""}
    window.grab().save(str(tmp_path / "patients-out.png"))
    qtbot.keyClick(view.search, Qt.Key.Key_Return)  # Enter still opens the first one found
    settle(qtbot)
    window.sign_out()


def test_todays_board_marks_a_visit_of_a_patient_out_on_a_laptop(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                                  tmp_path: Path) -> None:
    _day(clinic)
    _check_out_ana(clinic, tmp_path)
    sign_in(window, "nkim", PASSWORDS["nkim"])
    window.show_today()
    settle(qtbot)
    board = window.today_board
    now = {r.mrn: r.detail for r in board.rows}
    assert now["MRN-0007"].startswith(OUT + " · ") and "left" in now["MRN-0007"]  # the mark, then what it said
    assert not now["MRN-0008"].startswith("On ")
    cells = [board.table.item(r, 4).text() for r in range(board.table.rowCount())]
    assert any(c.startswith(OUT) for c in cells)
    window.grab().save(str(tmp_path / "board-out.png"))
    window.sign_out()
