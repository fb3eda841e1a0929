"""Ms Rivera's course of infusions, from the frozen records of the standard visit (tests/reports/scenario.py)
moved in time: for the course summary's tests and benchmark, without a store."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from infusiondesk.records.models import (
    Assessment,
    InfusionEvent,
    InfusionEventKind,
    MigraineFeatures,
    Visit,
    VisitStatus,
)
from tests.reports import scenario


def moved(visit: Visit, delta: timedelta, visit_id: int) -> Visit:
    """The same visit `delta` later (every time in it), under another id."""
    def t(x: datetime | None) -> datetime | None:
        return None if x is None else x + delta

    a = visit.assessment
    vitals = tuple(dataclasses.replace(v, taken_at=v.taken_at + delta) for v in visit.vitals)
    baseline = dataclasses.replace(a.vitals, taken_at=a.vitals.taken_at + delta) if a.vitals else None
    return dataclasses.replace(
        visit, id=visit_id, created_at=t(visit.created_at), started_at=t(visit.started_at),
        assessment=dataclasses.replace(a, vitals=baseline, assessed_at=t(a.assessed_at)),
        events=tuple(dataclasses.replace(e, at=e.at + delta) for e in visit.events), vitals=vitals,
        side_effects=tuple(dataclasses.replace(e, onset_at=e.onset_at + delta) for e in visit.side_effects),
        signatures=tuple(dataclasses.replace(s, signed_at=s.signed_at + delta) for s in visit.signatures))


def with_attacks(visit: Visit, attacks: int | None, pain: tuple[int | None, int | None]) -> Visit:
    migraine = dataclasses.replace(visit.assessment.migraine, attacks_per_month=attacks)
    return dataclasses.replace(visit, assessment=dataclasses.replace(visit.assessment, migraine=migraine,
                                                                     pain_score=pain[0]),
                               post_pain_score=pain[1])


def stopped_at_half(visit: Visit) -> Visit:
    """Stopped after 25 mL of the 50 mL bag: 1 g of the 2 g order ran."""
    start = visit.events[0]
    stop = InfusionEvent(InfusionEventKind.STOP, start.at + timedelta(minutes=15), volume_infused_ml=25,
                         reason="Patient asked to stop: nausea", by=start.by)
    return dataclasses.replace(visit, events=(start, stop))


def not_given(visit: Visit) -> Visit:
    """Declined at the chair: assessed, never ordered or started."""
    return dataclasses.replace(visit, status=VisitStatus.DRAFT, started_at=None, dose_order=None, events=(),
                               vitals=(), side_effects=(), post_pain_score=None, signatures=(),
                               assessment=Assessment(vitals=visit.assessment.vitals, pain_score=6,
                                                     migraine=MigraineFeatures(attacks_per_month=5)))


def course(n: int = 6, every: timedelta = timedelta(days=14)) -> list[Visit]:
    """`n` signed 2 g infusions `every` two weeks from 4 March 2025 (visit ids 101…), attacks per month falling
    from 8 to 2 and pain relief at each."""
    base = scenario.standard_visit()
    out = []
    for i in range(n):
        attacks = max(2, 8 - i)
        out.append(with_attacks(moved(base, every * i, 101 + i), attacks, (7 - i % 3, 2 - i % 2)))
    return out
