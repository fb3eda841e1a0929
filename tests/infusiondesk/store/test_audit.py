"""The audit trail: who, when, what; and `audit verify` catches an edited entry, a deleted entry and a
clinical row changed outside the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text, update

from infusiondesk.cli import main
from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Patient, Visit, VitalSigns
from infusiondesk.service import AssessmentEntry, OrderEntry, Step, VisitService
from infusiondesk.store import Store, tables
from infusiondesk.store.audit import chain
from infusiondesk.store.audit.events import AuditEvent
from tests.infusiondesk.store.conftest import Clock, Staff


def _charted(store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> Visit:
    """A visit assessed by the nurse (BP 120/80) through the visit service."""
    p = patient_factory()
    svc = VisitService(store, load_drug(None))
    v = svc.new_visit(staff.nurse, p.id)  # type: ignore[arg-type]
    vitals = VitalSigns(store._now(), systolic=120, diastolic=80, heart_rate=72, resp_rate=16, spo2=98)
    return svc.assess(Step(staff.nurse, v.id, v.version, store._now()),  # type: ignore[arg-type]
                      AssessmentEntry(vitals, 6))


def test_every_change_says_who_when_and_what_before_and_after(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], clock: Clock) -> None:
    v = _charted(store, staff, patient_factory)
    clock.advance(minutes=5)
    svc = VisitService(store, load_drug(None))
    svc.record_vitals(Step(staff.nurse2, v.id, v.version, clock.now),  # type: ignore[arg-type]
                      VitalSigns(clock.now, systolic=118, diastolic=76))
    entries = store.audit.entries("visits", v.id, by=staff.admin)
    assert [e["event"] for e in entries] == ["create", "update", "update"]
    last = entries[-1]
    assert last["username"] == "noel" and last["at"] == clock.now
    assert last["detail"]["before"] == {"vitals": [], "version": 2}
    assert last["detail"]["after"]["version"] == 3
    assert [x["systolic"] for x in last["detail"]["after"]["vitals"]] == [118]


def test_overrides_hard_stops_and_exports_are_audited_and_reported(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], clock: Clock) -> None:
    v = _charted(store, staff, patient_factory)
    svc = VisitService(store, load_drug(None))
    v = svc.decide(Step(staff.clinician, v.id, v.version, clock.now), True)  # type: ignore[arg-type]
    svc.order(Step(staff.clinician, v.id, v.version, clock.now),  # type: ignore[arg-type]
              OrderEntry("4 g", product="premix-4g-100ml", duration="1 h", weight="70 kg",
                         reasons={"dose.max.soft": "neurology advice on file"}))
    store.audit.append(AuditEvent.HARD_STOP, staff.nurse, {"code": "dose_rate.max.hard", "message": "Rate too fast.",
                                                          "patient_id": v.patient_id})
    store.audit.append(AuditEvent.EXPORT_NOTE, staff.admin, {"what": "visit note", "visit_id": v.id})
    report = store.audit.override_report(clock.now - timedelta(days=1), clock.now + timedelta(days=1), by=staff.nurse)
    assert [(r["kind"], r["username"], r["rule"]) for r in report] == [
        ("override", "carl", "dose.max.soft"), ("hard_stop", "nina", "dose_rate.max.hard")]
    assert report[0]["reason"] == "neurology advice on file" and report[0]["visit_id"] == v.id
    later = clock.now + timedelta(days=1)
    assert store.audit.override_report(later, later + timedelta(days=1), by=staff.nurse) == []
    assert store.audit.entries(by=staff.admin)[-1]["event"] == "export_note"


def test_an_intact_trail_verifies(store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    _charted(store, staff, patient_factory)
    report = store.audit.verify()
    assert report.ok, report.problem
    assert report.entries_checked >= 8 and report.rows_checked >= 7


def test_an_edited_audit_entry_is_named(store: Store, staff: Staff,
                                        patient_factory: Callable[..., Patient]) -> None:
    v = _charted(store, staff, patient_factory)
    target = store.audit.entries("visits", v.id, by=staff.admin)[-1]["id"]
    with store.engine.begin() as conn:
        conn.execute(update(tables.audit_log).where(tables.audit_log.c.id == target)
                     .values(username="carl"))
    report = store.audit.verify()
    assert not report.ok and report.broken_entry_id == target
    assert f"audit entry {target}" in report.problem and "was edited" in report.problem


def test_an_edited_entry_with_its_hash_recomputed_still_breaks_the_chain(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    v = _charted(store, staff, patient_factory)
    target = store.audit.entries("visits", v.id, by=staff.admin)[-2]["id"]
    with store.engine.begin() as conn:
        row = conn.execute(select(tables.audit_log).where(tables.audit_log.c.id == target)).mappings().one()
        forged = {**row, "username": "carl"}
        conn.execute(update(tables.audit_log).where(tables.audit_log.c.id == target)
                     .values(username="carl", entry_hash=chain._entry_hash(forged)))
    report = store.audit.verify()
    assert not report.ok and report.broken_entry_id == target + 1
    assert "does not follow the entry before it" in report.problem


@pytest.mark.parametrize("which", ["middle", "last"])
def test_a_deleted_audit_entry_is_detected(store: Store, staff: Staff, patient_factory: Callable[..., Patient],
                                           which: str) -> None:
    v = _charted(store, staff, patient_factory)
    store.audit.append(AuditEvent.EXPORT, staff.admin, {"visit_id": v.id})
    ids = [e["id"] for e in store.audit.entries(by=staff.admin)]
    target = ids[len(ids) // 2] if which == "middle" else ids[-1]
    with store.engine.begin() as conn:
        conn.execute(delete(tables.audit_log).where(tables.audit_log.c.id == target))
    report = store.audit.verify()
    assert not report.ok
    if which == "middle":
        assert report.broken_entry_id == target + 1
        assert f"between {target - 1} and {target + 1} was deleted" in report.problem
    else:
        assert "newest entries were deleted" in report.problem


def test_a_clinical_row_changed_outside_the_app_is_detected(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    v = _charted(store, staff, patient_factory)
    last_entry = store.audit.entries("visits", v.id, by=staff.admin)[-1]["id"]
    with store.engine.begin() as conn:
        conn.execute(update(tables.visits).where(tables.visits.c.id == v.id)
                     .values(content=text("replace(content, :was, :forged)").bindparams(
                         was='"systolic":120', forged='"systolic":100')))
    assert store.visits.get(v.id, by=staff.nurse).assessment.vitals.systolic == 100  # type: ignore[arg-type, union-attr]
    report = store.audit.verify()
    assert not report.ok and report.broken_entry_id == last_entry
    assert f"visits #{v.id} was changed outside the app" in report.problem


def test_a_row_added_or_deleted_outside_the_app_is_detected(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    p = patient_factory()
    with store.engine.begin() as conn:
        conn.execute(delete(tables.patients).where(tables.patients.c.id == p.id))
    report = store.audit.verify()
    assert not report.ok and f"patients #{p.id} was deleted outside the app" in report.problem


def test_audit_verify_command_exits_0_when_intact_and_1_naming_the_entry(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient],
        capsys: pytest.CaptureFixture[str]) -> None:
    v = _charted(store, staff, patient_factory)
    assert main(["audit", "verify", "--db", store.url]) == 0
    assert "intact" in capsys.readouterr().out
    with store.engine.begin() as conn:
        conn.execute(update(tables.visits).where(tables.visits.c.id == v.id).values(status="signed"))
    assert main(["audit", "verify", "--db", store.url]) == 1
    assert f"visits #{v.id} was changed outside the app" in capsys.readouterr().out


def test_audit_times_are_timezone_aware_utc(store: Store, staff: Staff) -> None:
    store.audit.append(AuditEvent.PRINT, staff.nurse, {"what": "label"})
    at = store.audit.entries(by=staff.admin)[-1]["at"]
    assert isinstance(at, datetime) and at.tzinfo is not None and at.utcoffset() == timedelta(0)
    assert at == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
