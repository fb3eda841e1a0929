"""Export or print a list's PDF (near-miss report, day list): built in the note worker so reportlab never loads
into the app, with a status line while it works and an audit entry once the file or the pages are out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QWidget

from infusiondesk.store.audit.events import AuditEvent
from infusiondesk_ui.warm_worker import run_note_job

Audit = Callable[[AuditEvent, dict[str, object]], None]


class PdfOutput:
    """`what` names the document in messages ("the day list"); `audit(event, detail)` records each output."""

    def __init__(self, parent: QWidget, status: QLabel, buttons: Sequence[QPushButton], what: str,
                 audit: Audit) -> None:
        self.parent, self.status, self.buttons, self.what, self.audit = parent, status, buttons, what, audit

    def ask_path(self, suggested: str, kind: str, suffix: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.parent, f"InfusionDesk — export {self.what} ({kind})", suggested,
                                              f"{kind} (*.{suffix})")
        return path

    def _build(self, job: dict[str, Any], then: Callable[[bytes], None], doing: str) -> None:
        self.status.setText(f"{doing} {self.what}…")
        for button in self.buttons:
            button.setEnabled(False)

        def idle() -> None:
            for button in self.buttons:
                button.setEnabled(True)

        def done(pdf: bytes) -> None:
            idle()
            then(pdf)

        def failed(message: str) -> None:
            idle()
            self.status.setText(f"Not done: {message}")

        run_note_job(job, done, failed)

    def export(self, job: dict[str, Any], path: str) -> None:
        def write(pdf: bytes) -> None:
            try:
                Path(path).write_bytes(pdf)
            except OSError as exc:
                self.status.setText(f"Not exported: cannot write {path} ({exc.strerror or exc}).")
                return
            self.audit(AuditEvent.EXPORT, {"format": "pdf", "file": Path(path).name, "bytes": len(pdf)})
            self.status.setText(f"Exported {self.what} to {path}.")

        self._build(job, write, "Building")

    def print(self, job: dict[str, Any], printer: Any = None) -> None:
        """The print dialog (unless a configured printer is given), then the pages, audited with their count."""
        from infusiondesk_ui.views.pdf_preview import ask_printer, pages_sent, printer_label, send_to_printer

        if printer is None:
            printer = ask_printer(self.parent)
            if printer is None:
                return

        def send(pdf: bytes) -> None:
            def sent(pages: int) -> None:
                self.audit(AuditEvent.PRINT, {"pages": pages, "printer": printer_label(printer)})
                self.status.setText(pages_sent(pages, self.what))

            self.status.setText(f"Sending {self.what} to the printer…")
            send_to_printer(pdf, printer, sent, lambda message: self.status.setText(f"Not printed: {message}"))

        self._build(job, send, "Preparing")
