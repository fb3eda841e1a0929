"""The body of a visit note, section by section, as reportlab flowables built from the frozen records.

Every dose, volume and rate goes through infusiondesk.display (ISMP: "2 g", never "2.0 g"); every time is shown
in the clinic's time zone with its abbreviation; every person is shown by printed name and credentials.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from infusiondesk import display
from infusiondesk.clinic_time import clinic_zone
from infusiondesk.drugs.library import Drug
from infusiondesk.errors import DomainError
from infusiondesk.records.computed import ComputedDose
from infusiondesk.records.models import (
    Clinic,
    DoseOrderRecord,
    InfusionEventKind,
    Patient,
    User,
    Visit,
    VitalSigns,
)
from infusiondesk.units import Q
from infusiondesk_reports import charts, styles
from infusiondesk_reports.wrapping import break_lines

_EVENT_NAMES = {
    InfusionEventKind.START: "Started",
    InfusionEventKind.PAUSE: "Paused",
    InfusionEventKind.RESUME: "Resumed",
    InfusionEventKind.RATE_CHANGE: "Rate changed",
    InfusionEventKind.STOP: "Stopped",
}


class SideEffectGrades(Protocol):
    """What the note needs from the side-effect catalogue (infusiondesk.workflow.side_effect_catalogue())."""

    def definition(self, code: str, grade: int) -> str: ...


@dataclass(frozen=True)
class NoteContext:
    """What every section needs: the records, who is who, the clinic's clock, and how to read grades."""

    clinic: Clinic
    patient: Patient
    visit: Visit
    users: Mapping[int, User]
    drug: Drug
    grades: SideEffectGrades | None
    width: float

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's zone; an unknown one stops the note with a sentence (never a silent UTC)."""
        return clinic_zone(self.clinic)

    def when(self, moment: datetime | None, with_date: bool = True) -> str:
        """A time in the clinic's zone with its abbreviation: "2025-03-04 14:05 EST"."""
        if moment is None:
            return "—"
        local = moment.astimezone(self.zone)
        return local.strftime("%Y-%m-%d %H:%M %Z" if with_date else "%H:%M")

    def clock(self, moment: datetime | None) -> str:
        """A time in a table: "14:05" on the visit's day (the title gives date and zone), else with its date."""
        if moment is None:
            return "—"
        local = moment.astimezone(self.zone)
        return local.strftime("%H:%M" if local.date() == self.day else "%m-%d %H:%M")

    @property
    def day(self) -> date:
        """The visit's local date: the day the infusion started, else the day the visit was opened."""
        moment = self.visit.started_at or self.visit.created_at
        if moment is None:
            return datetime.now(self.zone).date()
        return moment.astimezone(self.zone).date()

    def who(self, user_id: int | None) -> str:
        if user_id is None:
            return "—"
        user = self.users.get(user_id)
        if user is None:
            return f"user #{user_id}"
        return f"{user.full_name}, {user.credentials}" if user.credentials else user.full_name


def text(value: object, style: Any = styles.CELL) -> Paragraph:
    """A paragraph of plain text (escaped: a patient's notes are never markup)."""
    return Paragraph(escape(str(value)).replace("\n", "<br/>"), style)


def unbroken_names(value: str, column: float, style: Any = styles.CELL) -> Paragraph:
    """Source names in a table column, broken at spaces or after - / _ . , (never mid-word, unless one part
    alone is wider than the column). `column` is the column's width; the cells' padding is taken off."""
    lines = break_lines(value, column - 2 * styles.CELL_PADDING, style.fontName, style.fontSize)
    return Paragraph("<br/>".join(escape(line) for line in lines), style)


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


def _pairs(rows: Sequence[tuple[str, object]], width: float) -> Table:
    """Label/value pairs in two columns of pairs, so short facts do not waste a line each."""
    cells = [(text(label, styles.SMALL), text(value)) for label, value in rows]
    half = (len(cells) + 1) // 2
    left, right = cells[:half], cells[half:]
    body = [[*left[i], *(right[i] if i < len(right) else ("", ""))] for i in range(half)]
    w = width / 2
    table = Table(body, colWidths=[w * 0.36, w * 0.64, w * 0.36, w * 0.64], hAlign="LEFT")
    table.setStyle(styles.key_values())
    return table


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float],
           zebra: bool = True) -> Table:
    body: list[list[object]] = [[text(h, styles.CELL_BOLD) for h in header]]
    body += [[c if isinstance(c, Flowable) else text(c) for c in row] for row in rows]
    table = Table(body, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(styles.grid(zebra=zebra))
    return table


def section(title: str) -> Paragraph:
    return Paragraph(escape(title), styles.SECTION)


def _none(what: str) -> Paragraph:
    return text(what, styles.SMALL)


# --- patient -------------------------------------------------------------------------------------------


def patient_section(ctx: NoteContext) -> list[Flowable]:
    p = ctx.patient
    allergies = ("No known allergies" if p.no_known_allergies and not p.allergies else
                 "; ".join(f"{a.substance}{f' — {a.reaction}' if a.reaction else ''}" for a in p.allergies)
                 or "not recorded")
    renal = p.renal_status.value.replace("_", " ")
    if p.egfr_ml_min is not None:
        renal += f" (eGFR {display.format_number(p.egfr_ml_min, 0)} mL/min)"
    rows: list[tuple[str, object]] = [
        ("Name", p.display_name),
        ("MRN", p.mrn),
        ("Date of birth", f"{p.date_of_birth:%Y-%m-%d} (age {p.age_on(ctx.day)})"),
        ("Sex", p.sex),
        ("Weight on record", display.format_weight(Q(p.weight_kg, "kg")) if p.weight_kg else "—"),
        ("Allergies", allergies),
        ("Renal function", renal),
        ("Pregnancy", p.pregnancy.value.replace("_", " ")),
        ("Medicines", ", ".join(p.medicines) or "none recorded"),
        ("Heart block / myasthenia", f"{_yes_no(p.heart_block)} / {_yes_no(p.myasthenia_gravis)}"),
    ]
    return [section("Patient"), _pairs(rows, ctx.width)]


# --- assessment ----------------------------------------------------------------------------------------


def _bp(v: VitalSigns) -> str:
    if v.systolic is None and v.diastolic is None:
        return "—"
    return f"{v.systolic if v.systolic is not None else '—'}/{v.diastolic if v.diastolic is not None else '—'}"


def _opt(value: object, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        value = display.format_number(value, 1)
    return f"{value} {unit}".strip()


def assessment_section(ctx: NoteContext) -> list[Flowable]:
    a = ctx.visit.assessment
    out: list[Flowable] = [section("Assessment")]
    m = a.migraine
    features = [name for name, present in (("aura", m.aura), ("nausea", m.nausea), ("photophobia", m.photophobia),
                                           ("phonophobia", m.phonophobia)) if present]
    rows: list[tuple[str, object]] = [
        ("Assessed", f"{ctx.clock(a.assessed_at)} by {ctx.who(a.assessed_by)}" if a.assessed_at else "—"),
        ("Pain before (0–10)", _opt(a.pain_score)),
        ("Attack onset", ctx.clock(m.onset) if m.onset else "—"),
        ("Attack duration", f"{display.format_number(m.duration_hours, 1)} h" if m.duration_hours is not None
         else "—"),
        ("Attacks per month", _opt(m.attacks_per_month)),
        ("Features", ", ".join(features) or "none recorded"),
    ]
    if a.vitals is not None:
        v = a.vitals
        rows += [("Baseline BP", f"{_bp(v)} mmHg" if _bp(v) != "—" else "—"),
                 ("Baseline HR / RR", f"{_opt(v.heart_rate)} / {_opt(v.resp_rate)} per min"),
                 ("Baseline SpO2", _opt(v.spo2, "%")),
                 ("Patellar reflex", v.patellar_reflex or "—")]
    out.append(_pairs(rows, ctx.width))
    if m.current_symptoms:
        out.append(text(f"Current symptoms: {m.current_symptoms}", styles.BODY))

    out.append(Spacer(1, 4))
    if a.screening:
        w = ctx.width
        widths = (w * 0.16, w * 0.62, w * 0.22)
        out.append(_table(("Screening", "Finding", "Source"),
                          [(s.level, s.message, unbroken_names(s.source or "—", widths[2])) for s in a.screening],
                          widths))
    else:
        out.append(text("Screening: no contraindication or caution found.", styles.BODY))

    s = a.suitability
    if s is None:
        out.append(text("Suitability: not yet decided.", styles.NOTICE))
    else:
        verdict = "Suitable for infusion" if s.suitable else "NOT suitable for infusion"
        reason = f" — {s.reason.rstrip('.')}" if s.reason else ""
        out.append(Spacer(1, 3))
        out.append(Paragraph(f"<b>{escape(verdict)}</b>{escape(reason)}. Decided by {escape(ctx.who(s.decided_by))}, "
                             f"{escape(ctx.clock(s.decided_at))}.", styles.BODY))
    return out


# --- dose order ----------------------------------------------------------------------------------------


def _computed(ctx: NoteContext, order: DoseOrderRecord) -> ComputedDose | None:
    """The numbers the engine computed when the order was written; recomputed from the typed text only when the
    record predates storing them (a library change since then would otherwise rewrite history)."""
    if order.computed is not None:
        return order.computed
    from infusiondesk.dosing import calculate_from_text

    try:
        return calculate_from_text(
            ctx.drug, dose=order.dose_text, concentration=order.concentration_text or None,
            product=order.product_id, duration=order.duration_text or None, rate=order.rate_text or None,
            weight=order.weight_text or None, indication=order.indication).computed()
    except DomainError:
        return None


def dose_lines(drug: Drug, computed: ComputedDose | None) -> dict[str, str]:
    """The displayed dose, ISMP style, from the stored numbers (nothing when there are none)."""
    if computed is None:
        return {}
    c = computed
    out = {
        "dose": (f"{display.format_mass(Q(c.dose_mg, 'mg'))} {drug.name} = {display.format_meq(Q(c.dose_meq, 'mEq'))}"
                 f" = {display.format_mmol(Q(c.dose_mmol, 'mmol'))} {drug.elemental_name}"),
        "concentration": display.format_concentration(Q(c.concentration_mg_per_ml, "mg/mL")),
        "volume": display.format_volume(Q(c.volume_ml, "mL")),
        "rate": (f"{display.format_volume_rate(Q(c.rate_ml_per_h, 'mL/h'))} "
                 f"({display.format_mass_rate(Q(c.rate_mg_per_min, 'mg/min'))})"),
        "duration": display.format_duration(Q(c.duration_min, "min")),
    }
    if c.dose_mg_per_kg is not None:
        out["weight_based"] = display.format_weight_based(Q(c.dose_mg_per_kg, "mg/kg"))
    return out


def dose_section(ctx: NoteContext) -> list[Flowable]:
    order = ctx.visit.dose_order
    out: list[Flowable] = [section("Dose order")]
    if order is None:
        out.append(_none("No dose was ordered."))
        return out
    shown = dose_lines(ctx.drug, _computed(ctx, order))
    product = "—"
    if order.product_id:
        try:
            product = ctx.drug.product(order.product_id).name
        except DomainError:
            product = order.product_id
    try:
        indication = ctx.drug.indication(order.indication).name
    except DomainError:
        indication = order.indication
    rows: list[tuple[str, object]] = [
        ("Drug", f"{ctx.drug.name} IV ({ctx.drug.salt})"),
        ("Indication", indication),
        ("Dose", shown.get("dose", order.dose_text)),
        ("Product", product),
        ("Concentration", shown.get("concentration", order.concentration_text or "—")),
        ("Volume to infuse", shown.get("volume", "—")),
        ("Rate", shown.get("rate", order.rate_text or "—")),
        ("Duration", shown.get("duration", order.duration_text or "—")),
    ]
    if "weight_based" in shown:
        rows.append(("Weight-based dose", shown["weight_based"]))
    rows.append(("Ordered", f"{ctx.clock(order.ordered_at)} by {ctx.who(order.ordered_by)}"))
    approved = (f"{ctx.clock(order.approved_at)} by {ctx.who(order.approved_by)}" if order.approved_by is not None
                else "NOT APPROVED by a clinician")
    rows.append(("Approved (prescriber)", approved))
    dc = order.double_check
    rows.append(("Double check", f"{ctx.clock(dc.at)} by {ctx.who(dc.by)}" if dc else "not done"))
    out.append(_pairs(rows, ctx.width))
    if order.overrides:
        w = ctx.width
        out.append(Spacer(1, 4))
        out.append(text("Soft limits passed with a written reason:", styles.CELL_BOLD))
        out.append(_table(("Limit", "Reason given", "Approved by"),
                          [(o.message, o.reason, f"{ctx.who(o.by)}\n{ctx.clock(o.at)}") for o in order.overrides],
                          (w * 0.40, w * 0.36, w * 0.24)))
    for old in ctx.visit.superseded_orders:
        was = dose_lines(ctx.drug, _computed(ctx, old))
        line = (f"Amended during the infusion: replaces the order of {ctx.clock(old.ordered_at)} "
                f"({was.get('dose', old.dose_text)} at {was.get('rate', old.rate_text or '—')}).")
        out.append(text(line, styles.SMALL))
    return out


def alerts_section(ctx: NoteContext) -> list[Flowable]:
    """Toxicity alerts and severe side effects seen during the infusion, and what was done about each."""
    alerts = ctx.visit.alerts
    if not alerts:
        return []
    w = ctx.width
    rows = [(ctx.clock(a.raised_at), a.message,
             f"{a.action.value.replace('_', ' ')}{': ' + a.note if a.note else ''}\n{ctx.who(a.acknowledged_by)} "
             f"{ctx.clock(a.acknowledged_at)}" if a.action is not None else "NOT ACKNOWLEDGED")
            for a in alerts]
    return [section("Alerts during the infusion"),
            _table(("Time", "Alert", "Action taken"), rows, (w * 0.12, w * 0.58, w * 0.30))]


def readiness_section(ctx: NoteContext) -> list[Flowable]:
    r = ctx.visit.readiness
    access = r.iv_access
    rows: list[tuple[str, object]] = [
        ("Consent", _yes_no(r.consent)),
        ("Allergies reviewed", _yes_no(r.allergies_reviewed)),
        ("Weight today", display.format_weight(Q(r.weight_kg_today, "kg")) if r.weight_kg_today else "—"),
        ("Baseline vitals", "charted" if ctx.visit.assessment.vitals is not None
         or any(v.phase == "baseline" for v in ctx.visit.vitals) else "not charted"),
        ("IV access", f"{access.gauge} {access.site}, {access.attempts} attempt(s), by {access.placed_by}"
         if access else "—"),
        ("Lot / expiry", f"{r.lot_number or '—'} / {r.lot_expiry:%Y-%m-%d}" if r.lot_expiry else r.lot_number or "—"),
        ("Product scanned", f"{r.scanned_product_name or 'not in the drug library'} (GTIN {r.scanned_gtin}"
         f"{', serial ' + r.scanned_serial if r.scanned_serial else ''})" if r.scanned_gtin else "not scanned"),
        ("Pump read back", f"{r.pump_rate_text}, volume to be infused {r.pump_vtbi_text}"
         if r.pump_rate_text and r.pump_vtbi_text else "not recorded"),
        ("Calcium gluconate at hand", _yes_no(r.calcium_gluconate_available)),
    ]
    return [section("Before the infusion"), _pairs(rows, ctx.width)]


# --- infusion --------------------------------------------------------------------------------------------


def timeline_section(ctx: NoteContext, dose_given_g: Callable[[Visit], float] | None) -> list[Flowable]:
    out: list[Flowable] = [section("Infusion timeline")]
    events = sorted(ctx.visit.events, key=lambda e: e.at)
    if not events:
        out.append(_none("The infusion was not started."))
        return out
    w = ctx.width
    rows = []
    for e in events:
        rate = display.format_volume_rate(Q(e.rate_ml_h, "mL/h")) if e.rate_ml_h is not None else ""
        volume = display.format_volume(Q(e.volume_infused_ml, "mL")) if e.volume_infused_ml is not None else ""
        rows.append((ctx.clock(e.at), _EVENT_NAMES.get(e.kind, str(e.kind)), rate, volume, e.reason or "",
                     ctx.who(e.by)))
    out.append(_table(("Time", "Event", "Rate", "Volume infused", "Reason", "By"), rows,
                      (w * 0.1, w * 0.14, w * 0.13, w * 0.14, w * 0.29, w * 0.2)))
    stops = [e for e in events if e.kind == InfusionEventKind.STOP]
    if stops and dose_given_g is not None:
        given = dose_given_g(ctx.visit)
        infused = stops[-1].volume_infused_ml
        summary = f"Dose given: {display.format_mass(Q(given, 'g'))} {ctx.drug.name}"
        if infused is not None:
            summary += f" ({display.format_volume(Q(infused, 'mL'))} infused)"
        order = ctx.visit.dose_order
        numbers = _computed(ctx, order) if order is not None else None
        planned = numbers.volume_ml if numbers is not None else 0.0
        if infused is not None and planned and infused > planned * (1 + 1e-9):
            summary += (f" — OVER-INFUSION: {display.format_volume(Q(infused - planned, 'mL'))} more than the "
                        f"ordered {display.format_volume(Q(planned, 'mL'))}")
        out.append(Spacer(1, 3))
        out.append(Paragraph(f"<b>{escape(summary)}</b>", styles.BODY))
        out.append(text(billing_time_line(ctx), styles.BODY))
    return out


def billing_time_line(ctx: NoteContext) -> str:
    """Infusion time for billing: start, stop, running minutes (pauses removed) and the billed hour sequence."""
    from infusiondesk.billing.codes import billing_codes
    from infusiondesk.billing.minutes import hour_sequence, infusion_minutes

    m = infusion_minutes(ctx.visit)
    sequence = "; ".join(f"{u.label.lower()} {u.code} × {u.units}"
                         for u in hour_sequence(m.running_minutes, billing_codes().hours))
    return (f"Infusion time for billing: {ctx.clock(m.started_at)}–{ctx.clock(m.stopped_at)}, "
            f"{m.running_minutes} min running (pauses removed: {m.paused_minutes} min) — {sequence or 'none'}.")


def vitals_section(ctx: NoteContext) -> list[Flowable]:
    out: list[Flowable] = [section("Vital signs")]
    readings = sorted(ctx.visit.vitals, key=lambda v: v.taken_at)
    if not readings:
        out.append(_none("No vital signs were recorded during the visit."))
        return out
    w = ctx.width
    rows = [(ctx.clock(v.taken_at), v.phase, _bp(v), _opt(v.heart_rate), _opt(v.resp_rate), _opt(v.spo2),
             _opt(v.temperature_c), _opt(v.pain_score), v.patellar_reflex or "—", ctx.who(v.recorded_by))
            for v in readings]
    out.append(_table(("Time", "Phase", "BP mmHg", "HR /min", "RR /min", "SpO2 %", "Temp °C", "Pain", "Reflex", "By"),
                      rows, [w * f for f in (0.09, 0.11, 0.1, 0.08, 0.08, 0.08, 0.08, 0.07, 0.1, 0.21)]))
    chart = charts.vitals_chart(readings, width=w)
    if chart is not None:
        out += [Spacer(1, 6), chart]
    return out


def side_effects_section(ctx: NoteContext) -> list[Flowable]:
    out: list[Flowable] = [section("Side effects")]
    effects = sorted(ctx.visit.side_effects, key=lambda s: s.onset_at)
    if not effects:
        out.append(_none("No side effects were recorded."))
        return out
    w = ctx.width
    rows = []
    for s in effects:
        grade = f"Grade {s.grade}"
        if ctx.grades is not None:
            with contextlib.suppress(DomainError, KeyError):
                grade += f": {ctx.grades.definition(s.type_code, s.grade)}"
        kind = s.type_code.replace("_", " ")
        if s.notes:
            kind += f" — {s.notes}"
        rows.append((ctx.clock(s.onset_at), kind, grade, s.action.value.replace("_", " "), s.outcome.value,
                     ctx.who(s.recorded_by)))
    out.append(_table(("Onset", "Side effect", "Grade", "Action", "Outcome", "Recorded by"), rows,
                      (w * 0.09, w * 0.22, w * 0.33, w * 0.1, w * 0.1, w * 0.16)))
    return out


def after_section(ctx: NoteContext) -> list[Flowable]:
    v = ctx.visit
    out: list[Flowable] = [section("After the infusion")]
    rows: list[tuple[str, object]] = [
        ("Pain before (0–10)", _opt(v.assessment.pain_score)),  # before, then after: the order they happened
        ("Pain after (0–10)", _opt(v.post_pain_score)),
    ]
    out.append(_pairs(rows, ctx.width))
    out.append(text(f"Discharge notes: {v.discharge_notes or '—'}", styles.BODY))
    if v.notes:
        out.append(text(f"Notes: {v.notes}", styles.BODY))
    return out


def addenda_section(ctx: NoteContext) -> list[Flowable]:
    if not ctx.visit.addenda:
        return []
    out: list[Flowable] = [section("Addenda")]
    signed_count = 0
    for n, a in enumerate(ctx.visit.addenda, start=1):
        if a.signature is not None:
            signed_count += 1
        signed = f" — signed in version {signed_count + 1}" if a.signature else " — not yet signed"
        out.append(KeepTogether([
            Paragraph(f"<b>Addendum {n}</b> — {escape(ctx.when(a.at))}, {escape(ctx.who(a.by))}{escape(signed)}",
                      styles.BODY),
            text(a.text, styles.BODY), Spacer(1, 4)]))
    return out

