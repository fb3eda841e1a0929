"""The chart's documents: the patient's course summary (Preview / Export / Print) and the notes of several visits
at once (one PDF portfolio, one zip, or one file per visit in a folder).

The PDFs are built by the warm note worker (`infusiondesk_ui.warm_worker`, a long-lived child process), like the
visit note: the chart stays responsive and shows a busy bar with what is being made. Signed notes leave as their
exact stored bytes (the worker packs them, never re-renders them). Each export and print is audited.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QProgressBar, QPushButton, QWidget

from infusiondesk.course import Period
from infusiondesk.errors import DomainError
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.units import parse_date
from infusiondesk_ui.audit_trail import record_later
from infusiondesk_ui.note_worker import session_job
from infusiondesk_ui.warm_worker import run_note_job

PORTFOLIO_FILTER = "PDF portfolio: one PDF, each note attached (*.pdf)"
ZIP_FILTER = "Zip: the notes and their SHA-256 sums (*.zip)"
FOLDER_FILTER = "Folder: one PDF per visit (*)"


class ChartDocuments:
    """Wires the chart's summary and multi-visit export buttons to the note worker."""

    def __init__(self, session: Any, parent: QWidget, status: QLabel, progress: QProgressBar,
                 date_from: QLineEdit, date_to: QLineEdit, buttons: Sequence[QPushButton], *, day_first: bool) -> None:
        self.session = session
        self.parent = parent
        self.status = status
        self.progress = progress
        self.date_from, self.date_to = date_from, date_to
        self.buttons = tuple(buttons)
        self.day_first = day_first
        self.busy = False
        self.shown_period = Period()  # the period of the summary last asked for (audited with its export)
        self.last_pdf: bytes | None = None
        self.viewer: Any = None
        self.progress.setRange(0, 0)  # busy: the worker reports no steps, only that it is working
        self.progress.hide()

    # --- what is asked for --------------------------------------------------------------------------
    def period(self) -> Period:
        """The period typed in From / To (either may be empty), in the clinic's date order or year-month-day."""
        def one(edit: QLineEdit, name: str) -> Any:
            text = edit.text().strip()
            return parse_date(text, name, day_first=self.day_first) if text else None
        return Period(one(self.date_from, "from"), one(self.date_to, "to"))

    def _library(self) -> str | None:
        drug = self.session.drug
        return str(drug.path) if drug.provenance != "bundled" else None

    # --- background work ----------------------------------------------------------------------------
    def _run(self, job: dict[str, Any], doing: str, then: Callable[[bytes], None]) -> None:
        if self.busy:
            return
        self.busy = True
        self.status.setText(doing)
        self.progress.show()
        for b in self.buttons:
            b.setEnabled(False)

        def done(data: bytes) -> None:
            self._idle("")
            try:
                then(data)
            except DomainError as exc:
                self.status.setText(exc.message)
            except OSError as exc:
                self.status.setText(f"Not saved: {exc.strerror or exc}.")

        run_note_job(job, done, lambda message: self._idle(f"Not made: {message}"))

    def _idle(self, text: str) -> None:
        self.busy = False
        self.progress.hide()
        self.status.setText(text)
        for b in self.buttons:
            b.setEnabled(True)

    # --- the course summary -------------------------------------------------------------------------
    def summary(self, patient: Any, then: Callable[[bytes], None]) -> None:
        """Build the course summary of `patient` over the typed period, then `then(pdf)` on the UI thread."""
        try:
            period = self.period()
        except DomainError as exc:
            self.status.setText(exc.message)
            return
        job = {"kind": "summary", "db": self.session.store.url, "library": self._library(), "mrn": patient.mrn,
               "session": session_job(self.session.require_session()),
               "from": period.first.isoformat() if period.first else None,
               "to": period.last.isoformat() if period.last else None}
        self.shown_period = period
        self._run(job, f"Making the course summary ({period.describe()})…", then)

    def preview(self, pdf: bytes) -> None:
        from infusiondesk_ui.views.pdf_preview import PdfPreview

        self.last_pdf = pdf
        self.viewer = PdfPreview(pdf, "InfusionDesk — course summary")
        self.viewer.show()

    def export(self, pdf: bytes, patient: Any, path: str | None = None) -> None:
        self.last_pdf = pdf
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.parent, "InfusionDesk — export the course summary",
                                                  f"course-summary-{patient.mrn}.pdf", "PDF (*.pdf)")
        if not path:
            return
        Path(path).write_bytes(pdf)
        self.status.setText(f"Exported the course summary to {path}.")
        self._audit(AuditEvent.EXPORT_SUMMARY, patient, pdf, {"to": "file"})

    def print(self, pdf: bytes, patient: Any, printer: Any = None) -> None:
        from infusiondesk_ui.views.pdf_preview import ask_printer, pages_sent, printer_label, send_to_printer

        self.last_pdf = pdf
        if printer is None:
            printer = ask_printer(self.parent)
            if printer is None:
                return

        def sent(pages: int) -> None:
            self.status.setText(pages_sent(pages, "the course summary"))
            self._audit(AuditEvent.PRINT_SUMMARY, patient, pdf, {"pages": pages, "printer": printer_label(printer)})

        self.status.setText("Sending the course summary to the printer…")
        send_to_printer(pdf, printer, sent, lambda message: self.status.setText(f"Not printed: {message}"))

    def _audit(self, event: AuditEvent, patient: Any, pdf: bytes, extra: dict[str, Any]) -> None:
        record_later(self.parent, self.session, event, {
            "patient_id": patient.id, "period": self.shown_period.describe(), "sha256": hashlib.sha256(pdf).hexdigest(),
            **extra}, say=self.status.setText)

    # --- several visits' notes ----------------------------------------------------------------------
    def export_notes(self, visit_ids: Sequence[int], target: str | None = None, combine: str | None = None) -> None:
        """The notes of `visit_ids` as a portfolio, a zip, or one file per visit in a folder (asked when not
        given)."""
        if not visit_ids:
            self.status.setText("Select the visits first (Ctrl+click or Shift+arrows in the visit history).")
            return
        if target is None or combine is None:
            target, combine = self._ask_target(visit_ids)
            if not target:
                return
        job = {"kind": "notes", "db": self.session.store.url, "library": self._library(),
               "session": session_job(self.session.require_session()), "visit_ids": list(visit_ids),
               "combine": "portfolio" if combine == "portfolio" else "zip"}
        n = len(visit_ids)
        self._run(job, f"Collecting {n} visit note{'s' if n != 1 else ''}…",
                  lambda data: self._save_notes(data, list(visit_ids), str(target), str(combine)))

    def _ask_target(self, visit_ids: Sequence[int]) -> tuple[str, str]:
        ids = "-".join(str(i) for i in visit_ids[:6])
        path, chosen = QFileDialog.getSaveFileName(self.parent, "InfusionDesk — export the selected visit notes",
                                                   f"visit-notes-{ids}.pdf",
                                                   ";;".join((PORTFOLIO_FILTER, ZIP_FILTER, FOLDER_FILTER)))
        combine = {PORTFOLIO_FILTER: "portfolio", ZIP_FILTER: "zip"}.get(chosen, "files")
        return path, combine

    def _save_notes(self, data: bytes, visit_ids: list[int], target: str, combine: str) -> None:
        if combine == "files":
            folder = Path(target)
            folder.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = [n for n in z.namelist() if n.endswith(".pdf")]
                for name in names:  # the worker's zip holds each note's exact bytes
                    (folder / Path(name).name).write_bytes(z.read(name))
            where = f"{len(names)} files in {folder}"
        else:
            Path(target).write_bytes(data)
            where = target
        self.status.setText(f"Exported the notes of {len(visit_ids)} visit{'s' if len(visit_ids) != 1 else ''} "
                            f"to {where}.")
        record_later(self.parent, self.session, AuditEvent.EXPORT_NOTE,
                     *({"visit_id": visit_id, "what": "visit note", "combined": combine} for visit_id in visit_ids),
                     say=self.status.setText)
