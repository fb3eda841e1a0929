"""A visit charted on both sides after a sync: a clinician keeps one version, the other is set aside (in the conflict
record, the audit entry and a line on the kept visit), the laptop takes the kept one at its next sync, and a sync
after that changes nothing."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from infusiondesk.auth import PermissionDenied
from infusiondesk.drugs import load_drug
from infusiondesk.errors import DomainError
from infusiondesk.mobile import day, laptop
from infusiondesk.records.models import Signature, SignatureMeaning, Visit, VisitStatus
from infusiondesk.service import AssessmentEntry, Step, VisitService
from infusiondesk.store import Store, sync_resolve, tables
from tests.clinic_day import baseline, chart_visit
from tests.infusiondesk.mobile.day import HOME_VISIT, MobileDay, check_out, dump
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff

LATER = HOME_VISIT + timedelta(minutes=40)


@pytest.fixture
def clinic(sqlite_staffed_template: Path, tmp_path: Path) -> Iterator[Store]:
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    store = Store.open(str(tmp_path / "clinic.sqlite3"), clock=Clock())
    yield store
    store.close()


@dataclass
class Diverged:
    day: MobileDay
    clinic_visit: Visit
    conflict_id: int


def _laptop_visit(d: MobileDay) -> tuple[str, Visit]:
    lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
    try:
        nina = lap.users.sign_in("nina", PASSWORD)
        visit = lap.visits.all(d.jane.id, by=nina)[-1]
        lap.users.sign_out(nina)
        with lap.engine.connect() as conn:
            uid = conn.execute(select(tables.visits.c.uid).where(tables.visits.c.id == visit.id)).scalar_one()
        return uid, visit
    finally:
        lap.close()


def _diverge(clinic: Store, staff: Staff, tmp_path: Path, *, infused_on_laptop: bool = False) -> Diverged:
    """Jane's visit charted on the laptop and synced; then one step on each side: a visit conflict.
    Default: the clinic's clinician decides "not today", the laptop's "suitable". With `infused_on_laptop`: the
    laptop starts the infusion while the clinic re-assesses (the visit back to draft)."""
    d = check_out(clinic, staff, tmp_path)
    drug = load_drug(None)
    lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
    nina, carl = lap.users.sign_in("nina", PASSWORD), lap.users.sign_in("carl", PASSWORD)
    until = VisitStatus.ASSESSED if infused_on_laptop else VisitStatus.DRAFT
    visit = chart_visit(lap, drug, d.jane, nina, lap.users.sign_in("noel", PASSWORD), carl, HOME_VISIT, until=until)
    lap.close()
    day.sync(clinic, staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
    in_clinic = clinic.visits.all(d.jane.id, by=staff.nurse)[-1]
    svc = VisitService(clinic, drug)
    if infused_on_laptop:
        svc.assess(Step(staff.nurse, in_clinic.id, in_clinic.version, LATER), AssessmentEntry(baseline(LATER), 6))
    else:
        svc.decide(Step(staff.clinician, in_clinic.id, in_clinic.version, LATER), False, "Seen in clinic: not today")
    lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
    lap_svc = VisitService(lap, drug)
    if infused_on_laptop:
        lap_svc.start(Step(nina, visit.id, visit.version, HOME_VISIT + timedelta(minutes=20)))
    else:
        lap_svc.decide(Step(carl, visit.id, visit.version, LATER), True, "")
    lap.close()
    report = day.sync(clinic, staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
    assert [c["kind"] for c in report.conflicts] == ["visit"]
    return Diverged(d, clinic.visits.get(in_clinic.id, by=staff.nurse), report.conflicts[0]["id"])


def _settled_twice(clinic: Store, staff: Staff, d: MobileDay) -> None:
    """Sync applies the resolution; a second sync changes nothing on either side; both trails verify."""
    day.sync(clinic, staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
    lap = laptop.open_laptop(d.laptop_path, PASSWORD)
    before = (dump(clinic), dump(lap))
    lap.close()
    again = day.sync(clinic, staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
    assert (again.pushed_visits, again.pulled_visits, again.audit_entries, again.conflicts) == (0, 0, 0, [])
    lap = laptop.open_laptop(d.laptop_path, PASSWORD)
    try:
        assert (dump(clinic), dump(lap)) == before
        assert lap.audit.verify().ok, lap.audit.verify().summary()
    finally:
        lap.close()
    assert clinic.audit.verify().ok, clinic.audit.verify().summary()


def _applied(clinic: Store, conflict_id: int) -> bool:
    with clinic.engine.connect() as conn:
        return bool(conn.execute(select(tables.mobile_conflicts.c.applied)
                                 .where(tables.mobile_conflicts.c.id == conflict_id)).scalar_one())


def test_keeping_the_laptops_visit_sets_the_clinics_aside_and_the_laptop_agrees_after_sync(
        clinic: Store, sqlite_staff: Staff, tmp_path: Path) -> None:
    s = sqlite_staff
    x = _diverge(clinic, s, tmp_path)

    clinic.mobile.resolve(x.conflict_id, "laptop", by=s.clinician)

    kept = clinic.visits.get(x.clinic_visit.id, by=s.nurse)
    assert kept.status is VisitStatus.ASSESSED and kept.assessment.suitability is not None
    assert kept.assessment.suitability.suitable  # the laptop's decision stands
    assert f"Sync conflict #{x.conflict_id}" in kept.notes and "the clinic's version (draft" in kept.notes
    resolution = clinic.audit.entries(by=s.admin)[-1]
    assert (resolution["event"], resolution["detail"]["kept"]) == ("mobile_resolve", "laptop")
    assert resolution["detail"]["set_aside"]["assessment"]["suitability"]["reason"] == "Seen in clinic: not today"
    assert clinic.mobile.open_conflicts(by=s.clinician) == []
    [closed] = clinic.mobile.conflicts(by=s.clinician, resolved=True)
    assert closed["resolution"] == "laptop" and "not today" in repr(closed["clinic"])
    assert not _applied(clinic, x.conflict_id)

    _settled_twice(clinic, s, x.day)

    assert _applied(clinic, x.conflict_id)
    _uid, on_laptop = _laptop_visit(x.day)
    assert on_laptop.status is VisitStatus.ASSESSED and f"Sync conflict #{x.conflict_id}" in on_laptop.notes


def test_keeping_the_clinics_visit_keeps_the_laptops_in_the_conflict_record(
        clinic: Store, sqlite_staff: Staff, tmp_path: Path) -> None:
    s = sqlite_staff
    x = _diverge(clinic, s, tmp_path)

    clinic.mobile.resolve(x.conflict_id, "clinic", by=s.clinician)

    kept = clinic.visits.get(x.clinic_visit.id, by=s.nurse)
    assert kept.status is VisitStatus.DRAFT and "not today" in repr(kept.assessment)
    assert "the laptop's version (assessed" in kept.notes
    [closed] = clinic.mobile.conflicts(by=s.nurse, resolved=True)
    assert closed["laptop"]["status"] == "assessed" and closed["laptop"]["assessment"]["suitability"]["suitable"]

    _settled_twice(clinic, s, x.day)

    _uid, on_laptop = _laptop_visit(x.day)
    assert on_laptop.status is VisitStatus.DRAFT and "not today" in repr(on_laptop.assessment)
    assert on_laptop.version == clinic.visits.get(x.clinic_visit.id, by=s.nurse).version


def test_only_a_clinician_chooses_which_visit_stands(clinic: Store, sqlite_staff: Staff, tmp_path: Path) -> None:
    s = sqlite_staff
    x = _diverge(clinic, s, tmp_path)
    for who in (s.nurse, s.admin):
        with pytest.raises(PermissionDenied, match="clinician"):
            clinic.mobile.resolve(x.conflict_id, "laptop", by=who)
    assert clinic.mobile.open_conflicts(by=s.admin) == []  # a visit is a clinical record: not on an admin's list
    assert [c["id"] for c in clinic.mobile.open_conflicts(by=s.nurse)] == [x.conflict_id]
    assert clinic.visits.get(x.clinic_visit.id, by=s.nurse) == x.clinic_visit  # nothing written


def test_an_infusion_given_on_the_laptop_is_never_set_aside(clinic: Store, sqlite_staff: Staff,
                                                            tmp_path: Path) -> None:
    s = sqlite_staff
    x = _diverge(clinic, s, tmp_path, infused_on_laptop=True)
    assert x.clinic_visit.status is VisitStatus.DRAFT  # the clinic re-assessed meanwhile

    with pytest.raises(DomainError, match=r"would take a given infusion out of the record.*Keep the laptop's"):
        clinic.mobile.resolve(x.conflict_id, "clinic", by=s.clinician)
    assert [c["id"] for c in clinic.mobile.open_conflicts(by=s.clinician)] == [x.conflict_id]  # still open

    clinic.mobile.resolve(x.conflict_id, "laptop", by=s.clinician)
    kept = clinic.visits.get(x.clinic_visit.id, by=s.nurse)
    assert kept.status is VisitStatus.INFUSING
    # The infusion counts in the clinic's 24 h total at once (its span written with the resolution).
    assert clinic.visits.magnesium_given_last_24h(x.day.jane.id, LATER, by=s.nurse) == pytest.approx(2.0)
    _settled_twice(clinic, s, x.day)


def _signed(visit: Visit) -> Visit:
    sig = Signature(3, "Carl Clinician", "MD", SignatureMeaning.REVIEWED_APPROVED, HOME_VISIT)
    return dataclasses.replace(visit, status=VisitStatus.SIGNED, signatures=(sig,))


def test_a_signed_visit_is_never_replaced_by_another_version() -> None:
    completed = Visit(id=1, patient_id=1, status=VisitStatus.COMPLETED, notes="charted at home", version=7)
    signed = _signed(dataclasses.replace(completed, notes="charted in clinic"))
    with pytest.raises(DomainError, match=r"clinic's version of this visit is signed.*add what the laptop charted as "
                                          r"an addendum"):
        sync_resolve.check_keep(completed, signed, "laptop", 4)
    sync_resolve.check_keep(signed, completed, "clinic", 4)  # the laptop's unsigned version moves forward: fine
    with pytest.raises(DomainError, match="signed PDF note is not in the clinic"):
        sync_resolve.check_keep(signed, completed, "laptop", 4)
    # A signed version with only a new addendum replaces the signed one (signed visits grow by addenda).
    from infusiondesk.records.models import Addendum

    grown = dataclasses.replace(signed, addenda=(Addendum("Called her at 18:00: well.", 2, HOME_VISIT),))
    sync_resolve.check_keep(grown, signed, "laptop", 4)


def test_a_laptop_that_charted_on_after_the_conflict_gets_a_new_conflict_not_an_overwrite(
        clinic: Store, sqlite_staff: Staff, tmp_path: Path) -> None:
    s = sqlite_staff
    x = _diverge(clinic, s, tmp_path)
    clinic.mobile.resolve(x.conflict_id, "clinic", by=s.clinician)
    _uid, on_laptop = _laptop_visit(x.day)
    lap = laptop.open_laptop(x.day.laptop_path, PASSWORD, clock=Clock())
    nina = lap.users.sign_in("nina", PASSWORD)
    VisitService(lap, load_drug(None)).assess(Step(nina, on_laptop.id, on_laptop.version, LATER),
                                              AssessmentEntry(baseline(LATER), 5))  # charted after the conflict
    lap.close()

    report = day.sync(clinic, s.nurse, x.day.laptop_path, PASSWORD, laptop_clock=Clock())

    assert [c["kind"] for c in report.conflicts] == ["visit"] and report.conflicts[0]["id"] != x.conflict_id
    assert _applied(clinic, x.conflict_id)  # the old resolution is closed, the laptop's newer version is listed
    _uid, still = _laptop_visit(x.day)
    assert still.version == on_laptop.version + 1 and still.assessment.pain_score == 5  # not overwritten
    [new] = clinic.mobile.open_conflicts(by=s.clinician)
    assert new["laptop"]["assessment"]["pain_score"] == 5


def test_visit_conflicts_from_the_command_line(clinic: Store, sqlite_staff: Staff, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from tests.infusiondesk.mobile.test_mobile_cli import _run

    x = _diverge(clinic, sqlite_staff, tmp_path)
    db = str(tmp_path / "clinic.sqlite3")

    code, out, err = _run(monkeypatch, capsys, "mobile", "conflicts", "--db", db, "--user", "carl")

    assert code == 0, err
    assert f"#{x.conflict_id} visit opened 2025-03-03 09:00 UTC for MRN0001 Smith, Jane" in out
    assert "charted on both sides" in out
    assert "status:\n      laptop: assessed\n      clinic: draft" in out  # in words, not JSON
    assert "suitability:\n      laptop: suitable\n      clinic: not suitable (Seen in clinic: not today)" in out
    assert "{" not in out
    code, _out, err = _run(monkeypatch, capsys, "mobile", "resolve", str(x.conflict_id), "--keep", "laptop",
                           "--db", db, "--user", "nina")
    assert code == 2 and "clinician" in err
    code, out, err = _run(monkeypatch, capsys, "mobile", "resolve", str(x.conflict_id), "--keep", "laptop",
                          "--db", db, "--user", "carl")
    assert code == 0 and "keeping the laptop's version; the clinic's stays in the conflict record" in out, err
    code, out, _err = _run(monkeypatch, capsys, "mobile", "conflicts", "--db", db, "--user", "carl")
    assert out.strip() == "No open conflicts."
    code, out, _err = _run(monkeypatch, capsys, "mobile", "conflicts", "--all", "--db", db, "--user", "carl")
    assert f"#{x.conflict_id} visit" in out and "resolved" in out and "keeping the laptop's version" in out


def test_a_kept_signed_visit_says_so_in_an_addendum_an_unsigned_one_in_its_notes() -> None:
    from infusiondesk.records.models import Role, User

    carl = User(3, "carl", "Carl Clinician", Role.CLINICIAN, "MD")
    words = "Sync conflict #4 … set aside"
    signed = _signed(Visit(id=1, patient_id=1, status=VisitStatus.COMPLETED, notes="Home with her partner."))
    noted = sync_resolve._with_note(signed, words, carl, LATER)
    assert noted.notes == "Home with her partner." and [(a.text, a.by, a.signature) for a in noted.addenda] == [
        (words, 3, None)]  # the clinician signs it as any addendum
    open_visit = sync_resolve._with_note(dataclasses.replace(signed, status=VisitStatus.COMPLETED, signatures=()),
                                         words, carl, LATER)
    assert open_visit.addenda == () and open_visit.notes == f"Home with her partner.\n{words}"
