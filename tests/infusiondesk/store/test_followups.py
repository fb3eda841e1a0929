"""Follow-ups in a real store: due on the clinic's calendar, gone once recorded, superseded by a later visit,
refused out of range or out of role, and every write audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from infusiondesk.auth import PermissionDenied
from infusiondesk.drugs import load_drug
from infusiondesk.errors import DomainError, InputError
from infusiondesk.followups import FollowUpEntry, FollowUpStatus
from infusiondesk.records.models import Clinic, Patient, VisitStatus
from infusiondesk.store import Store
from tests.clinic_day import chart_visit
from tests.infusiondesk.store.conftest import Clock, Staff

# 14:00 in New York on Monday 6 January 2025 (19:00 UTC); the infusion starts a few minutes later.
T0 = datetime(2025, 1, 6, 19, 0, tzinfo=UTC)
ANSWERS = FollowUpEntry(0, 7, attacks_per_month=2, headache_days=4, rescue_medication="sumatriptan 50 mg",
                        rescue_days=3, side_effects=False, note="sleeping better")


def _new_york(store: Store, staff: Staff) -> None:
    store.clinic.update(Clinic("Riverside Infusion Clinic", "1 River Rd", "555-0100", "Mon-Fri 8-17",
                               timezone="America/New_York"), staff.admin)


def _visit(store: Store, staff: Staff, patient: Patient, clock: Clock, at: datetime, attacks: int | None = 8) -> int:
    clock.now = at
    v = chart_visit(store, load_drug(None), patient, staff.nurse, staff.nurse2, staff.clinician, at,
                    until=VisitStatus.COMPLETED, attacks_per_month=attacks)
    assert v.id is not None
    return v.id


def _entry(visit_id: int, interval: int = 7, **kw: object) -> FollowUpEntry:
    from dataclasses import replace

    return replace(ANSWERS, visit_id=visit_id, interval_days=interval, **kw)  # type: ignore[arg-type]


def test_due_on_day_seven_from_the_clinics_midnight_and_gone_once_recorded(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], clock: Clock) -> None:
    _new_york(store, staff)
    visit_id = _visit(store, staff, patient_factory(mrn="MRN-F1", no_known_allergies=True), clock, T0)
    clock.now = datetime(2025, 1, 13, 4, 59, tzinfo=UTC)  # 23:59 on day 6 in New York (already the 13th in UTC)
    assert store.follow_ups.due(by=staff.nurse) == []
    with pytest.raises(DomainError, match="not due until 2025-01-13"):
        store.follow_ups.record(_entry(visit_id), by=staff.nurse)
    clock.now = datetime(2025, 1, 13, 5, 0, tzinfo=UTC)  # midnight: day 7
    (due,) = store.follow_ups.due(by=staff.clinician)
    assert (due.visit_id, due.interval_days, due.patient, due.mrn) == (visit_id, 7, "SMITH, Jane", "MRN-F1")
    assert due.visit_day.isoformat() == "2025-01-06"

    saved = store.follow_ups.record(_entry(visit_id), by=staff.nurse)
    assert (saved.status, saved.attacks_per_month, saved.headache_days, saved.rescue_days) == (
        FollowUpStatus.RECORDED, 2, 4, 3)
    assert saved.recorded_by_name == "Nina Nurse" and saved.due_on.isoformat() == "2025-01-13"
    assert store.follow_ups.due(by=staff.nurse) == []
    with pytest.raises(DomainError, match="already recorded"):
        store.follow_ups.record(_entry(visit_id), by=staff.clinician)
    (entry,) = [e for e in store.audit.entries("follow_ups", by=staff.admin)]
    assert entry["event"] == "create" and entry["username"] == "nina"
    assert entry["detail"]["visit_id"] == visit_id and entry["detail"]["after"]["attacks_per_month"] == 2

    clock.now = datetime(2025, 2, 5, 15, 0, tzinfo=UTC)  # 30 days after 6 January
    assert [(d.visit_id, d.interval_days) for d in store.follow_ups.due(by=staff.nurse)] == [(visit_id, 30)]
    store.follow_ups.record(_entry(visit_id, 30, status=FollowUpStatus.COULD_NOT_REACH, attacks_per_month=None,
                                headache_days=None, rescue_days=None, rescue_medication="", side_effects=None,
                                note="two calls, no answer"), by=staff.clinician)
    assert store.follow_ups.due(by=staff.nurse) == []
    assert [f.status for f in store.follow_ups.recorded(due.patient_id, by=staff.nurse)] == [
        FollowUpStatus.RECORDED, FollowUpStatus.COULD_NOT_REACH]


def test_a_later_visit_before_the_due_date_supersedes_the_earlier_ones(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], clock: Clock) -> None:
    patient = patient_factory(mrn="MRN-F2", no_known_allergies=True)
    first = _visit(store, staff, patient, clock, T0)
    second = _visit(store, staff, patient, clock, T0 + timedelta(days=5))
    clock.now = T0 + timedelta(days=8)
    assert store.follow_ups.due(by=staff.nurse) == []  # the first visit's week is superseded; the second's not up
    with pytest.raises(DomainError, match="superseded by a later visit"):
        store.follow_ups.record(_entry(first), by=staff.nurse)
    clock.now = T0 + timedelta(days=12)
    assert [(d.visit_id, d.interval_days) for d in store.follow_ups.due(by=staff.nurse)] == [(second, 7)]


def test_answers_out_of_range_are_refused_in_the_core(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], clock: Clock) -> None:
    visit_id = _visit(store, staff, patient_factory(mrn="MRN-F3", no_known_allergies=True), clock, T0)
    clock.now = T0 + timedelta(days=7)
    with pytest.raises(InputError, match=re.escape("Attacks per month must be 0 to 31; 40 was entered.")):
        store.follow_ups.record(_entry(visit_id, attacks_per_month=40), by=staff.nurse)
    with pytest.raises(InputError, match=re.escape("Headache days per month must be 0 to 31; 32 was entered.")):
        store.follow_ups.record(_entry(visit_id, headache_days=32), by=staff.nurse)
    assert store.audit.entries("follow_ups", by=staff.admin) == []
    assert len(store.follow_ups.due(by=staff.nurse)) == 1


def test_roles_are_checked_through_the_public_api(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], clock: Clock) -> None:
    visit_id = _visit(store, staff, patient_factory(mrn="MRN-F4", no_known_allergies=True), clock, T0)
    clock.now = T0 + timedelta(days=7)
    with pytest.raises(PermissionDenied, match=re.escape(
            "Only a nurse or clinician can record follow-ups; Ada Admin is signed in as admin.")):
        store.follow_ups.record(_entry(visit_id), by=staff.admin)
    with pytest.raises(PermissionDenied, match="Only a nurse or clinician can see follow-ups"):
        store.follow_ups.due(by=staff.admin)
    with pytest.raises(PermissionDenied, match="Only an admin can change the follow-up intervals"):
        store.follow_ups.set_policy([14], by=staff.nurse)

    assert store.follow_ups.policy().intervals_days == (7, 30)  # the data file's defaults
    store.follow_ups.set_policy([30, 14], by=staff.admin)
    assert store.follow_ups.policy().intervals_days == (14, 30)
    (change,) = store.audit.entries("follow_up_policy", by=staff.admin)
    assert change["username"] == "admin" and change["detail"]["after"]["intervals_days"] == "14,30"
    assert store.follow_ups.due(by=staff.nurse) == []  # 7 days is no longer an interval
    clock.now = T0 + timedelta(days=14)
    assert [d.interval_days for d in store.follow_ups.due(by=staff.nurse)] == [14]


def test_outcomes_for_the_clinic_report(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], clock: Clock) -> None:
    visit_id = _visit(store, staff, patient_factory(mrn="MRN-F5", no_known_allergies=True), clock, T0, attacks=8)
    clock.now = T0 + timedelta(days=7)
    store.follow_ups.record(_entry(visit_id), by=staff.nurse)
    (outcome,) = store.follow_ups.outcomes(by=staff.clinician, since=T0, until=clock.now + timedelta(seconds=1))
    assert (outcome.attacks_before, outcome.attacks_after, outcome.attacks_change) == (8, 2, -6)
    assert (outcome.headache_days, outcome.rescue_days, outcome.side_effects) == (4, 3, False)
    assert outcome.mrn == "MRN-F5" and outcome.visit_id == visit_id and outcome.interval_days == 7
    assert store.follow_ups.outcomes(by=staff.clinician, since=clock.now + timedelta(seconds=1)) == []


def test_the_follow_up_outcomes_clinic_report_counts_what_was_recorded(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], clock: Clock) -> None:
    from zoneinfo import ZoneInfo

    from infusiondesk import clinic_reports as cr
    from infusiondesk.clinic_reports import ReportPeriod

    fewer = _visit(store, staff, patient_factory(mrn="MRN-R1", no_known_allergies=True), clock, T0, attacks=8)
    more = _visit(store, staff, patient_factory(mrn="MRN-R2", no_known_allergies=True), clock, T0, attacks=1)
    unknown = _visit(store, staff, patient_factory(mrn="MRN-R3", no_known_allergies=True), clock, T0, attacks=None)
    unreached = _visit(store, staff, patient_factory(mrn="MRN-R4", no_known_allergies=True), clock, T0)
    clock.now = T0 + timedelta(days=7)
    store.follow_ups.record(_entry(fewer, side_effects=True, side_effects_text="flushing"), by=staff.nurse)
    store.follow_ups.record(_entry(more), by=staff.nurse)  # 1 before, 2 after
    store.follow_ups.record(_entry(unknown), by=staff.clinician)
    store.follow_ups.record(FollowUpEntry(unreached, 7, FollowUpStatus.COULD_NOT_REACH), by=staff.nurse)
    clock.now = T0 + timedelta(days=30)
    store.follow_ups.record(_entry(fewer, interval=30, attacks_per_month=8), by=staff.nurse)  # the same as before

    period = ReportPeriod(date(2025, 1, 1), date(2025, 2, 28), ZoneInfo("UTC"))
    report = cr.run(store, "follow-up-outcomes", period, by=staff.admin, now=clock.now)
    by_interval = {row[0]: row[1:] for row in report.rows}
    #                      reached, not reached, declined, fewer, same, more, no before, side effects
    assert by_interval == {"7 days": (3, 1, 0, 1, 0, 1, 1, 1), "30 days (1 month)": (1, 0, 0, 0, 1, 0, 0, 0)}
    assert report.totals == ("Total", 4, 1, 0, 1, 1, 1, 1, 1)
    before_january = ReportPeriod(date(2024, 12, 1), date(2024, 12, 31), ZoneInfo("UTC"))
    assert cr.run(store, "follow-up-outcomes", before_january, by=staff.clinician, now=clock.now).rows == ()
    with pytest.raises(PermissionDenied, match="clinic reports"):
        cr.run(store, "follow-up-outcomes", period, by=staff.nurse, now=clock.now)


def test_recorded_follow_ups_verify_against_the_audit_chain_and_an_edit_is_caught(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], clock: Clock) -> None:
    from sqlalchemy import update

    from infusiondesk.store import tables

    visit_id = _visit(store, staff, patient_factory(mrn="MRN-F6", no_known_allergies=True), clock, T0)
    clock.now = T0 + timedelta(days=7)
    saved = store.follow_ups.record(_entry(visit_id), by=staff.nurse)
    store.follow_ups.set_policy([7, 30], by=staff.admin)
    report = store.audit.verify()
    assert report.ok, report.problem
    with store.engine.begin() as conn:  # someone edits the answer outside the app
        conn.execute(update(tables.follow_ups).where(tables.follow_ups.c.id == saved.id).values(attacks_per_month=0))
    report = store.audit.verify()
    assert not report.ok and "follow_ups" in str(report.problem)
