"""Infusion events: start, pause, resume, rate change, stop, each timed and checked against what came before.

The state of the pump is never stored separately: it is replayed from the events, so the record and the
state cannot disagree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from infusiondesk.display import format_volume, format_volume_rate
from infusiondesk.records.models import (
    DoseOrderRecord,
    InfusionEvent,
    InfusionEventKind,
    Patient,
    User,
    Visit,
    VisitStatus,
)
from infusiondesk.units import Q
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.guards import require_aware, require_charting, require_status, require_text
from infusiondesk.workflow.readiness import readiness_problems

_REL_TOL = 1e-9
_SMALLEST_RATE_ML_H = 0.1  # rates are programmed and displayed to 0.1 mL/h (infusiondesk.display)

NOT_STARTED, RUNNING, PAUSED, STOPPED = "not_started", "running", "paused", "stopped"


@dataclass(frozen=True)
class InfusionState:
    """Where the infusion is, replayed from the events."""

    phase: str  # not_started | running | paused | stopped
    rate_ml_h: float | None  # the rate set on the pump (kept while paused)
    last_at: datetime | None
    volume_read_ml: float  # the latest pump reading
    started_at: datetime | None = None
    stopped_at: datetime | None = None


def planned_volume_ml(order: DoseOrderRecord) -> float:
    return float(order.computed["volume_ml"])


def ordered_rate_ml_h(order: DoseOrderRecord) -> float:
    return float(order.computed["rate_ml_per_h"])


def infusion_state(visit: Visit) -> InfusionState:
    state = InfusionState(NOT_STARTED, None, None, 0.0)
    for e in visit.events:
        volume = e.volume_infused_ml if e.volume_infused_ml is not None else state.volume_read_ml
        if e.kind is InfusionEventKind.START:
            state = InfusionState(RUNNING, e.rate_ml_h, e.at, volume, started_at=e.at)
        elif e.kind is InfusionEventKind.PAUSE:
            state = dataclasses.replace(state, phase=PAUSED, last_at=e.at, volume_read_ml=volume)
        elif e.kind is InfusionEventKind.RESUME:
            state = dataclasses.replace(state, phase=RUNNING, last_at=e.at, volume_read_ml=volume,
                                        rate_ml_h=e.rate_ml_h if e.rate_ml_h is not None else state.rate_ml_h)
        elif e.kind is InfusionEventKind.RATE_CHANGE:
            state = dataclasses.replace(state, last_at=e.at, rate_ml_h=e.rate_ml_h, volume_read_ml=volume)
        elif e.kind is InfusionEventKind.STOP:
            state = dataclasses.replace(state, phase=STOPPED, last_at=e.at, volume_read_ml=volume, stopped_at=e.at)
    return state


def _order(visit: Visit) -> DoseOrderRecord:
    if visit.dose_order is None:
        raise WorkflowError("There is no dose order; a clinician must order the dose before the infusion.")
    return visit.dose_order


def _check_time(state: InfusionState, now: datetime) -> None:
    require_aware(now)
    if state.last_at is not None and now < state.last_at:
        raise WorkflowError(f"This event's time {now:%H:%M} is before the previous infusion event "
                            f"({state.last_at:%H:%M}); enter the time it happened, in order.")


def _check_volume(state: InfusionState, order: DoseOrderRecord, volume_ml: float) -> float:
    planned = planned_volume_ml(order)
    if volume_ml != volume_ml or volume_ml < 0:  # NaN or negative
        raise WorkflowError("The volume infused must be a number of mL, 0 or more; read it from the pump.")
    if volume_ml < state.volume_read_ml * (1 - _REL_TOL):
        raise WorkflowError(f"Volume infused {format_volume(Q(volume_ml, 'mL'))} is less than the earlier pump "
                            f"reading of {format_volume(Q(state.volume_read_ml, 'mL'))}; the volume never goes "
                            "down: re-read the pump.")
    if volume_ml > planned * (1 + _REL_TOL):
        raise WorkflowError(f"Volume infused {format_volume(Q(volume_ml, 'mL'))} is more than the ordered volume "
                            f"of {format_volume(Q(planned, 'mL'))}; re-read the pump.")
    return float(volume_ml)


def start_infusion(visit: Visit, patient: Patient, previous_weight_kg: float | None, user: User,
                   now: datetime) -> Visit:
    """Start at the ordered rate, if the visit is ready (readiness_problems is empty)."""
    require_status(visit, (VisitStatus.ASSESSED,), "start the infusion")
    by = require_charting(user, "start the infusion")
    require_aware(now)
    order = _order(visit)
    problems = readiness_problems(visit, patient, previous_weight_kg, now.date())
    if problems:
        raise WorkflowError("The infusion cannot start yet: " + " ".join(problems))
    event = InfusionEvent(InfusionEventKind.START, now, rate_ml_h=ordered_rate_ml_h(order), volume_infused_ml=0.0,
                          by=by)
    return dataclasses.replace(visit, events=(*visit.events, event), started_at=now, status=VisitStatus.INFUSING)


def _running_step(visit: Visit, user: User, now: datetime, action: str) -> tuple[int, InfusionState, DoseOrderRecord]:
    require_status(visit, (VisitStatus.INFUSING,), action)
    by = require_charting(user, action)
    state = infusion_state(visit)
    _check_time(state, now)
    return by, state, _order(visit)


def pause(visit: Visit, volume_infused_ml: float, reason: str, user: User, now: datetime) -> Visit:
    by, state, order = _running_step(visit, user, now, "pause the infusion")
    if state.phase != RUNNING:
        raise WorkflowError(f"The infusion is {state.phase.replace('_', ' ')}, not running; it cannot be paused.")
    volume = _check_volume(state, order, volume_infused_ml)
    why = require_text(reason, "The reason for the pause")
    event = InfusionEvent(InfusionEventKind.PAUSE, now, volume_infused_ml=volume, reason=why, by=by)
    return dataclasses.replace(visit, events=(*visit.events, event))


def resume(visit: Visit, user: User, now: datetime) -> Visit:
    """Resume a paused infusion at the rate it had before the pause."""
    by, state, _ = _running_step(visit, user, now, "resume the infusion")
    if state.phase != PAUSED:
        raise WorkflowError(f"The infusion is {state.phase.replace('_', ' ')}, not paused; there is nothing to resume.")
    event = InfusionEvent(InfusionEventKind.RESUME, now, rate_ml_h=state.rate_ml_h,
                          volume_infused_ml=state.volume_read_ml, by=by)
    return dataclasses.replace(visit, events=(*visit.events, event))


def change_rate(visit: Visit, rate_ml_h: float, reason: str, user: User, now: datetime) -> Visit:
    """Slow down (or return towards) the ordered rate. Faster than ordered is a new order: the library
    limits were checked on the ordered rate, so a clinician re-orders instead."""
    by, state, order = _running_step(visit, user, now, "change the rate")
    if state.phase != RUNNING:
        raise WorkflowError(f"The infusion is {state.phase.replace('_', ' ')}; the rate can only be changed while "
                            "it runs (resume it first).")
    if not rate_ml_h >= _SMALLEST_RATE_ML_H:
        raise WorkflowError("The new rate must be at least 0.1 mL/h (rates are set to 0.1 mL/h); to stop the flow, "
                            "pause or stop the infusion.")
    ordered = ordered_rate_ml_h(order)
    if rate_ml_h > ordered * (1 + _REL_TOL):
        raise WorkflowError(f"{format_volume_rate(Q(rate_ml_h, 'mL/h'))} is faster than the ordered "
                            f"{format_volume_rate(Q(ordered, 'mL/h'))}; a faster rate needs a new order from a "
                            "clinician.")
    if state.rate_ml_h is not None and abs(rate_ml_h - state.rate_ml_h) <= state.rate_ml_h * _REL_TOL:
        raise WorkflowError(f"The pump already runs at {format_volume_rate(Q(rate_ml_h, 'mL/h'))}.")
    why = require_text(reason, "The reason for the rate change")
    event = InfusionEvent(InfusionEventKind.RATE_CHANGE, now, rate_ml_h=float(rate_ml_h), reason=why, by=by)
    return dataclasses.replace(visit, events=(*visit.events, event))


def stop(visit: Visit, volume_infused_ml: float, reason: str, user: User, now: datetime) -> Visit:
    """End the infusion with the pump's volume infused. Less than the ordered volume is a partial dose,
    which needs the reason it stopped."""
    by, state, order = _running_step(visit, user, now, "stop the infusion")
    if state.phase == STOPPED:
        raise WorkflowError("The infusion has already been stopped.")
    if state.phase == NOT_STARTED:
        raise WorkflowError("The infusion has not started; there is nothing to stop.")
    volume = _check_volume(state, order, volume_infused_ml)
    planned = planned_volume_ml(order)
    why = reason.strip()
    if volume < planned * (1 - _REL_TOL) and not why:
        raise WorkflowError(f"Only {format_volume(Q(volume, 'mL'))} of {format_volume(Q(planned, 'mL'))} was "
                            "infused; write why the infusion stopped early.")
    event = InfusionEvent(InfusionEventKind.STOP, now, volume_infused_ml=volume, reason=why, by=by)
    return dataclasses.replace(visit, events=(*visit.events, event))
