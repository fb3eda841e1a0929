"""Infusion events: start, pause, resume, rate change, stop, each timed and checked against what came before.

The state of the pump is never stored separately: it is replayed from the events, so the record and the
state cannot disagree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from infusiondesk.display import format_volume, format_volume_rate
from infusiondesk.records.location import MobileCover
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
    return order.computed_dose.volume_ml


def ordered_rate_ml_h(order: DoseOrderRecord) -> float:
    """The ordered rate as the pump is programmed and the screen shows it (to 0.1 mL/h): every comparison a
    nurse can see uses this number, never the unrounded one ("66.7 mL/h" is not faster than 66.7 mL/h)."""
    computed = order.computed_dose
    if computed.rate_ml_per_h_pump is not None:
        return computed.rate_ml_per_h_pump
    exact = Decimal(repr(computed.rate_ml_per_h))
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def open_alerts(visit: Visit) -> tuple[str, ...]:
    """The messages of alerts not yet acknowledged."""
    return tuple(a.message for a in visit.alerts if a.acknowledged_at is None)


def _refuse_with_open_alerts(visit: Visit, action: str) -> None:
    pending = open_alerts(visit)
    if pending:
        raise WorkflowError(f"Cannot {action}: an alert is not acknowledged ({' '.join(pending)}). Record what was "
                            "done (paused, stopped, calcium gluconate given, clinician informed) first.")


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


def max_plausible_ml(visit: Visit, state: InfusionState, now: datetime) -> float:
    """The most the pump could have delivered by `now` at the rates it was set to (pauses excluded)."""
    total, rate, running, prev = 0.0, 0.0, False, None
    for e in visit.events:
        if running and prev is not None:
            total += rate * max(0.0, (e.at - prev).total_seconds()) / 3600
        if e.rate_ml_h is not None:
            rate = e.rate_ml_h
        running = e.kind in (InfusionEventKind.START, InfusionEventKind.RESUME) or (
            running and e.kind is InfusionEventKind.RATE_CHANGE)
        prev = e.at
    if running and prev is not None:
        total += rate * max(0.0, (now - prev).total_seconds()) / 3600
    return total


def _check_volume(visit: Visit, state: InfusionState, order: DoseOrderRecord, volume_ml: float, reason: str,
                  now: datetime, confirmed: bool) -> float:
    """A pump reading is charted as read: it never goes down; more than ordered (a free flow) is charted with a
    reason, never refused, so the record does not understate the dose; a volume the pump could not have given
    at its rate in the time asks the nurse to confirm the reading."""
    planned = planned_volume_ml(order)
    if volume_ml != volume_ml or volume_ml < 0 or volume_ml == float("inf"):  # NaN, negative or infinite
        raise WorkflowError("The volume infused must be a number of mL, 0 or more; read it from the pump.")
    if volume_ml < state.volume_read_ml * (1 - _REL_TOL):
        raise WorkflowError(f"Volume infused {format_volume(Q(volume_ml, 'mL'))} is less than the earlier pump "
                            f"reading of {format_volume(Q(state.volume_read_ml, 'mL'))}; the volume never goes "
                            "down: re-read the pump.")
    if volume_ml > planned * (1 + _REL_TOL) and not reason.strip():
        raise WorkflowError(f"Volume infused {format_volume(Q(volume_ml, 'mL'))} is more than the ordered volume "
                            f"of {format_volume(Q(planned, 'mL'))}: an over-infusion. Chart it as read and write "
                            "what happened (it counts in the dose given and is flagged on the note).")
    possible = max_plausible_ml(visit, state, now)
    if volume_ml > possible * 1.10 + 1.0 and not confirmed:
        raise WorkflowError(f"Volume infused {format_volume(Q(volume_ml, 'mL'))} is more than the pump could give "
                            f"at its rate in the time it ran (about {format_volume(Q(possible, 'mL'))}); re-read "
                            "the pump and confirm the reading if it is right.")
    return float(volume_ml)


def over_infused_ml(visit: Visit) -> float:
    """How much more than the order was infused (0 when none): flagged on the note and in the dose given."""
    if visit.dose_order is None:
        return 0.0
    return max(0.0, infusion_state(visit).volume_read_ml - planned_volume_ml(visit.dose_order))


def start_infusion(visit: Visit, patient: Patient, previous_weight_kg: float | None, user: User,
                   now: datetime, *, today: date | None = None, double_check_required: bool = True,
                   mobile_cover: MobileCover = MobileCover.EITHER, problems: tuple[str, ...] = ()) -> Visit:
    """Start at the ordered pump rate, if the visit is ready. `today` is the clinic's local date (for the lot's
    expiry); `problems` are what the visit service found re-checking the order and screening at this moment."""
    require_status(visit, (VisitStatus.ASSESSED,), "start the infusion")
    by = require_charting(user, "start the infusion")
    require_aware(now)
    order = _order(visit)
    found = [*readiness_problems(visit, patient, previous_weight_kg, today or now.date(),
                                 double_check_required=double_check_required, mobile_cover=mobile_cover),
             *problems]
    if found:
        raise WorkflowError("The infusion cannot start yet: " + " ".join(found))
    event = InfusionEvent(InfusionEventKind.START, now, rate_ml_h=ordered_rate_ml_h(order), volume_infused_ml=0.0,
                          by=by)
    return dataclasses.replace(visit, events=(*visit.events, event), started_at=now, status=VisitStatus.INFUSING)


def _running_step(visit: Visit, user: User, now: datetime, action: str) -> tuple[int, InfusionState, DoseOrderRecord]:
    require_status(visit, (VisitStatus.INFUSING,), action)
    by = require_charting(user, action)
    state = infusion_state(visit)
    _check_time(state, now)
    return by, state, _order(visit)


def pause(visit: Visit, volume_infused_ml: float, reason: str, user: User, now: datetime,
          confirmed: bool = False) -> Visit:
    by, state, order = _running_step(visit, user, now, "pause the infusion")
    if state.phase != RUNNING:
        raise WorkflowError(f"The infusion is {state.phase.replace('_', ' ')}, not running; it cannot be paused.")
    why = require_text(reason, "The reason for the pause")
    volume = _check_volume(visit, state, order, volume_infused_ml, why, now, confirmed)
    event = InfusionEvent(InfusionEventKind.PAUSE, now, volume_infused_ml=volume, reason=why, by=by,
                          confirmed=confirmed)
    return dataclasses.replace(visit, events=(*visit.events, event))


def resume(visit: Visit, user: User, now: datetime) -> Visit:
    """Resume a paused infusion at the rate it had before the pause."""
    by, state, _ = _running_step(visit, user, now, "resume the infusion")
    if state.phase != PAUSED:
        raise WorkflowError(f"The infusion is {state.phase.replace('_', ' ')}, not paused; there is nothing to resume.")
    _refuse_with_open_alerts(visit, "resume the infusion")
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
    if state.rate_ml_h is not None and rate_ml_h > state.rate_ml_h * (1 + _REL_TOL):
        _refuse_with_open_alerts(visit, "speed up the infusion")
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


def stop(visit: Visit, volume_infused_ml: float, reason: str, user: User, now: datetime,
         confirmed: bool = False) -> Visit:
    """End the infusion with the pump's volume infused. Less than the ordered volume is a partial dose, and more
    is an over-infusion: either needs the reason."""
    by, state, order = _running_step(visit, user, now, "stop the infusion")
    if state.phase == STOPPED:
        raise WorkflowError("The infusion has already been stopped.")
    if state.phase == NOT_STARTED:
        raise WorkflowError("The infusion has not started; there is nothing to stop.")
    why = reason.strip()
    volume = _check_volume(visit, state, order, volume_infused_ml, why, now, confirmed)
    planned = planned_volume_ml(order)
    if volume < planned * (1 - _REL_TOL) and not why:
        raise WorkflowError(f"Only {format_volume(Q(volume, 'mL'))} of {format_volume(Q(planned, 'mL'))} was "
                            "infused; write why the infusion stopped early.")
    event = InfusionEvent(InfusionEventKind.STOP, now, volume_infused_ml=volume, reason=why, by=by,
                          confirmed=confirmed)
    return dataclasses.replace(visit, events=(*visit.events, event))
