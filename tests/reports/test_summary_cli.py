"""`infusiondesk summary` and `infusiondesk export-note --visits` against a real store: exit codes, one-line
errors, and several notes out at once with every signed note's exact stored bytes."""

from __future__ import annotations

import io
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from infusiondesk import pki
from infusiondesk.records.models import Role, VisitStatus
from infusiondesk.store import Store
from infusiondesk_reports.note_commands import sign_note
from infusiondesk_reports.signing import verify_pdf
from infusiondesk_ui.cli import main
from tests.clinic_day import chart_visit
from tests.reports import scenario
from tests.reports.conftest import CA_PASS, ClinicKeys

DOCTOR_PASSWORD = "doctor-sign-pass-123"
NURSE_PASSWORD = "nurse-chair-pass-123"


@dataclass(frozen=True)
class Clinic:
    db: str
    signed: tuple[int, int]  # two signed visits
    draft: int
    stored: dict[int, bytes]  # visit id -> the signed note as stored
    ca_pem: bytes


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory, keys: ClinicKeys) -> Clinic:
    """Ms Rivera's two signed 2 g infusions a week apart and a third visit still a draft; the clinician's signing
    key is stored sealed with his password, as the app keeps it."""
    db = str(tmp_path_factory.mktemp("summary") / "clinic.db")
    store = Store.open(db)
    admin = store.clinic.setup(scenario.CLINIC, "admin", "Clinic Admin", "ward-office-key-123")
    store.users.create("jdoe", "Jane Doe", Role.NURSE, NURSE_PASSWORD, "RN", by=admin)
    doc_user = store.users.create("asmith", "Alan Smith", Role.CLINICIAN, DOCTOR_PASSWORD, "MD", by=admin)
    store.users.create("bnurse", "Bo Nurse", Role.NURSE, "second-nurse-pass-456", "RN", by=admin)
    nurse, nurse2 = store.users.sign_in("jdoe", NURSE_PASSWORD), store.users.sign_in("bnurse", "second-nurse-pass-456")
    doc = store.users.sign_in("asmith", DOCTOR_PASSWORD)
    pki.save_clinic_ca(store, keys.ca, by=admin)
    p12 = pki.issue_clinician_pkcs12(keys.ca, CA_PASS, full_name="Alan Smith", username="asmith", credentials="MD",
                                     passphrase=DOCTOR_PASSWORD, now=datetime.now(UTC))
    pki.save_clinician_pkcs12(store, doc_user.id, p12, DOCTOR_PASSWORD, by=admin)
    patient = store.patients.add(scenario.PATIENT.details(), by=nurse)
    drug = scenario.drug()
    credentials = {nurse.user_id: keys.nurse, doc.user_id: keys.clinician}
    signed = []
    for week in (0, 1):
        v = chart_visit(store, drug, patient, nurse, nurse2, doc,
                        datetime(2025, 3, 4, 14, 0, tzinfo=UTC) + timedelta(weeks=week), until=VisitStatus.SIGNED,
                        sign_note=lambda v: sign_note(store, v, drug, credentials, by=doc), seal=keys.clinician)
        signed.append(v.id)
    draft = store.visits.create(patient.id, by=nurse)
    stored = {i: bytes(store.notes.get(i, by=nurse) or b"") for i in signed}
    store.close()
    return Clinic(db, (signed[0], signed[1]), draft.id, stored, keys.ca.certificate_pem)


def _as(monkeypatch: pytest.MonkeyPatch, argv: list[str], user: str = "jdoe", password: str = NURSE_PASSWORD) -> int:
    """The command run as `user`, the password typed on standard input as a script would (what the shell sees:
    the command's return, or argparse's exit for a usage error)."""
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return _exit_code([*argv, "--user", user])


def _one_line_error(capsys: pytest.CaptureFixture[str], expected: str) -> None:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert expected in err, err


def test_summary_of_a_patient_lists_every_visit_and_is_audited(clinic: Clinic, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "course.pdf"
    assert _as(monkeypatch, ["summary", "--db", clinic.db, "--patient", "MRN-004211", "--out", str(out)]) == 0
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out).pages)
    first, second = clinic.signed
    for row in (f"2025-03-04 {first} signed", f"2025-03-11 {second} signed", f" {clinic.draft} draft"):
        assert row in text, row
    assert "4 g = 32.5 mEq = 16.2 mmol" in text  # the two 2 g infusions; the draft gave nothing
    assert "Wrote the course summary of MRN MRN-004211 (3 visits" in capsys.readouterr().err
    store = Store.open(clinic.db)
    entry = [e for e in store.audit.entries(by=store.users.sign_in("jdoe", NURSE_PASSWORD))
             if e.get("event") == "export_summary"][-1]
    store.close()
    assert entry["username"] == "jdoe"
    assert entry["detail"]["visits"] == [*clinic.signed, clinic.draft] and entry["detail"]["signed"] is False


def test_a_period_picks_its_visits(clinic: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "week1.pdf"
    assert _as(monkeypatch, ["summary", "--db", clinic.db, "--patient", "MRN-004211", "--from", "2025-03-01",
                             "--to", "2025-03-05", "--out", str(out)]) == 0
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out).pages)
    assert "period 2025-03-01 to 2025-03-05 · 1 visit, 1 infusion" in text
    assert "2 g = 16.2 mEq = 8.1 mmol" in text


@pytest.mark.parametrize(("argv", "expected"), [
    (["--patient", "MRN-NOPE"], "infusiondesk: No patient has MRN MRN-NOPE; check the number."),
    (["--patient", "MRN-004211", "--from", "04/03/2025"],
     'infusiondesk: --from "04/03/2025" is not a date; write it as year-month-day, such as 2026-03-31.'),
    (["--patient", "MRN-004211", "--from", "2025-04-01", "--to", "2025-03-01"],
     "infusiondesk: The period starts on 2025-04-01, after it ends on 2025-03-01; give the earlier date first."),
    (["--patient", "MRN-004211", "--sign", "--passphrase-file", "PASSFILE"],
     "Jane Doe is not a clinician; only a clinician signs a course summary."),
])
def test_summary_refusals_are_one_line_and_exit_2_and_write_nothing(
        clinic: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    passfile = tmp_path / "pass.txt"
    passfile.write_text("nurse-chair-pass-123\n")
    out = tmp_path / "never.pdf"
    argv = [str(passfile) if a == "PASSFILE" else a for a in argv]
    assert main(["summary", "--db", clinic.db, *argv, "--out", str(out), "--user", "jdoe",
                 "--passphrase-file", str(passfile)]) == 2
    _one_line_error(capsys, expected)
    assert not out.exists()


def test_summary_signed_by_the_clinician_verifies_against_the_clinic_ca(clinic: Clinic, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    passfile, out, ca = tmp_path / "pass.txt", tmp_path / "signed.pdf", tmp_path / "ca.pem"
    passfile.write_text(DOCTOR_PASSWORD + "\n")
    assert main(["summary", "--db", clinic.db, "--patient", "MRN-004211", "--out", str(out), "--user", "asmith",
                 "--sign", "--passphrase-file", str(passfile)]) == 0
    ca.write_bytes(clinic.ca_pem)
    capsys.readouterr()
    assert main(["verify", str(out), "--trust", str(ca)]) == 0
    assert "Alan Smith" in capsys.readouterr().out


def test_export_several_visits_one_file_each_keeps_signed_bytes_and_drafts_are_drafts(
        clinic: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [*clinic.signed, clinic.draft]
    folder = tmp_path / "notes"
    assert _as(monkeypatch, ["export-note", "--db", clinic.db, "--visits", ",".join(map(str, ids)),
                             "--out", str(folder)]) == 0
    assert "Wrote 3 notes (2 signed, 1 DRAFT) as 3 files in" in capsys.readouterr().err
    for visit_id in clinic.signed:
        assert (folder / f"visit-{visit_id}-MRN-004211.pdf").read_bytes() == clinic.stored[visit_id]
    draft = (folder / f"visit-{clinic.draft}-MRN-004211-DRAFT.pdf").read_bytes()
    assert "DRAFT — not signed" in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(draft)).pages)


def test_a_zip_holds_each_signed_note_byte_for_byte_with_checksums(clinic: Clinic, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "notes.zip"
    assert _as(monkeypatch, ["export-note", "--db", clinic.db, "--visits", f"{clinic.signed[0]},{clinic.signed[1]}",
                             "--combine", "zip", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        for visit_id in clinic.signed:
            assert z.read(f"visit-{visit_id}-MRN-004211.pdf") == clinic.stored[visit_id]
        sums = z.read("SHA256SUMS").decode()
    for visit_id in clinic.signed:
        assert f"{pki.sha256_hex(clinic.stored[visit_id])}  visit-{visit_id}-MRN-004211.pdf" in sums


def test_a_portfolio_embeds_each_signed_note_whole_and_each_extracted_note_verifies(
        clinic: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "notes.pdf"
    ids = [*clinic.signed, clinic.draft]
    assert _as(monkeypatch, ["export-note", "--db", clinic.db, "--visits", ",".join(map(str, ids)), "--combine",
                             "portfolio", "--out", str(out)]) == 0
    reader = PdfReader(out)
    cover = " ".join(reader.pages[0].extract_text().split())
    assert "3 notes (2 signed)" in cover and "DRAFT — not signed" in cover
    attached = {name: data[0] for name, data in reader.attachments.items()}
    assert set(attached) == {f"visit-{clinic.signed[0]}-MRN-004211.pdf", f"visit-{clinic.signed[1]}-MRN-004211.pdf",
                             f"visit-{clinic.draft}-MRN-004211-DRAFT.pdf"}
    nss = tmp_path / "nss"
    nss.mkdir()
    (tmp_path / "ca.pem").write_bytes(clinic.ca_pem)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "clinic-ca", "-t", "CT,C,C", "-i",
                    str(tmp_path / "ca.pem")], check=True, capture_output=True)
    for visit_id in clinic.signed:
        note = attached[f"visit-{visit_id}-MRN-004211.pdf"]
        assert note == clinic.stored[visit_id]
        report = verify_pdf(note, [clinic.ca_pem])
        assert report.valid and report.intact and report.trusted
        path = tmp_path / f"extracted-{visit_id}.pdf"
        path.write_bytes(note)
        shown = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True).stdout
        assert shown.count("Signature is Valid") == 2 and "Total document signed" in shown, shown


@pytest.mark.parametrize(("argv", "expected"), [
    (["--visits", "1,x", "--out", "OUT"], '--visits "1,x": "x" is not a visit number'),
    (["--visits", "999", "--out", "OUT"], "Visit #999 does not exist."),
    (["--visits", "1,2", "--version", "1", "--out", "OUT"], "--version goes with --visit (one visit)"),
    (["--visit", "1", "--combine", "zip", "--out", "OUT"], "--combine goes with --visits (several visits)"),
    (["--visit", "1", "--visits", "1,2", "--out", "OUT"], "not allowed with argument"),
])
def test_export_refusals_are_one_line_and_exit_2(clinic: Clinic, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str], argv: list[str],
                                                 expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    argv = [str(out) if a == "OUT" else a for a in argv]
    assert _as(monkeypatch, ["export-note", "--db", clinic.db, *argv]) == 2
    _one_line_error(capsys, expected)
    assert not out.exists()


def _exit_code(argv: list[str]) -> int:
    """What the shell sees: the command's return, or argparse's exit for a usage error."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_a_summary_needs_a_signed_in_reader(clinic: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "never.pdf"
    assert main(["summary", "--db", clinic.db, "--patient", "MRN-004211", "--out", str(out)]) == 2
    _one_line_error(capsys, "give --user NAME")
    assert _as(monkeypatch, ["summary", "--db", clinic.db, "--patient", "MRN-004211", "--out", str(out)],
               password="not-her-password-at-all") == 2
    _one_line_error(capsys, "That user name and password do not match")
    assert not out.exists()
    assert _as(monkeypatch, ["summary", "--db", clinic.db, "--patient", "MRN-004211", "--out", str(out)],
               user="admin", password="ward-office-key-123") == 2  # an admin reads no clinical records
    _one_line_error(capsys, "Only a nurse or clinician")
    assert not out.exists()
