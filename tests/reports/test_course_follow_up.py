"""The course summary's before and after: attacks per month at the course's first infusion, and the latest answered
follow-up, read from a real store; the numbers on the PDF are the ones recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader

from infusiondesk.course import Period
from infusiondesk.followups import FollowUpEntry
from infusiondesk.records.models import Role, VisitStatus
from infusiondesk.store import Store
from infusiondesk_reports.course_summary import build_course_summary
from infusiondesk_reports.summary_commands import read_course
from tests.clinic_day import chart_visit
from tests.reports import scenario

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_the_course_summary_shows_attacks_before_and_at_the_latest_follow_up(tmp_path: Path) -> None:
    now = [T0]
    store = Store.open(str(tmp_path / "clinic.db"), clock=lambda: now[0])
    admin = store.clinic.setup(scenario.CLINIC, "admin", "Clinic Admin", "ward-office-key-123")
    for name, full, role in (("jdoe", "Jane Doe", Role.NURSE), ("bnurse", "Bo Nurse", Role.NURSE),
                             ("asmith", "Alan Smith", Role.CLINICIAN)):
        store.users.create(name, full, role, "river lamp quiet tuesday", "", by=admin)
    nurse, nurse2, doc = (store.users.sign_in(n, "river lamp quiet tuesday") for n in ("jdoe", "bnurse", "asmith"))
    patient = store.patients.add(scenario.PATIENT.details(), by=nurse)
    visit = chart_visit(store, scenario.drug(), patient, nurse, nurse2, doc, T0, until=VisitStatus.COMPLETED,
                        attacks_per_month=8)
    assert visit.id is not None
    now[0] = T0 + timedelta(days=7)
    store.follow_ups.record(FollowUpEntry(visit.id, 7, attacks_per_month=5, headache_days=9, side_effects=False),
                            by=nurse)
    now[0] = T0 + timedelta(days=30)
    store.follow_ups.record(FollowUpEntry(visit.id, 30, attacks_per_month=3, headache_days=6,
                                          rescue_medication="sumatriptan", rescue_days=2, side_effects=True,
                                          side_effects_text="tired the next day"), by=doc)

    records = read_course(store, patient.mrn, Period(), scenario.drug(), by=doc)
    course = records.course
    assert course.attacks_before is not None and course.attacks_before.attacks_per_month == 8
    assert course.follow_up is not None
    assert (course.follow_up.attacks_per_month, course.follow_up.headache_days) == (3, 6)  # the latest, not day 7
    assert course.follow_up_change == "−5 a month"

    pdf = build_course_summary(records.clinic, course, "magnesium sulfate", made_at=now[0])
    (tmp_path / "course.pdf").write_bytes(pdf)
    text = " ".join(PdfReader(tmp_path / "course.pdf").pages[0].extract_text().split())
    assert "Attacks per month before the course 8 (reported 2026-03-02" in text
    assert ("At the latest follow-up 3 attacks and 6 headache days a month, rescue medication on 2 days "
            "(sumatriptan); side effects: tired the next day — 30 days (1 month) after the visit of 2026-03-02, "
            "recorded 2026-04-01 by Alan Smith") in text
    assert "Change in attacks per month at follow-up −5 a month" in text
    store.close()
