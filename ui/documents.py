"""The visit note as a document: preview, export, print, and the signed PDF made after signing.

reportlab, pyHanko and QtPdf load only when first used; building and signing run off the UI thread
with the status shown, and each export or print is audited. Each signing of a signed visit (the visit, then
each addendum) stores a new note version beside the earlier ones; export and print use the newest.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QWidget

from infusiondesk import workflow
from infusiondesk.records.models import Visit, VisitStatus
from ui.ops import run_in_process, user_message
from ui.session import VisitController

log = logging.getLogger("infusiondesk.ui")


def _reports_available() -> bool:
    """Whether the PDF note is installed, found without importing reportlab (that waits for first use)."""
    from importlib.util import find_spec

    try:
        return find_spec("reports.visit_note") is not None and find_spec("reportlab") is not None
    except ImportError:
        return False


class VisitDocuments:
    """Wires the Preview / Export / Print buttons of the review step to the visit note."""

    def __init__(self, controller: VisitController, status: QLabel, preview: QPushButton, export: QPushButton,
                 print_: QPushButton, parent: QWidget) -> None:
        self.c = controller
        self.status = status
        self.parent = parent
        self.busy = False
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
        return {"db": self.c.session.store.url, "visit_id": self.c.visit.id,
                "library": str(drug.path) if drug.provenance != "bundled" else None}

    def _with_pdf(self, then: Any) -> None:
        """The signed note when there is one, else a watermarked draft, built in a child process."""
        if self.busy:
            return
        visit = self.c.visit
        signed = self.c.session.store.get_signed_note(visit.id) if visit.status is VisitStatus.SIGNED else None
        if signed is not None:
            then(signed, signed=True)
            return
        self._busy("Building the visit note…")
        run_in_process("ui.note_worker", self._job(), lambda pdf: (self._done(""), then(pdf, signed=False)),
                       self._done)

    def signed(self, visit: Visit, passphrase: str) -> None:
        """After the clinician signs the visit, or someone signs an addendum: the PAdES-signed note of this
        version, stored with the visit as the next version (never blocks the screen)."""
        from infusiondesk import pki

        s = self.c.session
        user = s.require_user()
        what = "addendum" if visit.addenda and visit.addenda[-1].signature is not None else "visit"
        try:  # checked here, at once, so a missing certificate is said before any work starts
            pki.load_clinician_pkcs12(s.store, user.id or 0)
        except Exception as exc:
            self.status.setText(f"The {what} is signed in the record; the PDF note was not signed: "
                                f"{user_message(exc)}")
            return
        version = workflow.note_version(visit, draft=False)
        job = {**self._job(), "sign": {"user_id": user.id, "passphrase": passphrase, "now": s.clock.now().isoformat()}}
        self._busy(f"Signing version {version} of the visit note…")

        def store_it(pdf: bytes) -> None:
            try:  # the signer's key seals a checkpoint of the audit trail with the note (same passphrase)
                seal = pki.unlock_pkcs12(pki.load_clinician_pkcs12(s.store, user.id or 0), passphrase)
                digest = s.store.store_signed_note(visit.id or 0, version, pdf, user.id or 0, seal=seal)
            except Exception as exc:
                self._done(f"The {what} is signed in the record; the PDF note was not stored: {user_message(exc)}")
                return
            supersedes = f", superseding version {version - 1}" if version > 1 else ""
            self._done(f"Signed note version {version} stored{supersedes} (SHA-256 {digest[:12]}…).")

        def refused(message: str) -> None:
            self._done(f"The {what} is signed in the record; the PDF note was not signed: {message}")

        run_in_process("ui.note_worker", job, store_it, refused)

    def _busy(self, text: str) -> None:
        self.busy = True
        self.status.setText(text)
        for b in self.buttons:
            b.setEnabled(False)

    def _done(self, text: str) -> None:
        self.busy = False
        self.status.setText(text)
        for b in self.buttons:
            b.setEnabled(True)

    # --- the three actions --------------------------------------------------------------------------
    def preview(self, pdf: bytes, signed: bool) -> None:
        from ui.views.pdf_preview import PdfPreview

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
        self.c.session.store.audit("export", self.c.session.user, {"visit_id": self.c.visit.id,
                                                                  "signed": signed, "what": "visit note"})
        self.status.setText(f"Exported {'signed note' if signed else 'DRAFT'} to {path}.")

    def ask_printer(self) -> Any:
        """The print dialog: a configured QPrinter, or None when the user cancels."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self.parent).exec() != QPrintDialog.DialogCode.Accepted:
            return None
        return printer

    def print(self, pdf: bytes, signed: bool) -> None:
        printer = self.ask_printer()
        if printer is None:
            return
        try:
            self.print_to(printer, pdf, signed)
        except Exception as exc:
            self.status.setText(f"Not printed: {user_message(exc)}")

    def print_to(self, printer: Any, pdf: bytes, signed: bool) -> int:
        """Print every page of `pdf` on an already configured printer (or PDF file), audited; the page count."""
        from ui.views.pdf_preview import print_pdf

        self.last_pdf = pdf
        pages = print_pdf(pdf, printer)
        self.c.session.store.audit("print", self.c.session.user, {
            "visit_id": self.c.visit.id, "signed": signed, "pages": pages,
            "sha256": hashlib.sha256(pdf).hexdigest(), "printer": printer.printerName() or printer.outputFileName()})
        self.status.setText(f"Sent {pages} page{'s' if pages != 1 else ''} of the "
                            f"{'signed note' if signed else 'DRAFT'} to the printer.")
        return pages
