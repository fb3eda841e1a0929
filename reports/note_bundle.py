"""Several visit notes at once: one file per visit, one zip, or one PDF portfolio, never re-rendering a signed note.

A signed note is a signature over its exact bytes, so it travels only as those bytes: written out as is, stored
in a zip as is, or embedded whole as a file attachment in a cover PDF (a portfolio). Merging signed notes into
one PDF's pages would re-write them and break every signature, so that is never done. A visit with no signed
note goes out as today's watermarked DRAFT.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from infusiondesk import pki
from infusiondesk.drugs.library import Drug
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Clinic, UserSession
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk_reports.note_commands import note_for_export

if TYPE_CHECKING:  # the store pulls in SQLAlchemy; the commands are handed an open one
    from infusiondesk.store import Store

FORMATS = ("files", "zip", "portfolio")


@dataclass(frozen=True)
class ExportedNote:
    visit_id: int
    mrn: str
    patient_name: str
    pdf: bytes
    signed: bool

    @property
    def filename(self) -> str:
        """visit-42-MRN-004211.pdf, or …-DRAFT.pdf: what it is can be read from the name alone."""
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in self.mrn)
        return f"visit-{self.visit_id}-{safe}{'' if self.signed else '-DRAFT'}.pdf"

    @property
    def sha256(self) -> str:
        return pki.sha256_hex(self.pdf)


def parse_visit_ids(text: str) -> list[int]:
    """"3,5,9" → [3, 5, 9]: refused with one sentence naming what is not a visit number; repeats are dropped."""
    ids: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) == 0:
            raise DomainError(f'--visits "{text}": "{part}" is not a visit number; give numbers separated by '
                              "commas, such as 3,5,9.")
        if int(part) not in ids:
            ids.append(int(part))
    return ids


def read_notes(store: Store, visit_ids: Sequence[int], drug: Drug, *, by: UserSession) -> list[ExportedNote]:
    """Each visit's note (its stored signed bytes, else a draft) with the patient it belongs to, read as the
    session `by`: every store read of a multi-visit export happens here."""
    notes = []
    for visit_id in visit_ids:
        visit = store.visits.get(visit_id, by=by)
        patient = store.patients.get(visit.patient_id, by=by)
        pdf, signed = note_for_export(store, visit_id, drug, by=by)
        notes.append(ExportedNote(visit_id, patient.mrn, patient.display_name, pdf, signed))
    return notes


def write_each(notes: Sequence[ExportedNote], folder: Path) -> list[Path]:
    """One file per visit in `folder` (made if missing); an existing file of the same name is replaced."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for note in notes:
            path = folder / note.filename
            path.write_bytes(note.pdf)
            paths.append(path)
    except OSError as exc:
        raise DomainError(f"Cannot write the notes to {folder}: {exc.strerror or exc}.") from None
    return paths


def _manifest(notes: Sequence[ExportedNote]) -> str:
    """SHA256SUMS: `sha256sum -c SHA256SUMS` checks every note after the zip is unpacked."""
    return "".join(f"{n.sha256}  {n.filename}\n" for n in notes)


def as_zip(notes: Sequence[ExportedNote]) -> bytes:
    """A zip of the notes, each byte for byte, with a SHA256SUMS manifest."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for note in notes:
            z.writestr(note.filename, note.pdf)
        z.writestr("SHA256SUMS", _manifest(notes))
    return buffer.getvalue()


def _cover(clinic: Clinic, notes: Sequence[ExportedNote], made_at: datetime) -> bytes:
    """The portfolio's first page: what is inside, one line per note, and how to open a note."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    from infusiondesk_reports import note_sections as ns
    from infusiondesk_reports import styles

    styles.register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=styles.PAGE_MARGIN, rightMargin=styles.PAGE_MARGIN,
                            topMargin=styles.PAGE_MARGIN, bottomMargin=styles.PAGE_MARGIN,
                            title=f"Visit notes: {', '.join(str(n.visit_id) for n in notes)}", author=clinic.name,
                            subject="Visit notes (portfolio)", creator="InfusionDesk", initialFontName=styles.FONT)
    signed = sum(1 for n in notes if n.signed)
    rows = [[ns.text(h, styles.CELL_BOLD) for h in ("Visit", "Patient", "MRN", "Note", "File", "SHA-256")]]
    rows += [[ns.text(n.visit_id), ns.text(n.patient_name), ns.text(n.mrn),
              ns.text("signed" if n.signed else "DRAFT — not signed"), ns.text(n.filename),
              ns.text(n.sha256[:16] + "…", styles.SMALL)] for n in notes]
    table = Table(rows, colWidths=[14 * mm, 42 * mm, 26 * mm, 26 * mm, 44 * mm, 26 * mm], repeatRows=1)
    table.setStyle(styles.grid(zebra=True))
    story = [
        Paragraph(f"{clinic.name} — visit notes", styles.TITLE),
        ns.text(f"{len(notes)} note{'s' if len(notes) != 1 else ''} ({signed} signed) · made "
                f"{made_at:%Y-%m-%d %H:%M} UTC", styles.SUBTITLE),
        ns.text("Each note is attached to this PDF as its own file, exactly as stored: a signed note keeps its "
                "signatures and verifies on its own. Open the attachments panel of the PDF viewer to open or save "
                "a note. This page is a list, not a record.", styles.BODY),
        Spacer(1, 8), table,
    ]
    doc.build(story)
    return buffer.getvalue()


def as_portfolio(clinic: Clinic, notes: Sequence[ExportedNote], *, made_at: datetime | None = None) -> bytes:
    """A cover PDF listing the notes, each note embedded whole as an attached file (a PDF portfolio)."""
    from pyhanko.pdf_utils import embed, generic
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    made_at = made_at or datetime.now(UTC)
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(_cover(clinic, notes, made_at))))
    for note in notes:
        data = embed.EmbeddedFileObject.from_file_data(
            writer, note.pdf, mime_type="application/pdf",
            params=embed.EmbeddedFileParams(creation_date=made_at, modification_date=made_at))
        description = f"Visit {note.visit_id}, MRN {note.mrn}: {'signed note' if note.signed else 'DRAFT'}"
        embed.embed_file(writer, embed.FileSpec(note.filename, file_name=note.filename, embedded_data=data,
                                                description=description))
    # A collection dictionary makes viewers open the file as a portfolio: the list of notes, not only the cover.
    writer.root["/Collection"] = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Collection"),
        generic.NameObject("/View"): generic.NameObject("/D"),
    })
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def export_notes_command(args: argparse.Namespace, store: Store) -> int:
    """`infusiondesk export-note --visits 3,5,9 --out DIR` (one file per visit), or with `--combine zip|portfolio`
    one file at --out, read as --user. Audited once per note, like a single export."""
    from infusiondesk import cli as core_cli
    from infusiondesk.drugs import load_drug

    ids = parse_visit_ids(args.visits)
    session = core_cli.sign_in(args, store)
    try:
        return _export_notes(args, store, ids, load_drug(None), session)
    finally:
        core_cli.sign_out(args, store)


def _export_notes(args: argparse.Namespace, store: Store, ids: list[int], drug: Drug, session: UserSession) -> int:
    import sys

    notes = read_notes(store, ids, drug, by=session)
    out = Path(args.out)
    if args.combine == "files":
        write_each(notes, out)
        where = f"{len(notes)} file{'s' if len(notes) != 1 else ''} in {out}"
    else:
        data = as_zip(notes) if args.combine == "zip" else as_portfolio(store.clinic.get(), notes)
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise DomainError(f"Cannot write {out}: {exc.strerror or exc}.") from None
        where = f"{'a zip' if args.combine == 'zip' else 'a PDF portfolio'} at {out}"
    for note in notes:
        store.audit.append(AuditEvent.EXPORT_NOTE, session, {"visit_id": note.visit_id, "signed": note.signed,
                                             "bytes": len(note.pdf), "sha256": note.sha256,
                                             "via": f"cli {args.combine}"})
    signed = sum(1 for n in notes if n.signed)
    print(f"Wrote {len(notes)} note{'s' if len(notes) != 1 else ''} ({signed} signed, {len(notes) - signed} DRAFT) "
          f"as {where}.", file=sys.stderr)
    return 0
