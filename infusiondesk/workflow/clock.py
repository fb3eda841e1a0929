"""The infusion clock (running time without pauses, planned end, volume so far) and the dose given."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from infusiondesk.records.models import InfusionEventKind, Visit
from infusiondesk.workflow.guards import require_aware
from infusiondesk.workflow.infusion import (
    NOT_STARTED,
    PAUSED,
    RUNNING,
    STOPPED,
    infusion_state,
    planned_volume_ml,
)

_REL_TOL = 1e-9


@dataclass(frozen=True)
class InfusionClock:
    """What the chair-side screen shows. Volumes are estimates from the rate between pump readings."""

    phase: str  # not_started | running | paused | stopped
    started_at: datetime | None
    elapsed_running_min: float  # pauses excluded
    paused_min: float
    rate_ml_h: float | None
    volume_ml: float  # estimated volume infused so far (the pump reading once stopped)
    planned_volume_ml: float
    remaining_ml: float
    planned_end: datetime | None  # running: now + remaining at the current rate; paused or not started: None
    stopped_at: datetime | None = None


def infusion_clock(visit: Visit, now: datetime) -> InfusionClock:
    require_aware(now)
    planned = planned_volume_ml(visit.dose_order) if visit.dose_order is not None else 0.0
    state = infusion_state(visit)
    if state.phase == NOT_STARTED:
        return InfusionClock(NOT_STARTED, None, 0.0, 0.0, None, 0.0, planned, planned, None)
    running_s = paused_s = 0.0
    volume = 0.0
    rate: float | None = None
    phase = NOT_STARTED
    prev: datetime | None = None
    for e in visit.events:
        if prev is not None:
            seconds = max(0.0, (e.at - prev).total_seconds())
            if phase == RUNNING:
                running_s += seconds
                volume += (rate or 0.0) * seconds / 3600
            elif phase == PAUSED:
                paused_s += seconds
        if e.volume_infused_ml is not None:
            volume = e.volume_infused_ml  # a pump reading replaces the estimate
        volume = min(volume, planned)
        if e.rate_ml_h is not None:
            rate = e.rate_ml_h
        phase = {InfusionEventKind.START: RUNNING, InfusionEventKind.RESUME: RUNNING,
                 InfusionEventKind.PAUSE: PAUSED, InfusionEventKind.STOP: STOPPED}.get(e.kind, phase)
        prev = e.at
    if prev is not None and now > prev:
        seconds = (now - prev).total_seconds()
        if phase == RUNNING:
            running_s += seconds
            volume = min(planned, volume + (rate or 0.0) * seconds / 3600)
        elif phase == PAUSED:
            paused_s += seconds
    remaining = max(0.0, planned - volume)
    end: datetime | None = None
    if phase == RUNNING and rate:
        try:
            end = max(now, prev or now) + timedelta(hours=remaining / rate)
        except OverflowError:  # a rate so slow the end is beyond the calendar
            end = None
    elif phase == STOPPED:
        end = state.stopped_at
    return InfusionClock(phase, state.started_at, running_s / 60, paused_s / 60, rate, volume, planned, remaining,
                         end, state.stopped_at)


def dose_given_g(visit: Visit) -> float:
    """Grams of magnesium sulfate given in this visit.

    Not started: 0. Stopped: the full order when the whole volume ran, else volume infused x concentration (an
    over-infusion counts what ran). Still running or paused: the full order, or what already ran when that is
    more, so a running dose is never left out of a 24 h total.
    """
    order = visit.dose_order
    state = infusion_state(visit)
    if order is None or state.phase == NOT_STARTED:
        return 0.0
    full_g = order.computed_dose.dose_mg / 1000
    read_g = state.volume_read_ml * order.computed_dose.concentration_mg_per_ml / 1000
    if state.phase != STOPPED:
        return max(full_g, read_g)
    planned = planned_volume_ml(order)
    if abs(state.volume_read_ml - planned) <= planned * _REL_TOL:
        return full_g
    return read_g


def magnesium_given_g(visits: Iterable[Visit], since: datetime, until: datetime | None = None) -> float:
    """Grams given in every infusion whose running time overlaps the window from `since` to `until` (for the
    per-24 h limit), however long ago it started.

    An infusion that overlaps the window counts whole, the cautious reading. The caller leaves out the
    visit being ordered.
    """
    require_aware(since, "The start of the window")
    total = 0.0
    for v in visits:
        state = infusion_state(v)
        if state.phase == NOT_STARTED:
            continue
        if state.phase == STOPPED and state.stopped_at is not None and state.stopped_at < since:
            continue
        if until is not None and state.started_at is not None and state.started_at > until:
            continue
        total += dose_given_g(v)
    return total
