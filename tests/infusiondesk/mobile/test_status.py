"""What the app says about the mobile day, read in the core: a laptop copy knows whose it is, since when, and how
many visits the clinic has not seen (one charted at a home: 1; after a sync: 0); the clinic knows which patients are
out on whose laptop, until the laptop is revoked; a clinic database is not a laptop copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from infusiondesk.mobile import day, laptop
from infusiondesk.mobile.status import LaptopCopy, laptop_copy
from infusiondesk.store import Store
from tests.infusiondesk.mobile.day import chart_on_laptop, check_out
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff


@pytest.fixture
def clinic(store: Store) -> Store:
    """The staffed clinic of the store tests, on SQLite and on PostgreSQL."""
    return store


def _copy(path: Path) -> LaptopCopy:
    store = laptop.open_laptop(path, PASSWORD, clock=Clock())
    try:
        copy = laptop_copy(store)
    finally:
        store.close()
    assert copy is not None
    return copy


def test_a_laptop_copy_counts_the_visits_the_clinic_has_not_seen(clinic: Store, staff: Staff, tmp_path: Path) -> None:
    d = check_out(clinic, staff, tmp_path)
    assert laptop_copy(clinic) is None  # the clinic's own database
    fresh = _copy(d.laptop_path)
    assert fresh.laptop_id == d.laptop_id
    assert fresh.unsynced_visits == 0 and fresh.nurse == "Nina Nurse"
    assert fresh.checked_out_at is not None
    chart_on_laptop(d, d.jane)
    assert _copy(d.laptop_path).unsynced_visits == 1
    day.sync(clinic, staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
    assert _copy(d.laptop_path).unsynced_visits == 0


def test_the_clinic_knows_who_has_a_patient_until_the_laptop_is_revoked(clinic: Store, staff: Staff,
                                                                        tmp_path: Path) -> None:
    d = check_out(clinic, staff, tmp_path)
    out = clinic.mobile.out_on_laptops(by=staff.nurse)
    assert set(out) == {d.jane.id, d.omar.id}
    assert out[d.jane.id or 0].nurse == "Nina Nurse" and out[d.jane.id or 0].laptop_id == d.laptop_id
    clinic.mobile.revoke_laptop(d.laptop_id, by=staff.admin)
    assert clinic.mobile.out_on_laptops(by=staff.nurse) == {}
