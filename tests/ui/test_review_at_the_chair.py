"""Issue 12 at the review step: what the clinician sees on a completed visit, the nurse's "Administered by"
(said on screen, Sign then off), an empty password (refused before any check), and the draft note's version."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import SignatureMeaning, VisitStatus
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, open_visit_as, run_to_completed, sign_in

Key = Qt.Key
NURSE_PASSWORD = "nurse-chair-pass-1"


def completed_visit(window: MainWindow, clinic: Clinic_) -> VisitWorkspace:
    """Dana Lee (clinician) runs a visit to completed, with pain after 2 and discharge notes typed."""
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.session.idle_lock_min = 120
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    ws.review.discharge.setText("Home with her partner; headache 2/10, flushing settled.")
    run_to_completed(ws, clinic.clock)
    return ws


def sign_in_field(qtbot: QtBot, ws: VisitWorkspace, password: str) -> None:
    ws.tabs.setCurrentWidget(ws.review)
    ws.review.password.setFocus()
    qtbot.keyClicks(ws.review.password, password)
    qtbot.keyClick(ws.review.password, Key.Key_Return)
    finish()  # the step is saved off the UI thread


def failed_sign_ins(clinic: Clinic_) -> int:
    return sum(1 for e in clinic.store.audit.entries(by=clinic.admin_session) if e["event"] == "sign_in_failed")


def test_the_clinician_opening_a_completed_visit_sees_the_pain_after_and_discharge_notes(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ws = completed_visit(window, clinic)
    visit_id = ws.visit.id
    ws = open_visit_as(window, clinic, clinic.clinician, "doctor-sign-pass-1", visit_id)
    review = ws.review
    assert review.post_pain.text() == "2"
    assert review.discharge.text() == "Home with her partner; headache 2/10, flushing settled."
    assert review.post_pain.isReadOnly() and review.discharge.isReadOnly()  # the record, not a new entry


def test_the_nurses_administered_by_is_said_beside_sign_which_then_is_off(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ws = completed_visit(window, clinic)
    ws = open_visit_as(window, clinic, clinic.nurse, NURSE_PASSWORD, ws.visit.id)
    review = ws.review
    assert review.sign.isEnabled() and review.read_only.text() == ""
    sign_in_field(qtbot, ws, NURSE_PASSWORD)
    assert [s.meaning for s in ws.visit.signatures] == [SignatureMeaning.ADMINISTERED], ws.problem.text()
    assert ws.visit.status is VisitStatus.COMPLETED
    said = review.read_only.text()
    assert "You signed “Administered by” at" in said and "Noor Kim RN" in said
    assert "waits for a clinician" in said
    assert review.read_only.isVisible()  # beside the button, not below the fold of the summary
    assert not review.sign.isEnabled() and not review.password.isEnabled()
    # the clinician still can sign "Reviewed and approved by"
    ws = open_visit_as(window, clinic, clinic.clinician, "doctor-sign-pass-1", ws.visit.id)
    assert ws.review.sign.isEnabled() and ws.review.read_only.text() == ""


def test_an_empty_password_at_signing_is_refused_and_not_counted_as_a_failed_sign_in(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ws = completed_visit(window, clinic)
    ws = open_visit_as(window, clinic, clinic.nurse, NURSE_PASSWORD, ws.visit.id)
    before = failed_sign_ins(clinic)
    for _ in range(6):  # more than the lockout allows, had they counted
        sign_in_field(qtbot, ws, "")
        assert "type your password" in ws.problem.text()
    assert failed_sign_ins(clinic) == before
    assert ws.visit.signatures == ()
    assert ws.review.password.hasFocus()
    sign_in_field(qtbot, ws, NURSE_PASSWORD)  # not locked out: the real password signs
    assert [s.meaning for s in ws.visit.signatures] == [SignatureMeaning.ADMINISTERED], ws.problem.text()


def test_a_wrong_password_still_counts_towards_the_lockout(qtbot: QtBot, window: MainWindow,
                                                           clinic: Clinic_) -> None:
    ws = completed_visit(window, clinic)
    before = failed_sign_ins(clinic)
    sign_in_field(qtbot, ws, "not-the-password-at-all")
    assert ws.problem.text().startswith("Not signed:")
    assert failed_sign_ins(clinic) == before + 1


def test_the_draft_preview_after_administered_by_is_version_1_and_supersedes_nothing(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ws = completed_visit(window, clinic)
    ws = open_visit_as(window, clinic, clinic.nurse, NURSE_PASSWORD, ws.visit.id)
    sign_in_field(qtbot, ws, NURSE_PASSWORD)
    assert ws.visit.signatures, ws.problem.text()
    docs = ws.review.documents
    ws.review.preview.click()
    qtbot.waitUntil(lambda: docs.viewer is not None, timeout=20_000)
    assert docs.last_pdf is not None
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(docs.last_pdf)).pages)
    docs.viewer.close()
    assert "version 1" in text
    assert "supersedes" not in text and "version 2" not in text.lower()
