"""Patients and visits round-trip through the store unchanged, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, update

from infusiondesk.errors import DomainError
from infusiondesk.records.models import (
    Addendum,
    Allergy,
    Assessment,
    DoseOrderRecord,
    InfusionEvent,
    InfusionEventKind,
    Override,
    Patient,
    Readiness,
    RenalStatus,
    SideEffect,
    VisitStatus,
    VitalSigns,
)
from infusiondesk.store import ConflictError, RecordNotFound, Store, tables
from tests.infusiondesk.store.conftest import Clock, Staff, make_patient

T0 = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)


def test_a_patient_comes_back_exactly_as_registered(store: Store, staff: Staff) -> None:
    p = make_patient(allergies=(Allergy("penicillin", "rash"),), medicines=("propranolol 40 mg",),
                     migraine_diagnosis=True, egfr_ml_min=85.0, renal_status=RenalStatus.NORMAL)
    saved = store.add_patient(p, staff.nurse)
    assert saved.id is not None
    assert store.get_patient(saved.id) == saved
    assert store.get_patient_by_mrn("MRN0001") == saved
    assert store.get_patient_by_mrn("nope") is None


def test_the_same_mrn_cannot_be_registered_twice(store: Store, staff: Staff) -> None:
    store.add_patient(make_patient(), staff.nurse)
    with pytest.raises(DomainError, match="MRN0001 already exists"):
        store.add_patient(make_patient(family="Other"), staff.nurse)


def test_a_change_to_a_patient_is_kept(store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    p = patient_factory()
    store.update_patient(dataclasses.replace(p, weight_kg=64.5, family_name="Smythe"), staff.nurse)
    assert store.get_patient(p.id).weight_kg == 64.5  # type: ignore[arg-type]
    assert [x.id for x in store.search_patients("smy")] == [p.id]


def test_search_by_prefix_of_family_name_given_name_or_mrn(store: Store, staff: Staff) -> None:
    for mrn, family, given in [("A100", "Smith", "Jane"), ("A101", "Smithers", "Waylon"), ("B200", "Jones", "Sam"),
                               ("B201", "O'Brien", "Smita"), ("C300", "van der Berg", "Jo")]:
        store.add_patient(make_patient(mrn, family, given), staff.nurse)

    def names(text: str) -> list[str]:
        return [p.display_name for p in store.search_patients(text)]

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
    assert len(store.search_patients("s", limit=2)) == 2


def test_a_full_visit_round_trips(store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    p = patient_factory()
    visit = store.create_visit(p.id, staff.nurse)  # type: ignore[arg-type]
    assert visit.status is VisitStatus.DRAFT and visit.version == 1
    charted = dataclasses.replace(
        visit, status=VisitStatus.INFUSING, started_at=T0,
        assessment=Assessment(vitals=VitalSigns(T0, 120, 80, 72, 16, 98, 36.8, 7, phase="baseline"), pain_score=7,
                              answers={"pregnant": False, "weight_kg": 70}),
        dose_order=DoseOrderRecord("2 g", "2 g/50 mL", duration_text="30 min", computed={"dose_mg": 2000.0},
                                   overrides=(Override("dose.max.soft", "above usual", "neurology advice",
                                                       staff.clinician.id, T0),)),  # type: ignore[arg-type]
        readiness=Readiness(consent=True, lot_number="L123", lot_expiry=date(2026, 1, 31)),
        events=(InfusionEvent(InfusionEventKind.START, T0, rate_ml_h=100.0, by=staff.nurse.id),),
        side_effects=(SideEffect("flushing", T0, 1, notes="mild"),),
    )
    saved = store.save_visit(charted, staff.nurse)
    assert saved.version == 2
    assert store.get_visit(visit.id) == saved  # type: ignore[arg-type]
    assert store.list_visits(p.id) == [saved]
    [summary] = store.visit_history(p.id)  # what the chart shows, without the whole record
    assert (summary.id, summary.version, summary.status, summary.pain_before, summary.dose_text,
            summary.duration_text) == (saved.id, 2, VisitStatus.INFUSING, saved.assessment.pain_score, "2 g", "30 min")
    assert [(e.type_code, e.grade) for e in summary.side_effects] == [("flushing", 1)]
    assert [r.at for r in summary.readings] == [
        v.taken_at.timestamp() for v in ([saved.assessment.vitals] if saved.assessment.vitals else [])
        + list(saved.vitals)]


def test_the_chart_history_is_right_even_without_a_current_summary(
        store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    p = patient_factory()
    first = store.save_visit(dataclasses.replace(store.create_visit(p.id, staff.nurse),  # type: ignore[arg-type]
                                                 post_pain_score=3), staff.nurse)
    second = store.create_visit(p.id, staff.nurse)  # type: ignore[arg-type]
    with store.engine.begin() as conn:  # as if saved before summaries existed, or left stale
        conn.execute(delete(tables.visit_summaries).where(tables.visit_summaries.c.visit_id == first.id))
        conn.execute(update(tables.visit_summaries).where(tables.visit_summaries.c.visit_id == second.id)
                     .values(version=0, summary='{"post_pain_score": 9}'))
    assert [(v.id, v.pain_after) for v in store.visit_history(p.id)] == [(first.id, 3), (second.id, None)]


def test_the_second_of_two_concurrent_saves_gets_a_conflict_and_loses_nothing(
        store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    visit = store.create_visit(patient_factory().id, staff.nurse)  # type: ignore[arg-type]
    at_station_a = store.get_visit(visit.id)  # type: ignore[arg-type]
    at_station_b = store.get_visit(visit.id)  # type: ignore[arg-type]
    a = store.save_visit(dataclasses.replace(at_station_a, notes="from A"), staff.nurse)
    mine = dataclasses.replace(at_station_b, notes="from B")
    with pytest.raises(ConflictError, match=r"saved on another workstation by nina .* Reopen the visit"):
        store.save_visit(mine, staff.nurse2)
    assert store.get_visit(visit.id) == a  # type: ignore[arg-type]
    assert mine.notes == "from B"  # the caller still holds its unsaved work
    again = store.save_visit(dataclasses.replace(store.get_visit(visit.id), notes="from B"),  # type: ignore[arg-type]
                             staff.nurse2)
    assert again.version == 3 and store.get_visit(visit.id).notes == "from B"  # type: ignore[arg-type]


def test_a_visit_never_goes_backwards(store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    v = store.create_visit(patient_factory().id, staff.nurse)  # type: ignore[arg-type]
    v = store.save_visit(dataclasses.replace(v, status=VisitStatus.COMPLETED), staff.nurse)
    with pytest.raises(DomainError, match="completed visit cannot go back to draft"):
        store.save_visit(dataclasses.replace(v, status=VisitStatus.DRAFT), staff.nurse)


def test_a_signed_visit_takes_only_addenda(store: Store, patient_factory: Callable[..., Patient], staff: Staff,
                                           clock: Clock) -> None:
    v = store.create_visit(patient_factory().id, staff.nurse)  # type: ignore[arg-type]
    v = store.save_visit(dataclasses.replace(v, status=VisitStatus.SIGNED, notes="done"), staff.clinician)
    with pytest.raises(DomainError, match="Signed visits are never edited; add an addendum"):
        store.save_visit(dataclasses.replace(v, notes="changed"), staff.clinician)
    v2 = store.save_visit(dataclasses.replace(v, addenda=(Addendum("BP rechecked 118/76", staff.nurse.id,  # type: ignore[arg-type]
                                                                    clock.now),)), staff.nurse)
    assert store.get_visit(v.id).addenda[0].text == "BP rechecked 118/76"  # type: ignore[arg-type]
    with pytest.raises(DomainError, match="addendum is never edited"):
        store.save_visit(dataclasses.replace(v2, addenda=(Addendum("changed", staff.nurse.id,  # type: ignore[arg-type]
                                                                   clock.now),)), staff.nurse)
    with pytest.raises(DomainError, match="Signed visits are never edited"):
        store.save_visit(dataclasses.replace(v2, addenda=()), staff.nurse)


def test_missing_records_say_so(store: Store, staff: Staff) -> None:
    with pytest.raises(RecordNotFound, match="Visit #999 does not exist"):
        store.get_visit(999)
    with pytest.raises(RecordNotFound, match="register the patient first"):
        store.create_visit(999, staff.nurse)


def test_magnesium_given_in_the_last_24_hours_counts_recent_infusions_only(
        store: Store, patient_factory: Callable[..., Patient], staff: Staff) -> None:
    p = patient_factory()
    other = patient_factory(mrn="MRN0002")

    def infused(patient: Patient, start: datetime, grams: float) -> None:
        v = store.create_visit(patient.id, staff.nurse)  # type: ignore[arg-type]
        order = DoseOrderRecord(f"{grams:g} g", "40 mg/mL", duration_text="30 min",
                                computed={"dose_mg": grams * 1000, "volume_ml": grams * 25,
                                          "concentration_mg_per_ml": 40.0, "rate_ml_per_h": grams * 50})
        events = (InfusionEvent(InfusionEventKind.START, start, rate_ml_h=grams * 50),
                  InfusionEvent(InfusionEventKind.STOP, start.replace(minute=30), volume_infused_ml=grams * 25))
        store.save_visit(dataclasses.replace(v, status=VisitStatus.COMPLETED, started_at=start, dose_order=order,
                                             events=events), staff.nurse)

    infused(p, datetime(2025, 3, 1, 8, 0, tzinfo=UTC), 4)    # two days before: not counted
    infused(p, datetime(2025, 3, 2, 14, 0, tzinfo=UTC), 2)   # yesterday afternoon: counted
    infused(p, datetime(2025, 3, 3, 8, 0, tzinfo=UTC), 1)    # this morning: counted
    infused(other, datetime(2025, 3, 3, 8, 0, tzinfo=UTC), 2)  # another patient: never counted
    assert store.magnesium_given_last_24h(p.id, datetime(2025, 3, 3, 12, 0, tzinfo=UTC)) == pytest.approx(3)  # type: ignore[arg-type]
    assert store.magnesium_given_last_24h(p.id, datetime(2025, 3, 4, 12, 0, tzinfo=UTC)) == pytest.approx(0)  # type: ignore[arg-type]
