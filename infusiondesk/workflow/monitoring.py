"""Watching for magnesium toxicity during the infusion: charted values at the label's signs, and severe side
effects, raise alerts (the thresholds are the drug library's cited data). An open alert blocks resuming and
speeding up until someone records what was done."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from infusiondesk.drugs.library import Drug
from infusiondesk.records.models import Alert, AlertAction, SideEffect, User, Visit, VisitStatus, VitalSigns
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.guards import require_aware, require_charting, require_status
from infusiondesk.workflow.infusion import PAUSED, STOPPED, infusion_state
from infusiondesk.workflow.side_effects import side_effect_catalogue


def toxicity_alerts(drug: Drug, vitals: VitalSigns) -> tuple[Alert, ...]:
    """One alert per toxicity sign these vital signs show."""
    found = []
    for sign in drug.monitoring.toxicity_signs:
        value = getattr(vitals, sign.vital, None)
        if value is None:
            continue
        if sign.is_ is not None:
            hit = str(value).strip().lower() == sign.is_
        else:
            hit = (sign.below is not None and value < sign.below) or (sign.above is not None and value > sign.above)
        if hit:
            found.append(Alert(sign.code, sign.message, vitals.taken_at, ", ".join(sign.sources)))
    return tuple(found)


def side_effect_alert(drug: Drug, effect: SideEffect) -> Alert | None:
    """A side effect of the library's alert grade or worse (CTCAE severe) raises an alert."""
    threshold = drug.monitoring.side_effect_alert_grade
    if effect.grade < threshold:
        return None
    name = side_effect_catalogue().type(effect.type_code).name
    return Alert(f"side_effect.grade{effect.grade}", f"{name}, grade {effect.grade}: a severe side effect during "
                 "magnesium sulfate; stop or pause the infusion and inform the clinician.", effect.onset_at,
                 drug.monitoring.side_effect_alert_source)


def raise_alerts(visit: Visit, alerts: tuple[Alert, ...]) -> Visit:
    """Add alerts to an infusing visit (an alert already open with the same code is not repeated)."""
    if visit.status is not VisitStatus.INFUSING or not alerts:
        return visit
    open_codes = {a.code for a in visit.alerts if a.acknowledged_at is None}
    new = tuple(a for a in alerts if a.code not in open_codes)
    return dataclasses.replace(visit, alerts=(*visit.alerts, *new)) if new else visit


def acknowledge(visit: Visit, action: AlertAction | str, note: str, user: User, now: datetime) -> Visit:
    """Record what was done about every open alert. "paused" and "stopped" must be true of the pump record."""
    require_status(visit, (VisitStatus.INFUSING, VisitStatus.COMPLETED), "acknowledge an alert")
    by = require_charting(user, "acknowledge an alert")
    require_aware(now)
    try:
        done = AlertAction(action)
    except ValueError:
        choices = ", ".join(a.value for a in AlertAction)
        raise WorkflowError(f'"{action}" is not an action for an alert; choose one of: {choices}.') from None
    if not any(a.acknowledged_at is None for a in visit.alerts):
        raise WorkflowError("There is no open alert to acknowledge.")
    phase = infusion_state(visit).phase
    if done is AlertAction.PAUSED and phase not in (PAUSED, STOPPED):
        raise WorkflowError("The infusion is still running: chart the pause (with the pump volume) first.")
    if done is AlertAction.STOPPED and phase != STOPPED:
        raise WorkflowError("The infusion is not stopped: chart the stop (with the pump volume) first.")
    alerts = tuple(dataclasses.replace(a, acknowledged_by=by, acknowledged_at=now, action=done, note=note.strip())
                   if a.acknowledged_at is None else a for a in visit.alerts)
    return dataclasses.replace(visit, alerts=alerts)
