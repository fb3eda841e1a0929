"""The clinic reports screen, driven by keyboard as a clinician would: open it, read visits per day (with its
bar chart), switch report and period, export CSV and PDF with the same totals; nurses do not get the screen."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.records.models import PatientDetails, VisitStatus
from infusiondesk_ui.app import MainWindow
from tests.clinic_day import chart_visit
from tests.ui.conftest import PASSWORDS, Clinic_
from tests.ui.steps import finish, sign_in

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _visits(clinic: Clinic_) -> None:
    """Monday: two completed 2 g infusions and a draft; Tuesday: one completed; then the clinic's clock is Friday."""
    nurse, doctor = clinic.session(clinic.nurse), clinic.session(clinic.clinician)
    for i, (day, status) in enumerate([(0, VisitStatus.COMPLETED), (0, VisitStatus.COMPLETED),
                                       (0, VisitStatus.DRAFT), (1, VisitStatus.COMPLETED)]):
        at = MONDAY + timedelta(days=day, hours=i)
        clinic.clock._now = at
        patient = clinic.store.patients.add(PatientDetails(f"MRN-R{i}", f"Family{i}", "Jo",
                                                           clinic.patient.date_of_birth, "female", weight_kg=64,
                                                           no_known_allergies=True), by=nurse)
        chart_visit(clinic.store, load_drug(), patient, nurse, nurse, doctor, at, until=status)
    clinic.clock._now = MONDAY + timedelta(days=4)


def _open(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> object:
    sign_in(window, "drlee", PASSWORDS["drlee"])
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    view = window.clinic_reports
    assert view is not None and window.stack.currentWidget() is view
    qtbot.waitUntil(lambda: view.report is not None, timeout=20_000)
    return view


def test_visits_per_day_by_keyboard_then_doses_and_exports(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                          tmp_path: Path) -> None:
    _visits(clinic)
    view = _open(qtbot, window, clinic)
    assert view.report.name == "visits-per-day"
    assert (view.report.period.first.isoformat(), view.report.period.last.isoformat()) == ("2026-03-01",
                                                                                          "2026-03-06")
    assert view.table.rowCount() == 6  # every day of the month so far, quiet days too
    monday = [view.table.item(1, c).text() for c in range(view.table.columnCount())]
    assert monday == ["Mon 02 Mar 2026", "3", "2", "2", "0", "1"]
    assert view.totals.text() == "Totals — Opened: 4 · Started: 3 · Completed: 3 · Signed: 0 · Not started: 1"
    assert view.bars.isVisible() and [v for _, v in view.bars.bars] == [0, 3, 1, 0, 0, 0]
    # sorted by value, not by text: the busiest day first, and the latest day first (as text "Wed" > "Fri")
    view.table.sortItems(1, Qt.SortOrder.DescendingOrder)
    assert view.table.item(0, 0).text() == "Mon 02 Mar 2026"
    view.table.sortItems(0, Qt.SortOrder.DescendingOrder)
    assert view.table.item(0, 0).text() == "Fri 06 Mar 2026"

    # the report chosen by keyboard: Down in the report box reads the next one, doses given
    view.choice.setFocus()
    qtbot.keyClick(view.choice, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: view.report is not None and view.report.name == "doses-given", timeout=20_000)
    assert view.totals.text() == "Totals — Infusions: 3 · Stopped short: 0 · Still running: 0 · Given (g): 6"
    assert not view.bars.isVisible()

    # a period typed: from Tuesday; Enter reads it
    qtbot.keyClick(view, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # the "From" label's mnemonic
    assert view.first.hasFocus()
    for key in (Qt.Key.Key_End, Qt.Key.Key_Backspace, Qt.Key.Key_Backspace):
        qtbot.keyClick(view.first, key)
    qtbot.keyClicks(view.first, "03")
    qtbot.keyClick(view.first, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.report is not None and view.report.period.first.day == 3, timeout=20_000)
    assert view.report.totals[1:] == (1, 0, 0, 2.0)

    csv_path, pdf_path = tmp_path / "doses.csv", tmp_path / "doses.pdf"
    view.export_csv(str(csv_path))
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert rows[0][-1] == "Given (g)" and rows[-1] == ["Total", "1", "0", "0", "2"]
    view.export_pdf(str(pdf_path))
    qtbot.waitUntil(lambda: pdf_path.exists(), timeout=60_000)
    text = "".join(p.extract_text() or "" for p in PdfReader(pdf_path).pages)
    assert "Riverside Infusion Clinic — Doses given" in text and "Page 1 of 1" in text
    assert "Total 1 0 0 2" in " ".join(text.split())
    assert "by Dana Lee" in text and "03 Mar 2026 to 06 Mar 2026" in text
    finish()  # the audit entries are appended off the UI thread
    exports = [e["detail"] for e in clinic.store.audit.entries(by=clinic.reader)
               if e["event"] == "export" and e["detail"].get("report") == "doses-given"]
    assert [(d["format"], d["from"], d["to"]) for d in exports] == [("csv", "2026-03-03", "2026-03-06"),
                                                                    ("pdf", "2026-03-03", "2026-03-06")]


def test_a_nurse_has_no_clinic_reports(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "nkim", PASSWORDS["nkim"])
    assert not window.act_clinic_reports.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.clinic_reports is None
