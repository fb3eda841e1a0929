"""The issue's day: two patients out on Nina's laptop, visits charted there and in the clinic, one patient edited
on both sides, then sync: every visit once on both sides, the conflict listed, audit intact, 24 h totals right."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from infusiondesk.drugs import load_drug
from infusiondesk.errors import DomainError
from infusiondesk.mobile import day, laptop
from infusiondesk.records.models import VisitStatus
from infusiondesk.service import Step, VisitService
from infusiondesk.store import Store, tables
from tests.clinic_day import chart_visit
from tests.infusiondesk.mobile.day import HOME_VISIT, chart_in_clinic, chart_on_laptop, check_out, dump, laptop_dump
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff, make_patient


def _visit_uids(store: Store, by: object) -> list[str]:
    with store.engine.connect() as conn:
        return [r.uid for r in conn.execute(select(tables.visits.c.uid))]


def test_a_day_out_and_back(store: Store, staff: Staff, tmp_path: Path) -> None:
    d = check_out(store, staff, tmp_path)
    chart_in_clinic(d, d.jane)  # 9:00 in the clinic, 2 g
    chart_on_laptop(d, d.jane)  # 13:00 at home, 2 g: the laptop's 24 h total does not know the clinic's yet
    chart_on_laptop(d, d.omar)
    lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
    nina_lap = lap.users.sign_in("nina", PASSWORD)
    # Jane's notes edited at her home, and by the front desk in the meantime:
    lap.patients.update(dataclasses.replace(d.jane, history_notes="Lives alone; key under the mat"),
                        nina_lap, based_on=d.jane)
    store.patients.update(dataclasses.replace(d.jane, history_notes="New address: 2 Elm St"), staff.nurse,
                          based_on=d.jane)
    lap.patients.update(dataclasses.replace(d.omar, weight_kg=71.0), nina_lap, based_on=d.omar)  # only on the laptop
    evening = HOME_VISIT.replace(hour=18)
    assert lap.visits.magnesium_given_last_24h(d.jane.id, evening, by=nina_lap) == pytest.approx(2.0)
    lap.users.sign_out(nina_lap)
    lap.close()

    report = day.sync(store, staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())

    assert (report.pushed_visits, report.pulled_visits, report.pushed_patients) == (2, 1, 1)
    assert [c["kind"] for c in report.conflicts] == ["patient"]
    # Nothing doubled: a second sync changes nothing, on either side.
    before = (dump(store), laptop_dump(d.laptop_path))
    again = day.sync(store, staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
    assert (again.pushed_visits, again.pulled_visits, again.audit_entries, again.conflicts) == (0, 0, 0, [])
    assert (dump(store), laptop_dump(d.laptop_path)) == before

    lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
    try:
        clinic_visits, laptop_visits = _visit_uids(store, None), _visit_uids(lap, None)
        assert len(clinic_visits) == len(set(clinic_visits)) == 3
        assert sorted(clinic_visits) == sorted(laptop_visits)
        nina_lap = lap.users.sign_in("nina", PASSWORD)
        assert lap.visits.magnesium_given_last_24h(d.jane.id, evening, by=nina_lap) == pytest.approx(4.0)
        assert store.visits.magnesium_given_last_24h(d.jane.id, evening, by=staff.nurse) == pytest.approx(4.0)
        assert store.patients.get(d.omar.id, by=staff.nurse).weight_kg == 71.0  # one side only: applied
        # Edited on both sides: neither applied.
        assert store.patients.get(d.jane.id, by=staff.nurse).history_notes == "New address: 2 Elm St"
        assert lap.patients.get(d.jane.id, by=nina_lap).history_notes == "Lives alone; key under the mat"
        lap.users.sign_out(nina_lap)
    finally:
        lap.close()
    conflicts = store.mobile.open_conflicts(by=staff.nurse)
    assert [(c["laptop"]["history_notes"], c["clinic"]["history_notes"]) for c in conflicts] == [
        ("Lives alone; key under the mat", "New address: 2 Elm St")]
    clinic_report = store.audit.verify()
    assert clinic_report.ok, clinic_report.summary()
    lap = laptop.open_laptop(d.laptop_path, PASSWORD)
    try:
        assert lap.audit.verify().ok, lap.audit.verify().summary()
    finally:
        lap.close()

    # Resolved, keeping the laptop's note: the clinic takes it now, the laptop keeps it, the conflict closes.
    store.mobile.resolve(conflicts[0]["id"], "laptop", by=staff.nurse)
    day.sync(store, staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
    assert store.patients.get(d.jane.id, by=staff.nurse).history_notes == "Lives alone; key under the mat"
    assert store.mobile.open_conflicts(by=staff.nurse) == []
    assert store.audit.verify().ok


def test_a_visit_changed_on_both_sides_after_a_sync_is_a_conflict_not_an_overwrite(
        sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path) -> None:
    """Both sides take the synced visit one step on (the same version number, different content): listed, and
    neither side's step overwrites the other's."""
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    clinic = Store.open(str(tmp_path / "clinic.sqlite3"), clock=Clock())
    try:
        d = check_out(clinic, sqlite_staff, tmp_path)
        lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
        nina = lap.users.sign_in("nina", PASSWORD)
        carl = lap.users.sign_in("carl", PASSWORD)
        drug = load_drug(None)
        visit = chart_visit(lap, drug, d.jane, nina, nina, carl, HOME_VISIT, until=VisitStatus.DRAFT)
        lap.close()
        day.sync(clinic, sqlite_staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
        in_clinic = next(v for v in clinic.visits.all(d.jane.id, by=sqlite_staff.nurse))
        later = HOME_VISIT + timedelta(minutes=5)
        assert in_clinic.id is not None and visit.id is not None
        VisitService(clinic, drug).decide(Step(sqlite_staff.clinician, in_clinic.id, in_clinic.version, later),
                                          False, "Seen in clinic: not today")
        lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
        VisitService(lap, drug).decide(Step(carl, visit.id, visit.version, later), True, "")
        lap.close()

        report = day.sync(clinic, sqlite_staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())

        assert [c["kind"] for c in report.conflicts] == ["visit"]
        assert (report.pushed_visits, report.pulled_visits) == (0, 0)
        assert "not today" in repr(clinic.visits.get(in_clinic.id, by=sqlite_staff.nurse))  # the clinic's kept
        lap = laptop.open_laptop(d.laptop_path, PASSWORD)
        nina = lap.users.sign_in("nina", PASSWORD)
        assert "not today" not in repr(lap.visits.get(visit.id, by=nina))  # and the laptop's
        lap.close()
    finally:
        clinic.close()


def test_a_laptop_mrn_that_another_clinic_patient_has_is_a_conflict(
        sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path) -> None:
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    clinic = Store.open(str(tmp_path / "clinic.sqlite3"), clock=Clock())
    try:
        d = check_out(clinic, sqlite_staff, tmp_path)
        clinic.patients.add(make_patient("MRN0009", "Other", "Pat"), sqlite_staff.nurse)
        lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
        lap.patients.update(dataclasses.replace(d.jane, mrn="MRN0009"), lap.users.sign_in("nina", PASSWORD),
                            based_on=d.jane)
        lap.close()

        report = day.sync(clinic, sqlite_staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())

        assert report.pushed_patients == 0 and [c["kind"] for c in report.conflicts] == ["patient"]
        assert clinic.patients.get(d.jane.id, by=sqlite_staff.nurse).mrn == "MRN0001"  # type: ignore[arg-type]
        with pytest.raises(DomainError, match="MRN MRN0009 belongs to another patient"):
            clinic.mobile.resolve(report.conflicts[0]["id"], "laptop", by=sqlite_staff.nurse)
    finally:
        clinic.close()
