"""An absolute contraindication (renal failure/dialysis, an absent patellar reflex) refuses "suitable" whatever
the clinician writes; an ordinary contraindication still passes with a written reason."""

from __future__ import annotations

import dataclasses

import pytest

from infusiondesk import workflow as wf
from infusiondesk.drugs import Drug
from infusiondesk.records.models import Assessment, Patient, RenalStatus, Visit, VisitStatus, VitalSigns

from .conftest import CLINICIAN, NURSE, T0, minutes


def _assessed(patient: Patient, drug: Drug, **answers: object) -> Visit:
    draft = Visit(id=12, patient_id=patient.id, created_at=T0)
    return wf.record_assessment(draft, Assessment(answers=dict(answers)), patient, drug, NURSE, T0)


@pytest.mark.parametrize("reason", ["", "   ", "Nephrology agrees; dialysed this morning.", "x" * 2000])
def test_renal_failure_cannot_be_judged_suitable_whatever_the_reason(patient: Patient, drug: Drug,
                                                                     reason: str) -> None:
    visit = _assessed(dataclasses.replace(patient, renal_status=RenalStatus.FAILURE_OR_DIALYSIS), drug)
    with pytest.raises(wf.WorkflowError, match=r"cannot be judged suitable: Renal failure.*cannot be overridden"):
        wf.decide_suitability(visit, True, reason, CLINICIAN, minutes(1))


def test_an_absent_patellar_reflex_charted_at_baseline_cannot_be_overridden(patient: Patient, drug: Drug) -> None:
    draft = Visit(id=13, patient_id=patient.id, created_at=T0)
    vitals = VitalSigns(T0, resp_rate=16, patellar_reflex="absent", phase="baseline")
    visit = wf.record_assessment(draft, Assessment(vitals=vitals), patient, drug, NURSE, T0)
    with pytest.raises(wf.WorkflowError, match="Patellar reflex absent"):
        wf.decide_suitability(visit, True, "Reflexes hard to elicit in this patient.", CLINICIAN, minutes(1))


def test_not_suitable_is_still_recorded_for_an_absolute_contraindication(patient: Patient, drug: Drug) -> None:
    visit = _assessed(patient, drug, patellar_reflex="absent")
    decided = wf.decide_suitability(visit, False, "Absent reflex; sent to ED.", CLINICIAN, minutes(1))
    assert decided.status is VisitStatus.DRAFT
    assert decided.assessment.suitability is not None and not decided.assessment.suitability.suitable


def test_an_ordinary_contraindication_still_passes_with_a_written_reason(patient: Patient, drug: Drug) -> None:
    visit = _assessed(dataclasses.replace(patient, renal_status=RenalStatus.SEVERE), drug)
    with pytest.raises(wf.WorkflowError, match="write the reason"):
        wf.decide_suitability(visit, True, "", CLINICIAN, minutes(1))
    decided = wf.decide_suitability(visit, True, "eGFR 28, stable; half dose agreed.", CLINICIAN, minutes(1))
    assert decided.status is VisitStatus.ASSESSED
