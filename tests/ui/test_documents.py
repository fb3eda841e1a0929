"""The visit note from the app: a watermarked draft to preview, the signed PDF stored after signing,
export audited. The admin adds the clinician, whose signing certificate comes from the clinic CA."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from infusiondesk import pki
from infusiondesk.records.models import Role, VisitStatus
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import (
    CA_PASSPHRASE,
    finish,
    give_signing_certificates,
    open_visit_as,
    run_to_completed,
    settle,
    sign_in,
)


def test_admin_adds_a_clinician_who_signs_a_pdf_note(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                    tmp_path: Path) -> None:
    pki.save_clinic_ca(clinic.store, pki.create_clinic_ca("Riverside Infusion Clinic", CA_PASSPHRASE,
                                                          clinic.clock.now()), by=clinic.admin_session)
    sign_in(window, "admin", "ward-office-key-1")
    assert window.stack.currentWidget() is window.users
    u = window.users
    for edit, text in ((u.username, "drpark"), (u.full_name, "Jin Park"), (u.credentials, "MD"),
                       (u.password, "park-signs-notes"), (u.ca_passphrase, CA_PASSPHRASE)):
        qtbot.keyClicks(edit, text)
    u.role.set_value(Role.CLINICIAN.value)
    u.add.click()
    settle(qtbot)  # enrolment runs off the UI thread
    assert "with a signing certificate" in u.message.text(), u.message.text()
    window.sign_out()

    sign_in(window, "drpark", "park-signs-notes")
    window.session.idle_lock_min = 120  # at the keyboard while the test clock jumps 30 minutes: no idle lock
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    run_to_completed(ws, clinic.clock)

    # before signing, preview builds a watermarked draft off the UI thread
    docs = ws.review.documents
    ws.review.preview.click()
    qtbot.waitUntil(lambda: docs.viewer is not None, timeout=20_000)
    assert docs.last_pdf is not None and docs.last_pdf.startswith(b"%PDF")
    assert docs.viewer.page_count >= 1
    docs.viewer.close()

    ws.review.password.setText("park-signs-notes")
    ws.review.sign.click()
    finish()  # the password is checked off the UI thread
    # while the note worker renders and signs, the visit is not signed yet, and the screen says so
    assert docs.busy and "Signing version 1 of the visit note" in ws.review.doc_status.text(), ws.problem.text()
    assert clinic.store.visits.get(ws.visit.id, by=clinic.reader).status is VisitStatus.COMPLETED
    assert not ws.review.sign.isEnabled() and not ws.review.export.isEnabled()
    qtbot.waitUntil(lambda: not docs.busy, timeout=30_000)
    finish()
    assert ws.visit.status is VisitStatus.SIGNED, ws.problem.text()
    assert clinic.store.notes.get(ws.visit.id, by=clinic.reader) is not None
    assert "Signed note version 1 stored" in ws.review.doc_status.text()
    assert [n["version"] for n in clinic.store.notes.versions(ws.visit.id, by=clinic.reader)] == [1]

    signed = clinic.store.notes.get(ws.visit.id, by=clinic.reader)
    assert signed is not None
    out = tmp_path / "note.pdf"
    docs.export(signed, signed=True, path=str(out))
    assert out.read_bytes() == signed
    from infusiondesk_reports.signing import verify_pdf

    ca_pem = clinic.store.keys.load(pki.KIND_CA_CERT)[0][1]
    report = verify_pdf(out.read_bytes(), [ca_pem])
    assert report.valid and report.trusted
    finish()  # the export's audit entry is appended off the UI thread
    events = [e["event"] for e in clinic.store.audit.entries(by=clinic.admin_session)]
    assert "export_note" in events and "export" not in events  # one name for a note export, app or CLI


def test_print_sends_every_page_of_the_note_to_the_printer_and_is_audited(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Print button's path, with a printer that writes a PDF file instead of the print dialog."""
    import io

    from pypdf import PdfReader
    from PySide6.QtCore import Qt
    from PySide6.QtPrintSupport import QPrinter

    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.session.idle_lock_min = 120  # at the keyboard while the test clock jumps 30 minutes: no idle lock
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    run_to_completed(ws, clinic.clock)
    docs = ws.review.documents
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    monkeypatch.setattr(docs, "ask_printer", lambda: printer)  # what the print dialog returns on OK

    ws.review.print.setFocus()
    qtbot.keyClick(ws.review.print, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: out.exists() and not docs.busy, timeout=30_000)
    note = docs.last_pdf
    assert note is not None
    note_pages = PdfReader(io.BytesIO(note)).pages
    printed_pages = PdfReader(out).pages
    assert len(note_pages) >= 1
    assert len(printed_pages) == len(note_pages)
    assert out.read_bytes() == note  # vector, exactly the note: text stays text, a signed note stays signed
    assert "MRN-0007" in (printed_pages[0].extract_text() or "") and out.stat().st_size < 1_000_000
    assert not any(page.images for page in printed_pages)
    assert ws.review.doc_status.text() == f"Sent {len(note_pages)} page{'s' if len(note_pages) != 1 else ''} of " \
                                          "the DRAFT to the printer."
    finish()  # the print's audit entry is appended off the UI thread
    printed = [e for e in clinic.store.audit.entries(by=clinic.admin_session) if e["event"] == "print"]
    assert len(printed) == 1
    assert printed[0]["detail"]["pages"] == len(note_pages) and printed[0]["detail"]["signed"] is False
    assert printed[0]["detail"]["visit_id"] == ws.visit.id


def test_a_cups_printer_gets_the_pdf_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtPrintSupport import QPrinter

    from infusiondesk_ui.views import pdf_preview

    monkeypatch.setattr(pdf_preview.shutil, "which", lambda name: "/usr/bin/lp" if name == "lp" else None)
    command = pdf_preview.cups_command("Ward-3", 2, QPrinter.DuplexMode.DuplexLongSide)
    assert command == ["/usr/bin/lp", "-d", "Ward-3", "-n", "2", "-t", "InfusionDesk", "-o",
                       "sides=two-sided-long-edge"]
    assert pdf_preview.cups_command("", 1, QPrinter.DuplexMode.DuplexNone) is None  # no queue chosen
    monkeypatch.setattr(pdf_preview.shutil, "which", lambda name: None)
    assert pdf_preview.cups_command("Ward-3", 1, QPrinter.DuplexMode.DuplexNone) is None  # no CUPS: render


def test_a_printer_that_cannot_be_opened_is_said_in_words(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                         tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "no-such-folder" / "x.pdf"))
    ws.review.documents.ask_printer = lambda: printer
    ws.review.documents.print(b"%PDF-1.4 not really", signed=False)
    assert ws.review.doc_status.text().startswith("Not printed: ")
    assert not [e for e in clinic.store.audit.entries(by=clinic.admin_session) if e["event"] == "print"]


def test_the_nurse_signs_at_the_chair_and_the_clinician_approves_later_alone(qtbot: QtBot, window: MainWindow,
                                                                            clinic: Clinic_) -> None:
    """The nurse's "Administered by" is an electronic signature in the record; the clinician's approval seals the
    PDF with a digital signature, without needing the nurse's key."""
    ca_pem = give_signing_certificates(clinic)

    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    run_to_completed(ws, clinic.clock)
    visit_id = ws.visit.id

    ws = open_visit_as(window, clinic, clinic.nurse, "nurse-chair-pass-1", visit_id)
    ws.review.password.setText("nurse-chair-pass-1")
    ws.review.sign.click()
    finish()
    assert ws.visit.status is VisitStatus.COMPLETED and len(ws.visit.signatures) == 1, ws.problem.text()
    assert clinic.store.notes.get(visit_id, by=clinic.reader) is None

    ws = open_visit_as(window, clinic, clinic.clinician, "doctor-sign-pass-1", visit_id)
    ws.review.password.setText("doctor-sign-pass-1")
    ws.review.sign.click()
    finish()
    qtbot.waitUntil(lambda: not ws.review.documents.busy, timeout=30_000)
    finish()
    assert ws.visit.status is VisitStatus.SIGNED, ws.problem.text()
    assert clinic.store.notes.get(visit_id, by=clinic.reader) is not None
    from infusiondesk_reports.signing import verify_pdf

    signed = clinic.store.notes.get(visit_id, by=clinic.reader)
    assert signed is not None
    report = verify_pdf(signed, [ca_pem])
    assert report.valid and report.intact and report.trusted
    assert [s.signer for s in report.signatures] == ["Dana Lee"]


def test_pages_rendered_for_a_printer_that_takes_no_pdf_are_rendered_off_the_ui_thread(
        qtbot: QtBot, tmp_path: Path) -> None:
    """Where the print system takes no PDF (Windows), each page is rendered at the printer's resolution: in a worker
    thread, so the window keeps answering; the pages arrive and the count comes back on the UI thread."""
    import io
    import threading

    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    from infusiondesk_reports.near_miss_pdf import near_miss_pdf
    from infusiondesk_ui.views.pdf_preview import send_to_printer
    from tests.reports.scenario import CLINIC
    from tests.reports.test_near_miss_pdf import SINCE, report

    pdf = near_miss_pdf(report(60), CLINIC, SINCE)
    out = tmp_path / "rendered.pdf"
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    sent: list[tuple[int, bool]] = []
    send_to_printer(pdf, printer, lambda pages: sent.append((pages, threading.current_thread() is
                                                             threading.main_thread())),
                    lambda message: pytest.fail(message), render=True)
    assert sent == []  # not yet: the pages are being rendered in the background
    qtbot.waitUntil(lambda: bool(sent), timeout=60_000)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert sent == [(pages, True)]  # the count, delivered on the UI thread
    printed = PdfReader(out).pages
    assert len(printed) == pages and all(page.images for page in printed)  # rendered pages, not the PDF itself
