"""Infusion time for billing: the running minutes (pauses removed) the chart's infusion clock counts, and the
billed sequence of hours the CPT time rule gives for them (billing_codes.toml [infusion_time])."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from infusiondesk.billing.codes import HourRule
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Visit
from infusiondesk.workflow.clock import infusion_clock
from infusiondesk.workflow.infusion import STOPPED, infusion_state


@dataclass(frozen=True)
class InfusionMinutes:
    """When the infusion started and stopped, and how long it ran and was paused (whole minutes)."""

    started_at: datetime
    stopped_at: datetime
    running_minutes: int  # pauses removed; a part minute is not counted (bill only documented time)
    paused_minutes: int


@dataclass(frozen=True)
class HourUnit:
    """One billed step of the sequence: "initial hour" (96365 x1) or "each additional hour" (96366 x n)."""

    code: str
    units: int
    label: str


def infusion_minutes(visit: Visit) -> InfusionMinutes:
    """The billable time of a stopped infusion, from the same clock the chair-side screen shows (pauses are
    not infusion time). One sentence when the infusion has not stopped."""
    state = infusion_state(visit)
    if state.phase != STOPPED or state.started_at is None or state.stopped_at is None:
        raise DomainError(f"Visit {visit.id}'s infusion has not been stopped, so its infusion time is not known "
                          "yet; stop the infusion first.")
    clock = infusion_clock(visit, state.stopped_at)
    # floor: a charted minute counts once it is whole (times are charted to the minute, so this is exact there)
    return InfusionMinutes(state.started_at, state.stopped_at, math.floor(clock.elapsed_running_min + 1e-9),
                           math.floor(clock.paused_min + 1e-9))


def hour_sequence(running_minutes: int, rule: HourRule) -> tuple[HourUnit, ...]:
    """The billed sequence for `running_minutes`: a push up to `push_max`; else the initial hour, plus one
    additional hour for each further hour of which MORE than `more_than` minutes ran (CPT: "greater than 30
    minutes beyond 1 hour increments": 90 min is the initial hour only, 91 min adds one additional hour)."""
    if running_minutes <= 0:
        return ()
    if running_minutes <= rule.push_max:
        return (HourUnit(rule.push_code, 1, "IV push (15 minutes or less)"),)
    out = [HourUnit(rule.initial_code, 1, "Initial hour")]
    beyond = running_minutes - rule.initial_hour
    extra = 0
    while beyond > rule.more_than:
        extra += 1
        beyond -= rule.additional_hour
    if extra:
        out.append(HourUnit(rule.additional_code, extra, "Each additional hour"))
    return tuple(out)
