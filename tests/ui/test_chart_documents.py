"""From the chart: the course summary (typed period, Preview by keyboard, Export audited) and several visits'
notes at once, built off the UI thread with a busy bar; signed notes leave as their exact stored bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from infusiondesk import pki
from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Role, VisitStatus
from infusiondesk_reports.note_commands import sign_note
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.chart import ChartView
from tests.clinic_day import chart_visit
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, give_signing_certificates, sign_in


@dataclass(frozen=True)
class Course:
    signed: list[int]
    completed: int
    stored: dict[int, bytes]


@pytest.fixture
def course(clinic: Clinic_) -> Course:
    """Ms Rivera's two signed 2 g infusions on 2 and 9 March 2026 and a completed one on 16 March (unsigned)."""
    give_signing_certificates(clinic)
    store, drug = clinic.store, load_drug()
    store.users.create("bnurse", "Bo Nurse", Role.NURSE, "second-nurse-pass-456", "RN", by=clinic.admin_session)
    second = store.users.sign_in("bnurse", "second-nurse-pass-456")
    nurse, doctor = clinic.session(clinic.nurse), clinic.session(clinic.clinician)
    creds = {s.user_id: pki.unlock_pkcs12(pki.load_clinician_pkcs12(store, s), pw)
             for s, pw in ((nurse, "nurse-chair-pass-1"), (doctor, "doctor-sign-pass-1"))}
    signed = []
    start = clinic.clock.now()
    for week in range(3):
        clinic.clock.advance(minutes=(start + timedelta(weeks=week) - clinic.clock.now()).total_seconds() / 60)
        t0 = clinic.clock.now()
        last = week == 2
        v = chart_visit(store, drug, clinic.patient, nurse, second, doctor, t0,
                        until=VisitStatus.COMPLETED if last else VisitStatus.SIGNED,
                        sign_note=lambda v: sign_note(store, v, drug, creds, by=doctor), seal=creds[doctor.user_id])
        if not last:
            signed.append(v.id)
        clinic.clock.advance(minutes=120)
    return Course(signed, v.id, {i: bytes(store.notes.get(i, by=doctor) or b"") for i in signed})


def _chart(window: MainWindow, clinic: Clinic_) -> ChartView:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    window.show_chart(clinic.patient)
    finish()
    chart = window.chart
    assert isinstance(chart, ChartView)
    return chart


def test_the_nurse_types_a_period_and_previews_the_summary_by_keyboard(qtbot: QtBot, window: MainWindow,
                                                                       clinic: Clinic_, course: Course) -> None:
    chart = _chart(window, clinic)
    qtbot.keyClick(chart, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # Alt+F: the "from" field
    finish()
    assert QApplication.focusWidget() is chart.date_from
    qtbot.keyClicks(chart.date_from, "2026-03-01")
    qtbot.keyClick(chart.date_from, Qt.Key.Key_Return)
    finish()
    assert QApplication.focusWidget() is chart.date_to
    qtbot.keyClicks(chart.date_to, "2026-03-10")
    qtbot.keyClick(chart.date_to, Qt.Key.Key_Return)  # Enter on the last field previews
    docs = chart.documents
    assert docs.busy and chart.doc_progress.isVisible()
    assert "Making the course summary (2026-03-01 to 2026-03-10)" in chart.doc_status.text()
    assert not chart.summary_export.isEnabled() and not chart.notes_export.isEnabled()
    qtbot.waitUntil(lambda: docs.viewer is not None, timeout=30_000)
    assert not chart.doc_progress.isVisible() and chart.summary_export.isEnabled()
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(docs.last_pdf or b"")).pages)
    assert "period 2026-03-01 to 2026-03-10 · 2 visits, 2 infusions" in text
    for visit_id in course.signed:
        assert f" {visit_id} signed " in text
    assert f" {course.completed} completed " not in text  # 16 March is outside the period
    assert "4 g = 32.5 mEq = 16.2 mmol" in text
    docs.viewer.close()


def test_a_period_that_is_no_date_is_said_at_once_and_nothing_is_built(qtbot: QtBot, window: MainWindow,
                                                                       clinic: Clinic_, course: Course) -> None:
    chart = _chart(window, clinic)
    chart.date_from.setText("2026-03-10")
    chart.date_to.setText("2026-03-01")
    chart.summary_preview.click()
    finish()
    assert not chart.documents.busy
    assert "starts on 2026-03-10, after it ends on 2026-03-01" in chart.doc_status.text()
    chart.date_to.setText("31/02/2026")
    chart.summary_preview.click()
    finish()
    assert not chart.documents.busy and "to" in chart.doc_status.text().lower()
    assert "31/02/2026" in chart.doc_status.text()


def test_summary_export_is_written_and_audited(qtbot: QtBot, window: MainWindow, clinic: Clinic_, course: Course,
                                               tmp_path: Path) -> None:
    chart = _chart(window, clinic)
    out = tmp_path / "summary.pdf"
    chart.documents.summary(clinic.patient, lambda pdf: chart.documents.export(pdf, clinic.patient, str(out)))
    qtbot.waitUntil(lambda: not chart.documents.busy, timeout=30_000)
    finish()
    assert out.read_bytes().startswith(b"%PDF")
    assert f"Exported the course summary to {out}" in chart.doc_status.text()
    entry = [e for e in clinic.store.audit.entries(by=clinic.reader) if e.get("event") == "export_summary"][-1]
    assert entry["detail"]["patient_id"] == clinic.patient.id and entry["detail"]["period"] == "every visit"


@pytest.mark.parametrize("combine", ["portfolio", "files"])
def test_selected_visits_export_together_with_each_signed_note_byte_for_byte(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, course: Course, tmp_path: Path, combine: str) -> None:
    chart = _chart(window, clinic)
    chart.history.setFocus()
    qtbot.keyClick(chart.history, Qt.Key.Key_Home)
    finish()
    qtbot.keyClick(chart.history, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(chart.history, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    ids = chart.selected_visit_ids()
    assert ids == [*course.signed, course.completed]  # oldest first
    target = tmp_path / ("notes.pdf" if combine == "portfolio" else "notes")
    chart.documents.export_notes(ids, str(target), combine)
    assert chart.doc_progress.isVisible() and "Collecting 3 visit notes" in chart.doc_status.text()
    qtbot.waitUntil(lambda: not chart.documents.busy, timeout=30_000)
    finish()
    assert "Exported the notes of 3 visits" in chart.doc_status.text(), chart.doc_status.text()
    if combine == "portfolio":
        files = {name: data[0] for name, data in PdfReader(target).attachments.items()}
    else:
        files = {p.name: p.read_bytes() for p in target.iterdir()}
    for visit_id in course.signed:
        assert files[f"visit-{visit_id}-MRN-0007.pdf"] == course.stored[visit_id]
    assert f"visit-{course.completed}-MRN-0007-DRAFT.pdf" in files
    exported = [e["detail"] for e in clinic.store.audit.entries(by=clinic.reader) if e["event"] == "export_note"]
    assert [(d["visit_id"], d["combined"]) for d in exported] == [(i, combine) for i in ids]  # in order, each once
