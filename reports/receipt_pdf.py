"""The receipt and superbill of one visit: the visit note's page (clinic header, patient box, page numbers,
fonts, tables) with the clinic's tax id and provider NPI, the diagnosis, the procedure and drug lines with
their codes and units, the total and the payment; signed like a note ("Issued by") by the signed-in user.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Spacer, Table

from infusiondesk.billing.codes import BillingCodes
from infusiondesk.billing.lines import money
from infusiondesk.billing.receipt import Receipt
from infusiondesk.clinic_time import clinic_zone
from infusiondesk.pki import SignerCredentials
from infusiondesk.records.models import Clinic, Patient, Signature, SignatureMeaning, User
from infusiondesk_reports import note_sections as ns
from infusiondesk_reports import styles
from infusiondesk_reports.pages import numbered_canvas
from infusiondesk_reports.signing import sign_pdf
from infusiondesk_reports.visit_note import DRAFT_MARK, StampBox, StampPlace, page_header

ISSUED = "Issued by"
FIELD_NAME = "ReceiptSig1"


@dataclass(frozen=True)
class RenderedReceipt:
    pdf: bytes
    stamp: StampPlace | None


def _when(clinic: Clinic, moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    return "—" if moment is None else moment.astimezone(clinic_zone(clinic)).strftime(fmt)


def _story(clinic: Clinic, receipt: Receipt, codes: BillingCodes, issuer: User, issued_at: datetime,
           width: float, places: list[StampPlace], signed: bool) -> list[Flowable]:
    m = receipt.minutes
    out: list[Flowable] = [
        Paragraph("Receipt and superbill", styles.TITLE),
        ns.text(f"Visit {receipt.visit_id} · date of service {_when(clinic, m.started_at, '%Y-%m-%d')} · issued "
                f"{_when(clinic, issued_at)} · {'PAID' if receipt.paid else 'NOT PAID'}", styles.SUBTITLE),
        ns.section("Billing provider"),
        ns._pairs([("Clinic", clinic.name), ("Tax id", clinic.tax_id or "— (not set in the clinic profile)"),
                   ("Provider", clinic.provider_name or "— (not set)"), ("NPI", clinic.npi or "— (not set)")], width),
        ns.section("Diagnosis (ICD-10-CM)"),
        ns.text(f"{receipt.diagnosis_code} — {receipt.diagnosis_description}" if receipt.diagnosis_code
                else "— not chosen at the assessment", styles.BODY),
        ns.section("Infusion time"),
        ns._pairs([("Start", _when(clinic, m.started_at)), ("Stop", _when(clinic, m.stopped_at)),
                   ("Running", f"{m.running_minutes} min (pauses removed)"), ("Paused", f"{m.paused_minutes} min"),
                   ("Sequence", "; ".join(f"{u.label}: {u.code} × {u.units}" for u in receipt.sequence) or "—")],
                  width),
        ns.section("Services"),
    ]
    rows: list[list[object]] = [[ns.text(h, styles.CELL_BOLD) for h in
                                 ("Code", "Description", "Units", "Unit price", "Amount")]]
    for line in receipt.lines:
        rows.append([ns.text(line.code), ns.text(line.description), ns.text(str(line.units)),
                     ns.text(money(line.unit_price_cents)), ns.text(money(line.amount_cents))])
    rows.append(["", ns.text("Total", styles.CELL_BOLD), "", "", ns.text(money(receipt.total_cents), styles.CELL_BOLD)])
    table = Table(rows, colWidths=[width * 0.1, width * 0.56, width * 0.08, width * 0.13, width * 0.13],
                  repeatRows=1, hAlign="LEFT")
    table.setStyle(styles.grid())
    out.append(table)
    out.append(ns.section("Payment"))
    p = receipt.payment
    if p is None:
        out.append(ns.text(f"Not paid: balance due {money(receipt.total_cents)}.", styles.NOTICE))
    else:
        out.append(ns._pairs([("Paid", money(p.amount_cents)), ("Method", p.method.label),
                              ("Date", _when(clinic, p.paid_at)), ("Balance", money(max(0, receipt.balance_cents)))],
                             width))
    sources = sorted({s for c in (codes.hours, codes.drug_units) for s in c.sources})
    out.append(Spacer(1, 4))
    out.append(ns.text("Codes and units: " + "; ".join(codes.sources[s][0] for s in sources) + ".", styles.SMALL))
    out.append(ns.section("Issued"))
    who = f"{issuer.full_name}{', ' + issuer.credentials if issuer.credentials else ''}"
    left = [ns.text(ISSUED, styles.CELL_BOLD), ns.text(who, styles.BODY), ns.text(_when(clinic, issued_at))]
    sig = Signature(issuer.id, issuer.full_name, issuer.credentials, SignatureMeaning.ADMINISTERED, issued_at)
    right: Flowable = (StampBox(sig, places) if signed
                       else ns.text(f"{DRAFT_MARK}: this copy is not the signed receipt.", styles.SMALL))
    box = Table([[left, right]], colWidths=[width - 78 * mm - 6, 78 * mm + 6], hAlign="LEFT")
    box.setStyle(styles.grid(header=False))
    out.append(box)
    return out


def render_receipt(clinic: Clinic, patient: Patient, receipt: Receipt, codes: BillingCodes, issuer: User,
                   issued_at: datetime, *, signed: bool = True) -> RenderedReceipt:
    """The receipt's PDF and where the issuer's stamp goes; an unsigned one carries the note's "DRAFT — not
    signed" watermark on every page, so a printed draft is never taken for the signed receipt."""
    styles.register_fonts()
    buffer = io.BytesIO()
    width, height = A4
    frame_h = height - 2 * styles.PAGE_MARGIN - styles.HEADER_HEIGHT - styles.FOOTER_HEIGHT + 8 * mm
    frame = Frame(styles.PAGE_MARGIN, styles.PAGE_MARGIN + styles.FOOTER_HEIGHT - 8 * mm,
                  width - 2 * styles.PAGE_MARGIN, frame_h, leftPadding=0, rightPadding=0, topPadding=0,
                  bottomPadding=0, id="body")
    doc = BaseDocTemplate(buffer, pagesize=A4, leftMargin=styles.PAGE_MARGIN, rightMargin=styles.PAGE_MARGIN,
                          topMargin=styles.PAGE_MARGIN, bottomMargin=styles.PAGE_MARGIN,
                          title=f"Receipt {patient.display_name} MRN {patient.mrn} visit {receipt.visit_id}",
                          author=clinic.name, subject="Receipt and superbill", creator="InfusionDesk",
                          initialFontName=styles.FONT)
    doc.addPageTemplates([PageTemplate(id="receipt", frames=[frame], onPage=page_header(clinic, patient))])
    places: list[StampPlace] = []
    footer = f"{clinic.name} · {patient.display_name} · MRN {patient.mrn} · visit {receipt.visit_id} · receipt"
    doc.build(_story(clinic, receipt, codes, issuer, issued_at, frame.width, places, signed),
              canvasmaker=numbered_canvas(footer, None if signed else DRAFT_MARK))
    return RenderedReceipt(buffer.getvalue(), places[0] if places else None)


def signed_receipt(clinic: Clinic, patient: Patient, receipt: Receipt, codes: BillingCodes, issuer: User,
                   credentials: SignerCredentials, *, now: datetime) -> bytes:
    """The receipt signed by its issuer's key (PAdES, certified, visible stamp), as notes are signed."""
    rendered = render_receipt(clinic, patient, receipt, codes, issuer, now, signed=True)
    assert rendered.stamp is not None
    return sign_pdf(rendered.pdf, credentials, ISSUED, f"visit {receipt.visit_id} receipt",
                    field_name=FIELD_NAME, stamp=rendered.stamp, location=clinic.name, time_zone=clinic.timezone,
                    now=now, certify=True)
