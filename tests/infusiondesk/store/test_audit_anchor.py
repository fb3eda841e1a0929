"""Anchored audit trail: an attacker who can write the database, and recompute the chain with the app's own
hashing code, is caught by `audit verify --trust ca.pem`, because checkpoints are signed with keys the database
does not hold in the clear. Two patients each have a visit of 2 g signed by Carl, its note stored and
checkpointed with his key, then an audit-seal checkpoint, then one more (unanchored) export entry."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import delete, func, select, text, update

from infusiondesk import pki
from infusiondesk.cli import main
from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Patient, Visit, VisitStatus
from infusiondesk.store import Store, tables
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.audit.verify import AuditReport
from tests.clinic_day import chart_visit
from tests.infusiondesk.store import attacks
from tests.infusiondesk.store.conftest import PASSWORD, Staff

CA_PASS = "clinic-ca-passphrase"


@dataclass(frozen=True)
class SignedClinic:
    ca: pki.ClinicCA
    visits: tuple[Visit, Visit]
    patients: tuple[Patient, Patient]
    note_entries: tuple[int, int]  # the audit entry storing each visit's note
    sealed_entry: int  # the entry the audit-seal checkpoint anchors

    @property
    def trust(self) -> list[x509.Certificate]:
        return [self.ca.certificate]


def fake_note(patient: Patient, visit: Visit) -> bytes:
    """A note's bytes as the PDF's info dictionary names it (the store keeps any bytes it is given)."""
    title = f"Visit note {patient.family_name.upper()}, {patient.given_name} MRN {patient.mrn} visit {visit.id} v1"
    return (f"%PDF-1.4\n1 0 obj\n<< /Title ({title}) /Producer (test) >>\nendobj\n"
            "2 0 obj\n<< /ByteRange [0 0 0 0] /Contents <00> >>\nendobj\n%%EOF\n").encode()


def _entry_ids(store: Store) -> list[int]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(tables.audit_log.c.id).order_by(tables.audit_log.c.id)).scalars())


@pytest.fixture
def clinic(store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> SignedClinic:
    now = datetime.now(UTC)
    ca = pki.create_clinic_ca("Riverside Infusion Clinic", CA_PASS, now)
    pki.save_clinic_ca(store, ca, by=staff.admin)
    carl = pki.unlock_pkcs12(pki.issue_clinician_pkcs12(ca, CA_PASS, full_name="Carl Clinician", username="carl",
                                                        passphrase="carl-passphrase", now=now), "carl-passphrase")
    patients = (patient_factory(no_known_allergies=True),
                patient_factory(mrn="MRN0002", family="Jones", given="Bob", no_known_allergies=True))
    visits, note_entries = [], []
    for p in patients:
        v = chart_visit(store, load_drug(None), p, staff.nurse, staff.nurse2, staff.clinician, store._now(),
                        until=VisitStatus.SIGNED, sign_note=lambda candidate, p=p: fake_note(p, candidate), seal=carl)
        visits.append(v)
        note_entries.append(store.audit.entries("signed_notes", by=staff.admin)[-1]["id"])
    seal = pki.issue_audit_seal(ca, CA_PASS, now)
    pki.save_audit_seal(store, seal, by=staff.admin)
    sealed_entry = store.audit.checkpoint(seal.unlock(CA_PASS))
    store.audit.append(AuditEvent.EXPORT, staff.admin, {"what": "visit note", "visit_id": visits[0].id})
    return SignedClinic(ca, (visits[0], visits[1]), patients, (note_entries[0], note_entries[1]), sealed_entry)


def _problems(report: AuditReport) -> str:
    assert not report.ok
    return "\n".join(report.problems)


def test_an_honest_clinic_verifies_anchored_to_the_trusted_ca(store: Store, clinic: SignedClinic) -> None:
    report = store.audit.verify(clinic.trust)
    assert report.ok, report.problems
    assert report.trusted and report.checkpoints_verified == 3 and report.notes_checked == 2
    assert report.last_checkpoint is not None and report.last_checkpoint.entry_id == clinic.sealed_entry
    assert "Riverside Infusion Clinic Audit Seal" in report.summary()
    assert f"the last anchors entry {clinic.sealed_entry}" in report.summary()


def test_note_entries_carry_the_note_hash_visit_and_patient(store: Store, clinic: SignedClinic, staff: Staff) -> None:
    entry = next(e for e in store.audit.entries("signed_notes", by=staff.admin) if e["id"] == clinic.note_entries[1])
    v, p = clinic.visits[1], clinic.patients[1]
    note = store.notes.get(v.id, by=staff.nurse)  # type: ignore[arg-type]
    assert note is not None and entry["detail"]["sha256"] == pki.sha256_hex(note)
    assert (entry["detail"]["visit_id"], entry["detail"]["patient_id"], entry["detail"]["mrn"]) == (v.id, p.id, p.mrn)


def test_visit_edited_from_2_g_to_4_g_and_the_chain_resealed_is_caught(store: Store, clinic: SignedClinic,
                                                                      staff: Staff) -> None:
    v = clinic.visits[0]
    with store.engine.begin() as conn:
        conn.execute(update(tables.visits).where(tables.visits.c.id == v.id)
                     .values(content=text("replace(content, '\"2 g\"', '\"4 g\"')")))
    attacks.reseal(store)
    assert store.visits.get(v.id, by=staff.nurse).dose_order.dose_text == "4 g"  # type: ignore[arg-type, union-attr]
    found = _problems(store.audit.verify(clinic.trust))
    assert "was edited" not in found and "does not follow" not in found  # the chain itself is consistent again
    assert "the chain was recomputed" in found
    assert f"visit #{v.id} was changed after it was signed" in found


@pytest.mark.parametrize("attack", ["reorder", "insert", "delete"])
def test_reordered_inserted_or_deleted_entries_resealed_are_caught(store: Store, clinic: SignedClinic,
                                                                   attack: str) -> None:
    ids = _entry_ids(store)
    if attack == "reorder":
        attacks.reseal(store, order=[ids[1], ids[0], *ids[2:]])
    elif attack == "insert":
        attacks.append_forged(store, "patients", clinic.patients[0].id)  # type: ignore[arg-type]
        ids = _entry_ids(store)
        attacks.reseal(store, order=[ids[0], ids[-1], *ids[1:-1]])
    else:
        attacks.reseal(store, drop=[ids[3]])
    report = store.audit.verify(clinic.trust)
    assert "the chain was recomputed" in _problems(report)
    assert report.last_checkpoint is None  # nothing after the tampering is anchored any more


def test_two_patients_notes_swapped_and_resealed_are_caught(store: Store, clinic: SignedClinic, staff: Staff) -> None:
    n = tables.signed_notes.c
    with store.engine.begin() as conn:
        rows = {r.visit_id: r for r in conn.execute(select(tables.signed_notes))}
        a, b = (rows[v.id] for v in clinic.visits)  # type: ignore[index]
        conn.execute(update(tables.signed_notes).where(n.id == a.id).values(pdf=b.pdf, sha256=b.sha256))
        conn.execute(update(tables.signed_notes).where(n.id == b.id).values(pdf=a.pdf, sha256=a.sha256))
    attacks.reseal(store)
    v1, v2 = clinic.visits
    assert store.notes.get(v1.id, by=staff.nurse) == fake_note(clinic.patients[1], v2)  # type: ignore[arg-type]
    found = _problems(store.audit.verify(clinic.trust))
    assert "the chain was recomputed" in found
    assert f"the PDF is the note of visit #{v2.id} (MRN MRN0002), not of visit #{v1.id} (MRN MRN0001)" in found
    assert "is not the note that was stored" in found


def test_notes_swapped_with_forged_entries_after_the_last_checkpoint_are_caught(
        store: Store, clinic: SignedClinic) -> None:
    n = tables.signed_notes.c
    with store.engine.begin() as conn:
        a, b = conn.execute(select(tables.signed_notes).order_by(n.id)).all()
        conn.execute(update(tables.signed_notes).where(n.id == a.id).values(pdf=b.pdf, sha256=b.sha256))
        conn.execute(update(tables.signed_notes).where(n.id == b.id).values(pdf=a.pdf, sha256=a.sha256))
    attacks.append_forged(store, "signed_notes", a.id, event="signed_note")
    attacks.append_forged(store, "signed_notes", b.id, event="signed_note")
    found = _problems(store.audit.verify(clinic.trust))
    assert "the chain was recomputed" not in found  # appended after the checkpoint: the chain alone is fine
    assert f"changes signed note #{a.id}, but a stored signed note is never changed" in found
    assert f"signed note #{a.id} (visit #{a.visit_id} version 1) is not the note that was stored" in found


def test_cutting_off_checkpointed_entries_is_caught_but_cutting_unanchored_ones_is_not(
        store: Store, clinic: SignedClinic) -> None:
    def cut_after(last: int) -> None:
        with store.engine.begin() as conn:
            conn.execute(delete(tables.audit_log).where(tables.audit_log.c.id > last))
            last_hash = conn.execute(select(tables.audit_log.c.entry_hash)
                                     .where(tables.audit_log.c.id == last)).scalar_one()
            conn.execute(update(tables.audit_head).values(last_id=last, last_hash=last_hash))

    cut_after(clinic.sealed_entry)  # only the export after the last checkpoint: the trail cannot tell
    assert store.audit.verify(clinic.trust).ok
    cut_after(clinic.note_entries[1] - 1)  # the second note's storing, and the seal's checkpoint, are gone
    found = _problems(store.audit.verify(clinic.trust))
    assert f"a checkpoint signed entry {clinic.sealed_entry}: checkpointed entries were cut off" in found


def test_a_deleted_signed_note_is_caught_even_with_its_entries_dropped_and_resealed(
        store: Store, clinic: SignedClinic) -> None:
    v2 = clinic.visits[1]
    with store.engine.begin() as conn:
        conn.execute(delete(tables.signed_notes).where(tables.signed_notes.c.visit_id == v2.id))
    attacks.reseal(store, drop=[clinic.note_entries[1]])
    found = _problems(store.audit.verify(clinic.trust))
    assert f"visit #{v2.id} is signed but its signed note (version 1) is missing" in found
    assert "the chain was recomputed" in found


def test_a_visit_edited_after_signing_with_a_forged_addendum_entry_is_caught(
        store: Store, clinic: SignedClinic) -> None:
    v = clinic.visits[0]
    with store.engine.begin() as conn:
        conn.execute(update(tables.visits).where(tables.visits.c.id == v.id)
                     .values(content=text("replace(content, '\"2 g\"', '\"4 g\"')")))
    attacks.append_forged(store, "visits", v.id)  # type: ignore[arg-type]
    report = store.audit.verify(clinic.trust)
    found = _problems(report)
    assert found.count("\n") == 0, found  # exactly one problem, and it is the right one
    assert f"visit #{v.id} was changed after it was signed" in found
    assert report.last_checkpoint is not None  # the checkpoints still match: the forgery came after them


def test_the_attackers_own_ca_and_seal_pass_only_without_trust(store: Store, clinic: SignedClinic) -> None:
    """The attacker edits a signed visit, rewrites the note entries' record of it, reseals, replaces the CA
    certificate kept in the database with their own, deletes the real checkpoints and signs new ones: only a CA
    brought from outside the database tells."""
    now = datetime.now(UTC)
    v = clinic.visits[0]
    with store.engine.begin() as conn:
        conn.execute(update(tables.visits).where(tables.visits.c.id == v.id)
                     .values(content=text("replace(content, '\"2 g\"', '\"4 g\"')")))
        conn.execute(delete(tables.audit_checkpoints))
    fake_ca = pki.create_clinic_ca("Riverside Infusion Clinic", "attacker-pass", now)
    with store.engine.begin() as conn:
        conn.execute(update(tables.pki_objects).where(tables.pki_objects.c.kind == pki.KIND_CA_CERT)
                     .values(data=fake_ca.certificate_pem))
    attacks.rewrite_note_entries(store)
    attacks.reseal(store)
    fake_seal = pki.issue_audit_seal(fake_ca, "attacker-pass", now)
    store.audit.checkpoint(fake_seal.unlock("attacker-pass"))
    assert store.audit.verify().ok  # the database vouches for itself...
    found = _problems(store.audit.verify(clinic.trust))  # ...the clinic's real CA does not
    assert "is not issued by the trusted CA" in found
    assert "is not covered by a verified checkpoint" in found and "checkpoints were deleted" in found


def test_a_forged_or_edited_checkpoint_is_refused(store: Store, clinic: SignedClinic) -> None:
    c = tables.audit_checkpoints.c
    with store.engine.begin() as conn:
        last = conn.execute(select(func.max(c.id))).scalar_one()
        conn.execute(update(tables.audit_checkpoints).where(c.id == last).values(entry_count=c.entry_count + 1))
    found = _problems(store.audit.verify(clinic.trust))
    assert f"checkpoint #{last}" in found and "its signature does not match its content" in found


def test_audit_checkpoint_and_verify_commands(store: Store, clinic: SignedClinic, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ca_pem, secret = tmp_path / "ca.pem", tmp_path / "seal-passphrase"
    ca_pem.write_bytes(clinic.ca.certificate_pem)
    secret.write_text(CA_PASS + "\n")
    with store.engine.begin() as conn:  # as in a clinic that never ran a checkpoint: no seal yet
        conn.execute(delete(tables.pki_objects).where(tables.pki_objects.c.kind.like("audit_seal%")))
    attacks.reseal(store)  # (removing the seal rows is itself an outside change; start from a sound chain)
    with store.engine.begin() as conn:
        conn.execute(delete(tables.audit_checkpoints))
    assert main(["audit", "checkpoint", "--db", store.url, "--passphrase-file", str(secret)]) == 2
    assert "give --user NAME of an admin" in capsys.readouterr().err  # issuing the seal replaces a clinic key
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["audit", "checkpoint", "--db", store.url, "--user", "nina", "--passphrase-file", str(secret)]) == 2
    assert "Only an admin can change the clinic's keys" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["audit", "checkpoint", "--db", store.url, "--user", "admin", "--passphrase-file", str(secret)]) == 0
    out = capsys.readouterr()
    assert "Issued the audit seal" in out.err and "Checkpoint signed" in out.out
    assert main(["audit", "checkpoint", "--db", store.url, "--passphrase-file", str(secret)]) == 0
    assert main(["audit", "verify", "--db", store.url, "--trust", str(ca_pem)]) == 0
    out = capsys.readouterr()
    assert "Audit trail intact" in out.out and "2 checkpoints verified against the trusted CA" in out.out
    with store.engine.begin() as conn:
        conn.execute(update(tables.visits).where(tables.visits.c.id == clinic.visits[0].id)
                     .values(content=text("replace(content, '\"2 g\"', '\"4 g\"')")))
    attacks.reseal(store)
    assert main(["audit", "verify", "--db", store.url, "--trust", str(ca_pem)]) == 1
    assert "the chain was recomputed" in capsys.readouterr().out


def test_checkpoint_and_verify_commands_refuse_bad_input_in_one_line(
        store: Store, clinic: SignedClinic, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-passphrase\n")
    assert main(["audit", "checkpoint", "--db", store.url, "--passphrase-file", str(wrong)]) == 2
    assert "audit seal passphrase is wrong" in capsys.readouterr().err
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("hello")
    assert main(["audit", "verify", "--db", store.url, "--trust", str(not_pem)]) == 2
    assert "is not a PEM certificate" in capsys.readouterr().err
    assert main(["audit", "verify", "--db", store.url, "--trust", str(tmp_path / "missing.pem")]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_a_note_relabelled_as_another_version_is_caught(store: Store, clinic: SignedClinic) -> None:
    v = clinic.visits[0]
    n = tables.signed_notes.c
    with store.engine.begin() as conn:
        note_id = conn.execute(select(n.id).where(n.visit_id == v.id)).scalar_one()
        conn.execute(update(tables.signed_notes).where(n.id == note_id).values(version=2))
    attacks.append_forged(store, "signed_notes", note_id, event="signed_note")
    found = _problems(store.audit.verify(clinic.trust))
    assert f"signed note #{note_id} (visit #{v.id} version 2): the PDF is version 1 of that visit's note" in found
    assert f"was stored as visit #{v.id} version 1" in found
    assert f"visit #{v.id} is signed but its signed note (version 1) is missing" in found


def test_a_clinician_with_their_own_ca_is_checked_when_that_ca_is_trusted_too(
        store: Store, staff: Staff, clinic: SignedClinic, patient_factory: Callable[..., Patient]) -> None:
    """A clinician who imported a PKCS#12 from a real CA checkpoints with it: verify needs that CA as well."""
    now = datetime.now(UTC)
    their_ca = pki.create_clinic_ca("National Health Signing Service", "their-ca-pass", now)
    own = pki.unlock_pkcs12(pki.issue_clinician_pkcs12(their_ca, "their-ca-pass", full_name="Carl Clinician",
                                                       username="carl", passphrase="carl-own-pass", now=now),
                            "carl-own-pass")
    p = patient_factory(mrn="MRN0003", no_known_allergies=True)
    chart_visit(store, load_drug(None), p, staff.nurse, staff.nurse2, staff.clinician, store._now(),
                until=VisitStatus.SIGNED, sign_note=lambda candidate: fake_note(p, candidate), seal=own)
    plain = store.audit.verify()
    assert plain.ok and "1 checkpoints are signed by certificates of another CA" in plain.summary()
    assert "is not issued by the trusted CA" in _problems(store.audit.verify(clinic.trust))
    both = store.audit.verify([*clinic.trust, their_ca.certificate])
    assert both.ok and both.checkpoints_verified == 4
