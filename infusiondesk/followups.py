"""Outcome follow-ups: asking, days after a course visit, whether the course helped.

A follow-up is anchored on a course visit that gave an infusion and was completed or signed. It falls DUE on the
clinic's calendar date of that infusion's start plus each of the clinic's intervals (default 7 and 30 days, from
`data/follow_ups.toml`; an admin may change them), from the clinic's midnight, whatever the workstation's zone.
A later course visit of the same patient whose infusion started before a follow-up's due date SUPERSEDES that
follow-up (a patient in an ongoing course is not asked twice; the new visit's own follow-ups take over). Due
follow-ups are derived from the visits whenever they are listed (no scheduler); only what was recorded is
stored (`infusiondesk.store.followups`). Rules here are pure; the store calls them at the moment of action.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from infusiondesk.errors import DomainError, InputError, LibraryError
from infusiondesk.resources import bundled

if TYPE_CHECKING:
    pass

RULES_FILE = bundled("infusiondesk", "data", "follow_ups.toml")


@dataclass(frozen=True)
class FollowUpRules:
    """The cited numbers of `data/follow_ups.toml`."""

    default_days: tuple[int, ...]
    min_days: int
    max_days: int
    max_count: int
    max_per_month: int


@lru_cache(maxsize=1)
def rules() -> FollowUpRules:
    try:
        data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
        intervals, answers, sources = data["intervals"], data["answers"], data["sources"]
        for sid in (intervals["source"], answers["source"]):
            if sid not in sources:
                raise KeyError(sid)
        found = FollowUpRules(tuple(int(d) for d in intervals["default_days"]), int(intervals["min_days"]),
                              int(intervals["max_days"]), int(intervals["max_count"]),
                              int(answers["max_per_month"]))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise LibraryError(f"Follow-up rules {RULES_FILE} are missing or malformed ({exc}).") from None
    check_intervals(found.default_days, found)
    return found


# -- the clinic's intervals ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FollowUpPolicy:
    """The days after a course visit on which the clinic asks how the patient is (admin-set, audited)."""

    intervals_days: tuple[int, ...]

    @classmethod
    def default(cls) -> FollowUpPolicy:
        return cls(rules().default_days)


def check_intervals(days: Iterable[int], limits: FollowUpRules | None = None) -> tuple[int, ...]:
    """The intervals sorted, each once; one sentence for an empty list, too many, or one out of range."""
    r = limits or rules()
    out = tuple(sorted(set(days)))
    if not out:
        raise InputError("intervals", "Give at least one follow-up interval in days, such as 7 or 30.")
    if len(out) > r.max_count:
        raise InputError("intervals", f"Give at most {r.max_count} follow-up intervals; {len(out)} were given.")
    for d in out:
        if isinstance(d, bool) or not r.min_days <= d <= r.max_days:
            raise InputError("intervals", f"A follow-up interval of {d} days is not allowed; give {r.min_days} to "
                             f"{r.max_days} days.")
    return out


def parse_intervals(text: str) -> tuple[int, ...]:
    """Intervals as typed in Settings ("7, 30"): whole days separated by commas or spaces."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not all(p.isdigit() for p in parts):
        raise InputError("intervals", f'Follow-up intervals "{text}" must be whole days separated by commas, '
                         'such as "7, 30".')
    return check_intervals(int(p) for p in parts)


def interval_label(days: int) -> str:
    """ "7 days", "30 days (1 month)"."""
    return f"{days} day{'' if days == 1 else 's'}" + (" (1 month)" if days == 30 else "")


# -- when a follow-up is due ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnchorVisit:
    """A course visit that can anchor follow-ups: its infusion started, and it was completed or signed."""

    visit_id: int
    patient_id: int
    patient: str  # "RIVERA, Ana"
    mrn: str
    infused_at: datetime  # the infusion's start (aware)


@dataclass(frozen=True)
class DueFollowUp:
    """One follow-up to make now: whom to ask, about which visit, and since when it is due."""

    patient_id: int
    patient: str
    mrn: str
    visit_id: int
    visit_day: date  # the clinic's date of the anchoring infusion
    interval_days: int
    due_on: date

    @property
    def interval(self) -> str:
        return interval_label(self.interval_days)

    def overdue_days(self, today: date) -> int:
        return (today - self.due_on).days

    def due_text(self, today: date) -> str:
        late = self.overdue_days(today)
        return "due today" if late == 0 else f"due since {self.due_on:%Y-%m-%d} ({late} day{'' if late == 1 else 's'})"


def follow_ups_of(anchors: Sequence[AnchorVisit], policy: FollowUpPolicy, zone: ZoneInfo) -> list[DueFollowUp]:
    """Every follow-up the anchors call for, superseded ones left out, due or not yet due."""
    by_patient: dict[int, list[AnchorVisit]] = {}
    for a in anchors:
        by_patient.setdefault(a.patient_id, []).append(a)
    out = []
    for visits in by_patient.values():
        visits.sort(key=lambda a: (a.infused_at, a.visit_id))
        days = [a.infused_at.astimezone(zone).date() for a in visits]
        for i, a in enumerate(visits):
            later = days[i + 1] if i + 1 < len(visits) else None
            for n in policy.intervals_days:
                due_on = days[i] + timedelta(days=n)
                if later is not None and later < due_on:
                    continue  # superseded: a later course visit came before this was due
                out.append(DueFollowUp(a.patient_id, a.patient, a.mrn, a.visit_id, days[i], n, due_on))
    return out


def due_follow_ups(anchors: Sequence[AnchorVisit], done: Iterable[tuple[int, int]], policy: FollowUpPolicy,
                   zone: ZoneInfo, now: datetime) -> list[DueFollowUp]:
    """The follow-ups due on the clinic's date at `now` and not yet done (`done`: (visit id, interval days) of
    those recorded, including "could not reach" and "declined"), the longest overdue first."""
    today = now.astimezone(zone).date()
    closed = set(done)
    due = [f for f in follow_ups_of(anchors, policy, zone)
           if f.due_on <= today and (f.visit_id, f.interval_days) not in closed]
    return sorted(due, key=lambda f: (f.due_on, f.patient, f.visit_id, f.interval_days))


def check_due(visit_id: int, interval_days: int, anchors: Sequence[AnchorVisit], done: Iterable[tuple[int, int]],
              policy: FollowUpPolicy, zone: ZoneInfo, now: datetime) -> DueFollowUp:
    """The follow-up about to be recorded, as due now; one sentence when it is not (the patient's anchors given)."""
    if not any(a.visit_id == visit_id for a in anchors):
        raise DomainError(f"Visit {visit_id} has no follow-ups: only a visit whose infusion was given and that is "
                          "completed or signed has them.")
    if (visit_id, interval_days) in set(done):
        raise DomainError(f"The {interval_label(interval_days)} follow-up of visit {visit_id} is already "
                          "recorded; it is in the patient's chart.")
    if interval_days not in policy.intervals_days:
        raise DomainError(f"The clinic does not follow up after {interval_label(interval_days)}; its intervals are "
                          f"{', '.join(interval_label(d) for d in policy.intervals_days)}.")
    for f in follow_ups_of(anchors, policy, zone):
        if f.visit_id == visit_id and f.interval_days == interval_days:
            if f.due_on > now.astimezone(zone).date():
                raise DomainError(f"The {f.interval} follow-up of visit {visit_id} is not due until "
                                  f"{f.due_on:%Y-%m-%d}.")
            return f
    raise DomainError(f"The {interval_label(interval_days)} follow-up of visit {visit_id} was superseded by a later "
                      "visit; record the later visit's follow-up instead.")


# -- what is recorded ----------------------------------------------------------------------------------------

class FollowUpStatus(StrEnum):
    RECORDED = "recorded"
    COULD_NOT_REACH = "could not reach"
    DECLINED = "declined"


@dataclass(frozen=True)
class FollowUpEntry:
    """What the nurse or clinician records for one due follow-up. The counts are per month; None is unanswered."""

    visit_id: int
    interval_days: int
    status: FollowUpStatus = FollowUpStatus.RECORDED
    attacks_per_month: int | None = None
    headache_days: int | None = None  # headache days per month
    rescue_medication: str = ""  # which rescue (acute) medication
    rescue_days: int | None = None  # days per month with rescue medication
    side_effects: bool | None = None  # any side effects since the visit
    side_effects_text: str = ""
    note: str = ""


@dataclass(frozen=True)
class FollowUp:
    """A recorded follow-up, as saved."""

    id: int
    patient_id: int
    visit_id: int
    interval_days: int
    due_on: date
    status: FollowUpStatus
    recorded_at: datetime
    recorded_by: int
    recorded_by_name: str
    attacks_per_month: int | None
    headache_days: int | None
    rescue_medication: str
    rescue_days: int | None
    side_effects: bool | None
    side_effects_text: str
    note: str


TEXT_MAX = 500  # characters of a free-text answer


def count_from_text(text: str, label: str) -> int | None:
    """A per-month count as typed ("4"); "" is unanswered. One sentence for anything else."""
    t = text.strip()
    if not t:
        return None
    if not t.isdigit():
        raise InputError(label, f'{label} "{text}" is not a whole number; type the count, such as 4.')
    return int(t)


def check_entry(entry: FollowUpEntry) -> FollowUpEntry:
    """The entry with its text trimmed; one sentence naming the first answer out of range or missing."""
    top = rules().max_per_month
    counts = (("Attacks per month", entry.attacks_per_month), ("Headache days per month", entry.headache_days),
              ("Days with rescue medication per month", entry.rescue_days))
    for label, value in counts:
        if value is not None and (isinstance(value, bool) or not 0 <= value <= top):
            raise InputError(label, f"{label} must be 0 to {top}; {value} was entered.")
    texts = {"rescue_medication": entry.rescue_medication.strip(), "side_effects_text":
             entry.side_effects_text.strip(), "note": entry.note.strip()}
    for name, text in texts.items():
        if len(text) > TEXT_MAX:
            raise InputError(name, f"The {name.replace('_', ' ')} is {len(text)} characters; keep it under {TEXT_MAX}.")
    if entry.status is FollowUpStatus.RECORDED:
        if entry.attacks_per_month is None or entry.headache_days is None:
            raise InputError("attacks_per_month", "Enter the attacks per month and the headache days per month "
                             "the patient reports (0 if none).")
        if entry.side_effects is None:
            raise InputError("side_effects", "Answer whether the patient had side effects since the visit (yes or no).")
        if entry.side_effects and not texts["side_effects_text"]:
            raise InputError("side_effects_text", "Describe the side effects the patient had since the visit.")
    else:
        answered = [label for label, value in counts if value is not None]
        if answered or entry.side_effects is not None or texts["rescue_medication"]:
            raise InputError("status", f'A follow-up marked "{entry.status.value}" holds no answers; clear them '
                             'or choose "recorded".')
    return replace(entry, rescue_medication=texts["rescue_medication"], side_effects_text=texts["side_effects_text"],
                   note=texts["note"])


# -- before and after, for the chart and the course summary ----------------------------------------------------

def latest_answered(follow_ups: Iterable[FollowUp], visit_ids: Iterable[int] | None = None) -> FollowUp | None:
    """The most recently recorded follow-up with answers (not "could not reach" or "declined"), among those
    anchored on `visit_ids` when given: the "after" of a course."""
    allowed = None if visit_ids is None else set(visit_ids)
    answered = [f for f in follow_ups if f.status is FollowUpStatus.RECORDED
                and (allowed is None or f.visit_id in allowed)]
    return max(answered, key=lambda f: (f.recorded_at, f.id), default=None)


def after_text(f: FollowUp, zone: ZoneInfo) -> str:
    """ "3 attacks and 6 headache days a month, rescue medication on 2 days (sumatriptan); no side effects —
    7 days after the visit of 2026-03-02, recorded 2026-03-09 by Noor Kim"."""
    rescue = "rescue medication not asked" if f.rescue_days is None else (
        f"rescue medication on {f.rescue_days} day{'' if f.rescue_days == 1 else 's'}"
        + (f" ({f.rescue_medication})" if f.rescue_medication else ""))
    effects = {None: "side effects not asked", False: "no side effects"}.get(
        f.side_effects, f"side effects: {f.side_effects_text}")
    anchor_day = f.due_on - timedelta(days=f.interval_days)
    return (f"{f.attacks_per_month} attack{'' if f.attacks_per_month == 1 else 's'} and {f.headache_days} headache "
            f"day{'' if f.headache_days == 1 else 's'} a month, {rescue}; {effects} — {interval_label(f.interval_days)}"
            f" after the visit of {anchor_day:%Y-%m-%d}, recorded {f.recorded_at.astimezone(zone):%Y-%m-%d} by "
            f"{f.recorded_by_name}")


def change_text(before: int | None, f: FollowUp | None) -> str:
    """The change in attacks per month from before the course to the latest follow-up."""
    if before is None or f is None or f.attacks_per_month is None:
        return "not enough answers to compare"
    delta = f.attacks_per_month - before
    return "no change" if delta == 0 else f"{'+' if delta > 0 else '−'}{abs(delta)} a month"


def attacks_before(reports: Sequence[tuple[date, int | None, bool]]) -> tuple[date, int] | None:
    """Attacks per month before the course from the visits' assessments ((clinic date, attacks reported,
    infusion given), oldest first): the report at the first infusion, else the first report (as the course
    summary reads it)."""
    reported = [(day, n, given) for day, n, given in reports if n is not None]
    if not reported:
        return None
    first = next(((day, n) for day, n, given in reported if given), None)
    return first if first is not None else (reported[0][0], reported[0][1])


def before_after_text(reports: Sequence[tuple[date, int | None, bool]], follow_ups: Iterable[FollowUp],
                      zone: ZoneInfo) -> str:
    """The chart's two short lines: attacks per month before the course and at the latest answered follow-up
    with the change; then that follow-up's headache days, rescue medication and side effects."""
    before = attacks_before(reports)
    f = latest_answered(follow_ups)
    said = f"{before[1]} before the course ({before[0]:%Y-%m-%d})" if before else "not reported before the course"
    if f is None:
        return f"<b>Attacks per month</b>: {said}; no follow-up answered yet."
    rescue = "rescue medication not asked" if f.rescue_days is None else (
        f"rescue medication on {f.rescue_days} day{'' if f.rescue_days == 1 else 's'}"
        + (f" ({f.rescue_medication})" if f.rescue_medication else ""))
    effects = {None: "side effects not asked", False: "no side effects"}.get(
        f.side_effects, f"side effects: {f.side_effects_text}")
    return (f"<b>Attacks per month</b>: {said} → {f.attacks_per_month} at the {f.interval_days}-day follow-up "
            f"(recorded {f.recorded_at.astimezone(zone):%Y-%m-%d}): {change_text(before[1] if before else None, f)}."
            f"<br>Headache days: {f.headache_days} a month; {rescue}; {effects}.")


# -- outcomes for the clinic report --------------------------------------------------------------------------

@dataclass(frozen=True)
class FollowUpOutcome:
    """One recorded follow-up with the attacks per month reported at its anchoring visit (before)."""

    patient_id: int
    mrn: str
    patient: str
    visit_id: int
    visit_day: date
    interval_days: int
    recorded_at: datetime
    status: FollowUpStatus
    attacks_before: int | None  # as reported at the anchoring visit's assessment
    attacks_after: int | None
    headache_days: int | None
    rescue_days: int | None
    side_effects: bool | None

    @property
    def attacks_change(self) -> int | None:
        if self.attacks_before is None or self.attacks_after is None:
            return None
        return self.attacks_after - self.attacks_before
