"""Receipts and superbills against a real store: a nurse charts 2 g over 75 min with a 10 min pause, the
admin prices the codes, and the signed receipt shows 65 running minutes, 96365 x1 and J3475 x4."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infusiondesk import pki
from infusiondesk.auth import PermissionDenied
from infusiondesk.billing.receipt import PaymentMethod
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Role, VisitStatus
from infusiondesk.service import Step, VisitService
from infusiondesk.store import Store
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk_reports.signing import verify_pdf
from infusiondesk_ui.cli import main
from tests.clinic_day import chart_visit
from tests.reports import scenario
from tests.reports.conftest import CA_PASS, ClinicKeys

ADMIN_PASSWORD = "ward-office-key-123"
NURSE_PASSWORD = "nurse-chair-pass-123"
T0 = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
PRICES_FROM = datetime(2026, 1, 1, tzinfo=UTC)


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture()
def clinic(tmp_path: Path, keys: ClinicKeys) -> tuple[str, int]:
    """A priced clinic (tax id, provider, NPI) whose nurse has a signing key, and one finished visit: 2 g over
    65 running minutes with a 10 minute pause (75 minutes in the chair)."""
    db = str(tmp_path / "clinic.db")
    store = Store.open(db)
    admin = store.clinic.setup(scenario.CLINIC, "admin", "Clinic Admin", ADMIN_PASSWORD)
    store.clinic.update(replace(scenario.CLINIC, tax_id="12-3456789", provider_name="Alan Smith, MD",
                                npi="1234567893"), by=admin)
    store.users.create("jdoe", "Jane Doe", Role.NURSE, NURSE_PASSWORD, "RN", by=admin)
    store.users.create("bnurse", "Bo Nurse", Role.NURSE, "second-nurse-pass-456", "RN", by=admin)
    store.users.create("asmith", "Alan Smith", Role.CLINICIAN, "doctor-sign-pass-123", "MD", by=admin)
    pki.save_clinic_ca(store, keys.ca, by=admin)
    nurse = store.users.sign_in("jdoe", NURSE_PASSWORD)
    p12 = pki.issue_clinician_pkcs12(keys.ca, CA_PASS, full_name="Jane Doe", username="jdoe", credentials="RN",
                                     passphrase=NURSE_PASSWORD, now=datetime.now(UTC))
    pki.save_clinician_pkcs12(store, nurse.user_id, p12, NURSE_PASSWORD, by=admin)
    for code, cents in (("96365", 18000), ("96366", 4500), ("96374", 9000), ("J3475", 250)):
        store.billing.set_price(code, cents, PRICES_FROM, by=admin)
    nurse2 = store.users.sign_in("bnurse", "second-nurse-pass-456")
    doc = store.users.sign_in("asmith", "doctor-sign-pass-123")
    patient = store.patients.add(scenario.PATIENT.details(), by=admin)
    drug = scenario.drug()
    visit = chart_visit(store, drug, patient, nurse, nurse2, doc, T0, until=VisitStatus.ASSESSED,
                        duration="65 min", diagnosis="G43.109")
    svc = VisitService(store, drug)

    def at(minutes: int) -> Step:
        assert visit.id is not None
        return Step(nurse, visit.id, visit.version, T0 + timedelta(minutes=minutes))

    visit = svc.start(at(20))
    visit = svc.pause(at(50), 23.0, "flushing, patient asked for a break")
    visit = svc.resume(at(60))
    visit = svc.stop(at(95), 50.0)
    store.close()
    assert visit.id is not None
    return db, visit.id


def _receipt_cli(monkeypatch: pytest.MonkeyPatch, *args: str, password: str = NURSE_PASSWORD) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["receipt", *args])


def test_the_signed_receipt_shows_65_minutes_96365_and_4_units_of_j3475_and_pdfsig_accepts_it(
        tmp_path: Path, keys: ClinicKeys, clinic: tuple[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    db, visit_id = clinic
    out = tmp_path / "receipt.pdf"
    assert _receipt_cli(monkeypatch, "--db", db, "--user", "jdoe", "--visit", str(visit_id), "--out", str(out)) == 0
    text = _text(out)
    assert "Running" in text and "65 min (pauses removed)" in text and "10 min" in text
    assert "Initial hour: 96365 × 1" in text and "Each additional hour" not in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert not any(line.startswith("96366") for line in lines)  # 5 min beyond the hour is not more than 30
    assert any(line.startswith("96365 IV infusion") and line.endswith("1 $180.00 $180.00") for line in lines), lines
    assert any(line.startswith("J3475 Injection, magnesium sulfate, per 500 mg 4 $2.50 $10.00") for line in lines)
    assert any(line.endswith("Total $190.00") for line in lines)
    assert "G43.109" in text and "Tax id 12-3456789" in " ".join(text.split()) and "1234567893" in text
    assert "NOT PAID" in text
    report = verify_pdf(out.read_bytes(), [keys.ca.certificate_pem])
    assert report.valid and report.intact and report.trusted, report.problems
    assert report.signatures[0].signer == "Jane Doe" and report.signatures[0].reason.startswith("Issued by")
    nss = tmp_path / "nss"
    nss.mkdir()
    (tmp_path / "ca.pem").write_bytes(keys.ca.certificate_pem)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "clinic-ca", "-t", "CT,C,C", "-i",
                    str(tmp_path / "ca.pem")], check=True, capture_output=True)
    sig = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(out)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in sig and "Certificate is Trusted" in sig and "Total document signed" in sig, sig


def test_a_paid_receipt_keeps_its_prices_after_the_price_list_changes(clinic: tuple[str, int]) -> None:
    db, visit_id = clinic
    store = Store.open(db)
    nurse, admin = store.users.sign_in("jdoe", NURSE_PASSWORD), store.users.sign_in("admin", ADMIN_PASSWORD)
    paid = store.billing.record_payment(visit_id, PaymentMethod.HSA_FSA_CARD, 19000, T0 + timedelta(hours=2), by=nurse)
    assert [(x.code, x.unit_price_cents) for x in paid.lines] == [("96365", 18000), ("J3475", 250)]
    store.billing.set_price("96365", 25000, T0 + timedelta(days=1), by=admin)  # from the next day on
    with pytest.raises(DomainError, match="already has a price"):
        store.billing.set_price("96365", 1, PRICES_FROM, by=admin)  # never backdated under an existing price
    receipt = store.billing.receipt_for(visit_id, by=nurse)
    assert receipt.total_cents == 19000 and receipt.paid and receipt.balance_cents == 0
    payment = store.billing.get_payment(visit_id, by=nurse)
    assert payment is not None and payment.method is PaymentMethod.HSA_FSA_CARD
    # an unpaid visit of that day is priced as on its day, too
    store.close()


def test_the_price_list_is_admin_only_and_audited(clinic: tuple[str, int]) -> None:
    db, _ = clinic
    store = Store.open(db)
    nurse, admin = store.users.sign_in("jdoe", NURSE_PASSWORD), store.users.sign_in("admin", ADMIN_PASSWORD)
    with pytest.raises(PermissionDenied, match="Only an admin can change the price list"):
        store.billing.set_price("96365", 1, datetime.now(UTC), by=nurse)
    with pytest.raises(DomainError, match="not a code the clinic bills"):
        store.billing.set_price("99999", 100, datetime.now(UTC), by=admin)
    assert len(store.billing.price_history(by=admin)) == 4
    created = [e for e in store.audit.entries(by=admin) if e.get("table_name") == "prices"]
    assert [e["detail"]["code"] for e in created] == ["96365", "96366", "96374", "J3475"]
    assert {e["username"] for e in created} == {"admin"}
    store.close()


def test_a_payment_is_audited_and_refused_for_a_clinician(clinic: tuple[str, int]) -> None:
    db, visit_id = clinic
    store = Store.open(db)
    doc, admin = store.users.sign_in("asmith", "doctor-sign-pass-123"), store.users.sign_in("admin", ADMIN_PASSWORD)
    with pytest.raises(PermissionDenied, match="record a payment"):
        store.billing.record_payment(visit_id, "cash", 100, datetime.now(UTC), by=doc)
    with pytest.raises(DomainError, match="cash, card or HSA/FSA card"):
        store.billing.record_payment(visit_id, "cheque", 100, datetime.now(UTC), by=admin)
    store.billing.record_payment(visit_id, "cash", 5000, datetime.now(UTC), by=admin)
    entries = [e for e in store.audit.entries(by=admin) if e.get("table_name") == "visit_payments"]
    assert len(entries) == 1 and entries[0]["detail"]["visit_id"] == visit_id
    assert store.billing.receipt_for(visit_id, by=admin).balance_cents == 14000
    store.close()


def test_the_assessment_refuses_a_diagnosis_not_on_the_list(clinic: tuple[str, int]) -> None:
    db, _ = clinic
    store = Store.open(db)
    nurse = store.users.sign_in("jdoe", NURSE_PASSWORD)
    patient = store.patients.by_mrn(scenario.PATIENT.mrn, by=nurse)
    assert patient is not None
    svc = VisitService(store, scenario.drug())
    visit = svc.new_visit(nurse, patient.id)
    from infusiondesk.service import AssessmentEntry
    assert visit.id is not None
    with pytest.raises(WorkflowError, match="not one the clinic bills"):
        svc.assess(Step(nurse, visit.id, visit.version, T0), AssessmentEntry(pain_score=6, diagnosis_code="R51.9"))
    saved = svc.assess(Step(nurse, visit.id, visit.version, T0), AssessmentEntry(pain_score=6,
                                                                                diagnosis_code="g43.909"))
    assert saved.assessment.diagnosis_code == "G43.909"
    store.close()


def test_the_clinic_profile_refuses_an_npi_with_a_wrong_check_digit(clinic: tuple[str, int]) -> None:
    db, _ = clinic
    store = Store.open(db)
    admin = store.users.sign_in("admin", ADMIN_PASSWORD)
    with pytest.raises(DomainError, match="check digit"):
        store.clinic.update(replace(store.clinic.get(), npi="1234567890"), by=admin)
    assert store.clinic.get().npi == "1234567893"
    store.close()


def test_the_month_csv_lists_minutes_codes_and_units(tmp_path: Path, clinic: tuple[str, int],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    db, visit_id = clinic
    out = tmp_path / "nov.csv"
    monkeypatch.setattr("sys.stdin", io.StringIO(NURSE_PASSWORD + "\n"))
    assert main(["billing", "month", "--db", db, "--user", "jdoe", "--month", "2026-11", "--out", str(out)]) == 0
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "visit,patient_mrn,date,start,stop,running_minutes,paused_minutes,diagnosis,codes"
    assert rows[1] == f"{visit_id},MRN-004211,2026-11-03,09:20,2026-11-03 10:35,65,10,G43.109,96365x1;J3475x4"
    monkeypatch.setattr("sys.stdin", io.StringIO(NURSE_PASSWORD + "\n"))
    assert main(["billing", "month", "--db", db, "--user", "jdoe", "--month", "2026-10", "--out", str(out)]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
