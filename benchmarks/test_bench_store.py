"""The store on SQLite: patient search over 100,000 patients (p95 <= 20 ms) and opening a patient with
1,000 visits (p95 <= 100 ms): what the chart reads, the patient and its visit history. The data set is
bulk-loaded once per session as the store saves it (visit rows and their summaries; no audit: it is not a
record)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import insert

from benchmarks.conftest import record
from infusiondesk.demo import _FAMILY, _GIVEN_F, _GIVEN_M
from infusiondesk.records.models import (
    Assessment,
    Clinic,
    DoseOrderRecord,
    InfusionEvent,
    InfusionEventKind,
    PatientDetails,
    Readiness,
    Role,
    SideEffect,
    Signature,
    SignatureMeaning,
    UserSession,
    Visit,
    VisitStatus,
    VitalSigns,
)
from infusiondesk.store import Store, tables
from infusiondesk.store.history import summary_document
from infusiondesk.store.patients import _patient_document
from infusiondesk.store.search import patient_keys
from infusiondesk.store.visit_tx import visit_document as _visit_document

PATIENTS = 100_000
VISITS_OF_ONE_PATIENT = 1_000


def _charted_visit(patient_id: int, at: datetime) -> Visit:
    """A signed visit with what a real one holds: assessment, order, events, vitals, a side effect."""
    vitals = tuple(VitalSigns(at + timedelta(minutes=15 * i), 120, 78, 70, 16, 98, 36.9, 6 - i, "present",
                              "during") for i in range(4))
    computed = {"dose_mg": 2000.0, "volume_ml": 50.0, "rate_ml_per_h": 100.0, "duration_min": 30.0,
                "concentration_mg_per_ml": 40.0, "findings": [], "display": {"dose": "2 g", "rate": "100 mL/h"}}
    return Visit(
        id=None, patient_id=patient_id, status=VisitStatus.SIGNED, created_at=at, started_at=at,
        assessment=Assessment(vitals=vitals[0], pain_score=7, answers={"heart_block": False}),
        dose_order=DoseOrderRecord("2 g", product_id="premix-2g-50ml", duration_text="30 min", computed=computed,
                                   ordered_by=4, ordered_at=at),
        readiness=Readiness(consent=True, allergies_reviewed=True, weight_kg_today=70.0, lot_number="L123456",
                            lot_expiry=date(2030, 1, 1)),
        events=(InfusionEvent(InfusionEventKind.START, at, 100.0, 0.0, by=2),
                InfusionEvent(InfusionEventKind.STOP, at + timedelta(minutes=30), None, 50.0, by=2)),
        vitals=vitals, side_effects=(SideEffect("flushing", at + timedelta(minutes=10), 1),),
        post_pain_score=2, discharge_notes="Improved; home with partner.",
        signatures=(Signature(2, "Nina Novak", "RN", SignatureMeaning.ADMINISTERED, at),
                    Signature(4, "Dr Carla Reyes", "MD", SignatureMeaning.REVIEWED_APPROVED, at)),
        version=3)


@pytest.fixture(scope="module")
def big_clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, int, list[str], UserSession]]:
    path: Path = tmp_path_factory.mktemp("bench-store") / "clinic.sqlite3"
    store = Store.open(str(path))
    admin = store.clinic.setup(Clinic("Bench Clinic"), "admin", "Ada Admin", "bench office passphrase")
    store.users.create("nina", "Nina Novak", Role.NURSE, "bench nurse passphrase", "RN", by=admin)
    rng = random.Random(42)
    patients = []
    for i in range(PATIENTS):
        female = rng.random() < 0.7
        p = PatientDetails(f"MRN{i:07d}", rng.choice(_FAMILY) + rng.choice(("", "", "s", "-Lee", "son")),
                           rng.choice(_GIVEN_F if female else _GIVEN_M), date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                           "female" if female else "male", weight_kg=70.0)
        patients.append({"mrn": p.mrn, "content": _patient_document(p), **patient_keys(p)})
    with store.engine.begin() as conn:
        conn.execute(insert(tables.patients), patients)
        start = datetime(2022, 1, 1, 9, tzinfo=UTC)
        rows, summaries = [], []
        for i in range(VISITS_OF_ONE_PATIENT):
            v = _charted_visit(1, start + timedelta(days=i))
            rows.append({"id": i + 1, "patient_id": 1, "status": v.status.value, "created_at": v.created_at,
                         "started_at": v.started_at, "version": v.version, "content": _visit_document(v)})
            summaries.append({"visit_id": i + 1, "version": v.version, "summary": summary_document(v)})
        conn.execute(insert(tables.visits), rows)
        conn.execute(insert(tables.visit_summaries), summaries)
    del patients, rows, summaries  # the app holds no 100,000 dicts; neither should the benchmark while it measures
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    prefixes = [*(f.lower()[:n] for f in _FAMILY for n in (2, 3, 4)), *(g[:3] for g in _GIVEN_F[:10]),
                *(f"MRN00{d}" for d in range(10)), *(f"mrn{d:04d}" for d in range(0, 1000, 50)),
                "smith ol", "jones, am", "olivia smi"]
    nurse = store.users.sign_in("nina", "bench nurse passphrase")  # every read checks this session, as the app's do
    yield store, 1, prefixes, nurse
    store.close()


def test_patient_search_by_name_or_mrn_prefix_over_100000_patients(
        benchmark: BenchmarkFixture, big_clinic: tuple[Store, int, list[str], UserSession]) -> None:
    store, _, prefixes, nurse = big_clinic
    assert store.patients.search("MRN0000123", by=nurse)[0].mrn == "MRN0000123"
    cycle = iter(prefixes * 10)
    found: list[int] = []

    def search() -> None:
        found.append(len(store.patients.search(next(cycle), by=nurse)))

    benchmark.pedantic(search, rounds=len(prefixes) * 5, iterations=1, warmup_rounds=10)
    assert max(found) == 50  # common prefixes fill the first page: the search is not trivially empty
    fig = record("patient search, name/MRN prefix, 100,000 patients (SQLite)", list(benchmark.stats.stats.data),
                 "p95 <= 20 ms", target_p95_ms=20.0)
    benchmark.extra_info.update(median_ms=fig.median_ms, p95_ms=fig.p95_ms)


def test_opening_a_patient_with_1000_visits(benchmark: BenchmarkFixture,
                                            big_clinic: tuple[Store, int, list[str], UserSession]) -> None:
    store, patient_id, _, nurse = big_clinic

    def open_patient() -> int:  # what ChartView.show_patient reads
        store.patients.get(patient_id, by=nurse)
        return len(store.visits.history(patient_id, by=nurse))

    assert open_patient() == VISITS_OF_ONE_PATIENT
    first = store.visits.history(patient_id, by=nurse)[0]
    charted = _charted_visit(patient_id, datetime(2022, 1, 1, 9, tzinfo=UTC))
    assert dataclasses.replace(store.visits.all(patient_id, by=nurse)[0], id=None) == charted
    assert (first.pain_before, first.pain_after, first.dose_shown) == (
        charted.assessment.pain_score, 2, {"dose": "2 g", "rate": "100 mL/h"})
    assert [(r.at, r.systolic) for r in first.readings] == [
        (v.taken_at.timestamp(), v.systolic) for v in (charted.assessment.vitals, *charted.vitals) if v is not None]
    assert [(e.type_code, e.grade) for e in first.side_effects] == [("flushing", 1)]
    benchmark.pedantic(open_patient, rounds=40, iterations=1, warmup_rounds=3)
    fig = record("open a patient with 1,000 visits (SQLite)", list(benchmark.stats.stats.data),
                 "p95 <= 100 ms", target_p95_ms=100.0)
    benchmark.extra_info.update(median_ms=fig.median_ms, p95_ms=fig.p95_ms)
