"""The migrations build exactly the tables the code uses; the database settings; the records commands."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from infusiondesk.records.models import Clinic, VisitStatus
from infusiondesk.store import Store, default_db_url, tables
from infusiondesk.store.engine import to_url
from infusiondesk_ui.cli import main

DEMO_NURSE = ("nina", "demo-nurse-pass")


def visits(monkeypatch: pytest.MonkeyPatch, *args: str, user: tuple[str, str] = DEMO_NURSE) -> int:
    """`infusiondesk visits --user NAME ...`, the password typed on standard input as a script would."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(user[1] + "\n"))
    return main(["visits", "--user", user[0], *args])


def test_the_migrated_schema_matches_the_tables_in_code(empty_store: Store) -> None:
    with empty_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    assert diff == []


def test_opening_twice_does_not_migrate_again_or_lose_data(db_url: str) -> None:
    first = Store.open(db_url)
    first.clinic.setup(Clinic("Clinic"), "admin", "Ada Admin", "correct horse battery")
    first.close()
    again = Store.open(db_url)
    assert not again.clinic.needs_setup()
    again.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "x.sqlite3"))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_the_default_database_is_in_the_user_data_folder_unless_infusiondesk_db_says(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("INFUSIONDESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_db_url() == f"sqlite:///{tmp_path / 'data' / 'InfusionDesk' / 'infusiondesk.sqlite3'}"
    monkeypatch.setenv("INFUSIONDESK_DB", "postgresql://clinic:pw@db.local/infusiondesk")
    assert default_db_url() == "postgresql+psycopg://clinic:pw@db.local/infusiondesk"
    assert to_url("relative.db") == f"sqlite:///{Path('relative.db').resolve()}"


def test_demo_then_visits_json_lists_every_status(db_url: str, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    # three real signed notes are enough to have SIGNED visits (each costs a PDF render and a signature)
    assert main(["demo", "--db", db_url, "--patients", "40", "--seed", "7", "--quiet", "--signed-notes", "3"]) == 0
    out = capsys.readouterr().out
    # no font library warning per signed note on the command line (reports/stamp_font.py)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("fontTools")] == []
    assert "40 patients" in out and "demo-nurse-pass" in out and "carl" in out
    assert visits(monkeypatch, "--db", db_url, "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert {v["status"] for v in listed} == {s.value for s in VisitStatus}
    assert all({"id", "patient", "status", "started_at"} <= v.keys() for v in listed)
    mrn = listed[0]["patient"]
    assert visits(monkeypatch, "--db", db_url, "--patient", mrn, "--json") == 0
    mine = json.loads(capsys.readouterr().out)
    assert mine and {v["patient"] for v in mine} == {mrn}
    assert main(["audit", "verify", "--db", db_url]) == 0
    store = Store.open(db_url)
    nurse = store.users.sign_in(*DEMO_NURSE)
    signed = [v for v in store.visits.all(by=nurse) if v.status is VisitStatus.SIGNED]
    assert signed and all(len(v.signatures) == 2 for v in signed)
    assert any(v.side_effects for v in store.visits.all(by=nurse))
    store.close()


def test_visits_needs_a_signed_in_user_and_a_wrong_password_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "d.db")
    assert main(["demo", "--db", db, "--patients", "2", "--quiet", "--signed-notes", "0"]) == 0
    capsys.readouterr()
    assert main(["visits", "--db", db, "--json"]) == 2
    err = capsys.readouterr()
    assert err.out == "" and err.err.count("\n") == 1 and "--user" in err.err
    assert visits(monkeypatch, "--db", db, "--json", user=("nina", "demo-clinician-pass")) == 2
    err = capsys.readouterr()
    assert err.out == "" and err.err == ("infusiondesk: That user name and password do not match; check them and "
                                         "try again.\n")
    assert visits(monkeypatch, "--db", db, "--json", user=("admin", "demo-office-pass")) == 2  # not a clinical role
    assert "Only a nurse or clinician can see visits" in capsys.readouterr().err


def test_the_same_seed_builds_the_same_clinic(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b"):
        assert main(["demo", "--db", str(tmp_path / f"{name}.db"), "--patients", "15", "--seed", "3", "--quiet",
                     "--signed-notes", "0"]) == 0  # the visits, not the PDFs (test_demo_signing signs them)
    capsys.readouterr()
    listings = []
    for name in ("a", "b"):
        visits(monkeypatch, "--db", str(tmp_path / f"{name}.db"), "--json")
        listings.append([(v["patient"], v["status"], v["patient_name"]) for v in json.loads(capsys.readouterr().out)])
    assert listings[0] == listings[1]


def test_demo_refuses_a_database_that_is_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "d.db")
    assert main(["demo", "--db", db, "--patients", "1", "--quiet"]) == 0
    assert main(["demo", "--db", db, "--patients", "1", "--quiet"]) == 2
    assert "empty database" in capsys.readouterr().err


def test_visits_for_an_unknown_mrn_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(str(tmp_path / "v.db"))  # `visits` never creates a database
    admin = store.clinic.setup(Clinic("Clinic"), "admin", "Ada Admin", "correct horse battery")
    store.users.create("nina", "Nina Nurse", "nurse", "demo-nurse-pass", by=admin)
    store.close()
    assert visits(monkeypatch, "--db", str(tmp_path / "v.db"), "--patient", "NOPE", "--json") == 2
    assert capsys.readouterr().err.strip() == "infusiondesk: No patient has MRN NOPE; check the number."


def test_a_sign_hook_signs_the_demo_visits(tmp_path: Path) -> None:
    """The hook signs the note of the signature candidate; the service saves both together."""
    from infusiondesk.demo import build_demo
    from infusiondesk.service import SignedNote

    calls = []

    def hook(store, candidate, patient, signer, admin):  # type: ignore[no-untyped-def]
        calls.append(candidate.id)
        assert signer.user.role.value == "clinician" and admin.user.role.value == "admin"
        assert candidate.status is VisitStatus.SIGNED and candidate.signatures[-1].meaning.value.startswith("Review")
        return SignedNote(b"%PDF-1.7 /ByteRange [0 1 2 3] /Contents <00> " + str(candidate.id).encode())

    store = Store.open(str(tmp_path / "h.db"))
    build_demo(store, patients=10, seed=2, hook=hook)
    nurse = store.users.sign_in(*DEMO_NURSE)
    signed = [v for v in store.visits.all(by=nurse) if v.status is VisitStatus.SIGNED]
    assert calls and sorted(calls) == sorted(v.id for v in signed)
    assert all(store.notes.get(v.id, by=nurse).endswith(str(v.id).encode())  # type: ignore[arg-type, union-attr]
               for v in signed)


@pytest.mark.parametrize("flag", ["--patients", "--signed-notes"])
def test_demo_counts_must_be_whole_numbers_of_zero_or_more(tmp_path: Path, flag: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "infusiondesk", "demo", "--db", str(tmp_path / "n.db"), flag, "-5"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "whole number of 0 or more" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "n.db").exists()
