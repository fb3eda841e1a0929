"""The sign-in screen's look at an SQLite database (store.peek): a set-up clinic at this version's schema is
recognised without SQLAlchemy; everything else is left for the store to open and explain."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from infusiondesk.records.models import Clinic
from infusiondesk.store import Store
from infusiondesk.store.peek import database_file, ready_for_sign_in
from infusiondesk.store.revisions import shipped_head

PASSWORD = "clinic office passphrase"


def _clinic(path: Path) -> Path:
    store = Store.open(str(path))
    store.users.sign_out(store.clinic.setup(Clinic("Peek Clinic"), "admin", "Ada Admin", PASSWORD))
    store.close()
    return path


def test_a_set_up_clinic_at_the_shipped_schema_is_ready_for_sign_in(tmp_path: Path) -> None:
    db = _clinic(tmp_path / "clinic.db")
    assert ready_for_sign_in(str(db)) == db.resolve()
    assert ready_for_sign_in(f"sqlite:///{db}") == db.resolve()  # the URL the store itself renders


def test_the_look_leaves_the_database_file_as_it_was(tmp_path: Path) -> None:
    """Read-only: the file's bytes and time stamp are unchanged (SQLite may leave its empty -wal and -shm beside a
    write-ahead-log database, as for any reader; the store uses them next)."""
    db = _clinic(tmp_path / "clinic.db")
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    assert ready_for_sign_in(str(db)) is not None
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    assert not (tmp_path / "clinic.db-wal").exists() or (tmp_path / "clinic.db-wal").stat().st_size == 0


def test_a_first_run_database_waits_for_the_store(tmp_path: Path) -> None:
    db = tmp_path / "empty-clinic.db"
    Store.open(str(db)).close()  # schema made, no clinic yet: first-run setup comes first
    assert ready_for_sign_in(str(db)) is None


def test_a_schema_to_upgrade_or_too_new_waits_for_the_store(tmp_path: Path) -> None:
    db = _clinic(tmp_path / "clinic.db")
    for revision in ("0001_older", "9999_from_a_newer_version"):
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.close()
        assert ready_for_sign_in(str(db)) is None
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (shipped_head(),))
    conn.close()
    assert ready_for_sign_in(str(db)) == db.resolve()  # the same file at the head again: ready


def test_missing_empty_foreign_or_unusable_files_wait_for_the_store(tmp_path: Path) -> None:
    assert ready_for_sign_in(str(tmp_path / "nothing-here.db")) is None
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert ready_for_sign_in(str(empty)) is None
    text = tmp_path / "notes.db"
    text.write_bytes(b"this is not sqlite" * 100)
    assert ready_for_sign_in(str(text)) is None
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (id INTEGER)")
    conn.close()
    assert ready_for_sign_in(str(other)) is None
    assert ready_for_sign_in(str(tmp_path)) is None  # a folder


def test_a_database_this_account_cannot_write_waits_for_the_store_which_explains_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store refuses a read-only file or folder (SQLite writes beside it even to read): sign-in must not be
    offered for one. (Tests run as root, which may write anything, so the account's access is what is faked.)"""
    db = _clinic(tmp_path / "clinic.db")
    for read_only in (db, tmp_path):
        monkeypatch.setattr("infusiondesk.store.peek.os.access",
                            lambda p, mode, ro=read_only: not (Path(p) == ro and mode & os.W_OK))
        assert ready_for_sign_in(str(db)) is None
    monkeypatch.undo()
    assert ready_for_sign_in(str(db)) == db.resolve()


def test_postgresql_and_urls_with_options_are_left_to_the_store(tmp_path: Path) -> None:
    assert database_file("postgresql://nurse:pw@db.clinic.local/infusiondesk") is None
    assert ready_for_sign_in("postgresql+psycopg://nurse:pw@localhost/infusiondesk") is None
    assert database_file("sqlite:///:memory:") is None
    assert database_file(f"sqlite:///{tmp_path}/clinic.db?timeout=5") is None
    assert database_file(f"sqlite:///{tmp_path}/clinic.db") == (tmp_path / "clinic.db").resolve()
    assert database_file(str(tmp_path / "a" / ".." / "clinic.db")) == (tmp_path / "clinic.db").resolve()


def test_no_db_named_reads_the_environment_then_the_default_place(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from infusiondesk.store import location

    monkeypatch.setenv("INFUSIONDESK_DB", str(tmp_path / "from-env.db"))
    assert database_file(None) == (tmp_path / "from-env.db").resolve()
    monkeypatch.delenv("INFUSIONDESK_DB")
    monkeypatch.setattr(location, "default_db_path", lambda: tmp_path / "default.db")
    assert database_file(None) == (tmp_path / "default.db").resolve()


def test_the_look_imports_no_sqlalchemy(tmp_path: Path) -> None:
    db = _clinic(tmp_path / "clinic.db")
    code = ("import json, sys\nfrom infusiondesk.store.peek import ready_for_sign_in\n"
            "found = ready_for_sign_in(sys.argv[1])\n"
            "print(json.dumps([str(found), sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'alembic', 'pint', 'pydantic'))]))")
    proc = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=False,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [str(db.resolve()), []]
