"""Assessment and suitability: screening informs, only a clinician decides, and a contraindication needs words."""

from __future__ import annotations

import dataclasses

import pytest

from infusiondesk import workflow as wf
from infusiondesk.drugs import Drug
from infusiondesk.records.models import Assessment, Patient, Visit, VisitStatus, VitalSigns

from .conftest import ADMIN, CLINICIAN, NURSE, T0, assessed, minutes


def _draft(patient: Patient) -> Visit:
    return Visit(id=11, patient_id=patient.id, created_at=T0)


def test_a_nurse_records_the_assessment_and_its_screening_is_kept(patient: Patient, drug: Drug) -> None:
    vitals = VitalSigns(T0, resp_rate=11, patellar_reflex="present", phase="baseline")
    visit = wf.record_assessment(_draft(patient), Assessment(vitals=vitals, pain_score=8), patient, drug, NURSE, T0)
    assert visit.status is VisitStatus.DRAFT
    assert visit.assessment.assessed_by == NURSE.id and visit.assessment.assessed_at == T0
    assert [s.code for s in visit.assessment.screening] == ["monitoring.respiratory_rate_low"]


def test_a_direct_answer_wins_over_the_assessment_vitals(patient: Patient, drug: Drug) -> None:
    vitals = VitalSigns(T0, resp_rate=11, phase="baseline")
    a = Assessment(vitals=vitals, answers={"resp_rate": 18})
    visit = wf.record_assessment(_draft(patient), a, patient, drug, NURSE, T0)
    assert visit.assessment.screening == ()


def test_an_admin_account_cannot_chart_an_assessment(patient: Patient, drug: Drug) -> None:
    with pytest.raises(wf.WorkflowError, match="Only a nurse or clinician"):
        wf.record_assessment(_draft(patient), Assessment(), patient, drug, ADMIN, T0)


def test_a_pain_score_above_10_is_refused(patient: Patient, drug: Drug) -> None:
    with pytest.raises(wf.WorkflowError, match="outside 0-10"):
        wf.record_assessment(_draft(patient), Assessment(pain_score=11), patient, drug, NURSE, T0)


def test_an_assessment_for_another_patient_is_refused(patient: Patient, drug: Drug) -> None:
    other = dataclasses.replace(patient, id=99)
    with pytest.raises(wf.WorkflowError, match="different patient"):
        wf.record_assessment(_draft(patient), Assessment(), other, drug, NURSE, T0)


def test_only_a_clinician_decides_suitability(patient: Patient, drug: Drug) -> None:
    visit = wf.record_assessment(_draft(patient), Assessment(), patient, drug, NURSE, T0)
    with pytest.raises(wf.WorkflowError, match="Only a clinician"):
        wf.decide_suitability(visit, True, "", NURSE, minutes(1))
    decided = wf.decide_suitability(visit, True, "", CLINICIAN, minutes(1))
    assert decided.status is VisitStatus.ASSESSED
    assert decided.assessment.suitability is not None
    assert decided.assessment.suitability.decided_by == CLINICIAN.id


def test_suitability_needs_an_assessment_first(patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="Record the assessment"):
        wf.decide_suitability(_draft(patient), True, "", CLINICIAN, T0)


def test_suitable_despite_a_contraindication_needs_the_clinicians_written_reason(patient: Patient,
                                                                                drug: Drug) -> None:
    heart_block = dataclasses.replace(patient, heart_block=True)
    visit = wf.record_assessment(_draft(patient), Assessment(), heart_block, drug, NURSE, T0)
    with pytest.raises(wf.WorkflowError, match=r"contraindication .*Heart block.*write the reason"):
        wf.decide_suitability(visit, True, "   ", CLINICIAN, minutes(1))
    decided = wf.decide_suitability(visit, True, "Paced; cardiology agrees.", CLINICIAN, minutes(1))
    assert decided.status is VisitStatus.ASSESSED
    assert decided.assessment.suitability is not None
    assert decided.assessment.suitability.reason == "Paced; cardiology agrees."


def test_not_suitable_keeps_the_visit_in_draft_and_needs_a_reason(patient: Patient, drug: Drug) -> None:
    visit = wf.record_assessment(_draft(patient), Assessment(), patient, drug, NURSE, T0)
    with pytest.raises(wf.WorkflowError, match="reason the patient is not suitable"):
        wf.decide_suitability(visit, False, "", CLINICIAN, minutes(1))
    decided = wf.decide_suitability(visit, False, "Headache pattern changed; refer.", CLINICIAN, minutes(1))
    assert decided.status is VisitStatus.DRAFT
    assert decided.assessment.suitability is not None and not decided.assessment.suitability.suitable


def test_reassessing_withdraws_the_earlier_decision(patient: Patient, drug: Drug) -> None:
    visit = assessed(drug, patient)
    again = wf.record_assessment(visit, Assessment(pain_score=9), patient, drug, NURSE, minutes(6))
    assert again.status is VisitStatus.DRAFT and again.assessment.suitability is None


def test_the_assessment_cannot_change_once_the_infusion_has_started(patient: Patient, drug: Drug) -> None:
    visit = dataclasses.replace(assessed(drug, patient), status=VisitStatus.INFUSING)
    with pytest.raises(wf.WorkflowError, match="Cannot record the assessment: this visit is infusing"):
        wf.record_assessment(visit, Assessment(), patient, drug, NURSE, minutes(30))


def test_times_must_carry_a_time_zone(patient: Patient, drug: Drug) -> None:
    with pytest.raises(wf.WorkflowError, match="time zone"):
        wf.record_assessment(_draft(patient), Assessment(), patient, drug, NURSE, T0.replace(tzinfo=None))
