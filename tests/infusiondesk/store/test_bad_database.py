"""A database that cannot be used is one sentence naming it and what to do, never a driver's traceback; and
opening the wrong file never turns it into a new, empty clinic."""

from __future__ import annotations

import re
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from infusiondesk.store import DatabaseError, DatabaseMissing, Store
from infusiondesk.store.engine import make_engine
from tests.infusiondesk.bad_databases import BAD_KINDS, CREATED_BY_DEMO, bad_database
from tests.infusiondesk.store.conftest import Clock, PostgresServer, Staff, make_patient


@pytest.mark.parametrize("kind", sorted(BAD_KINDS))
def test_each_bad_sqlite_database_is_refused_on_opening_with_its_sentence(
        kind: str, sqlite_staffed_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with bad_database(kind, sqlite_staffed_template, tmp_path, monkeypatch) as path:
        before = sorted(p.name for p in tmp_path.iterdir())
        with pytest.raises(DatabaseError) as caught:
            Store.open(str(path), create=False)
        assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing created beside it either
    message = caught.value.message
    assert BAD_KINDS[kind] in message
    assert str(path) in message
    assert "\n" not in message and "Error" not in message and "[SQL" not in message


@pytest.mark.parametrize("kind", sorted(set(BAD_KINDS) - CREATED_BY_DEMO))
def test_a_store_that_may_create_refuses_the_same_files(kind: str, sqlite_staffed_template: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    with bad_database(kind, sqlite_staffed_template, tmp_path, monkeypatch) as path, \
            pytest.raises(DatabaseError, match=re.escape(BAD_KINDS[kind])):
        Store.open(str(path))


def test_a_missing_file_is_created_only_when_asked(tmp_path: Path) -> None:
    typo = tmp_path / "clinc.sqlite3"
    with pytest.raises(DatabaseMissing, match=f"No database at {typo}; check --db"):
        Store.open(str(typo), create=False)
    assert not typo.exists()
    Store.open(str(typo)).close()
    assert typo.exists()


def test_an_sqlite_database_with_no_tables_is_not_made_a_clinic_by_a_command_that_only_reads(
        tmp_path: Path) -> None:
    path = tmp_path / "blank.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 1")  # a valid one-page SQLite file with no tables
    conn.close()
    with pytest.raises(DatabaseMissing, match=re.escape(f"No InfusionDesk database at {path}; check --db")):
        Store.open(str(path), create=False)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)  # left as it was
    conn.close()


def test_sqlite_read_only_database_reads_but_a_save_is_one_sentence(
        sqlite_staffed_template: Path, tmp_path: Path, sqlite_staff: Staff) -> None:
    staff = sqlite_staff
    # SQLite's own read-only mode: what a file this account may not write gives (root ignores file modes).
    path = tmp_path / "ro.sqlite3"
    path.write_bytes(sqlite_staffed_template.read_bytes())
    store = Store.open(f"sqlite:///file:{path}?mode=ro&uri=true", create=False)
    admin = staff.admin
    with pytest.raises(DatabaseError, match=f"The database {path} is read-only"):
        store.patients.add(make_patient(), admin)
    assert store.patients.search("smith", by=staff.nurse) == []
    store.close()


def _full_after_pages(engine: Any, extra_pages: int) -> None:
    @event.listens_for(engine, "connect")
    def limit(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + extra_pages}")


def test_a_full_disk_is_one_sentence_and_earlier_records_are_kept(
        sqlite_staffed_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_staff: Staff) -> None:
    staff = sqlite_staff
    # SQLite's max_page_count makes the file full a few pages on, as a full disk would (SQLITE_FULL).
    path = tmp_path / "clinic.sqlite3"
    path.write_bytes(sqlite_staffed_template.read_bytes())

    def tiny_disk(url: str, *, create: bool = True) -> Any:
        engine = make_engine(url, create=create)
        _full_after_pages(engine, 3)
        return engine

    monkeypatch.setattr("infusiondesk.store.store.make_engine", tiny_disk)
    store = Store.open(str(path), clock=Clock())
    nurse = staff.nurse
    saved = []
    with pytest.raises(DatabaseError) as caught:
        for n in range(1000):
            saved.append(store.patients.add(make_patient(mrn=f"MRN{n:04d}", history_notes="x" * 3000), nurse))
    assert caught.value.message == (f"The disk holding the database {path} is full, so this was not "
                                    "saved; free some space on it, then try again.")
    assert saved  # some fitted before the disk filled
    store.close()
    again = Store.open(str(path))
    assert [p.mrn for p in again.patients.search("MRN", by=staff.nurse)] == [p.mrn for p in saved]

    assert again.audit.verify().ok
    again.close()


def test_driver_errors_never_carry_the_values_saved(store: Store) -> None:
    with pytest.raises(Exception) as caught, store.engine.connect() as conn:
        conn.execute(text("INSERT INTO no_such_table VALUES (:name)"), {"name": "Jane SMITH-SECRET"})
    assert "SMITH-SECRET" not in str(caught.value)


def test_a_schema_from_a_newer_version_is_refused_on_both_databases(db_url: str) -> None:
    store = Store.open(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9001_from_the_future'"))
    store.close()
    with pytest.raises(DatabaseError, match=re.escape("newer version of InfusionDesk (schema 9001_from_the_future)")):
        Store.open(db_url)


def test_an_unreachable_postgresql_server_is_one_sentence(postgres_server: PostgresServer) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(DatabaseError) as caught:
        Store.open(f"postgresql://nobody:pw@127.0.0.1:{port}/clinic")
    assert caught.value.message.startswith(f"Cannot connect to the database server of clinic on 127.0.0.1:{port};")


def test_a_wrong_postgresql_password_is_one_sentence(postgres_server: PostgresServer) -> None:
    url = postgres_server.url("postgres").replace(postgres_server.password, "wrong-password")
    with pytest.raises(DatabaseError, match="check that it is running and that the address, user name and password"):
        Store.open(url, create=False)


def test_a_database_value_that_is_not_a_path_or_url(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="neither a file path nor a postgresql:// URL"):
        Store.open("mysql+nodriver://clinic/db")
