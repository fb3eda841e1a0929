"""Signatures: the clinician's makes the visit final; afterwards only addenda, themselves signed."""

from __future__ import annotations

import pytest

from infusiondesk import workflow as wf
from infusiondesk.drugs import Drug
from infusiondesk.records.models import Patient, Signature, SignatureMeaning, User, Visit, VisitStatus, VitalSigns

from .conftest import CLINICIAN, CLINICIAN_2, NURSE, NURSE_2, minutes, observed, running


def completed(drug: Drug, patient: Patient) -> Visit:
    stopped = observed(wf.stop(running(drug, patient), 50, "", NURSE, minutes(50)), minutes(52))
    return wf.complete(stopped, 2, "", NURSE, minutes(55))


def signature(user: User, meaning: SignatureMeaning) -> Signature:
    return Signature(user.id, user.full_name, user.credentials, meaning, minutes(0))


def test_the_nurse_signs_as_administering_and_the_clinician_signs_the_visit_final(drug: Drug,
                                                                                  patient: Patient) -> None:
    visit = wf.sign(completed(drug, patient), signature(NURSE, SignatureMeaning.ADMINISTERED), NURSE, minutes(60))
    assert visit.status is VisitStatus.COMPLETED
    with pytest.raises(wf.WorkflowError, match="already signed this visit as administering"):
        wf.sign(visit, signature(NURSE, SignatureMeaning.ADMINISTERED), NURSE, minutes(61))
    signed = wf.sign(visit, signature(CLINICIAN, SignatureMeaning.REVIEWED_APPROVED), CLINICIAN, minutes(70))
    assert signed.status is VisitStatus.SIGNED
    assert [s.signed_at for s in signed.signatures] == [minutes(60), minutes(70)]


def test_a_nurse_cannot_sign_as_the_approving_clinician(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="Only a clinician"):
        wf.sign(completed(drug, patient), signature(NURSE, SignatureMeaning.REVIEWED_APPROVED), NURSE, minutes(60))


def test_nobody_signs_for_someone_else(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="only be made by the person signed in"):
        wf.sign(completed(drug, patient), signature(CLINICIAN_2, SignatureMeaning.REVIEWED_APPROVED), CLINICIAN,
                minutes(60))


def test_a_visit_is_signed_only_once_it_is_completed(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="Cannot sign the visit: this visit is infusing"):
        wf.sign(running(drug, patient), signature(CLINICIAN, SignatureMeaning.REVIEWED_APPROVED), CLINICIAN,
                minutes(60))


def test_a_signed_visit_is_never_edited_only_added_to(drug: Drug, patient: Patient) -> None:
    signed = wf.sign(completed(drug, patient), signature(CLINICIAN, SignatureMeaning.REVIEWED_APPROVED), CLINICIAN,
                     minutes(70))
    with pytest.raises(wf.WorkflowError, match="signed visits are never edited; add an addendum"):
        wf.ensure_editable(signed)
    with pytest.raises(wf.WorkflowError, match="signed visits are never edited"):
        wf.record_vitals(signed, VitalSigns(minutes(80)), NURSE)
    with pytest.raises(wf.WorkflowError, match="signed visits are never edited"):
        wf.sign(signed, signature(CLINICIAN_2, SignatureMeaning.REVIEWED_APPROVED), CLINICIAN_2, minutes(80))
    wf.ensure_editable(completed(drug, patient))  # does not raise


def test_an_addendum_is_added_to_a_signed_visit_and_signed_by_its_author_or_a_clinician(drug: Drug,
                                                                                        patient: Patient) -> None:
    signed = wf.sign(completed(drug, patient), signature(CLINICIAN, SignatureMeaning.REVIEWED_APPROVED), CLINICIAN,
                     minutes(70))
    with pytest.raises(wf.WorkflowError, match="addendum is empty"):
        wf.add_addendum(signed, "  ", NURSE, minutes(90))
    visit = wf.add_addendum(signed, "Patient phoned: headache gone by evening.", NURSE, minutes(90))
    assert visit.addenda[0].by == NURSE.id and visit.addenda[0].signature is None
    with pytest.raises(wf.WorkflowError, match="signed by its author or by a clinician"):
        wf.sign_addendum(visit, 0, signature(NURSE_2, SignatureMeaning.ADDENDUM), NURSE_2, minutes(91))
    with pytest.raises(wf.WorkflowError, match='meaning "Addendum signed by"'):
        wf.sign_addendum(visit, 0, signature(NURSE, SignatureMeaning.ADMINISTERED), NURSE, minutes(91))
    done = wf.sign_addendum(visit, 0, signature(NURSE, SignatureMeaning.ADDENDUM), NURSE, minutes(91))
    assert done.addenda[0].signature is not None and done.status is VisitStatus.SIGNED
    with pytest.raises(wf.WorkflowError, match="already signed"):
        wf.sign_addendum(done, 0, signature(CLINICIAN, SignatureMeaning.ADDENDUM), CLINICIAN, minutes(92))


def test_addenda_are_only_for_signed_visits(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="Addenda are for signed visits"):
        wf.add_addendum(completed(drug, patient), "late note", NURSE, minutes(60))
