"""The clinic's built-in reports: visits per day, doses given, side effects by type and grade, near misses by
rule and user, follow-up outcomes. Each counts only what the store holds; each visit belongs to the clinic day
it was opened on (the "Today" board's day), so the reports of one period count the same visits; a follow-up
belongs to the period it was recorded in."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from infusiondesk.clinic_reports.definition import Column, ColumnKind, ReportDefinition, Row
from infusiondesk.clinic_reports.period import ReportPeriod
from infusiondesk.records.models import UserSession, Visit, VisitStatus
from infusiondesk.workflow.clock import dose_given_g
from infusiondesk.workflow.infusion import NOT_STARTED, STOPPED, infusion_state

_REL_TOL = 1e-9
GRADES = (1, 2, 3, 4, 5)


def _visits_by_day(store: Any, by: UserSession, period: ReportPeriod) -> dict[date, list[Visit]]:
    since, until = period.bounds()
    days: dict[date, list[Visit]] = {d: [] for d in period.days()}
    for v in store.visits.opened_between(since, until, by=by):
        assert v.created_at is not None
        days.setdefault(period.day_of(v.created_at), []).append(v)
    return days


def _visits(store: Any, by: UserSession, period: ReportPeriod) -> list[Visit]:
    return [v for day in _visits_by_day(store, by, period).values() for v in day]


# -- visits per day --------------------------------------------------------------------------------------------

_DONE = (VisitStatus.COMPLETED, VisitStatus.SIGNED)


def visits_per_day(store: Any, by: UserSession, period: ReportPeriod) -> Sequence[Row]:
    """Every day of the period, with no visits too (a quiet day is a fact). InfusionDesk has no "cancelled"
    status: a visit never started (draft or assessed) is counted as not started, whether still open or left."""
    rows: list[Row] = []
    for day, visits in sorted(_visits_by_day(store, by, period).items()):
        started = [v for v in visits if infusion_state(v).phase != NOT_STARTED]
        rows.append((day, len(visits), len(started), sum(1 for v in visits if v.status in _DONE),
                     sum(1 for v in visits if v.status is VisitStatus.SIGNED), len(visits) - len(started)))
    return rows


VISITS_PER_DAY = ReportDefinition(
    name="visits-per-day", title="Visits per day",
    counts=("Visits by the clinic day they were opened: opened; infusion started; completed (completed or signed); "
            "signed; not started (a draft or assessed visit: still open, or left without an infusion)."),
    columns=(Column("Day", ColumnKind.DAY), Column("Opened"), Column("Started"), Column("Completed"),
             Column("Signed"), Column("Not started")),
    read=visits_per_day, empty="No visits in this period.", chart_column=1)


# -- doses given -----------------------------------------------------------------------------------------------

def _stopped_short(v: Visit, given_g: float) -> bool:
    assert v.dose_order is not None
    ordered = v.dose_order.computed_dose.dose_mg / 1000
    return given_g < ordered * (1 - _REL_TOL)


def doses_given(store: Any, by: UserSession, period: ReportPeriod) -> Sequence[Row]:
    """Per day with an infusion: stopped infusions, how many stopped short of the order, the grams they gave
    (what ran, from the pump reading: `workflow.clock.dose_given_g`, the course summary's rule), and infusions
    still running (not counted in the grams until stopped)."""
    rows: list[Row] = []
    for day, visits in sorted(_visits_by_day(store, by, period).items()):
        stopped = [v for v in visits if infusion_state(v).phase == STOPPED]
        running = [v for v in visits if infusion_state(v).phase not in (NOT_STARTED, STOPPED)]
        if not stopped and not running:
            continue
        given = [dose_given_g(v) for v in stopped]
        short = sum(1 for v, g in zip(stopped, given, strict=True) if _stopped_short(v, g))
        rows.append((day, len(stopped), short, len(running), sum(given)))
    return rows


DOSES_GIVEN = ReportDefinition(
    name="doses-given", title="Doses given",
    counts=("Magnesium sulfate infusions by the clinic day their visit was opened: infusions stopped, of which "
            "stopped short of the order; grams given as charted (the pump's volume at the stop, not the ordered "
            "dose); infusions still running are counted apart and not in the grams."),
    columns=(Column("Day", ColumnKind.DAY), Column("Infusions"), Column("Stopped short"), Column("Still running"),
             Column("Given", ColumnKind.GRAMS, "g")),
    read=doses_given, empty="No infusions in this period.")


# -- side effects ----------------------------------------------------------------------------------------------

def side_effects(store: Any, by: UserSession, period: ReportPeriod) -> Sequence[Row]:
    """Side effects charted at the period's visits, by type (the catalogue's names and order) and grade."""
    from infusiondesk.workflow.side_effects import side_effect_catalogue

    counts: defaultdict[str, Counter[int]] = defaultdict(Counter)
    for v in _visits(store, by, period):
        for e in v.side_effects:
            counts[e.type_code][e.grade] += 1
    catalogue = side_effect_catalogue().types
    order = [t.code for t in catalogue] + sorted(set(counts) - {t.code for t in catalogue})
    names = {t.code: t.name for t in catalogue}
    return [(names.get(code, code), *(counts[code][g] for g in GRADES), sum(counts[code].values()))
            for code in order if counts.get(code)]


SIDE_EFFECTS = ReportDefinition(
    name="side-effects", title="Side effects by type and grade",
    counts=("Side effects charted at visits opened in the period, by type (the side-effect catalogue) and "
            "CTCAE grade; one logged side effect counts once, however often its outcome was updated."),
    columns=(Column("Side effect", ColumnKind.TEXT), *(Column(f"Grade {g}") for g in GRADES), Column("All grades")),
    read=side_effects, empty="No side effects charted in this period.")


# -- overrides and hard stops ----------------------------------------------------------------------------------

def near_misses(store: Any, by: UserSession, period: ReportPeriod) -> Sequence[Row]:
    """The near-miss report's events (soft overrides, hard stops) in the period, counted by rule and user."""
    since, until = period.bounds()
    counts: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for e in store.audit.near_misses_for_reports(since, until, by=by):
        counts[(str(e["rule"] or ""), str(e["username"] or ""))][str(e["kind"])] += 1
    return [(rule, user, c["override"], c["hard_stop"], c["override"] + c["hard_stop"])
            for (rule, user), c in sorted(counts.items())]


NEAR_MISSES = ReportDefinition(
    name="overrides", title="Overrides and hard stops by rule and user",
    counts=("Soft-limit overrides and hard stops (the near-miss report's events) in the period, by the rule that "
            "fired and the user at the keyboard."),
    columns=(Column("Rule", ColumnKind.TEXT), Column("User", ColumnKind.TEXT), Column("Soft overrides"),
             Column("Hard stops"), Column("All")),
    read=near_misses, empty="No overrides or hard stops in this period.")



# -- follow-up outcomes ----------------------------------------------------------------------------------------

def follow_up_outcomes(store: Any, by: UserSession, period: ReportPeriod) -> Sequence[Row]:
    """Follow-ups recorded in the period (infusiondesk.followups), by interval: the outcome of the call and, where
    attacks per month were reported both at the anchoring visit and at the follow-up, whether they fell."""
    from infusiondesk.followups import FollowUpStatus, interval_label

    since, until = period.bounds()
    counts: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for o in store.follow_ups.report_outcomes(by=by, since=since, until=until):
        c = counts[o.interval_days]
        c[o.status.value] += 1
        if o.status is FollowUpStatus.RECORDED:
            change = o.attacks_change
            c["no before" if change is None else "fewer" if change < 0 else "same" if change == 0 else "more"] += 1
            c["side effects"] += 1 if o.side_effects else 0
    return [(interval_label(days), c[FollowUpStatus.RECORDED.value], c[FollowUpStatus.COULD_NOT_REACH.value],
             c[FollowUpStatus.DECLINED.value], c["fewer"], c["same"], c["more"], c["no before"], c["side effects"])
            for days, c in sorted(counts.items())]


FOLLOW_UP_OUTCOMES = ReportDefinition(
    name="follow-up-outcomes", title="Follow-up outcomes",
    counts=("Follow-ups recorded in the period, by interval after the visit: reached (answers recorded), could not "
            "reach, declined; of those reached, attacks per month fewer, the same or more than reported at the "
            "anchoring visit's assessment (or no number then to compare), and side effects since the visit."),
    columns=(Column("Interval", ColumnKind.TEXT), Column("Reached"), Column("Could not reach"), Column("Declined"),
             Column("Fewer attacks"), Column("Same"), Column("More attacks"), Column("No before"),
             Column("Side effects since")),
    read=follow_up_outcomes, empty="No follow-ups recorded in this period.")

BUILT_IN = (VISITS_PER_DAY, DOSES_GIVEN, SIDE_EFFECTS, NEAR_MISSES, FOLLOW_UP_OUTCOMES)
