"""Charting during and after the infusion: vital signs, side effects, and completing the visit."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from infusiondesk.drugs.vocabulary import PATELLAR_REFLEX_VALUES
from infusiondesk.records.models import (
    SideEffect,
    SideEffectAction,
    SideEffectOutcome,
    User,
    Visit,
    VisitStatus,
    VitalSigns,
    VitalsPhase,
)
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.guards import require_aware, require_charting, require_status
from infusiondesk.workflow.infusion import STOPPED, infusion_state
from infusiondesk.workflow.side_effects import side_effect_catalogue

_PHASES = frozenset(VitalsPhase)
_CHARTING = (VisitStatus.DRAFT, VisitStatus.ASSESSED, VisitStatus.INFUSING, VisitStatus.COMPLETED)


def check_vitals(v: VitalSigns) -> None:
    """Refuse values that cannot be right (typing slips), not clinical judgements."""
    require_aware(v.taken_at, "The time the vital signs were taken")
    if v.phase not in _PHASES:  # a caller that built the record by hand with a typo
        raise WorkflowError(f'Vital signs phase "{v.phase}" must be baseline, during or after.')
    if v.pain_score is not None and not 0 <= v.pain_score <= 10:
        raise WorkflowError(f"Pain score {v.pain_score} is outside 0-10; enter 0 (no pain) to 10.")
    if v.spo2 is not None and not 0 <= v.spo2 <= 100:
        raise WorkflowError(f"SpO2 {v.spo2} % is not a percentage; enter 0 to 100.")
    if v.patellar_reflex is not None and v.patellar_reflex not in PATELLAR_REFLEX_VALUES:
        raise WorkflowError(f'Patellar reflex "{v.patellar_reflex}" must be present, diminished or absent.')
    for name, value in (("Systolic pressure", v.systolic), ("Diastolic pressure", v.diastolic),
                        ("Heart rate", v.heart_rate), ("Respiratory rate", v.resp_rate)):
        if value is not None and value < 0:
            raise WorkflowError(f"{name} {value} cannot be negative; re-enter it.")
    if v.systolic is not None and v.diastolic is not None and v.diastolic > v.systolic:
        raise WorkflowError(f"Blood pressure {v.systolic}/{v.diastolic}: the diastolic is above the systolic; "
                            "check the order of the numbers.")


def record_vitals(visit: Visit, vitals: VitalSigns, user: User) -> Visit:
    """Add a set of vital signs to the series (kept in time order), charted by this user."""
    require_status(visit, _CHARTING, "record vital signs")
    by = require_charting(user, "record vital signs")
    check_vitals(vitals)
    charted = dataclasses.replace(vitals, recorded_by=by)
    series = tuple(sorted((*visit.vitals, charted), key=lambda v: v.taken_at))
    return dataclasses.replace(visit, vitals=series)


def log_side_effect(visit: Visit, effect: SideEffect, user: User) -> Visit:
    """Record a side effect of the infusion: a catalogue type, a grade that type allows, after the start."""
    require_status(visit, (VisitStatus.INFUSING, VisitStatus.COMPLETED), "log a side effect")
    by = require_charting(user, "log a side effect")
    require_aware(effect.onset_at, "The onset time")
    _check_effect(effect)
    if visit.started_at is not None and effect.onset_at < visit.started_at:
        raise WorkflowError(f"The onset {effect.onset_at:%H:%M} is before the infusion started "
                            f"({visit.started_at:%H:%M}); record it in the assessment instead.")
    logged = dataclasses.replace(effect, recorded_by=by)
    return dataclasses.replace(visit, side_effects=(*visit.side_effects, logged))


def _check_effect(effect: SideEffect) -> None:
    """What a side effect must say however often it is charted: a grade its type has, grade 5 and a fatal outcome
    together, and a description for the types that need one."""
    kind = side_effect_catalogue().type(effect.type_code)
    if effect.grade not in kind.grades:
        allowed = ", ".join(str(g) for g in kind.grades)
        raise WorkflowError(f"{kind.name} is graded {allowed}; grade {effect.grade} is not one of them.")
    if (effect.grade == 5) != (effect.outcome is SideEffectOutcome.FATAL):
        raise WorkflowError("Grade 5 means death related to the event, and a fatal outcome is grade 5; "
                            "make the grade and the outcome agree.")
    if kind.needs_description and not effect.notes.strip():
        raise WorkflowError(f"{kind.name}: describe the side effect in the notes.")


def update_side_effect(visit: Visit, index: int, outcome: SideEffectOutcome, action: SideEffectAction,
                       notes: str, user: User) -> Visit:
    """Chart how a logged side effect went on (it is logged "ongoing" while the nurse still watches it): its
    outcome, the action taken and the notes. Its type, grade and onset stay as logged; a signed visit takes an
    addendum instead."""
    require_status(visit, (VisitStatus.INFUSING, VisitStatus.COMPLETED), "update a side effect")
    require_charting(user, "update a side effect")
    if not 0 <= index < len(visit.side_effects):
        raise WorkflowError("That side effect is not on this visit; choose one from the logged list.")
    was = visit.side_effects[index]
    now = dataclasses.replace(was, outcome=SideEffectOutcome(outcome), action=SideEffectAction(action),
                              notes=notes.strip())
    if now == was:
        raise WorkflowError("Nothing to update: the outcome, action and notes are as logged.")
    _check_effect(now)
    return dataclasses.replace(visit, side_effects=(*visit.side_effects[:index], now, *visit.side_effects[index + 1:]))


def complete(visit: Visit, post_pain_score: int | None, discharge_notes: str, user: User, now: datetime,
             observation_min: float = 0.0) -> Visit:
    """Close the infusion part of the visit once the infusion is stopped, the patient has been observed for the
    library's observation period with vital signs charted after the stop, and every alert is acknowledged."""
    require_status(visit, (VisitStatus.INFUSING,), "complete the visit")
    require_charting(user, "complete the visit")
    require_aware(now)
    state = infusion_state(visit)
    if state.phase != STOPPED:
        raise WorkflowError("Stop the infusion (record the volume infused) before completing the visit.")
    if state.stopped_at is not None and now < state.stopped_at:
        raise WorkflowError("The completion time is before the infusion stopped; enter the right time.")
    pending = [a.message for a in visit.alerts if a.acknowledged_at is None]
    if pending:
        raise WorkflowError(f"Acknowledge the open alert first, with what was done: {' '.join(pending)}")
    stopped = state.stopped_at
    if stopped is not None and not any(v.taken_at >= stopped for v in visit.vitals):
        raise WorkflowError("Chart the vital signs after the infusion (observation) before completing the visit.")
    if stopped is not None and observation_min > 0 and (now - stopped).total_seconds() < observation_min * 60:
        left = (stopped.timestamp() + observation_min * 60 - now.timestamp()) / 60
        raise WorkflowError(f"The patient is observed for {observation_min:g} min after the infusion; the visit can "
                            f"be completed in {left:.0f} min.")
    if post_pain_score is not None and not 0 <= post_pain_score <= 10:
        raise WorkflowError(f"Pain score {post_pain_score} is outside 0-10; enter 0 (no pain) to 10.")
    return dataclasses.replace(visit, status=VisitStatus.COMPLETED, post_pain_score=post_pain_score,
                               discharge_notes=discharge_notes.strip())
