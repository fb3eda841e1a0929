"""`infusiondesk followups due`: the follow-ups due now, for the signed-in nurse or clinician; an admin is refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Clinic, PatientDetails, Role, VisitStatus
from infusiondesk.store import Store
from tests.clinic_day import chart_visit
from tests.infusiondesk.test_cli import _run_ui

PASSWORD = "quiet river lamp tuesday"


@pytest.fixture
def clinic_db(tmp_path: Path) -> str:
    """Ms Rivera's infusion eight days ago, completed: her 7-day follow-up is due since yesterday."""
    path = str(tmp_path / "clinic.db")
    store = Store.open(path)
    admin = store.clinic.setup(Clinic("Riverside Infusion Clinic"), "admin", "Ada Admin", PASSWORD)
    for name, role in (("nina", Role.NURSE), ("noel", Role.NURSE), ("carl", Role.CLINICIAN)):
        store.users.create(name, name.title(), role, PASSWORD, "", by=admin)
    nina, noel, carl = (store.users.sign_in(n, PASSWORD) for n in ("nina", "noel", "carl"))
    patient = store.patients.add(PatientDetails("MRN-0042", "Rivera", "Ana", date(1985, 6, 1), "female",
                                                weight_kg=64, no_known_allergies=True), by=nina)
    eight_days_ago = datetime.now(UTC).replace(hour=10, minute=0) - timedelta(days=8)  # never across midnight
    chart_visit(store, load_drug(None), patient, nina, noel, carl, eight_days_ago, until=VisitStatus.COMPLETED)
    store.close()
    return path


def test_followups_due_lists_the_patient_and_since_when(clinic_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run_ui(["followups", "due", "--db", clinic_db, "--user", "nina"], capsys, PASSWORD + "\n")
    assert code == 0, err
    (line,) = out.splitlines()
    assert line.startswith("MRN-0042     RIVERA, Ana") and "7 days" in line and "(1 day)" in line
    code, out, _ = _run_ui(["followups", "due", "--db", clinic_db, "--user", "carl", "--json"], capsys,
                           PASSWORD + "\n")
    (row,) = json.loads(out)
    assert (row["mrn"], row["interval_days"]) == ("MRN-0042", 7)
    assert date.fromisoformat(row["due_on"]) == date.fromisoformat(row["visit_date"]) + timedelta(days=7)


def test_an_admin_is_refused_in_one_sentence(clinic_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run_ui(["followups", "due", "--db", clinic_db, "--user", "admin"], capsys, PASSWORD + "\n")
    assert code == 2 and out == ""
    assert "Only a nurse or clinician can see follow-ups; Ada Admin is signed in as admin." in err
