"""Backup and restore of the clinic's SQLite database: the restore drill (a clinic with signed, checkpointed
visits backed up, restored into a new file, `audit verify --trust` intact, the same visits), copies consistent
while the app writes, atomic writes, checks before pruning, the admin rule, and one-sentence refusals."""

from __future__ import annotations

import errno
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from infusiondesk import pki
from infusiondesk.auth import AuthError, PermissionDenied
from infusiondesk.cli import main
from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Patient, VisitStatus
from infusiondesk.store import Store, backup, backup_files
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.backup import BackupError, BackupSchedule
from tests.clinic_day import chart_visit
from tests.infusiondesk.store.conftest import PASSWORD, Clock, PostgresServer, Staff
from tests.infusiondesk.store.test_audit_anchor import CA_PASS, fake_note

STAMP = "2025-03-03_090000+0000"  # the test clock's 09:00 UTC in a UTC clinic


@pytest.fixture
def backend() -> str:
    return "sqlite"  # PostgreSQL is backed up with pg_dump (test_postgresql_is_refused_with_pg_dump_advice)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "backups"
    path.mkdir()
    return path


@pytest.fixture
def password_file(tmp_path: Path) -> str:
    path = tmp_path / "admin-password"
    path.write_text(PASSWORD + "\n")
    return str(path)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _signed_clinic(store: Store, staff: Staff, patients: list[Patient]) -> pki.ClinicCA:
    """Two visits signed by Carl (notes stored and checkpointed with his key), one still infusing, a seal
    checkpoint: what a clinic's database holds at the end of a day."""
    now = datetime.now(UTC)
    ca = pki.create_clinic_ca("Riverside Infusion Clinic", CA_PASS, now)
    pki.save_clinic_ca(store, ca, by=staff.admin)
    carl = pki.unlock_pkcs12(pki.issue_clinician_pkcs12(ca, CA_PASS, full_name="Carl Clinician", username="carl",
                                                        passphrase="carl-passphrase", now=now), "carl-passphrase")
    drug = load_drug(None)
    for p in patients[:2]:
        chart_visit(store, drug, p, staff.nurse, staff.nurse2, staff.clinician, store._now(), until=VisitStatus.SIGNED,
                    sign_note=lambda candidate, p=p: fake_note(p, candidate), seal=carl)
    chart_visit(store, drug, patients[2], staff.nurse, staff.nurse2, staff.clinician, store._now(),
                until=VisitStatus.INFUSING)
    seal = pki.issue_audit_seal(ca, CA_PASS, now)
    pki.save_audit_seal(store, seal, by=staff.admin)
    store.audit.checkpoint(seal.unlock(CA_PASS))
    return ca


def test_restore_drill_back_up_restore_verify_same_visits(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], folder: Path, tmp_path: Path,
        password_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    patients = [patient_factory(mrn=f"MRN000{i}", family=name, no_known_allergies=True)
                for i, name in enumerate(("Smith", "Jones", "Okafor"), 1)]
    ca = _signed_clinic(store, staff, patients)
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(ca.certificate.public_bytes(Encoding.PEM))

    assert main(["backup", "--db", store.url, "--out", str(folder), "--user", "admin",
                 "--password-file", password_file]) == 0
    (made,) = folder.iterdir()
    assert made.name.startswith("infusiondesk-backup-") and "Backed up to" in capsys.readouterr().out

    restored = tmp_path / "restored" / "clinic.sqlite3"
    restored.parent.mkdir()
    assert main(["restore", str(made), "--db", str(restored), "--user", "admin", "--password-file", password_file,
                 "--trust", str(ca_pem)]) == 0
    out = capsys.readouterr().out
    assert f"Restored {made} as {restored}" in out and "by admin" in out
    assert "Audit trail intact" in out and "checkpoints verified against the trusted CA" in out
    assert main(["audit", "verify", "--db", str(restored), "--trust", str(ca_pem)]) == 0
    again = Store.open(str(restored), create=False)
    try:
        with pytest.raises(AuthError):  # a session copied in the backup does not open the restored clinic
            again.visits.summaries(by=staff.nurse)
        nina = again.users.sign_in("nina", PASSWORD)
        assert again.visits.summaries(by=nina) == store.visits.summaries(by=staff.nurse)
        assert [v.status for v in again.visits.all(by=nina)] == [VisitStatus.SIGNED, VisitStatus.SIGNED,
                                                                   VisitStatus.INFUSING]
        first = again.visits.all(by=nina)[0].id
        assert first is not None
        assert again.notes.get(first, by=nina) == store.notes.get(first, by=staff.nurse)
        restore_entry = [e for e in again.audit.entries(by=nina) if e["event"] == "restore"][-1]
        assert (restore_entry["event"], restore_entry["username"]) == ("restore", "admin")
        assert restore_entry["detail"]["file"] == made.name and restore_entry["detail"]["audit_intact"] is True
    finally:
        again.close()
    backup_entry = [e for e in store.audit.entries(by=staff.admin) if e["event"] == "backup"][-1]
    assert (backup_entry["event"], backup_entry["username"]) == ("backup", "admin")
    assert backup_entry["detail"]["file"] == made.name and backup_entry["detail"]["bytes"] == made.stat().st_size
    logged = str(backup_entry["detail"]) + str(restore_entry["detail"])
    assert not any(p.mrn in logged or p.family_name in logged for p in patients)


def test_a_backup_taken_while_the_app_writes_is_one_consistent_moment(store: Store, staff: Staff,
                                                                      folder: Path) -> None:
    for i in range(400):  # enough pages that the copy takes several steps
        store.audit.append(AuditEvent.EXPORT, staff.nurse, {"what": "visit note", "padding": "x" * 2000, "n": i})
    writing, written = threading.Event(), []
    stop = threading.Event()

    def workstation() -> None:
        other = Store.open(store.url, create=False)
        try:
            while not stop.is_set():
                written.append(other.audit.append(AuditEvent.PRINT, staff.nurse, {"what": "visit note", "pages": 2}))
                writing.set()
        finally:
            other.close()

    steps: list[tuple[int, int]] = []
    thread = threading.Thread(target=workstation)
    thread.start()
    try:
        assert writing.wait(10)
        result = backup.back_up(store, folder, staff.admin, progress=lambda done, total: steps.append((done, total)))
    finally:
        stop.set()
        thread.join()
    assert len(steps) >= 2 and steps[-1][0] == steps[-1][1]  # progress per step, ending at every page
    assert written, "the other workstation kept writing during the backup"
    copy = Store.open(str(result.path), create=False, migrate=False)
    try:
        report = copy.audit.verify()
        assert report.ok, report.problems
        assert 400 < report.entries_checked < len(store.audit.entries(by=staff.admin))
    finally:
        copy.close()


def test_the_file_name_carries_the_clinics_local_time(store: Store, staff: Staff, folder: Path) -> None:
    clinic = store.clinic.get()
    store.clinic.update(type(clinic)(clinic.name, timezone="Australia/Sydney"), staff.admin)
    result = backup.back_up(store, folder, staff.admin)  # 09:00 UTC is 20:00 in Sydney (summer time)
    assert result.path.name == "infusiondesk-backup-2025-03-03_200000+1100.sqlite3"
    assert backup_files.time_of(result.path.name) == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_only_an_admin_backs_up(store: Store, staff: Staff, folder: Path) -> None:
    with pytest.raises(PermissionDenied, match="Only an admin can back up the clinic"):
        backup.back_up(store, folder, staff.clinician)
    assert _files(folder) == []
    assert store.audit.entries(by=staff.admin)[-1]["event"] != "backup"


@pytest.mark.parametrize("case", ["folder missing", "a file", "not writable", "file exists", "disk full"])
def test_refusals_are_one_sentence_and_leave_no_half_backup(store: Store, staff: Staff, folder: Path, case: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    out, expected = folder, ""
    if case == "folder missing":
        out, expected = folder / "usb" / "clinic.sqlite3", "does not exist; create it or choose another folder"
    elif case == "a file":
        (folder / "notes.txt").write_text("keep me")
        out, expected = folder / "notes.txt" / "clinic.sqlite3", "is a file, not a folder"
    elif case == "not writable":  # tests run as root, whom file modes do not stop
        real_access = backup_files.os.access
        monkeypatch.setattr(backup_files.os, "access",
                            lambda path, mode, **kw: Path(path) != folder and real_access(path, mode, **kw))
        expected = "cannot be written by this account"
    elif case == "file exists":
        (folder / "clinic.sqlite3").write_text("yesterday's")
        out, expected = folder / "clinic.sqlite3", "already exists; InfusionDesk never overwrites a file"
    else:
        def full(_path: Path) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(backup_files, "fsync", full)
        expected = "is full, so no backup was written there; free some space"
    before = _files(folder)
    with pytest.raises(BackupError, match=expected) as raised:
        backup.back_up(store, out, staff.admin)
    assert raised.value.message.count(". ") == 0 and raised.value.message.endswith(".")
    assert _files(folder) == before  # no temporary file left, nothing under a backup's name
    if case == "file exists":
        assert (folder / "clinic.sqlite3").read_text() == "yesterday's"


def test_cli_errors_are_one_line_and_exit_2(store: Store, folder: Path, password_file: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", "--db", store.url, "--out", str(folder / "none" / "x.sqlite3"), "--user", "admin",
                 "--password-file", password_file]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err
    assert main(["restore", password_file, "--db", str(folder / "new.sqlite3"), "--user", "admin",
                 "--password-file", password_file]) == 2
    assert "is not an InfusionDesk backup (it is not an SQLite database file)" in capsys.readouterr().err


def test_old_backups_are_pruned_only_after_the_new_one_checks(store: Store, staff: Staff, folder: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    older = [f"infusiondesk-backup-2025-03-0{d}_090000+0000.sqlite3" for d in (1, 2)]
    for name in older:
        (folder / name).write_bytes(b"an older backup")
    (folder / "readme.txt").write_text("not a backup")

    real_check = backup_files.check_copy

    def damaged(*_args: object, **_kw: object) -> backup_files.CheckedCopy:
        raise BackupError("The copy is damaged.")

    monkeypatch.setattr(backup_files, "check_copy", damaged)
    with pytest.raises(BackupError):
        backup.back_up(store, folder, staff.admin, keep=1)
    assert _files(folder) == sorted([*older, "readme.txt"])  # nothing pruned for a copy that did not check

    monkeypatch.setattr(backup_files, "check_copy", real_check)
    result = backup.back_up(store, folder, staff.admin, keep=2)
    assert result.pruned == (older[0],)
    assert _files(folder) == sorted([older[1], f"infusiondesk-backup-{STAMP}.sqlite3", "readme.txt"])
    assert store.audit.entries(by=staff.admin)[-1]["detail"]["pruned"] == [older[0]]


def test_restore_refuses_what_is_not_a_backup_or_an_existing_file(store: Store, staff: Staff, folder: Path,
                                                                   tmp_path: Path) -> None:
    made = backup.back_up(store, folder, staff.admin).path
    existing = tmp_path / "clinic.sqlite3"
    existing.write_bytes(b"today's clinic")
    with pytest.raises(BackupError, match="already exists"):
        backup.restore(made, str(existing), "admin", PASSWORD)
    assert existing.read_bytes() == b"today's clinic"

    with pytest.raises(BackupError, match=f"The folder {tmp_path / 'gone'} does not exist"):
        backup.restore(made, str(tmp_path / "gone" / "clinic.sqlite3"), "admin", PASSWORD)

    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE songs (title TEXT)")
    with pytest.raises(BackupError, match=r"is not an InfusionDesk backup \(it is another program's database\)"):
        backup.restore(other, str(tmp_path / "new1.sqlite3"), "admin", PASSWORD)

    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(made.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(BackupError, match=r"made by a newer version of InfusionDesk \(schema 9999\)"):
        backup.restore(newer, str(tmp_path / "new2.sqlite3"), "admin", PASSWORD)

    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(made.read_bytes())
    page = 4096
    data[page * 3: page * 3 + 200] = b"\xff" * 200  # a b-tree page overwritten
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError, match=r"damaged \(SQLite"):
        backup.restore(damaged, str(tmp_path / "new3.sqlite3"), "admin", PASSWORD)
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith(("new1", "new2", "new3", ".infusiondesk"))]
    assert left == []


def test_restore_needs_an_admin_of_the_backed_up_clinic(store: Store, staff: Staff, folder: Path,
                                                        tmp_path: Path) -> None:
    made = backup.back_up(store, folder, staff.admin).path
    with pytest.raises(AuthError):
        backup.restore(made, str(tmp_path / "new.sqlite3"), "admin", "not the admin's password at all")
    with pytest.raises(PermissionDenied, match="Only an admin can restore the clinic"):
        backup.restore(made, str(tmp_path / "new.sqlite3"), "nina", PASSWORD)
    assert [p.name for p in tmp_path.iterdir() if p.name != "backups" and p.name != "clinic.sqlite3"
            and not p.name.startswith("clinic.sqlite3-")] == []


def test_the_daily_backup_runs_once_a_clinic_day_for_the_admin_who_set_it(store: Store, staff: Staff, folder: Path,
                                                                          clock: Clock) -> None:
    assert backup.backup_schedule(store) is None and not backup.automatic_backup_due(store)
    with pytest.raises(PermissionDenied):
        backup.set_backup_schedule(store, BackupSchedule(str(folder), keep=2), staff.nurse)
    with pytest.raises(BackupError, match="Backups to keep: 0 is outside 1–365"):
        backup.set_backup_schedule(store, BackupSchedule(str(folder), keep=0), staff.admin)
    with pytest.raises(BackupError, match="does not exist"):
        backup.set_backup_schedule(store, BackupSchedule(str(folder / "gone"), keep=2), staff.admin)
    saved = backup.set_backup_schedule(store, BackupSchedule(str(folder), keep=2), staff.admin)
    assert saved.set_by == staff.admin.user_id and backup.backup_schedule(store) == saved
    assert store.audit.entries("backup_schedule", by=staff.admin)[-1]["username"] == "admin"

    made = []
    for _day in range(3):
        assert backup.automatic_backup_due(store)
        result = backup.run_automatic_backup(store, staff.nurse)
        assert result is not None
        made.append(result.path.name)
        assert backup.run_automatic_backup(store, staff.nurse) is None  # once a clinic day
        clock.advance(days=1)
    assert _files(folder) == made[1:]  # keep 2
    automatic = [e for e in store.audit.entries(by=staff.admin) if e["event"] == "backup"][-1]
    assert automatic["detail"]["automatic"] is True and automatic["detail"]["scheduled_by"] == "admin"
    assert automatic["username"] == "nina"  # run at Nina's workstation, on the admin's schedule
    assert store.audit.verify().ok

    store.users.create("ada2", "Ada Two", "admin", PASSWORD, by=staff.admin)
    store.users.set_active(staff.admin.user_id, False, store.users.sign_in("ada2", PASSWORD))
    with pytest.raises(BackupError, match="set up by admin, who is no longer an active admin, so it did not run"):
        backup.run_automatic_backup(store, staff.nurse)


def test_postgresql_is_refused_with_pg_dump_advice(postgres_server: PostgresServer, postgres_staffed_template: str,
                                                   folder: Path) -> None:
    store = Store.open(postgres_server.create_database(template=postgres_staffed_template))
    try:
        with store.engine.connect() as conn:
            version = str(conn.exec_driver_sql("SHOW server_version").scalar_one()).split()[0]
        admin = store.users.sign_in("admin", PASSWORD)
        with pytest.raises(BackupError) as raised:
            backup.back_up(store, folder, admin)
    finally:
        store.close()
    message = raised.value.message
    assert f"PostgreSQL {version}" in message
    assert f"back it up with pg_dump from PostgreSQL {version.split('.')[0]} or newer" in message
    assert _files(folder) == []


def test_a_restored_trail_that_does_not_verify_is_reported_with_exit_1(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient], folder: Path, tmp_path: Path,
        password_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    patient = patient_factory()
    made = backup.back_up(store, folder, staff.admin).path
    with sqlite3.connect(made) as conn:  # someone edits the backup's patient row outside the app
        conn.execute("UPDATE patients SET content = replace(content, 'Jane', 'Joan') WHERE id = ?", (patient.id,))
    restored = tmp_path / "restored.sqlite3"
    assert main(["restore", str(made), "--db", str(restored), "--user", "admin", "--password-file",
                 password_file]) == 1
    out = capsys.readouterr().out
    assert f"patients #{patient.id} was changed outside the app" in out
    assert "does not verify (above); keep the backup file and report this" in out
    assert restored.exists()
