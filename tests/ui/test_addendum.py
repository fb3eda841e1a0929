"""An addendum to a signed visit, by keyboard: the nurse writes it the next morning, the clinician signs it
(password again, the meaning shown), and the signed note gains version 2, which supersedes version 1; version 1
stays in the record and Export writes version 2."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import SignatureMeaning, VisitStatus
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, give_signing_certificates, open_visit_as, run_to_completed, sign_in

Key = Qt.Key
ADDENDUM = "Patient phoned next morning: headache free, flushing gone."


def sign_by_keyboard(qtbot: QtBot, ws: VisitWorkspace, password: str) -> None:
    ws.review.password.setFocus()
    qtbot.keyClicks(ws.review.password, password)
    qtbot.keyClick(ws.review.password, Key.Key_Return)
    finish()  # the step is saved off the UI thread


def pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def test_nurse_writes_an_addendum_clinician_signs_it_and_the_note_gains_version_2(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ca_pem = give_signing_certificates(clinic)
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    run_to_completed(ws, clinic.clock)
    sign_by_keyboard(qtbot, ws, "doctor-sign-pass-1")
    qtbot.waitUntil(lambda: not ws.review.documents.busy, timeout=30_000)
    finish()
    assert ws.visit.status is VisitStatus.SIGNED, ws.problem.text()
    visit_id = ws.visit.id
    version_1 = clinic.store.notes.get(visit_id, 1, by=clinic.reader)
    assert version_1 is not None, ws.review.doc_status.text()

    # the next morning the nurse opens the signed visit: read-only, with "Add addendum"
    clinic.clock.advance(minutes=60 * 20)
    ws = open_visit_as(window, clinic, clinic.nurse, "nurse-chair-pass-1", visit_id)
    review = ws.review
    assert ws.tabs.currentWidget() is review
    assert review.add_addendum.isVisible() and not review.sign.isEnabled()
    review.addendum.setFocus()
    qtbot.keyClicks(review.addendum, ADDENDUM)
    qtbot.keyClick(review.addendum, Key.Key_Return)  # Enter moves on to "Add addendum"…
    finish()
    assert review.add_addendum.hasFocus()
    qtbot.keyClick(review.add_addendum, Key.Key_Space)  # …and Space presses it
    finish()
    assert [a.text for a in ws.visit.addenda] == [ADDENDUM], ws.problem.text()
    assert ws.visit.addenda[0].by == clinic.nurse.id and ws.visit.addenda[0].signature is None
    assert "awaiting signature" in review.summary.toPlainText()
    assert "waiting for its signature" in review.read_only.text()
    assert not review.add_addendum.isEnabled()  # one addendum at a time: sign it first
    # nothing signed yet, version 1 is the record
    assert clinic.store.notes.get(visit_id, by=clinic.reader) == version_1

    # the clinician signs it: the meaning is shown, the password asked again
    clinic.clock.advance(minutes=30)
    ws = open_visit_as(window, clinic, clinic.clinician, "doctor-sign-pass-1", visit_id)
    review = ws.review
    assert review.sign.isEnabled() and review.sign.text() == "Si&gn addendum"
    assert "Addendum signed by" in review.meaning.text()
    assert "supersedes the earlier version" in review.meaning.text()
    sign_by_keyboard(qtbot, ws, "not-my-password")
    assert ws.problem.text().startswith("Not signed:")
    assert ws.visit.addenda[0].signature is None
    sign_by_keyboard(qtbot, ws, "doctor-sign-pass-1")

    # the signed note of version 2 is made off the UI thread, with the progress shown; the addendum is signed
    # only when it is stored with its note
    docs = review.documents
    assert docs.busy and "Signing version 2" in review.doc_status.text()
    assert not review.export.isEnabled() and not review.sign.isEnabled()
    assert clinic.store.visits.get(visit_id, by=clinic.reader).addenda[0].signature is None
    qtbot.waitUntil(lambda: not docs.busy, timeout=30_000)
    finish()
    signature = ws.visit.addenda[0].signature
    assert signature is not None, ws.problem.text()
    assert signature.meaning is SignatureMeaning.ADDENDUM and signature.signer_id == clinic.clinician.id
    # saved through the store
    assert clinic.store.visits.get(visit_id, by=clinic.reader).addenda[0].signature == signature
    assert "Signed note version 2 stored, superseding version 1" in review.doc_status.text()
    assert [n["version"] for n in clinic.store.notes.versions(visit_id, by=clinic.reader)] == [1, 2]
    version_2 = clinic.store.notes.get(visit_id, 2, by=clinic.reader)
    assert version_2 is not None
    text = pdf_text(version_2)
    assert "Version 2 — supersedes version 1" in text
    assert "headache free" in text and "Addendum signed by" in text
    # the earlier version is kept as it was
    assert clinic.store.notes.get(visit_id, 1, by=clinic.reader) == version_1

    from infusiondesk_reports.signing import verify_pdf

    report = verify_pdf(version_2, [ca_pem])
    assert report.valid and report.intact and report.trusted
    assert any("Addendum signed by" in s.reason for s in report.signatures)

    # Export writes the newest signed bytes
    out = tmp_path / "visit-note.pdf"
    asked: list[str] = []
    monkeypatch.setattr("infusiondesk_ui.documents.QFileDialog.getSaveFileName",
                        lambda *a, **k: (asked.append(a[2]), (str(out), "PDF (*.pdf)"))[1])
    review.export.setFocus()
    qtbot.keyClick(review.export, Key.Key_Space)
    # the signed note is read off the UI thread: meanwhile the screen says so and Export cannot start again
    assert "Reading the signed note" in review.doc_status.text() and not review.export.isEnabled()
    review.export.click()
    finish()  # the note arrives, then the export is audited off the UI thread
    assert len(asked) == 1 and asked[0].endswith("-MRN-0007.pdf")  # asked once, for the signed note
    assert out.read_bytes() == version_2
    assert "Exported signed note" in review.doc_status.text()
    assert review.export.hasFocus()  # back on the button pressed, for the next key

    # after signing, another later fact is another addendum
    assert review.add_addendum.isEnabled() and not review.sign.isEnabled()
    events = [e["event"] for e in clinic.store.audit.entries(by=clinic.admin_session)]
    assert events.count("signed_note") == 2 and "export_note" in events
    # each version's storing was checkpointed with the signer's key, anchored to the clinic CA
    from cryptography import x509

    trail = clinic.store.audit.verify([x509.load_pem_x509_certificate(ca_pem)])
    assert trail.ok, trail.problems
    assert trail.checkpoints_verified == 2 and trail.notes_checked == 2
