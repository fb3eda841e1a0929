"""The clinic's zone: refused when unknown, never a silent UTC, proposed from the computer at first run."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from infusiondesk import clinic_time
from infusiondesk.errors import DomainError, InputError
from infusiondesk.records.models import Clinic
from infusiondesk.store import Store, tables


@pytest.mark.parametrize("name", ["", "   ", "Mars/Olympus_Mons", "EST+5", "../../etc/passwd", "/etc/localtime",
                                  "Europe/Dublin\x00", "x" * 200])
def test_unknown_zones_are_refused_with_a_sentence(name: str) -> None:
    with pytest.raises(DomainError, match="IANA name such as Europe/Dublin"):
        clinic_time.zone_named(name)


def test_known_zone_and_local_date() -> None:
    clinic = Clinic("Riverside", timezone="Asia/Tokyo")
    assert clinic_time.clinic_zone(clinic).key == "Asia/Tokyo"
    assert clinic_time.local_date(clinic, datetime(2026, 3, 2, 15, 30, tzinfo=UTC)) == date(2026, 3, 3)


def test_the_computers_zone_is_a_real_zone() -> None:
    assert clinic_time.zone_named(clinic_time.computer_zone_name())


def test_store_refuses_an_unknown_zone_at_setup_and_update(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "c.db"))
    try:
        with pytest.raises(InputError) as refused:
            store.clinic.setup(Clinic("Riverside", timezone="Europe/Dublinn"), "admin", "Ada Admin",
                               "ward-office-key-1")
        assert refused.value.field == "timezone"
        assert store.clinic.needs_setup()  # nothing half-made
        admin = store.clinic.setup(Clinic("Riverside", timezone=" Europe/Dublin "), "admin", "Ada Admin",
                                   "ward-office-key-1")
        assert store.clinic.get().timezone == "Europe/Dublin"
        with pytest.raises(InputError, match="not a known time zone"):
            store.clinic.update(dataclasses.replace(store.clinic.get(), timezone="CEST"), by=admin)
        assert store.clinic.get().timezone == "Europe/Dublin"
    finally:
        store.close()


def test_a_zone_broken_in_the_database_is_an_error_not_utc(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "c.db"))
    try:
        store.clinic.setup(Clinic("Riverside", timezone="Europe/Dublin"), "admin", "Ada Admin", "ward-office-key-1")
        with store.engine.begin() as conn:
            conn.execute(update(tables.clinic).values(timezone="Nowhere/Atlantis"))
        with pytest.raises(DomainError, match='clinic time zone "Nowhere/Atlantis" is not known'):
            clinic_time.clinic_zone(store.clinic.get())
    finally:
        store.close()
