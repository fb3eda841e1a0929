"""A patient's course of infusions over a period: the numbers of the course summary, from the records alone.

Pure: Patient, Visit records and the drug in, frozen values out, so the PDF (reports/summary.py), the command
line and the tests read the same numbers. Doses go through the drug's own conversions (mEq, mmol) and the ISMP
display rules (`infusiondesk.display`); what was given and the 24 h total follow the workflow's rules
(`workflow.clock.dose_given_g`, `magnesium_given_g`), the same ones the order is checked against.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from infusiondesk import display
from infusiondesk.clinic_time import typed_day
from infusiondesk.drugs.library import Drug
from infusiondesk.errors import DomainError
from infusiondesk.followups import FollowUp, change_text, latest_answered
from infusiondesk.records.models import Patient, Visit, VisitStatus, VitalSigns
from infusiondesk.units import Q
from infusiondesk.workflow.clock import dose_given_g, magnesium_given_g
from infusiondesk.workflow.infusion import NOT_STARTED, STOPPED, infusion_state
from infusiondesk.workflow.signing import signed_versions

WINDOW = timedelta(hours=24)  # the library's per-24 h limit window, as the order checks it


@dataclass(frozen=True)
class Period:
    """The clinic's calendar days from `first` to `last`, both included; None is open-ended."""

    first: date | None = None
    last: date | None = None

    def __post_init__(self) -> None:
        if self.first is not None and self.last is not None and self.first > self.last:
            raise DomainError(f"The period starts on {self.first:%Y-%m-%d}, after it ends on {self.last:%Y-%m-%d}; "
                              "give the earlier date first.")

    def holds(self, day: date) -> bool:
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)

    def describe(self) -> str:
        if self.first and self.last:
            return f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"
        if self.first:
            return f"from {self.first:%Y-%m-%d}"
        return f"up to {self.last:%Y-%m-%d}" if self.last else "every visit"


def parse_period(first: str | None, last: str | None) -> Period:
    """A period from year-month-day text (`--from`, `--to`), refused with one sentence naming the bad one."""
    return Period(typed_day(first, "--from"), typed_day(last, "--to"))


@dataclass(frozen=True)
class CourseVisit:
    """One row of the course table: what was ordered and given at one visit, and the running totals."""

    visit_id: int
    status: VisitStatus
    day: date  # the clinic's date of the visit (its start, else when it was opened)
    at: datetime  # the infusion's start, else when the visit was opened
    indication: str  # the library's name for it; "" before an order
    dose: str  # "2 g = 16.2 mEq = 8.1 mmol"; "" before an order
    rate: str  # the ordered rate as the pump shows it
    duration: str  # the ordered duration
    given: str  # what ran: "2 g = 16.2 mEq = 8.1 mmol", "not given", or "running: 2 g ordered"
    given_g: float
    cumulative: str  # magnesium sulfate given in the period up to and including this visit
    cumulative_g: float
    in_24h: str  # given in the 24 h up to this infusion's start, this one included (the order's rule)
    in_24h_g: float
    pain_before: int | None
    pain_after: int | None
    side_effects: tuple[str, ...]  # "flushing, grade 1"
    signed_by: tuple[str, ...]  # "Alan Smith, MD (reviewed and approved)"
    attacks_per_month: int | None
    vitals: tuple[VitalSigns, ...]  # baseline first, then during and after, in time order
    setting: str = "clinic"  # "clinic", or "home" / "office" for a mobile visit (records/location.py)

    @property
    def pain(self) -> str:
        before = "–" if self.pain_before is None else str(self.pain_before)
        after = "–" if self.pain_after is None else str(self.pain_after)
        return f"{before} → {after}"


@dataclass(frozen=True)
class AttackReport:
    """Migraine attacks per month as the patient reported them at one visit."""

    visit_id: int
    day: date
    attacks_per_month: int


@dataclass(frozen=True)
class Course:
    """The numbers of a course summary. `visits` holds every visit of the period, oldest first."""

    patient: Patient
    period: Period
    visits: tuple[CourseVisit, ...]
    total: str  # magnesium sulfate given over the period, with mEq and mmol
    total_g: float
    highest_24h: str  # the largest 24 h total at any infusion of the period
    highest_24h_g: float
    infusions: int  # visits whose infusion started
    attacks_before: AttackReport | None  # reported at or before the course's first infusion
    attacks_after: AttackReport | None  # the latest report after it
    follow_up: FollowUp | None = None  # the latest answered follow-up of a visit of the period (infusiondesk.followups)

    @property
    def period_text(self) -> str:
        """The period as dates: "2026-09-18 to 2026-11-30", an open end read from the visits it holds."""
        first = self.period.first or (self.visits[0].day if self.visits else None)
        last = self.period.last or (self.visits[-1].day if self.visits else None)
        if first is None or last is None:
            return self.period.describe()
        text = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
        return f"{text} (every visit)" if self.period.first is None and self.period.last is None else text

    @property
    def follow_up_change(self) -> str:
        """Attacks per month at the latest follow-up against before the course."""
        return change_text(self.attacks_before.attacks_per_month if self.attacks_before else None, self.follow_up)

    @property
    def attacks_change(self) -> str:
        if self.attacks_before is None or self.attacks_after is None:
            return "not enough reports to compare"
        delta = self.attacks_after.attacks_per_month - self.attacks_before.attacks_per_month
        if delta == 0:
            return "no change"
        return f"{'+' if delta > 0 else '−'}{abs(delta)} a month"


def zone_of(timezone: str) -> ZoneInfo:
    """The clinic's zone; an unknown name reads as UTC (as on the note) rather than stopping a report."""
    try:
        return ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def amount(drug: Drug, grams: float) -> str:
    """A mass of the salt with its mEq and mmol: "2 g = 16.2 mEq = 8.1 mmol"."""
    mass = Q(grams, "gram")
    meq, mmol = display.format_meq(drug.meq(mass)), display.format_mmol(drug.mmol(mass))
    return f"{display.format_mass(mass)} = {meq} = {mmol}"


def _moment(v: Visit) -> datetime:
    moment = v.started_at or v.created_at
    if moment is None:
        raise DomainError(f"Visit {v.id} has no date; it cannot be placed in a course.")
    return moment


def _given_text(drug: Drug, v: Visit, grams: float) -> str:
    state = infusion_state(v)
    if v.dose_order is None or state.phase == NOT_STARTED:
        return "not given"
    if state.phase != STOPPED:
        return f"running: {display.format_mass(Q(grams, 'gram'))} counted"
    return amount(drug, grams)


def _signers(v: Visit) -> tuple[str, ...]:
    out = []
    for version, s in signed_versions(v):
        name = f"{s.signer_name}, {s.credentials}" if s.credentials else s.signer_name
        suffix = f", version {version}" if version > 1 else ""
        meaning = s.meaning.value.removesuffix(" by").lower()  # "administered", "reviewed and approved"
        out.append(f"{name} ({meaning}{suffix})")
    return tuple(out)


def _effect_names(drug_effects: dict[str, str], v: Visit) -> tuple[str, ...]:
    return tuple(f"{drug_effects.get(e.type_code, e.type_code)}, grade {e.grade}" for e in v.side_effects)


def _vitals(v: Visit) -> tuple[VitalSigns, ...]:
    series = ([v.assessment.vitals] if v.assessment.vitals is not None else []) + list(v.vitals)
    seen: set[datetime] = set()
    out = []
    for r in sorted(series, key=lambda r: r.taken_at):
        if r.taken_at in seen and r.phase == "baseline":
            continue  # the assessment's baseline is also charted with the visit's vital signs
        seen.add(r.taken_at)
        out.append(r)
    return tuple(out)


def summarise(patient: Patient, visits: Iterable[Visit], drug: Drug, period: Period, *, timezone: str = "UTC",
              side_effect_names: dict[str, str] | None = None, follow_ups: Iterable[FollowUp] = ()) -> Course:
    """The course of `patient` over `period` from all of their visits (visits outside the period still count in
    a 24 h total that reaches into it), and the latest answered follow-up of a visit of the period. Visits of
    another patient are refused."""
    zone = zone_of(timezone)
    if side_effect_names is None:
        from infusiondesk.workflow.side_effects import side_effect_catalogue

        side_effect_names = {t.code: t.name for t in side_effect_catalogue().types}
    names = side_effect_names
    everything = sorted(visits, key=lambda v: (_moment(v), v.id))
    for v in everything:
        if v.patient_id != patient.id:
            raise DomainError(f"Visit {v.id} is not {patient.display_name}'s; a course summary covers one patient.")
    started = [v for v in everything if infusion_state(v).phase != NOT_STARTED]
    rows: list[CourseVisit] = []
    cumulative = 0.0
    for v in everything:
        at = _moment(v)
        day = at.astimezone(zone).date()
        if not period.holds(day):
            continue
        order = v.dose_order
        given = dose_given_g(v)
        cumulative += given
        in_24h = magnesium_given_g(started, at - WINDOW, at) if given else 0.0
        shown = order.computed.display if order and order.computed else {}
        rows.append(CourseVisit(
            visit_id=v.id, status=v.status, day=day, at=at,
            indication=drug.indication(order.indication).name if order else "",
            dose=amount(drug, order.computed_dose.dose_mg / 1000) if order else "",
            rate=shown.get("rate", ""), duration=shown.get("duration", order.duration_text if order else ""),
            given=_given_text(drug, v, given), given_g=given,
            cumulative=display.format_mass(Q(cumulative, "gram")), cumulative_g=cumulative,
            in_24h=display.format_mass(Q(in_24h, "gram")), in_24h_g=in_24h,
            pain_before=v.assessment.pain_score, pain_after=v.post_pain_score,
            side_effects=_effect_names(names, v), signed_by=_signers(v),
            attacks_per_month=v.assessment.migraine.attacks_per_month, vitals=_vitals(v),
            setting=v.location.setting.value))
    before, after = _attacks(rows)
    highest = max((r.in_24h_g for r in rows), default=0.0)
    return Course(patient, period, tuple(rows), amount(drug, cumulative), cumulative,
                  display.format_mass(Q(highest, "gram")), highest,
                  sum(1 for r in rows if r.given_g > 0), before, after,
                  latest_answered(follow_ups, (r.visit_id for r in rows)))


def _attacks(rows: Sequence[CourseVisit]) -> tuple[AttackReport | None, AttackReport | None]:
    """Before: the report at the course's first infusion (the month before it), else the first report of the
    period. After: the latest report of a later visit. A course with one report has no "after"."""
    reports = [AttackReport(r.visit_id, r.day, r.attacks_per_month) for r in rows if r.attacks_per_month is not None]
    if not reports:
        return None, None
    first_infusion = next((r for r in rows if r.given_g > 0), None)
    before = reports[0]
    if first_infusion is not None:
        at_start = [a for a in reports if a.visit_id == first_infusion.visit_id]
        before = at_start[0] if at_start else before
    later = reports[reports.index(before) + 1:]
    return before, (later[-1] if later else None)
