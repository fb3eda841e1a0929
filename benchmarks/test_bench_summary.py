"""The course summary of 50 visits, from the store to the PDF (read, compute, lay out, plots): target <= 3 s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.conftest import record
from infusiondesk.course import Period
from infusiondesk.records.models import Role
from infusiondesk.store import Store
from infusiondesk_reports.summary_commands import course_summary_pdf
from tests.clinic_day import chart_visit
from tests.reports import scenario

VISITS = 50


def test_course_summary_of_50_visits(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "clinic.db"))
    admin = store.clinic.setup(scenario.CLINIC, "admin", "Clinic Admin", "ward-office-key-123")
    nurse = store.users.create("jdoe", "Jane Doe", Role.NURSE, "nurse-chair-pass-123", "RN", by=admin)
    nurse2 = store.users.create("bnurse", "Bo Nurse", Role.NURSE, "second-nurse-pass-456", "RN", by=admin)
    doc = store.users.create("asmith", "Alan Smith", Role.CLINICIAN, "doctor-sign-pass-123", "MD", by=admin)
    nurse, nurse2, doc = (store.users.sign_in(u.username, password) for u, password in (
        (nurse, "nurse-chair-pass-123"), (nurse2, "second-nurse-pass-456"), (doc, "doctor-sign-pass-123")))
    patient = store.patients.add(scenario.PATIENT.details(), by=nurse)
    drug = scenario.drug()
    start = datetime(2024, 1, 2, 14, 0, tzinfo=UTC)
    for i in range(VISITS):  # weekly infusions, completed (charted through the visit service)
        chart_visit(store, drug, patient, nurse, nurse2, doc, start + timedelta(weeks=i))

    def summary() -> bytes:
        return course_summary_pdf(store, patient.mrn, Period(), drug, by=doc)

    pdf = summary()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 2
    benchmark.pedantic(summary, rounds=5, iterations=1)
    fig = record(f"course summary PDF of {VISITS} visits (store to PDF)", list(benchmark.stats.stats.data),
                 "median <= 3 s", target_median_ms=3000.0)
    benchmark.extra_info.update(median_ms=fig.median_ms, p95_ms=fig.p95_ms)
    store.close()
