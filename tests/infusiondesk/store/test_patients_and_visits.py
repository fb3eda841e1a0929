"""Patients and visits round-trip through the store unchanged, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, update

from infusiondesk.drugs import load_drug
from infusiondesk.errors import DomainError
from infusiondesk.records.models import (
    Addendum,
    Allergy,
    Patient,
    RenalStatus,
    User,
    Visit,
    VisitStatus,
)
from infusiondesk.service import AssessmentEntry, Step, VisitService
from infusiondesk.store import ConflictError, RecordNotFound, Store, tables
from infusiondesk.workflow import WorkflowError
from tests.clinic_day import chart_visit
from tests.infusiondesk.store.conftest import Clock, Staff, make_patient

T0 = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)


def test_a_patient_comes_back_exactly_as_registered(store: Store, staff: Staff) -> None:
    p = make_patient(allergies=(Allergy("penicillin", "rash"),), medicines=("propranolol 40 mg",),
                     migraine_diagnosis=True, egfr_ml_min=85.0, renal_status=RenalStatus.NORMAL)
    saved = store.patients.add(p, staff.nurse)
    assert store.patients.get(saved.id, by=staff.nurse) == saved
    assert store.patients.by_mrn("MRN0001", by=staff.nurse) == saved
    assert store.patients.by_mrn("nope", by=staff.nurse) is None


def test_the_same_mrn_cannot_be_registered_twice(store: Store, staff: Staff) -> None:
    store.patients.add(make_patient(), staff.nurse)
    with pytest.raises(DomainError, match="MRN0001 already exists"):
        store.patients.add(make_patient(family="Other"), staff.nurse)


def test_a_change_to_a_patient_is_kept(store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    p = patient_factory()
    store.patients.update(dataclasses.replace(p, weight_kg=64.5, family_name="Smythe"), staff.nurse, based_on=p)
    assert store.patients.get(p.id, by=staff.nurse).weight_kg == 64.5  # type: ignore[arg-type]
    assert [x.id for x in store.patients.search("smy", by=staff.nurse)] == [p.id]


def test_search_by_prefix_of_family_name_given_name_or_mrn(store: Store, staff: Staff) -> None:
    for mrn, family, given in [("A100", "Smith", "Jane"), ("A101", "Smithers", "Waylon"), ("B200", "Jones", "Sam"),
                               ("B201", "O'Brien", "Smita"), ("C300", "van der Berg", "Jo")]:
        store.patients.add(make_patient(mrn, family, given), staff.nurse)

    def names(text: str) -> list[str]:
        return [p.display_name for p in store.patients.search(text, by=staff.nurse)]

    assert names("smi") == ["O'BRIEN, Smita", "SMITH, Jane", "SMITHERS, Waylon"]
    assert names("SMITH") == ["SMITH, Jane", "SMITHERS, Waylon"]
    assert names("smith ja") == ["SMITH, Jane"]
    assert names("smith, jane") == ["SMITH, Jane"]
    assert names("jane smith") == ["SMITH, Jane"]
    assert names("b20") == ["JONES, Sam", "O'BRIEN, Smita"]
    assert names("o'b") == ["O'BRIEN, Smita"]
    assert names("van der") == ["VAN DER BERG, Jo"]
    assert names("zz") == []
    assert names("  ") == []
    assert len(store.patients.search("s", limit=2, by=staff.nurse)) == 2


def _chart(store: Store, staff: Staff, patient: Patient, until: VisitStatus, t0: datetime = T0) -> Visit:
    return chart_visit(store, load_drug(None), patient, staff.nurse, staff.nurse2, staff.clinician, t0, until=until,
                       sign_note=lambda _: b"%PDF-1.7 /ByteRange [0 1 2 3] /Contents <00> signed")


def test_a_full_visit_round_trips(store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    p = patient_factory(no_known_allergies=True)
    saved = _chart(store, staff, p, VisitStatus.INFUSING)
    assert saved.status is VisitStatus.INFUSING and saved.version > 2
    assert store.visits.get(saved.id, by=staff.nurse) == saved  # type: ignore[arg-type]
    assert store.visits.all(p.id, by=staff.nurse) == [saved]
    [summary] = store.visits.history(p.id, by=staff.nurse)  # what the chart shows, without the whole record
    assert (summary.id, summary.version, summary.status, summary.pain_before, summary.dose_text,
            summary.duration_text) == (saved.id, saved.version, VisitStatus.INFUSING, 7, "2 g", "30 min")
    assert [(e.type_code, e.grade) for e in summary.side_effects] == [("flushing", 1)]
    assert [r.at for r in summary.readings] == [
        v.taken_at.timestamp() for v in ([saved.assessment.vitals] if saved.assessment.vitals else [])
        + list(saved.vitals)]


def test_the_chart_history_is_right_even_without_a_current_summary(
        store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    p = patient_factory(no_known_allergies=True)
    first = _chart(store, staff, p, VisitStatus.COMPLETED)
    second = store.visits.create(p.id, staff.nurse)  # type: ignore[arg-type]
    with store.engine.begin() as conn:  # as if saved before summaries existed, or left stale
        conn.execute(delete(tables.visit_summaries).where(tables.visit_summaries.c.visit_id == first.id))
        conn.execute(update(tables.visit_summaries).where(tables.visit_summaries.c.visit_id == second.id)
                     .values(version=0, summary='{"post_pain_score": 9}'))
    assert [(v.id, v.pain_after) for v in store.visits.history(p.id, by=staff.nurse)] == [(first.id, 2),
                                                                                         (second.id, None)]


def test_the_second_of_two_concurrent_saves_gets_a_conflict_and_loses_nothing(
        store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    visit = store.visits.create(patient_factory().id, staff.nurse)  # type: ignore[arg-type]
    svc = VisitService(store, load_drug(None))
    seen = visit.version  # both workstations opened this version
    a = svc.assess(Step(staff.nurse, visit.id, seen, T0), AssessmentEntry(pain_score=5))  # type: ignore[arg-type]
    with pytest.raises(ConflictError, match=r"saved on another workstation by nina .* Reopen the visit"):
        svc.assess(Step(staff.nurse2, visit.id, seen, T0), AssessmentEntry(pain_score=8))  # type: ignore[arg-type]
    assert store.visits.get(visit.id, by=staff.nurse) == a  # type: ignore[arg-type]
    again = svc.assess(Step(staff.nurse2, visit.id, a.version, T0),  # type: ignore[arg-type]
                       AssessmentEntry(pain_score=8))
    assert again.version == 3 and store.visits.get(visit.id, by=staff.nurse).assessment.pain_score == 8


def _forge(store: Store, visit: Visit, change: Callable[[Visit], Visit], by: User) -> Visit:
    """An attacker with the store in hand: a hand-made visit saved through the store's own transaction."""
    with store.visits.transaction() as tx:
        old = tx.visit(visit.id, visit.version)  # type: ignore[arg-type]
        return tx.save_visit(old, change(old), by)


@pytest.mark.parametrize("status", [VisitStatus.ASSESSED, VisitStatus.INFUSING, VisitStatus.COMPLETED,
                                    VisitStatus.SIGNED])
def test_the_store_refuses_a_draft_saved_straight_to_any_later_status(
        store: Store, patient_factory: Callable[..., Patient], staff: Staff, status: VisitStatus) -> None:
    """The store itself refuses what the workflow does not allow, whoever calls it (was: saved, and a test
    asserted it)."""
    v = store.visits.create(patient_factory().id, staff.nurse)  # type: ignore[arg-type]
    with pytest.raises(WorkflowError):
        _forge(store, v, lambda old: dataclasses.replace(old, status=status, started_at=T0), staff.clinician)
    assert store.visits.get(v.id, by=staff.nurse).status is VisitStatus.DRAFT  # type: ignore[arg-type]


def test_a_visit_never_goes_backwards(store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    v = _chart(store, staff, patient_factory(no_known_allergies=True), VisitStatus.COMPLETED)
    with pytest.raises(WorkflowError, match="completed cannot become draft"):
        _forge(store, v, lambda old: dataclasses.replace(old, status=VisitStatus.DRAFT), staff.nurse)
    with pytest.raises(WorkflowError, match="signed only with a clinician's"):
        _forge(store, v, lambda old: dataclasses.replace(old, status=VisitStatus.SIGNED), staff.clinician)


def test_a_signed_visit_takes_only_addenda(store: Store, patient_factory: Callable[..., Patient], staff: Staff,
                                           clock: Clock) -> None:
    v = _chart(store, staff, patient_factory(no_known_allergies=True), VisitStatus.SIGNED)
    with pytest.raises(WorkflowError, match="Signed visits are never edited; add an addendum"):
        _forge(store, v, lambda old: dataclasses.replace(old, discharge_notes="changed"), staff.clinician)
    svc = VisitService(store, load_drug(None))
    v2 = svc.add_addendum(Step(staff.nurse, v.id, v.version, clock.now), "BP rechecked 118/76")
    assert store.visits.get(v.id, by=staff.nurse).addenda[0].text == "BP rechecked 118/76"  # type: ignore[arg-type]
    with pytest.raises(WorkflowError, match="addendum is never edited"):
        _forge(store, v2, lambda old: dataclasses.replace(old, addenda=(Addendum("changed", staff.nurse.user_id,
                                                                                  clock.now),)), staff.nurse)
    with pytest.raises(WorkflowError, match="Signed visits are never edited"):
        _forge(store, v2, lambda old: dataclasses.replace(old, addenda=()), staff.nurse)


def test_missing_records_say_so(store: Store, staff: Staff) -> None:
    with pytest.raises(RecordNotFound, match="Visit #999 does not exist"):
        store.visits.get(999, by=staff.nurse)
    with pytest.raises(RecordNotFound, match="register the patient first"):
        store.visits.create(999, staff.nurse)


def test_magnesium_given_in_the_last_24_hours_counts_every_overlapping_infusion(
        store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    p = patient_factory(no_known_allergies=True)
    other = patient_factory(mrn="MRN0002", no_known_allergies=True)
    _chart(store, staff, p, VisitStatus.COMPLETED, datetime(2025, 3, 1, 8, 0, tzinfo=UTC))   # two days before
    _chart(store, staff, p, VisitStatus.COMPLETED, datetime(2025, 3, 2, 14, 0, tzinfo=UTC))  # yesterday: 2 g
    _chart(store, staff, p, VisitStatus.COMPLETED, datetime(2025, 3, 3, 8, 0, tzinfo=UTC))   # this morning: 2 g
    _chart(store, staff, other, VisitStatus.COMPLETED, datetime(2025, 3, 3, 8, 0, tzinfo=UTC))  # never counted
    assert store.visits.magnesium_given_last_24h(p.id, datetime(2025, 3, 3, 12, 0, tzinfo=UTC),
                                          by=staff.nurse) == pytest.approx(4)
    assert store.visits.magnesium_given_last_24h(p.id, datetime(2025, 3, 4, 12, 0, tzinfo=UTC),
                                          by=staff.nurse) == pytest.approx(0)


def test_an_infusion_that_started_48_h_ago_and_stopped_20_h_ago_counts(
        store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    p = patient_factory(no_known_allergies=True)
    start = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    v = _chart(store, staff, p, VisitStatus.INFUSING, start)
    svc = VisitService(store, load_drug(None))
    stopped_at = datetime(2025, 3, 2, 12, 0, tzinfo=UTC)
    svc.stop(Step(staff.nurse, v.id, v.version, stopped_at), 50, "")  # type: ignore[arg-type]
    assert store.visits.magnesium_given_last_24h(p.id, datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
                                          by=staff.nurse) == pytest.approx(2)
    assert store.visits.magnesium_given_last_24h(p.id, datetime(2025, 3, 3, 12, 1, tzinfo=UTC),
                                          by=staff.nurse) == pytest.approx(0)
