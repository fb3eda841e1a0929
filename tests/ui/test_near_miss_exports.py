"""The near-miss report leaves the screen: CSV and PDF files and print, each audited, times in the clinic's zone."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from infusiondesk.store.audit.events import AuditEvent
from infusiondesk_ui.app import MainWindow
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, sign_in

REASON = "=cmd|' /C calc'!A0 refractory attack; neurology advised 3 g"


def _near_misses(clinic: Clinic_) -> None:
    doctor = clinic.session(clinic.clinician)
    clinic.store.audit.append(AuditEvent.HARD_STOP, doctor, {"code": "dose_rate.max.hard", "message": "Rate too fast",
                                                       "visit_id": 1, "patient_id": clinic.patient.id})
    clinic.store.audit.append(AuditEvent.OVERRIDE, doctor, {"code": "dose.max.soft", "message": "Above the usual dose",
                                                      "reason": REASON, "visit_id": 1,
                                                      "patient_id": clinic.patient.id})


def _exports(clinic: Clinic_, event: str) -> list[dict[str, object]]:
    return [e["detail"] for e in clinic.store.audit.entries(by=clinic.reader) if e["event"] == event
            and e["detail"].get("what") == "near-miss report"]


def test_csv_and_pdf_exports_match_the_screen(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                              tmp_path: Path) -> None:
    _near_misses(clinic)
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_report()
    finish()
    report = window.report
    assert "(times in UTC)" in report.summary.text()
    csv_path = tmp_path / "near.csv"
    report.export_csv(str(csv_path))
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert [r["kind"] for r in rows] == ["HARD STOP", "soft override"]
    assert rows[1]["reason"] == "'" + REASON  # a spreadsheet shows it as text, never runs it
    assert rows[0]["time"] == report.table.item(0, 0).text()[-5:]
    pdf_path = tmp_path / "near.pdf"
    report.export_pdf(str(pdf_path))
    assert "Building" in report.status.text() and not report.pdf_button.isEnabled()
    qtbot.waitUntil(lambda: pdf_path.exists(), timeout=60_000)
    text = "".join(p.extract_text() or "" for p in PdfReader(pdf_path).pages)
    assert "refractory attack" in text and "HARD STOP" in text and "Page 1 of 1" in text
    assert report.pdf_button.isEnabled()
    finish()  # the audit entries are appended off the UI thread once the files are written
    assert [d["format"] for d in _exports(clinic, "export")] == ["csv", "pdf"]


def test_print_sends_the_pages_and_audits_the_count(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                    tmp_path: Path) -> None:
    _near_misses(clinic)
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_report()
    finish()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    window.report.print_report(printer)
    qtbot.waitUntil(lambda: "Sent" in window.report.status.text() or "Not" in window.report.status.text(),
                    timeout=60_000)
    assert window.report.status.text().startswith("Sent 1 page of the near-miss report")
    finish()
    assert [d["pages"] for d in _exports(clinic, "print")] == [1]
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == 1
