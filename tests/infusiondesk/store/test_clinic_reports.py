"""Clinic reports read from a real store: each report's totals match the visits counted here from the store's
own records (not by the report's code), a nurse is refused, and the period is the clinic's calendar days."""

from __future__ import annotations

import csv
import dataclasses
import io
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from infusiondesk import clinic_reports as cr
from infusiondesk.auth import PermissionDenied
from infusiondesk.clinic_reports.export import csv_text, from_job, record_export, to_job
from infusiondesk.drugs import load_drug
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Patient, VisitStatus
from infusiondesk.service import Step, VisitService
from infusiondesk.store import Store
from infusiondesk.store.audit.events import AuditEvent
from tests.clinic_day import chart_visit
from tests.infusiondesk.store.conftest import Clock, Staff

NEW_YORK = ZoneInfo("America/New_York")
NOTE = b"%PDF-1.7 /ByteRange [0 1 2 3] /Contents <00> signed"
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


def _clinic(store: Store, staff: Staff, add: Callable[..., Patient], clock: Clock) -> None:
    """A New York clinic: 4 March (local) has a signed, a completed and a stopped-short visit and a draft;
    5 March a running infusion and an assessed visit; one visit at 23:30 on 3 March local (04:30 UTC on the 4th)
    lies outside a period starting on the 4th; a visit on 6 March lies after it."""
    store.clinic.update(dataclasses.replace(store.clinic.get(), timezone="America/New_York"), staff.admin)
    drug = load_drug(None)
    plan = [(datetime(2025, 3, 4, 4, 30, tzinfo=UTC), VisitStatus.COMPLETED),  # 3 March, 23:30 in New York
            (datetime(2025, 3, 4, 14, 0, tzinfo=UTC), VisitStatus.SIGNED),
            (datetime(2025, 3, 4, 15, 0, tzinfo=UTC), VisitStatus.COMPLETED),
            (datetime(2025, 3, 4, 16, 0, tzinfo=UTC), VisitStatus.DRAFT),
            (datetime(2025, 3, 5, 14, 0, tzinfo=UTC), VisitStatus.INFUSING),
            (datetime(2025, 3, 5, 15, 0, tzinfo=UTC), VisitStatus.ASSESSED),
            (datetime(2025, 3, 6, 14, 0, tzinfo=UTC), VisitStatus.COMPLETED)]
    for i, (at, status) in enumerate(plan):
        clock.now = at
        patient = add(mrn=f"MRN-{i}", family=f"Family{i}", no_known_allergies=True)
        chart_visit(store, drug, patient, staff.nurse, staff.nurse2, staff.clinician, at, until=status,
                    sign_note=lambda _: NOTE)
    # 4 March, 17:00 UTC: 1 g of a 2 g bag stopped short (25 of 50 mL), with the reason
    at = datetime(2025, 3, 4, 17, 0, tzinfo=UTC)
    clock.now = at
    patient = add(mrn="MRN-SHORT", family="Short", no_known_allergies=True)
    v = chart_visit(store, drug, patient, staff.nurse, staff.nurse2, staff.clinician, at, until=VisitStatus.INFUSING)
    assert v.id is not None
    VisitService(store, drug).stop(Step(staff.nurse, v.id, v.version, at + timedelta(minutes=35)), 25.0,
                                   "Patient asked to stop: nausea")
    clock.now = NOW


PERIOD = cr.ReportPeriod(date(2025, 3, 4), date(2025, 3, 5), NEW_YORK)


def _in_period(store: Store, staff: Staff) -> list:  # the visits, counted by the test from the store's records
    return [v for v in store.visits.all(by=staff.nurse)
            if v.created_at is not None and PERIOD.first <= v.created_at.astimezone(NEW_YORK).date() <= PERIOD.last]


@pytest.fixture
def clinic(store: Store, staff: Staff, patient_factory: Callable[..., Patient], clock: Clock) -> Store:
    _clinic(store, staff, patient_factory, clock)
    return store


def test_visits_per_day_totals_match_the_visits(clinic: Store, staff: Staff) -> None:
    report = cr.run(clinic, "visits-per-day", PERIOD, by=staff.admin, now=NOW)
    visits = _in_period(clinic, staff)
    assert len(visits) == 6  # 3 March 23:30 local and 6 March are outside
    by_status = [v.status for v in visits]
    started = sum(bool(v.events) for v in visits)
    assert report.totals == ("Total", len(visits), started,
                             sum(s in (VisitStatus.COMPLETED, VisitStatus.SIGNED) for s in by_status),
                             by_status.count(VisitStatus.SIGNED),
                             sum(s in (VisitStatus.DRAFT, VisitStatus.ASSESSED) for s in by_status))
    assert report.totals == ("Total", 6, 4, 2, 1, 2)  # opened, started, completed, signed, not started
    assert report.rows == ((date(2025, 3, 4), 4, 3, 2, 1, 1), (date(2025, 3, 5), 2, 1, 0, 0, 1))


def test_doses_given_count_what_ran_not_what_was_ordered(clinic: Store, staff: Staff) -> None:
    report = cr.run(clinic, "doses-given", PERIOD, by=staff.clinician, now=NOW)
    stopped = [v for v in _in_period(clinic, staff) if any(e.kind.value == "stop" for e in v.events)]
    # two 2 g infusions ran whole and one ran 25 of its 50 mL (read from the pump): 5 g, not the 6 g ordered;
    # the running one is counted apart
    assert len(stopped) == 3
    given = sum(e.volume_infused_ml or 0 for v in stopped for e in v.events if e.kind.value == "stop") * 40 / 1000
    assert given == pytest.approx(5.0)  # the premix is 2 g in 50 mL: 40 mg/mL
    assert report.totals == ("Total", 3, 1, 1, pytest.approx(given))
    assert report.rows == ((date(2025, 3, 4), 3, 1, 0, pytest.approx(5.0)), (date(2025, 3, 5), 0, 0, 1, 0.0))
    assert cr.totals_text(report)[-1] == "5"


def test_side_effects_by_type_and_grade(clinic: Store, staff: Staff) -> None:
    report = cr.run(clinic, "side-effects", PERIOD, by=staff.admin, now=NOW)
    effects = [(e.type_code, e.grade) for v in _in_period(clinic, staff) for e in v.side_effects]
    assert effects == [("flushing", 1)] * 4  # every visit that started logged grade-1 flushing
    assert report.rows == (("Flushing", 4, 0, 0, 0, 0, 4),)
    assert report.totals == ("Total", 4, 0, 0, 0, 0, len(effects))


def test_overrides_and_hard_stops_by_rule_and_user(clinic: Store, staff: Staff, clock: Clock) -> None:
    inside, outside = datetime(2025, 3, 5, 20, 0, tzinfo=UTC), datetime(2025, 3, 6, 5, 30, tzinfo=UTC)
    for at, event, who, code in [(inside, "override", staff.clinician, "dose.soft_max"),
                                 (inside, "override", staff.clinician, "dose.soft_max"),
                                 (inside, "hard_stop", staff.nurse, "pump.mismatch"),
                                 (outside, "hard_stop", staff.nurse, "pump.mismatch")]:  # 6 March 00:30 local
        clock.now = at
        clinic.audit.append(AuditEvent(event), who, {"code": code, "message": "m", "reason": "r"})
    report = cr.run(clinic, "overrides", PERIOD, by=staff.admin, now=NOW)
    since, until = PERIOD.bounds()
    events = [e for e in clinic.audit.entries(by=staff.admin)
              if e["event"] in ("override", "hard_stop") and since <= e["at"] < until]
    assert report.rows == (("dose.soft_max", "carl", 2, 0, 2), ("pump.mismatch", "nina", 0, 1, 1))
    assert report.totals == ("Total", "", sum(e["event"] == "override" for e in events),
                             sum(e["event"] == "hard_stop" for e in events), len(events))
    assert report.totals == ("Total", "", 2, 1, 3)  # the 6 March hard stop is after the period


def test_a_nurse_is_refused_every_report(clinic: Store, staff: Staff) -> None:
    for name in cr.REPORTS:
        with pytest.raises(PermissionDenied, match="Only an admin or clinician can read the clinic reports"):
            cr.run(clinic, name, PERIOD, by=staff.nurse, now=NOW)


def test_csv_and_pdf_job_carry_the_same_totals_and_the_export_is_audited(clinic: Store, staff: Staff) -> None:
    report = cr.run(clinic, "doses-given", PERIOD, by=staff.admin, now=NOW)
    rows = list(csv.reader(io.StringIO(csv_text(report))))
    assert rows[0] == ["Day", "Infusions", "Stopped short", "Still running", "Given (g)"]
    assert rows[1] == ["2025-03-04", "3", "1", "0", "5"] and rows[-1] == ["Total", "3", "1", "1", "5"]
    assert from_job(to_job(report)) == report
    before = len(clinic.audit.entries(by=staff.admin))
    record_export(clinic, report, staff.admin, {"format": "csv", "file": "doses.csv"})
    entry = clinic.audit.entries(by=staff.admin)[-1]
    assert len(clinic.audit.entries(by=staff.admin)) == before + 1
    assert entry["event"] == "export" and entry["detail"]["report"] == "doses-given"
    assert (entry["detail"]["from"], entry["detail"]["to"], entry["detail"]["rows"]) == ("2025-03-04", "2025-03-05", 2)


def test_period_defaults_and_refusals() -> None:
    now = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)  # still 28 February in New York
    assert cr.this_month(now, NEW_YORK) == cr.ReportPeriod(date(2025, 2, 1), date(2025, 2, 28), NEW_YORK)
    assert cr.parse_period(None, "2025-03-10", now, NEW_YORK).first == date(2025, 3, 1)
    with pytest.raises(DomainError, match="after it ends"):
        cr.parse_period("2025-03-10", "2025-03-01", now, NEW_YORK)
    with pytest.raises(DomainError, match='"10/3/2025" is not a date'):
        cr.parse_period("10/3/2025", None, now, NEW_YORK)
    with pytest.raises(DomainError, match='Did you mean "doses-given"'):
        cr.report_named("dose-given")
    # a DST change: 9 March 2025 is 23 hours long in New York
    start, end = cr.ReportPeriod(date(2025, 3, 9), date(2025, 3, 9), NEW_YORK).bounds()
    assert end - start == timedelta(hours=23) and start == datetime(2025, 3, 9, 5, 0, tzinfo=UTC)


def _report_cli(monkeypatch: pytest.MonkeyPatch, user: str, *args: str) -> int:
    """`infusiondesk report ...` as a script runs it: the password on standard input."""
    from infusiondesk_ui.cli import main
    from tests.infusiondesk.store.conftest import PASSWORD

    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    return main(["report", *args, "--user", user])


def test_the_report_command_prints_writes_csv_and_pdf_and_refuses_a_nurse(
        clinic: Store, staff: Staff, staffed_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from pypdf import PdfReader

    from infusiondesk_ui.cli import main

    assert main(["report", "list"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == list(cr.REPORTS)
    period = ["--db", staffed_db_url, "--from", "2025-03-04", "--to", "2025-03-05"]
    assert _report_cli(monkeypatch, "carl", "visits-per-day", *period) == 0
    out = capsys.readouterr().out
    assert "Visits per day" in out and out.splitlines()[-1].split() == ["Total", "6", "4", "2", "1", "2"]
    csv_path, pdf_path = tmp_path / "side.csv", tmp_path / "side.pdf"
    assert _report_cli(monkeypatch, "admin", "side-effects", *period, "--csv", str(csv_path)) == 0
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert rows == [["Side effect", "Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5", "All grades"],
                    ["Flushing", "4", "0", "0", "0", "0", "4"], ["Total", "4", "0", "0", "0", "0", "4"]]
    assert _report_cli(monkeypatch, "admin", "side-effects", *period, "--pdf", str(pdf_path)) == 0
    text = " ".join("".join(p.extract_text() or "" for p in PdfReader(pdf_path).pages).split())
    assert "Total 4 0 0 0 0 4" in text and "Flushing 4 0 0 0 0 4" in text and "Page 1 of 1" in text
    assert "04 Mar 2025 to 05 Mar 2025 (clinic days, America/New_York)" in text and "by Ada Admin" in text
    capsys.readouterr()
    assert _report_cli(monkeypatch, "nina", "doses-given", *period, "--csv", str(tmp_path / "no.csv")) == 2
    assert "Only an admin or clinician can read the clinic reports" in capsys.readouterr().err
    assert not (tmp_path / "no.csv").exists()
    assert main(["report", "dose-given", *period]) == 2
    assert 'Did you mean "doses-given"' in capsys.readouterr().err
    exports = [e["detail"] for e in clinic.audit.entries(by=staff.admin) if e["event"] == "export"]
    assert [(d["report"], d["format"]) for d in exports] == [("side-effects", "csv"), ("side-effects", "pdf")]
