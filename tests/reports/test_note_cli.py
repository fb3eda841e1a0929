"""`infusiondesk verify`, `export-note` and `ca export` against a real store: the exact signed bytes go out."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infusiondesk import pki
from infusiondesk.records.models import Role, VisitStatus
from infusiondesk.store import Store
from infusiondesk_reports.note_commands import sign_note
from infusiondesk_ui.cli import main
from tests.clinic_day import chart_visit
from tests.reports import scenario
from tests.reports.conftest import ClinicKeys

NURSE_PASSWORD = "nurse-chair-pass-123"


@pytest.fixture()
def clinic_db(tmp_path: Path, keys: ClinicKeys) -> tuple[str, int, int, bytes]:
    """A clinic with its CA, a signed visit whose signed note is stored, and an unsigned one."""
    db = str(tmp_path / "clinic.db")
    store = Store.open(db)
    admin = store.clinic.setup(scenario.CLINIC, "admin", "Clinic Admin", "ward-office-key-123")
    store.users.create("jdoe", "Jane Doe", Role.NURSE, NURSE_PASSWORD, "RN", by=admin)
    store.users.create("asmith", "Alan Smith", Role.CLINICIAN, "doctor-sign-pass-123", "MD", by=admin)
    pki.save_clinic_ca(store, keys.ca, by=admin)
    store.users.create("bnurse", "Bo Nurse", Role.NURSE, "second-nurse-pass-456", "RN", by=admin)
    nurse, doc = store.users.sign_in("jdoe", NURSE_PASSWORD), store.users.sign_in("asmith", "doctor-sign-pass-123")
    nurse2 = store.users.sign_in("bnurse", "second-nurse-pass-456")
    patient = store.patients.add(scenario.PATIENT.details(), by=admin)
    drug = scenario.drug()
    credentials = {nurse.user_id: keys.nurse, doc.user_id: keys.clinician}
    visit = chart_visit(store, drug, patient, nurse, nurse2, doc, datetime(2025, 3, 4, 14, 0, tzinfo=UTC),
                        until=VisitStatus.SIGNED, sign_note=lambda v: sign_note(store, v, drug, credentials, by=doc),
                        seal=keys.clinician)
    assert visit.status is VisitStatus.SIGNED
    stored = store.notes.get(visit.id, by=nurse)
    assert stored is not None
    draft_visit = store.visits.create(patient.id, by=nurse)
    store.close()
    return db, visit.id, draft_visit.id, stored


def export_note(monkeypatch: pytest.MonkeyPatch, *args: str, user: str = "jdoe",
                password: str = NURSE_PASSWORD) -> int:
    """`infusiondesk export-note --user NAME ...`, the password typed on standard input as a script would."""
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["export-note", "--user", user, *args])


def test_export_writes_the_exact_stored_signed_bytes_and_they_verify(
        tmp_path: Path, clinic_db: tuple[str, int, int, bytes], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db, visit_id, _, stored = clinic_db
    out, ca = tmp_path / "note.pdf", tmp_path / "ca.pem"
    assert export_note(monkeypatch, "--db", db, "--visit", str(visit_id), "--out", str(out)) == 0
    assert out.read_bytes() == stored
    assert main(["ca", "export", "--db", db, "--out", str(ca)]) == 0
    assert ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    capsys.readouterr()
    assert main(["verify", str(out), "--trust", str(ca), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["valid"] and result["intact"] and result["trusted"]
    assert [s["signer"] for s in result["signatures"]] == ["Jane Doe", "Alan Smith"]
    store = Store.open(db)
    events = [e for e in store.audit.entries(by=store.users.sign_in("admin", "ward-office-key-123"))
              if e.get("event") in ("export_note", "signed_note")]
    store.close()
    assert {e["event"] for e in events} == {"export_note", "signed_note"}
    assert next(e for e in events if e["event"] == "export_note")["username"] == "jdoe"  # who exported it


def test_export_note_needs_a_nurse_or_clinician_signed_in(
        tmp_path: Path, clinic_db: tuple[str, int, int, bytes], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db, visit_id, _, _ = clinic_db
    out = tmp_path / "note.pdf"
    assert main(["export-note", "--db", db, "--visit", str(visit_id), "--out", str(out)]) == 2
    assert "--user" in capsys.readouterr().err
    assert export_note(monkeypatch, "--db", db, "--visit", str(visit_id), "--out", str(out),
                       password="not her password at all") == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert export_note(monkeypatch, "--db", db, "--visit", str(visit_id), "--out", str(out), user="admin",
                       password="ward-office-key-123") == 2
    assert "Only a nurse or clinician can read signed notes" in capsys.readouterr().err
    assert not out.exists()


def test_an_unsigned_visit_exports_as_a_watermarked_draft_that_does_not_verify(
        tmp_path: Path, clinic_db: tuple[str, int, int, bytes], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db, _, draft_id, _ = clinic_db
    out = tmp_path / "draft.pdf"
    assert export_note(monkeypatch, "--db", db, "--visit", str(draft_id), "--out", str(out)) == 0
    assert b"%PDF" in out.read_bytes()[:10]
    assert main(["verify", str(out)]) == 1
    assert "INVALID" in capsys.readouterr().out


def test_verify_fails_on_a_tampered_note_and_without_trust(tmp_path: Path, keys: ClinicKeys, signed_note: bytes,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    good, bad, ca, other = (tmp_path / n for n in ("good.pdf", "bad.pdf", "ca.pem", "other.pem"))
    good.write_bytes(signed_note)
    tampered = bytearray(signed_note)
    tampered[signed_note.index(b"Reviewed and approved by") - 400] ^= 0x01
    bad.write_bytes(bytes(tampered))
    ca.write_bytes(keys.ca.certificate_pem)
    other.write_bytes(pki.create_clinic_ca("Elsewhere", "other-secret", datetime.now(UTC)).certificate_pem)
    assert main(["verify", str(good)]) == 0  # valid and intact; trust not asked for
    assert main(["verify", str(good), "--trust", str(ca)]) == 0
    assert main(["verify", str(good), "--trust", str(other)]) == 1
    assert main(["verify", str(bad), "--trust", str(ca)]) == 1
    text = capsys.readouterr().out
    assert "Jane Doe" in text and "Alan Smith" in text and "INVALID" in text


def test_verify_a_file_that_is_not_a_pdf_exits_2_with_one_line(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a pdf\n")
    assert main(["verify", str(notes)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a PDF" in err


def test_ca_export_without_setup_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "empty.db")
    Store.open(db).close()
    assert main(["ca", "export", "--db", db, "--out", str(tmp_path / "ca.pem")]) == 2
    assert "finish the clinic setup" in capsys.readouterr().err


def test_a_stored_note_is_checkpointed_with_its_signers_key_and_audit_verify_trusts_it(
        tmp_path: Path, clinic_db: tuple[str, int, int, bytes], keys: ClinicKeys,
        capsys: pytest.CaptureFixture[str]) -> None:
    from infusiondesk.store.audit.notes import pdf_identity

    db, visit_id, _, stored = clinic_db
    assert pdf_identity(stored) == (scenario.PATIENT.mrn, visit_id, 1)  # read from the signed PDF's own title
    ca = tmp_path / "ca.pem"
    ca.write_bytes(keys.ca.certificate_pem)
    assert main(["audit", "verify", "--db", db, "--trust", str(ca)]) == 0
    out = capsys.readouterr().out
    assert "1 signed notes match their visits" in out
    assert "1 checkpoints verified against the trusted CA" in out and "signed by Alan Smith" in out
    stranger = pki.create_clinic_ca("Another Clinic", "other-ca-pass", datetime.now(UTC))
    ca.write_bytes(stranger.certificate_pem)
    assert main(["audit", "verify", "--db", db, "--trust", str(ca)]) == 1
    out = capsys.readouterr().out
    assert "checkpoint #1" in out and "is not issued by the trusted CA" in out
