"""The assessment and the clinician's suitability decision: screening informs, the clinician decides."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from infusiondesk.drugs.library import Drug
from infusiondesk.drugs.vocabulary import FACTS_FROM_VITALS
from infusiondesk.records.models import Assessment, Patient, Suitability, User, Visit, VisitStatus
from infusiondesk.workflow.charting import check_vitals
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.guards import require_aware, require_charting, require_clinician, require_status
from infusiondesk.workflow.screening import absolute_contraindications, contraindications, screen


def _answers_with_vitals(assessment: Assessment) -> dict[str, Any]:
    """The assessment's vital signs answer the screening questions they cover, unless answered directly."""
    answers: dict[str, Any] = {}
    if assessment.vitals is not None:
        for fact in FACTS_FROM_VITALS:
            value = getattr(assessment.vitals, fact)
            if value is not None:
                answers[fact] = value
    answers.update(assessment.answers)
    return answers


def record_assessment(visit: Visit, assessment: Assessment, patient: Patient, drug: Drug, user: User,
                      now: datetime) -> Visit:
    """Chart the assessment and run the screening on it. Re-assessing an assessed visit withdraws the
    suitability decision (it was made on the old findings), so the visit goes back to draft."""
    require_status(visit, (VisitStatus.DRAFT, VisitStatus.ASSESSED), "record the assessment")
    by = require_charting(user, "record the assessment")
    require_aware(now)
    if patient.id is not None and patient.id != visit.patient_id:
        raise WorkflowError("This assessment is for a different patient than the visit; open the right visit.")
    if assessment.pain_score is not None and not 0 <= assessment.pain_score <= 10:
        raise WorkflowError(f"Pain score {assessment.pain_score} is outside 0-10; enter 0 (no pain) to 10.")
    if assessment.vitals is not None:
        check_vitals(assessment.vitals)
    screening = screen(patient, _answers_with_vitals(assessment), drug)
    recorded = dataclasses.replace(assessment, screening=screening, suitability=None, assessed_by=by,
                                   assessed_at=now)
    return dataclasses.replace(visit, assessment=recorded, status=VisitStatus.DRAFT)


def decide_suitability(visit: Visit, suitable: bool, reason: str, user: User, now: datetime) -> Visit:
    """The clinician's decision. Suitable despite a contraindication needs a written reason; so does
    unsuitable. An absolute contraindication refuses "suitable" whatever the reason. A suitable patient's
    visit becomes ASSESSED and may be ordered and started."""
    require_status(visit, (VisitStatus.DRAFT, VisitStatus.ASSESSED), "decide suitability")
    by = require_clinician(user, "decide whether the patient is suitable")
    require_aware(now)
    if visit.assessment.assessed_at is None:
        raise WorkflowError("Record the assessment (with its screening) before deciding suitability.")
    written = reason.strip()
    absolute = absolute_contraindications(visit.assessment.screening)
    if suitable and absolute:
        names = "; ".join(s.message for s in absolute)
        raise WorkflowError(f"The patient cannot be judged suitable: {names} An absolute contraindication cannot "
                            "be overridden, whatever the reason; decide not suitable.")
    found = contraindications(visit.assessment.screening)
    if suitable and found and not written:
        names = "; ".join(s.message for s in found)
        raise WorkflowError(f"The screening found a contraindication ({names}); write the reason the patient is "
                            "suitable anyway, or decide not suitable.")
    if not suitable and not written:
        raise WorkflowError("Write the reason the patient is not suitable for the infusion.")
    decision = Suitability(suitable=suitable, decided_by=by, decided_at=now, reason=written)
    return dataclasses.replace(
        visit,
        assessment=dataclasses.replace(visit.assessment, suitability=decision),
        status=VisitStatus.ASSESSED if suitable else VisitStatus.DRAFT,
    )
