"""An override and a hard stop charted on a laptop reach the clinic's near-miss report (and the clinic report of
overrides) once, at the time they happened at the patient's home, marked as from the laptop, with the clinic's
visit id; a second sync does not count them again."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from infusiondesk import near_miss
from infusiondesk.clinic_reports.builtin import near_misses
from infusiondesk.clinic_reports.period import ReportPeriod
from infusiondesk.drugs import load_drug
from infusiondesk.mobile import day, laptop
from infusiondesk.service import AssessmentEntry, OrderEntry, Step, VisitService
from infusiondesk.store import Store
from infusiondesk.workflow.errors import WorkflowError
from tests.clinic_day import baseline
from tests.infusiondesk.mobile.day import HOME_VISIT, check_out
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff


def test_laptop_overrides_and_hard_stops_are_in_the_clinics_near_miss_report_once(
        sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path) -> None:
    s = sqlite_staff
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    clinic = Store.open(str(tmp_path / "clinic.sqlite3"), clock=Clock())
    try:
        d = check_out(clinic, s, tmp_path)
        home = Clock()
        home.now = HOME_VISIT
        lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=home)
        nina, carl = lap.users.sign_in("nina", PASSWORD), lap.users.sign_in("carl", PASSWORD)
        svc = VisitService(lap, load_drug(None))
        v = svc.new_visit(nina, d.jane.id)
        v = svc.assess(Step(nina, v.id, v.version, HOME_VISIT), AssessmentEntry(baseline(HOME_VISIT), 7))
        v = svc.decide(Step(carl, v.id, v.version, HOME_VISIT), True)
        home.advance(minutes=2)  # the audit entry's time is the laptop's clock
        with pytest.raises(WorkflowError, match="cannot be ordered"):
            svc.order(Step(carl, v.id, v.version, HOME_VISIT + timedelta(minutes=2)),
                      OrderEntry("10 g", product="premix-4g-100ml", duration="1 h", weight="70 kg"))
        v = lap.visits.get(v.id, by=nina)
        home.advance(minutes=3)
        svc.order(Step(carl, v.id, v.version, HOME_VISIT + timedelta(minutes=5)),
                  OrderEntry("4 g", product="premix-4g-100ml", duration="1 h", weight="70 kg",
                             reasons={"dose.max.soft": "neurology advice on file"}))
        lap.close()
        clinic_clock = Clock()
        clinic_clock.now = HOME_VISIT + timedelta(hours=5)  # synced in the evening
        clinic = clinic.with_clock(clinic_clock)
        since, until = HOME_VISIT - timedelta(hours=1), HOME_VISIT + timedelta(hours=1)
        assert clinic.audit.override_report(since, until, by=s.nurse) == []  # not synced yet

        day.sync(clinic, s.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
        day.sync(clinic, s.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())  # again: nothing counted twice

        rows = clinic.audit.override_report(since, until, by=s.nurse)
        [visit] = clinic.visits.all(d.jane.id, by=s.nurse)
        assert [(r["kind"], r["username"], r["rule"], r["at"]) for r in rows] == [
            ("hard_stop", "carl", rows[0]["rule"], HOME_VISIT + timedelta(minutes=2)),
            ("override", "carl", "dose.max.soft", HOME_VISIT + timedelta(minutes=5))]
        assert rows[0]["rule"].endswith(".hard")
        assert {r["laptop_id"] for r in rows} == {d.laptop_id}
        assert {r["visit_id"] for r in rows} == {visit.id} and {r["patient_id"] for r in rows} == {d.jane.id}
        assert rows[1]["reason"] == "neurology advice on file"
        # At the time they happened, not the time of the sync: the evening's report is empty.
        evening = HOME_VISIT + timedelta(hours=4)
        assert clinic.audit.override_report(evening, evening + timedelta(hours=2), by=s.nurse) == []
        shown = near_miss.table_rows(near_miss.report(rows, since, until, ZoneInfo("UTC")))
        assert [r[1] for r in shown] == [f"HARD STOP (laptop {d.laptop_id[:8]})",
                                         f"soft override (laptop {d.laptop_id[:8]})"]
        period = ReportPeriod(HOME_VISIT.date(), HOME_VISIT.date(), ZoneInfo("UTC"))
        counted = near_misses(clinic, s.clinician, period)
        assert sum(int(row[4]) for row in counted) == 2
        assert clinic.audit.verify().ok
    finally:
        clinic.close()
