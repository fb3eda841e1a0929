"""The records' vocabulary as types: a dose order's computed numbers are a frozen value (read by name, not by
string key), phase, screening level and sex are enums that still store and compare as the words they were,
and orders saved while the numbers were a plain dict read back the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, get_args

import pytest
from sqlalchemy import select, update

from infusiondesk.dosing import calculate_from_text
from infusiondesk.drugs import load_drug
from infusiondesk.drugs.vocabulary import ScreeningLevel as LibraryScreeningLevel
from infusiondesk.errors import DomainError
from infusiondesk.records.computed import ComputedDose, FindingLevel
from infusiondesk.records.models import (
    Clinic,
    DoseOrderRecord,
    PatientDetails,
    Role,
    ScreeningLevel,
    Sex,
    UserSession,
    VitalSigns,
    VitalsPhase,
)
from infusiondesk.store import Store, codec, tables

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(str(tmp_path / "clinic.sqlite3"), clock=lambda: NOW)
    yield s
    s.close()


@pytest.fixture
def nurse(store: Store) -> UserSession:
    admin = store.clinic.setup(Clinic("Riverside"), "ada", "Ada Admin", "front office lamp 42")
    store.users.create("nkim", "Noor Kim", Role.NURSE, "nurse at the chair 9", "RN", by=admin)
    return store.users.sign_in("nkim", "nurse at the chair 9")


def _two_grams() -> Any:
    return calculate_from_text(load_drug(), dose="2 g", product="premix-2g-50ml", duration="30 min", weight="64 kg")


def test_2_g_of_2_g_per_50_ml_over_30_min_is_kept_as_numbers_read_by_name() -> None:
    computed = _two_grams().computed()
    assert (computed.volume_ml, computed.rate_ml_per_h, computed.duration_min) == pytest.approx((50, 100, 30))
    assert computed.rate_ml_per_h_pump == pytest.approx(100.0) and computed.bag_volume_ml == pytest.approx(50)
    assert computed.shown("rate") == "100 mL/h" and computed.shown("no such line") == ""
    assert all(isinstance(f.level, FindingLevel) for f in computed.findings)
    with pytest.raises(AttributeError):
        computed.volume_ml = 5.0  # type: ignore[misc]  # frozen: nobody edits a computed dose


def test_the_stored_form_keeps_the_calc_json_keys_so_old_and_new_rows_read_alike() -> None:
    calc = _two_grams()
    stored = json.loads(codec.dumps(DoseOrderRecord("2 g", computed=calc.computed())))["computed"]
    assert {k: v for k, v in stored.items() if k != "findings"} == \
        {k: v for k, v in calc.as_dict().items() if k != "findings"}


def _visit_with_stored_order(store: Store, nurse: UserSession, computed: dict[str, Any]) -> int:
    """A visit whose row holds a dose order written by an older version (the order as raw JSON)."""
    patient = store.patients.add(PatientDetails("MRN-1", "Rivera", "Ana", date(1985, 6, 1), Sex.FEMALE, 64), by=nurse)
    visit = store.visits.create(patient.id, by=nurse)
    with store.engine.begin() as conn:
        doc = json.loads(conn.execute(select(tables.visits.c.content).where(tables.visits.c.id == visit.id))
                         .scalar_one())
        doc["dose_order"] = {"dose_text": "2 g", "product_id": "premix-2g-50ml", "duration_text": "30 min",
                             "computed": computed}
        conn.execute(update(tables.visits).where(tables.visits.c.id == visit.id).values(content=json.dumps(doc)))
    return visit.id


def test_an_order_saved_as_a_dict_before_the_pump_rate_was_kept_still_loads(store: Store,
                                                                          nurse: UserSession) -> None:
    old = _two_grams().as_dict()
    for later in ("rate_ml_per_h_pump", "bag_volume_ml", "renal_status"):  # keys added after the first release
        del old[later]
    old["findings"] = [{"level": "info", "code": "x.note", "message": "A note."}]  # no "limit" then
    order = store.visits.get(_visit_with_stored_order(store, nurse, old), by=nurse).dose_order
    assert order is not None and isinstance(order.computed, ComputedDose)
    assert order.computed_dose.volume_ml == pytest.approx(50) and order.computed_dose.rate_ml_per_h_pump is None
    assert order.computed_dose.findings[0].level is FindingLevel.INFO
    assert order.computed_dose.display["rate"] == "100 mL/h"


def test_an_order_saved_with_nothing_computed_reads_as_none_and_is_refused_in_words(store: Store,
                                                                                  nurse: UserSession) -> None:
    order = store.visits.get(_visit_with_stored_order(store, nurse, {}), by=nurse).dose_order
    assert order is not None and order.computed is None
    with pytest.raises(DomainError, match="has no calculation"):
        _ = order.computed_dose


def test_phase_level_and_sex_are_enums_that_compare_and_store_as_their_words(store: Store,
                                                                            nurse: UserSession) -> None:
    vitals = VitalSigns(NOW, phase=VitalsPhase.BASELINE)
    assert vitals.phase == "baseline" and json.loads(codec.dumps(vitals))["phase"] == "baseline"
    assert codec.loads(VitalSigns, codec.dumps(vitals)).phase is VitalsPhase.BASELINE
    assert [x.value for x in ScreeningLevel] == list(get_args(LibraryScreeningLevel))  # one vocabulary
    assert ScreeningLevel.ABSOLUTE.stops_the_visit and not ScreeningLevel.CAUTION.stops_the_visit
    saved = store.patients.add(PatientDetails("MRN-2", "Rivers", "Tom", date(1971, 2, 11), Sex("Male "), 82),
                              by=nurse)
    assert store.patients.get(saved.id, by=nurse).sex is Sex.MALE
    with pytest.raises(ValueError):
        Sex("M")  # never guessed into "unknown"


def test_a_patient_with_a_sex_the_records_do_not_know_is_refused_before_it_is_stored(store: Store,
                                                                                   nurse: UserSession) -> None:
    from infusiondesk.errors import InputError

    with pytest.raises(InputError, match='"F" is not one the records know; choose female, male, other, unknown'):
        store.patients.add(PatientDetails("MRN-3", "Okafor", "Grace", date(1990, 9, 23), "F", 58),  # type: ignore[arg-type]
                          by=nurse)
    assert store.patients.by_mrn("MRN-3", by=nurse) is None
