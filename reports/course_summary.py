"""The patient course summary: every visit of a period in one table, the magnesium given (per visit, cumulative,
per 24 h), attacks per month before and after the course, and the plots, as a PDF in the visit note's look.

The numbers come from `infusiondesk.course` (the core); this module only lays them out. The page template is the
note's (`infusiondesk_reports.visit_note`): the clinic and the patient's name, MRN and date of birth on every page,
"Page X of
Y" in the footer. The page is A4 landscape, so the table's thirteen columns read without wrapping every cell.
A summary can be signed by a clinician (`sign_course_summary`): the same PAdES signature as a note, certifying it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)

from infusiondesk.course import Course, CourseVisit, zone_of
from infusiondesk.followups import after_text
from infusiondesk.pki import SignerCredentials
from infusiondesk.records.models import Clinic, Signature, SignatureMeaning, User
from infusiondesk_reports import course_charts, styles
from infusiondesk_reports import note_sections as ns
from infusiondesk_reports.pages import numbered_canvas
from infusiondesk_reports.visit_note import STAMP_WIDTH, StampBox, StampPlace, page_header

SIGNATURE_FIELD = "SummarySig1"

_COLUMNS = (  # header, width in mm (the frame is 265 mm wide)
    ("Date", 18), ("Visit", 10), ("Status", 16), ("Indication", 24), ("Dose (= mEq = mmol)", 27),
    ("Rate", 16), ("Duration", 17), ("Given", 27), ("In 24 h", 14), ("Cumulative", 20), ("Pain", 12),
    ("Side effects (grade)", 26), ("Signed by", 38),
)
_CELL = ParagraphStyle("course-cell", parent=styles.CELL, fontSize=7.5, leading=9.2)
_TABLE_HEADING = ParagraphStyle("course-table-heading", parent=styles.SECTION, keepWithNext=0)
_HEAD = ParagraphStyle("course-head", parent=styles.CELL_BOLD, fontSize=7.5, leading=9.2)


@dataclass(frozen=True)
class RenderedSummary:
    pdf: bytes
    pages: int
    stamp: StampPlace | None  # where the clinician's signature stamp goes, when one was asked for


def _title(course: Course, clinic: Clinic, made_at: datetime, drug_name: str) -> list[Flowable]:
    zone = zone_of(clinic.timezone)
    made = made_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    n = len(course.visits)
    return [
        Paragraph(f"Course summary — {drug_name}", styles.TITLE),
        ns.text(f"{course.patient.display_name} · MRN {course.patient.mrn} · period {course.period_text} · "
                f"{n} visit{'s' if n != 1 else ''}, {course.infusions} infusion{'s' if course.infusions != 1 else ''}"
                f" · dates in {zone.key} · made {made}", styles.SUBTITLE),
    ]


def _totals(course: Course, width: float, zone: ZoneInfo) -> list[Flowable]:
    before, after = course.attacks_before, course.attacks_after
    rows = [
        ("Magnesium sulfate given in the period", course.total),
        ("Highest 24 h total at an infusion", course.highest_24h),
        ("Attacks per month before the course",
         f"{before.attacks_per_month} (reported {before.day:%Y-%m-%d}, visit {before.visit_id})" if before
         else "not reported"),
        ("Attacks per month after the course",
         f"{after.attacks_per_month} (reported {after.day:%Y-%m-%d}, visit {after.visit_id})" if after
         else "not reported at a later visit"),
        ("Change in attacks per month", course.attacks_change),
        ("At the latest follow-up", after_text(course.follow_up, zone) if course.follow_up
         else "no follow-up answered yet"),
        ("Change in attacks per month at follow-up", course.follow_up_change),
    ]
    table = Table([[ns.text(label, styles.SMALL), ns.text(value, styles.CELL_BOLD)] for label, value in rows],
                  colWidths=[62 * mm, width - 62 * mm], hAlign="LEFT")
    table.setStyle(styles.key_values())
    return [ns.section("The course in numbers"), table,
            ns.text("“Given” is what ran (a partial or stopped dose counts what the pump read); “In 24 h” is every "
                    "infusion running in the 24 h up to that infusion's start, this one included — the total the "
                    "order is checked against; “Cumulative” adds up what was given in the period.", styles.SMALL)]


def _row(v: CourseVisit) -> list[object]:
    given = v.given_g > 0
    status = v.status.value if v.setting == "clinic" else f"{v.status.value}\nmobile: {v.setting}"
    return [f"{v.day:%Y-%m-%d}", str(v.visit_id), status, v.indication or "—", v.dose or "no order",
            v.rate or "—", v.duration or "—", v.given, v.in_24h if given else "—", v.cumulative, v.pain,
            "\n".join(v.side_effects) or "none", "\n".join(v.signed_by) or "not signed"]


def _visits_table(course: Course) -> list[Flowable]:
    # Not the note's keep-with-next heading: that would carry a long table whole to the next page. The table
    # splits across pages (its header row repeats); the heading only needs room for a few rows under it.
    out: list[Flowable] = [CondPageBreak(80 * mm), Paragraph("Visits in the period", _TABLE_HEADING)]
    if not course.visits:
        out.append(ns.text("No visit in this period.", styles.NOTICE))
        return out
    header = [ns.text(h, _HEAD) for h, _ in _COLUMNS]
    body = [[ns.text(cell, _CELL) for cell in _row(v)] for v in course.visits]
    table = Table([header, *body], colWidths=[w * mm for _, w in _COLUMNS], repeatRows=1, hAlign="LEFT")
    table.setStyle(styles.grid(zebra=True))
    out.append(table)
    return out


def _plots(course: Course, width: float) -> list[Flowable]:
    """The vital signs across the page; pain and attacks side by side under them (each heading stays with its
    plot: a heading never ends a page alone)."""
    visits = course.visits
    if not visits:
        return []
    half = (width - 12) / 2
    pair = Table([[course_charts.pain_before_after(visits, half), course_charts.attacks_per_month(visits, half)]],
                 colWidths=[half + 12, half], hAlign="LEFT")
    pair.setStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                   ("VALIGN", (0, 0), (-1, -1), "TOP")])
    return [KeepTogether([ns.section("Plots"), course_charts.vitals_per_visit(visits, width), Spacer(1, 8), pair])]


def _signature(signer: Signature, clinic: Clinic, width: float, places: list[StampPlace]) -> list[Flowable]:
    left = [ns.text(signer.meaning.value, styles.CELL_BOLD),
            ns.text(f"{signer.signer_name}{', ' + signer.credentials if signer.credentials else ''}", styles.BODY),
            ns.text(signer.signed_at.astimezone(zone_of(clinic.timezone)).strftime("%Y-%m-%d %H:%M %Z"),
                    styles.CELL)]
    table = Table([[left, StampBox(signer, places)]], colWidths=[width - STAMP_WIDTH - 6, STAMP_WIDTH + 6],
                  hAlign="LEFT")
    table.setStyle(styles.grid(header=False))
    return [KeepTogether([ns.section("Signature"), table])]


def render_course_summary(clinic: Clinic, course: Course, drug_name: str, *, made_at: datetime | None = None,
                          signer: Signature | None = None) -> RenderedSummary:
    """The summary's PDF bytes; with `signer`, a box is reserved for their stamp (see `sign_course_summary`)."""
    styles.register_fonts()
    made_at = made_at or datetime.now(UTC)
    buffer = io.BytesIO()
    pagesize = landscape(A4)
    width, height = pagesize
    frame_h = height - 2 * styles.PAGE_MARGIN - styles.HEADER_HEIGHT - styles.FOOTER_HEIGHT + 8 * mm
    frame = Frame(styles.PAGE_MARGIN, styles.PAGE_MARGIN + styles.FOOTER_HEIGHT - 8 * mm,
                  width - 2 * styles.PAGE_MARGIN, frame_h, leftPadding=0, rightPadding=0, topPadding=0,
                  bottomPadding=0, id="body")
    patient = course.patient
    doc = BaseDocTemplate(
        buffer, pagesize=pagesize, leftMargin=styles.PAGE_MARGIN, rightMargin=styles.PAGE_MARGIN,
        topMargin=styles.PAGE_MARGIN, bottomMargin=styles.PAGE_MARGIN,
        title=f"Course summary {patient.display_name} MRN {patient.mrn} {course.period_text}",
        author=clinic.name, subject="Infusion course summary", creator="InfusionDesk",
        initialFontName=styles.FONT,
    )
    doc.addPageTemplates([PageTemplate(id="summary", frames=[frame], onPage=page_header(clinic, patient))])
    inner = frame.width
    places: list[StampPlace] = []
    story: list[Flowable] = [*_title(course, clinic, made_at, drug_name),
                             *_totals(course, inner, zone_of(clinic.timezone)), *_visits_table(course),
                             *_plots(course, inner)]
    if signer is not None:
        story += _signature(signer, clinic, inner, places)
    footer = f"{clinic.name} · {patient.display_name} · MRN {patient.mrn} · course summary {course.period_text}"
    doc.build(story, canvasmaker=numbered_canvas(footer))
    return RenderedSummary(buffer.getvalue(), doc.page, places[0] if places else None)


def build_course_summary(clinic: Clinic, course: Course, drug_name: str, *, made_at: datetime | None = None) -> bytes:
    """The unsigned summary as PDF bytes."""
    return render_course_summary(clinic, course, drug_name, made_at=made_at).pdf


def sign_course_summary(clinic: Clinic, course: Course, drug_name: str, clinician: User,
                        credentials: SignerCredentials, *, now: datetime | None = None) -> bytes:
    """The summary signed by `clinician` ("Reviewed and approved by"): PAdES, certifying the document, with the
    visible stamp in its signature box, through the same `infusiondesk_reports.signing.sign_pdf` as a visit note."""
    from infusiondesk_reports.signing import sign_pdf

    moment = now or datetime.now(UTC)
    signer = Signature(clinician.id, clinician.full_name, clinician.credentials, SignatureMeaning.REVIEWED_APPROVED,
                       moment)
    rendered = render_course_summary(clinic, course, drug_name, made_at=moment, signer=signer)
    assert rendered.stamp is not None  # the signature section always reserves it
    return sign_pdf(rendered.pdf, credentials, signer.meaning.value,
                    f"course summary, MRN {course.patient.mrn}, {course.period_text}",
                    field_name=SIGNATURE_FIELD, stamp=rendered.stamp, location=clinic.name,
                    time_zone=clinic.timezone, now=moment, certify=True)
