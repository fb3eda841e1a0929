"""The visit note: the legal record of one infusion visit, as a PDF built with reportlab Platypus.

The page template draws the clinic header and the patient's name, MRN and date of birth on every page, and
"Page X of Y" in the footer; an unsigned export carries a "DRAFT — not signed" watermark on every page. Signed
versions reserve a box per signer where `infusiondesk_reports.signing` draws the visible signature stamp.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Paragraph, Spacer, Table

from infusiondesk.drugs.library import Drug
from infusiondesk.records.models import Clinic, Patient, Signature, User, Visit, VisitStatus
from infusiondesk.workflow import dose_given_g as workflow_dose_given_g
from infusiondesk.workflow import side_effect_catalogue
from infusiondesk.workflow.signing import note_version as note_version  # re-exported for reports callers
from infusiondesk.workflow.signing import signed_versions
from infusiondesk_reports import note_sections as ns
from infusiondesk_reports import styles
from infusiondesk_reports.note_location import location_section
from infusiondesk_reports.pages import numbered_canvas

DRAFT_MARK = "DRAFT — not signed"
STAMP_WIDTH = 78 * mm
STAMP_HEIGHT = 22 * mm


@dataclass(frozen=True)
class StampPlace:
    """Where a signer's visible stamp goes: page index (0-based) and box (x1, y1, x2, y2) in PDF points."""

    signature: Signature
    page: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class RenderedNote:
    pdf: bytes
    version: int
    pages: int
    stamps: tuple[StampPlace, ...]


class StampBox(Flowable):
    """Reserves the area a signer's visible stamp is drawn into, and notes where it landed on which page."""

    def __init__(self, signature: Signature, places: list[StampPlace]) -> None:
        super().__init__()
        self.signature = signature
        self.places = places
        self.width, self.height = STAMP_WIDTH, STAMP_HEIGHT

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(styles.RULE)
        c.setLineWidth(0.4)
        c.setDash(2, 2)
        c.rect(0, 0, self.width, self.height)
        c.restoreState()
        x, y = c.absolutePosition(0, 0)
        self.places.append(StampPlace(self.signature, c.getPageNumber() - 1,
                                      (x, y, x + self.width, y + self.height)))


def page_header(clinic: Clinic, patient: Patient) -> Callable[[Canvas, BaseDocTemplate], None]:
    """Clinic on the left, patient identifiers on the right: drawn on every page by the page template."""
    contact = " · ".join(x for x in (clinic.phone and f"Tel {clinic.phone}", clinic.hours and f"Hours {clinic.hours}")
                         if x)
    patient_lines = (patient.display_name, f"MRN {patient.mrn}", f"DOB {patient.date_of_birth:%Y-%m-%d}")

    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = doc.pagesize
        top = height - styles.PAGE_MARGIN
        canvas.saveState()
        canvas.setFillColor(styles.ACCENT)
        canvas.setFont(styles.FONT_BOLD, 11)
        canvas.drawString(styles.PAGE_MARGIN, top - 4, clinic.name)
        canvas.setFillColor(styles.MUTED)
        canvas.setFont(styles.FONT, 7.5)
        canvas.drawString(styles.PAGE_MARGIN, top - 14, clinic.address.replace("\n", ", "))
        canvas.drawString(styles.PAGE_MARGIN, top - 23, contact)

        box_w, box_h = 64 * mm, 17 * mm
        x = width - styles.PAGE_MARGIN - box_w
        canvas.setFillColor(styles.SHADE)
        canvas.setStrokeColor(styles.RULE)
        canvas.setLineWidth(0.5)
        canvas.rect(x, top - box_h + 6, box_w, box_h, fill=1, stroke=1)
        canvas.setFillColor(styles.INK)
        canvas.setFont(styles.FONT_BOLD, 9)
        canvas.drawString(x + 5, top - 4, patient_lines[0])
        canvas.setFont(styles.FONT, 8)
        canvas.drawString(x + 5, top - 14, patient_lines[1])
        canvas.drawString(x + 5, top - 24, patient_lines[2])

        canvas.setStrokeColor(styles.ACCENT)
        canvas.setLineWidth(0.8)
        line_y = height - styles.PAGE_MARGIN - styles.HEADER_HEIGHT + 4 * mm
        canvas.line(styles.PAGE_MARGIN, line_y, width - styles.PAGE_MARGIN, line_y)
        canvas.restoreState()

    return draw


def _status_word(visit: Visit, draft: bool) -> str:
    """A draft export never calls itself signed: only the stored signed note is the signed record."""
    if draft and visit.status is VisitStatus.SIGNED:
        return "unsigned copy"
    return visit.status.value


def _title(ctx: ns.NoteContext, version: int, draft: bool) -> list[Flowable]:
    v = ctx.visit
    moment = v.started_at or v.created_at
    zone = ctx.zone.key
    out: list[Flowable] = [
        Paragraph(f"Infusion visit note — {ctx.drug.name}", styles.TITLE),
        ns.text(f"Visit {v.id} · {ctx.when(moment)} · times shown in {zone} · "
                f"status {_status_word(v, draft)} · version {version}", styles.SUBTITLE),
    ]
    if version > 1:
        out.append(ns.text(f"Version {version} — supersedes version {version - 1}", styles.NOTICE))
    if draft:
        out.append(ns.text(f"{DRAFT_MARK}: this export is not the signed record of the visit.", styles.NOTICE))
    return out


def _signature_block(ctx: ns.NoteContext, version: int, draft: bool, places: list[StampPlace],
                     digital_signers: Collection[int] | None = None) -> list[Flowable]:
    """One block per signer: meaning, printed name and credentials, date/time, and the stamp box for signatures
    applied to this version. A signer of this version who is not among `digital_signers` (their key is not at
    hand when the note is sealed: the nurse has gone home) is shown as an electronic signature instead; the
    digital signatures on the version cover their block."""
    signatures = [(v, s) for v, s in signed_versions(ctx.visit) if v <= version]
    out: list[Flowable] = [ns.section("Signatures")]
    if not signatures:
        out.append(ns.text("Not signed.", styles.NOTICE))
        return out
    w = ctx.width
    for signed_in, s in signatures:
        left = [ns.text(s.meaning.value, styles.CELL_BOLD),
                ns.text(f"{s.signer_name}{', ' + s.credentials if s.credentials else ''}", styles.BODY),
                ns.text(f"{ctx.when(s.signed_at)}", styles.CELL),
                ns.text("signed in this version" if signed_in == version else f"signed in version {signed_in}",
                        styles.SMALL)]
        electronic = digital_signers is not None and s.signer_id not in digital_signers
        right: Flowable
        if signed_in == version and not draft and not electronic:
            right = StampBox(s, places)
        elif signed_in == version and electronic:
            right = ns.text("Electronic signature: password re-entered in InfusionDesk at the time shown and kept "
                            "in the audit trail; sealed by the digital signature(s) on this version.", styles.SMALL)
        else:
            right = ns.text("" if signed_in != version else "(signature applied on signing)", styles.SMALL)
        table = Table([[left, right]], colWidths=[w - STAMP_WIDTH - 6, STAMP_WIDTH + 6], hAlign="LEFT")
        table.setStyle(styles.grid(header=False))
        out.append(KeepTogether([table, Spacer(1, 3)]))
    return out


def _story(ctx: ns.NoteContext, version: int, draft: bool, places: list[StampPlace],
           dose_given_g: Callable[[Visit], float] | None,
           digital_signers: Collection[int] | None = None) -> list[Flowable]:
    story: list[Flowable] = []
    story += _title(ctx, version, draft)
    story += location_section(ctx)  # a mobile visit's setting, address and travel times; nothing in clinic
    story += ns.patient_section(ctx)
    story += ns.assessment_section(ctx)
    story += ns.dose_section(ctx)
    story += ns.readiness_section(ctx)
    story += ns.timeline_section(ctx, dose_given_g)
    story += ns.alerts_section(ctx)
    story += ns.vitals_section(ctx)
    story += ns.side_effects_section(ctx)
    story += ns.after_section(ctx)
    story += ns.addenda_section(ctx)
    story += _signature_block(ctx, version, draft, places, digital_signers)
    return story


def render_visit_note(clinic: Clinic, patient: Patient, visit: Visit, users: Mapping[int, User], drug: Drug, *,
                      draft: bool, version: int | None = None, side_effects: ns.SideEffectGrades | None = None,
                      dose_given_g: Callable[[Visit], float] | None = None,
                      digital_signers: Collection[int] | None = None) -> RenderedNote:
    """The note's PDF bytes with where each signer's stamp goes (see `infusiondesk_reports.signing.sign_visit_note`)."""
    styles.register_fonts()
    version = version if version is not None else note_version(visit, draft)
    buffer = io.BytesIO()
    width, height = A4
    frame_h = height - 2 * styles.PAGE_MARGIN - styles.HEADER_HEIGHT - styles.FOOTER_HEIGHT + 8 * mm
    frame = Frame(styles.PAGE_MARGIN, styles.PAGE_MARGIN + styles.FOOTER_HEIGHT - 8 * mm,
                  width - 2 * styles.PAGE_MARGIN, frame_h, leftPadding=0, rightPadding=0, topPadding=0,
                  bottomPadding=0, id="body")
    doc = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=styles.PAGE_MARGIN, rightMargin=styles.PAGE_MARGIN,
        topMargin=styles.PAGE_MARGIN, bottomMargin=styles.PAGE_MARGIN,
        title=f"Visit note {patient.display_name} MRN {patient.mrn} visit {visit.id} v{version}",
        author=clinic.name, subject="Infusion visit note", creator="InfusionDesk",
        initialFontName=styles.FONT,  # else every page starts in Helvetica, a font the note does not embed
    )
    doc.addPageTemplates([PageTemplate(id="note", frames=[frame], onPage=page_header(clinic, patient))])
    ctx = ns.NoteContext(clinic, patient, visit, users, drug,
                         side_effects if side_effects is not None else side_effect_catalogue(), frame.width)
    places: list[StampPlace] = []
    footer = f"{clinic.name} · {patient.display_name} · MRN {patient.mrn} · visit {visit.id} · version {version}"
    story = _story(ctx, version, draft, places, dose_given_g or workflow_dose_given_g, digital_signers)
    doc.build(story, canvasmaker=numbered_canvas(footer, DRAFT_MARK if draft else None))
    return RenderedNote(buffer.getvalue(), version, doc.page, tuple(places))


def build_visit_note(clinic: Clinic, patient: Patient, visit: Visit, users: Mapping[int, User], drug: Drug, *,
                     draft: bool, version: int | None = None) -> bytes:
    """The visit note as PDF bytes; `draft=True` watermarks every page "DRAFT — not signed"."""
    return render_visit_note(clinic, patient, visit, users, drug, draft=draft, version=version).pdf

