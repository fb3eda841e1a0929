"""The visit note as a document: preview, export, print, and signing with the signed PDF.

reportlab, pyHanko and QtPdf load only when first used; building and signing run off the UI thread
with the status shown, and each export or print is audited. Signing is atomic: the clinician's approval (and
each addendum's signature) is saved by the visit service together with its signed note, or not at all. Each
signing stores a new note version beside the earlier ones; export and print use the newest; an unsigned
visit's export is a watermarked DRAFT.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QPushButton, QWidget

from infusiondesk import workflow
from infusiondesk.errors import DomainError
from infusiondesk.records.models import SignatureMeaning, Visit, VisitStatus
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk_ui.audit_trail import record_later
from infusiondesk_ui.ops import user_message
from infusiondesk_ui.session import VisitController
from infusiondesk_ui.warm_worker import run_note_job

log = logging.getLogger("infusiondesk.ui")


class _NotSealed(DomainError):
    """The signer's key could not seal the note (said on the status line; the visit is not signed)."""


def _reports_available() -> bool:
    """Whether the PDF note is installed, found without importing reportlab (that waits for first use)."""
    from importlib.util import find_spec

    try:
        return find_spec("infusiondesk_reports.visit_note") is not None and find_spec("reportlab") is not None
    except ImportError:
        return False


class VisitDocuments:
    """Wires the Preview / Export / Print buttons of the review step to the visit note."""

    def __init__(self, controller: VisitController, status: QLabel, preview: QPushButton, export: QPushButton,
                 print_: QPushButton, parent: QWidget, *, also_disable: tuple[QWidget, ...] = ()) -> None:
        self.c = controller
        self.status = status
        self.parent = parent
        self.busy = False
        self.pressed: QPushButton | None = None  # the button whose work is running, when it had the focus
        self.worker: Any = None  # the signing's NoteJob while the warm note worker runs it
        self.also_disable = also_disable  # the Sign button and password, while a note is being signed
        self.last_pdf: bytes | None = None
        self.viewer: Any = None
        self.buttons = (preview, export, print_)
        if not _reports_available():
            for b in self.buttons:
                b.setEnabled(False)
                b.setToolTip("The PDF visit note is not available in this installation.")
            status.setText("Export PDF and Print are not available yet.")
            return
        preview.clicked.connect(lambda: self._with_pdf(self.preview))
        export.clicked.connect(lambda: self._with_pdf(self.export))
        print_.clicked.connect(lambda: self._with_pdf(self.print))

    # --- building -----------------------------------------------------------------------------------
    def _job(self) -> dict[str, Any]:
        drug = self.c.session.drug
        from infusiondesk_ui.note_worker import session_job

        return {"db": self.c.session.store.url, "visit_id": self.c.visit.id,
                "library": str(drug.path) if drug.provenance != "bundled" else None,
                "session": session_job(self.c.session.require_session())}

    def _with_pdf(self, then: Any) -> None:
        """The signed note when there is one (read off the UI thread), else a watermarked draft, built by the warm
        note worker; the buttons stay disabled until `then(pdf, signed=...)` has it."""
        if self.busy:
            return
        if self.c.visit.status is not VisitStatus.SIGNED:
            self._build_draft(then)
            return
        from infusiondesk_ui.operations import StoreOp

        store, by, visit_id = self.c.session.store, self.c.session.require_session(), self.c.visit.id
        self._busy("Reading the signed note…")

        def read(signed: bytes | None) -> None:
            if signed is None:  # signed, but its note not (yet) stored: the draft shows what there is
                self._build_draft(then)
                return
            self._done("")
            then(signed, signed=True)

        StoreOp(self.c, lambda: store.notes.get(visit_id, by=by)).success(read) \
            .failure(lambda sentence: self._done(f"The signed note was not read: {sentence}")).run()

    def _build_draft(self, then: Any) -> None:
        self._busy("Building the visit note…")

        def built(pdf: bytes) -> None:
            self._done("")
            then(pdf, signed=False)

        run_note_job(self._job(), built, lambda message: self._done(f"The visit note was not built: {message}"))

    def sign(self, meaning: SignatureMeaning, passphrase: str, addendum: int | None = None) -> None:
        """Sign the visit ("Reviewed and approved by") or the addendum at `addendum`: the service's candidate is
        rendered and signed by the note worker (off the UI thread), and only then are the signature and its note
        saved together. Until then the visit is not signed; if the worker fails or is killed, nothing changes
        and the user can sign again."""
        from infusiondesk import pki
        from infusiondesk_ui.operations import StoreOp

        s = self.c.session
        session = s.require_session()
        what = "addendum" if addendum is not None else "visit"
        step = self.c.step()
        store, service = s.store, s.service

        def prepare() -> tuple[str, Any]:  # off the UI thread: the certificate check, then the candidate
            try:  # checked first, so a missing certificate is said before any signing work starts
                pki.load_clinician_pkcs12(store, session)
            except Exception as exc:
                return "no certificate", user_message(exc)
            try:
                return "candidate", (service.signature_candidate(step, meaning) if addendum is None
                                     else service.addendum_candidate(step, addendum))
            except Exception as exc:
                return "refused", user_message(exc)

        def prepared(outcome: tuple[str, Any]) -> None:
            kind, value = outcome
            if kind == "no certificate":
                self.c.problem.emit(f"Not signed: {value} The {what} is not signed.")
            elif kind == "refused":
                self.c.problem.emit(f"Not signed: {value}")
            else:
                self._sign_candidate(value, step, meaning, passphrase, addendum, what)

        StoreOp(self.c, prepare).busy(self.status.setText, "", *self.buttons, *self.also_disable) \
            .success(prepared).failure(self.c.problem.emit).run()

    def _sign_candidate(self, candidate: Any, step: Any, meaning: SignatureMeaning, passphrase: str,
                        addendum: int | None, what: str) -> None:
        """The candidate rendered and signed by the note worker, then the signature and its note saved."""
        from infusiondesk import pki
        from infusiondesk_ui.note_worker import sign_job

        s = self.c.session
        session = s.require_session()
        version = workflow.note_version(candidate, draft=False)
        drug = s.drug
        job = sign_job(s.store.url, str(drug.path) if drug.provenance != "bundled" else None, candidate,
                       session, passphrase, step.at)
        self._busy(f"Signing version {version} of the visit note… The {what} is signed once its signed note is "
                   "stored.")

        def save(pdf: bytes) -> None:
            self._done("")
            service = s.service

            def sign_and_store() -> Visit:  # off the UI thread: unsealing the key, then the step itself
                try:  # the signer's key (same passphrase) seals a checkpoint of the audit trail with the note
                    seal = pki.unlock_pkcs12(pki.load_clinician_pkcs12(s.store, session), passphrase)
                except Exception as exc:
                    raise _NotSealed(user_message(exc)) from exc
                saved: Visit = (service.sign(step, meaning, note=pdf, seal=seal) if addendum is None
                                else service.sign_addendum(step, addendum, pdf, seal=seal))
                return saved

            def stored(_visit: Visit) -> None:
                supersedes = f", superseding version {version - 1}" if version > 1 else ""
                digest = hashlib.sha256(pdf).hexdigest()
                self.status.setText(f"Signed. Signed note version {version} stored{supersedes} "
                                    f"(SHA-256 {digest[:12]}…).")

            def not_stored(error: DomainError) -> None:
                why = error.message if isinstance(error, _NotSealed) else "the signed note was not stored."
                self.status.setText(f"The {what} is not signed: {why} Sign again.")

            if not self.c.start(sign_and_store, then=stored, refused=not_stored,
                                disable=(*self.buttons, *self.also_disable)):
                self.status.setText(f"The {what} is not signed: the signed note was not stored. Sign again.")

        def failed(message: str) -> None:
            text = (f"Not signed: the signed note could not be made. {message} The {what} is not signed and "
                    "nothing was changed; sign again.")
            self._done(text)
            self.c.problem.emit(text)

        # storing the signed bytes must not wait for an unlock: the signature is saved with them at once
        self.worker = run_note_job(job, save, failed, shows=False)

    def _busy(self, text: str) -> None:
        if not self.busy:  # disabling the pressed button moves the focus on: given back in `_done`
            focus = QApplication.focusWidget()
            self.pressed = next((b for b in self.buttons if b is focus), None)
        self.busy = True
        self.status.setText(text)
        for b in (*self.buttons, *self.also_disable):
            b.setEnabled(False)

    def _done(self, text: str) -> None:
        self.busy = False
        self.worker = None
        self.status.setText(text)
        for b in self.buttons:
            b.setEnabled(True)
        if self.pressed is not None:
            self.pressed.setFocus()
            self.pressed = None
        self.c.visitChanged.emit(self.c.visit)  # the screens enable what the visit allows again

    # --- the three actions --------------------------------------------------------------------------
    def preview(self, pdf: bytes, signed: bool) -> None:
        from infusiondesk_ui.views.pdf_preview import PdfPreview

        self.last_pdf = pdf
        self.viewer = PdfPreview(pdf, f"InfusionDesk — visit note {'(signed)' if signed else '(draft)'}")
        self.viewer.show()

    def export(self, pdf: bytes, signed: bool, path: str | None = None) -> None:
        self.last_pdf = pdf
        if path is None:
            p = self.c.patient
            suggested = f"visit-{self.c.visit.id}-{p.mrn}{'' if signed else '-DRAFT'}.pdf"
            path, _ = QFileDialog.getSaveFileName(self.parent, "InfusionDesk — export the visit note", suggested,
                                                  "PDF (*.pdf)")
        if not path:
            return
        Path(path).write_bytes(pdf)
        self.status.setText(f"Exported {'signed note' if signed else 'DRAFT'} to {path}.")
        record_later(self.c, self.c.session, AuditEvent.EXPORT_NOTE,
                     {"visit_id": self.c.visit.id, "signed": signed, "what": "visit note"}, say=self.status.setText)

    def ask_printer(self) -> Any:
        """The print dialog: a configured QPrinter, or None when the user cancels."""
        from infusiondesk_ui.views.pdf_preview import ask_printer

        return ask_printer(self.parent)

    def print(self, pdf: bytes, signed: bool) -> None:
        printer = self.ask_printer()
        if printer is None:
            return
        self.print_to(printer, pdf, signed)

    def print_to(self, printer: Any, pdf: bytes, signed: bool) -> None:
        """Print every page of `pdf` on an already configured printer (or PDF file), off the UI thread where pages
        must be rendered; audited with the page count once sent."""
        from infusiondesk_ui.views.pdf_preview import pages_sent, printer_label, send_to_printer

        self.last_pdf = pdf

        def sent(pages: int) -> None:
            self.status.setText(pages_sent(pages, f"the {'signed note' if signed else 'DRAFT'}"))
            record_later(self.c, self.c.session, AuditEvent.PRINT, {
                "visit_id": self.c.visit.id, "signed": signed, "pages": pages,
                "sha256": hashlib.sha256(pdf).hexdigest(), "printer": printer_label(printer)}, say=self.status.setText)

        self.status.setText("Sending the note to the printer…")
        send_to_printer(pdf, printer, sent, lambda message: self.status.setText(f"Not printed: {message}"))
