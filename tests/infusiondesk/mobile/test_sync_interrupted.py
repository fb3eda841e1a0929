"""A sync killed at random points (and at the first of each kind of point) and run again ends exactly where an
uninterrupted sync does: every record once (visits, patients, signed notes, payments, follow-ups), the same audit
trail, the same conflicts, on both sides."""

from __future__ import annotations

import dataclasses
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from infusiondesk.mobile import day, laptop
from infusiondesk.store import Store
from infusiondesk_reports.laptop_notes import check_laptop_note
from tests.infusiondesk.mobile.day import (
    PAID,
    chart_in_clinic,
    chart_on_laptop,
    check_out,
    clinic_keys,
    dump,
    sign_in_clinic,
    sign_on_laptop,
)
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff

KILLS = 10


class Killed(Exception):
    """Stands for the power going off mid-sync."""


FILES = ("clinic.sqlite3", "laptop/nina.db", "laptop/nina.db.key")


def _copy(src: Path, dst: Path) -> None:
    for name in FILES:
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, dst / name)


def _sync(folder: Path, staff: Staff, fault: day.sync_exchange.Fault | None = None) -> None:
    clinic = Store.open(str(folder / "clinic.sqlite3"), clock=Clock())
    try:
        day.sync(clinic, staff.nurse, folder / "laptop" / "nina.db", PASSWORD, fault=fault, laptop_clock=Clock(),
                 check_note=check_laptop_note)
    finally:
        clinic.close()


def _dumps(folder: Path) -> tuple[dict[str, object], dict[str, object]]:
    clinic = Store.open(str(folder / "clinic.sqlite3"), migrate=False)
    lap = laptop.open_laptop(folder / "laptop" / "nina.db", PASSWORD)
    try:
        assert clinic.audit.verify().ok and lap.audit.verify().ok
        return dump(clinic), dump(lap)
    finally:
        clinic.close()
        lap.close()


@pytest.fixture
def day_before_sync(sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path) -> Path:
    """The day charted on both sides, not yet synced: the clinic file and the laptop's, closed. Omar's home visit
    is signed on the laptop, with a payment and a follow-up; Jane's clinic visit is signed and paid in the clinic."""
    folder = tmp_path / "pristine"
    folder.mkdir()
    shutil.copyfile(sqlite_staffed_template, folder / "clinic.sqlite3")
    clinic = Store.open(str(folder / "clinic.sqlite3"), clock=Clock())
    try:
        keys = clinic_keys(clinic, sqlite_staff)
        d = check_out(clinic, sqlite_staff, folder)
        chart_in_clinic(d, d.jane)
        (in_clinic,) = clinic.visits.all(d.jane.id, by=sqlite_staff.nurse)  # type: ignore[arg-type]
        assert in_clinic.id is not None
        sign_in_clinic(d, in_clinic.id, in_clinic.version, keys.carl)
        clinic.billing.record_payment(in_clinic.id, "cash", 5000, PAID, by=sqlite_staff.admin)
        chart_on_laptop(d, d.jane)
        sign_on_laptop(d, d.omar, keys.carl)
        clinic.patients.update(dataclasses.replace(d.jane, history_notes="Clinic edit"), sqlite_staff.nurse,
                               based_on=d.jane)
        lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
        nina = lap.users.sign_in("nina", PASSWORD)
        lap.patients.update(dataclasses.replace(d.jane, history_notes="Laptop edit"), nina, based_on=d.jane)
        lap.patients.update(dataclasses.replace(d.omar, weight_kg=72.5), nina, based_on=d.omar)
        lap.users.sign_out(nina)
        lap.close()
    finally:
        clinic.close()
    return folder


def test_a_sync_killed_anywhere_and_run_again_ends_as_an_uninterrupted_one(
        day_before_sync: Path, sqlite_staff: Staff, tmp_path: Path) -> None:
    calm = tmp_path / "calm"
    _copy(day_before_sync, calm)
    points: list[str] = []
    _sync(calm, sqlite_staff, points.append)
    expected = _dumps(calm)
    assert len(expected[0]["visits"]) == 3 and expected[0]["visits"].keys() == expected[1]["visits"].keys()
    assert len(expected[0]["conflicts"]) == 1
    for records in ("notes", "payments", "follow_ups"):
        assert expected[0][records] == expected[1][records] and expected[0][records], records
    assert len(expected[0]["payments"]) == 2
    assert len(points) >= KILLS, points
    new_points = ("pull_note", "pull_payment", "push_note", "push_payment", "push_follow_up", "settle_records")
    assert set(new_points) <= set(points), points
    firsts = {points.index(p) for p in new_points}

    for n in sorted(firsts | set(random.Random(16).sample(range(len(points)), KILLS))):
        run = tmp_path / f"killed-at-{n}"
        _copy(day_before_sync, run)
        calls = iter(range(len(points) + 1))

        def kill(point: str, n: int = n, calls: Iterator[int] = calls) -> None:
            if next(calls) == n:
                raise Killed(point)

        with pytest.raises(Killed):
            _sync(run, sqlite_staff, kill)
        _sync(run, sqlite_staff)
        assert _dumps(run) == expected, f"killed at call {n} ({points[n]})"
