"""Vital signs, side effects and completing the visit."""

from __future__ import annotations

import dataclasses

import pytest

from infusiondesk import workflow as wf
from infusiondesk.drugs import Drug
from infusiondesk.records.models import (
    Patient,
    SideEffect,
    SideEffectAction,
    SideEffectOutcome,
    Visit,
    VisitStatus,
    VitalSigns,
)

from .conftest import ADMIN, CLINICIAN, NURSE, minutes, observed, ready, running


def test_vitals_are_kept_in_time_order_and_signed_by_the_charting_nurse(drug: Drug, patient: Patient) -> None:
    visit = running(drug, patient)
    visit = wf.record_vitals(visit, VitalSigns(minutes(40), systolic=118, diastolic=76, phase="during"), NURSE)
    visit = wf.record_vitals(visit, VitalSigns(minutes(30), heart_rate=68, phase="during"), NURSE)
    assert [v.taken_at for v in visit.vitals] == [minutes(30), minutes(40)]
    assert all(v.recorded_by == NURSE.id for v in visit.vitals)


@pytest.mark.parametrize(
    ("vitals", "message"),
    [
        (VitalSigns(minutes(30), pain_score=12), "Pain score 12 is outside 0-10"),
        (VitalSigns(minutes(30), spo2=101), "SpO2 101 % is not a percentage"),
        (VitalSigns(minutes(30), systolic=70, diastolic=120), "diastolic is above the systolic"),
        (VitalSigns(minutes(30), phase="later"), 'phase "later" must be baseline, during or after'),
        (VitalSigns(minutes(30), patellar_reflex="brisk"), "must be present, diminished or absent"),
        (VitalSigns(minutes(30), heart_rate=-1), "Heart rate -1 cannot be negative"),
        (VitalSigns(minutes(30).replace(tzinfo=None)), "no time zone"),
    ],
)
def test_impossible_vitals_are_refused(drug: Drug, patient: Patient, vitals: VitalSigns, message: str) -> None:
    with pytest.raises(wf.WorkflowError, match=message):
        wf.record_vitals(running(drug, patient), vitals, NURSE)


def test_an_admin_does_not_chart_vitals(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="Only a nurse or clinician"):
        wf.record_vitals(running(drug, patient), VitalSigns(minutes(30)), ADMIN)


def test_flushing_grade_1_during_the_infusion_is_logged(drug: Drug, patient: Patient) -> None:
    effect = SideEffect("flushing", minutes(28), 1, SideEffectAction.RATE_SLOWED, SideEffectOutcome.RESOLVED)
    visit = wf.log_side_effect(running(drug, patient), effect, NURSE)
    assert visit.side_effects == (SideEffect("flushing", minutes(28), 1, SideEffectAction.RATE_SLOWED,
                                             SideEffectOutcome.RESOLVED, recorded_by=NURSE.id),)


def test_a_grade_the_term_does_not_have_is_refused(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="Flushing is graded 1, 2, 3; grade 4 is not one of them"):
        wf.log_side_effect(running(drug, patient), SideEffect("flushing", minutes(28), 4), NURSE)


def test_grade_5_and_a_fatal_outcome_go_together(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="Grade 5 means death"):
        wf.log_side_effect(running(drug, patient), SideEffect("arrhythmia", minutes(28), 5), NURSE)
    with pytest.raises(wf.WorkflowError, match="Grade 5 means death"):
        wf.log_side_effect(running(drug, patient), SideEffect("hypotension", minutes(28), 2,
                                                              outcome=SideEffectOutcome.FATAL), NURSE)


def test_an_unknown_type_and_an_undescribed_other_are_refused(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match='"itching" is not in the catalogue; choose one of: flushing'):
        wf.log_side_effect(running(drug, patient), SideEffect("itching", minutes(28), 1), NURSE)
    with pytest.raises(wf.WorkflowError, match="describe the side effect"):
        wf.log_side_effect(running(drug, patient), SideEffect("other", minutes(28), 1), NURSE)
    ok = wf.log_side_effect(running(drug, patient), SideEffect("other", minutes(28), 1, notes="metallic taste"), NURSE)
    assert ok.side_effects[0].notes == "metallic taste"


def test_a_side_effect_cannot_begin_before_the_infusion_or_be_logged_before_the_start(drug: Drug,
                                                                                     patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="before the infusion started"):
        wf.log_side_effect(running(drug, patient), SideEffect("nausea_vomiting", minutes(10), 1), NURSE)
    with pytest.raises(wf.WorkflowError, match="Cannot log a side effect: this visit is assessed"):
        wf.log_side_effect(ready(drug, patient), SideEffect("nausea_vomiting", minutes(10), 1), NURSE)


def test_the_visit_completes_only_after_the_infusion_is_stopped(drug: Drug, patient: Patient) -> None:
    visit = running(drug, patient)
    with pytest.raises(wf.WorkflowError, match="Stop the infusion"):
        wf.complete(visit, 3, "", NURSE, minutes(55))
    stopped = wf.stop(visit, 50, "", NURSE, minutes(50))
    with pytest.raises(wf.WorkflowError, match="Chart the vital signs after the infusion"):
        wf.complete(stopped, 3, "", NURSE, minutes(85), observation_min=30)
    stopped = observed(stopped, minutes(60))
    with pytest.raises(wf.WorkflowError, match="observed for 30 min after the infusion"):
        wf.complete(stopped, 3, "", NURSE, minutes(79), observation_min=30)
    with pytest.raises(wf.WorkflowError, match="outside 0-10"):
        wf.complete(stopped, 11, "", NURSE, minutes(80), observation_min=30)
    done = wf.complete(stopped, 3, " Home with her partner driving. ", NURSE, minutes(80), observation_min=30)
    assert done.status is VisitStatus.COMPLETED and done.post_pain_score == 3
    assert done.discharge_notes == "Home with her partner driving."
    late = wf.log_side_effect(done, SideEffect("drowsiness", minutes(52), 1), NURSE)
    assert len(late.side_effects) == 1



def _flushing_ongoing(drug: Drug, patient: Patient) -> Visit:
    """Flushing grade 1 logged 8 min into the infusion, "ongoing" (the form's default) while the nurse watches."""
    return wf.log_side_effect(running(drug, patient), SideEffect("flushing", minutes(28), 1), NURSE)


def test_flushing_logged_ongoing_is_updated_to_resolved_keeping_its_type_grade_and_onset(drug: Drug,
                                                                                         patient: Patient) -> None:
    visit = wf.update_side_effect(_flushing_ongoing(drug, patient), 0, SideEffectOutcome.RESOLVED,
                                  SideEffectAction.RATE_SLOWED, " settled after slowing ", CLINICIAN)
    assert visit.side_effects == (SideEffect("flushing", minutes(28), 1, SideEffectAction.RATE_SLOWED,
                                             SideEffectOutcome.RESOLVED, "settled after slowing",
                                             recorded_by=NURSE.id),)


def test_a_side_effect_is_updated_once_the_visit_is_completed(drug: Drug, patient: Patient) -> None:
    visit = wf.stop(_flushing_ongoing(drug, patient), 50, "", NURSE, minutes(50))
    visit = wf.complete(observed(visit, minutes(80)), 2, "home", NURSE, minutes(80), 30)
    assert visit.status is VisitStatus.COMPLETED
    updated = wf.update_side_effect(visit, 0, SideEffectOutcome.RESOLVED, SideEffectAction.NONE, "", NURSE)
    assert updated.side_effects[0].outcome is SideEffectOutcome.RESOLVED


@pytest.mark.parametrize(("index", "outcome", "notes", "message"), [
    (1, SideEffectOutcome.RESOLVED, "", "not on this visit"),
    (-1, SideEffectOutcome.RESOLVED, "", "not on this visit"),
    (0, SideEffectOutcome.ONGOING, "", "Nothing to update"),
    (0, SideEffectOutcome.FATAL, "", "Grade 5 means death"),
])
def test_an_update_that_cannot_be_right_is_refused(drug: Drug, patient: Patient, index: int,
                                                   outcome: SideEffectOutcome, notes: str, message: str) -> None:
    with pytest.raises(wf.WorkflowError, match=message):
        wf.update_side_effect(_flushing_ongoing(drug, patient), index, outcome, SideEffectAction.NONE, notes, NURSE)


def test_an_other_side_effect_keeps_its_description(drug: Drug, patient: Patient) -> None:
    visit = wf.log_side_effect(running(drug, patient), SideEffect("other", minutes(28), 1, notes="metallic taste"),
                               NURSE)
    with pytest.raises(wf.WorkflowError, match="describe the side effect"):
        wf.update_side_effect(visit, 0, SideEffectOutcome.RESOLVED, SideEffectAction.NONE, "  ", NURSE)


def test_side_effects_are_not_updated_before_the_start_on_a_signed_visit_or_by_an_admin(drug: Drug,
                                                                                         patient: Patient) -> None:
    visit = _flushing_ongoing(drug, patient)
    with pytest.raises(wf.WorkflowError, match="Only a nurse or clinician"):
        wf.update_side_effect(visit, 0, SideEffectOutcome.RESOLVED, SideEffectAction.NONE, "", ADMIN)
    signed = dataclasses.replace(visit, status=VisitStatus.SIGNED)
    with pytest.raises(wf.WorkflowError, match="signed"):
        wf.update_side_effect(signed, 0, SideEffectOutcome.RESOLVED, SideEffectAction.NONE, "", NURSE)
    with pytest.raises(wf.WorkflowError, match="Cannot update a side effect"):
        wf.update_side_effect(dataclasses.replace(visit, status=VisitStatus.ASSESSED), 0,
                              SideEffectOutcome.RESOLVED, SideEffectAction.NONE, "", NURSE)
