"""Databases a clinic can end up pointing at by mistake or misfortune, made from a good clinic file.

Each kind names the words its one-sentence refusal must contain, so every command and the app can be checked
against the same list.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# kind -> words the refusal contains
BAD_KINDS: dict[str, str] = {
    "not_a_database": "is not a database file",
    "truncated": "cut short",
    "corrupt": "is damaged",
    "folder": "is a folder, not a database file",
    "newer_schema": "newer version of InfusionDesk",
    "another_program": "another program's database",
    "locked": "is locked by another program",
    "missing": "No database at",
    "empty": "is empty (0 bytes)",
}
# A command that creates a database (demo, the app) rightly starts a new clinic in a missing or empty file.
CREATED_BY_DEMO = {"missing", "empty"}


def _page_size(path: Path) -> int:
    size = int.from_bytes(path.read_bytes()[16:18], "big")
    return 65536 if size == 1 else size


@contextmanager
def bad_database(kind: str, good: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The path of a database of this kind (`good` is a checkpointed clinic file, left untouched)."""
    path = folder / f"{kind}.sqlite3"
    if kind == "not_a_database":
        path.write_bytes(b"Visit list exported 2025-03-03\n" * 200)
    elif kind == "truncated":
        data = good.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif kind == "corrupt":
        data = bytearray(good.read_bytes())
        page = _page_size(good)
        noise = random.Random(7)
        data[page:] = bytes(noise.randrange(256) for _ in range(len(data) - page))  # every page but the first
        path.write_bytes(bytes(data))
    elif kind == "folder":
        path.mkdir()
    elif kind == "newer_schema":
        shutil.copyfile(good, path)
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '9001_from_the_future'")
        conn.close()
    elif kind == "another_program":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE playlist (title TEXT)")
        conn.commit()
        conn.close()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "locked":
        shutil.copyfile(good, path)
        monkeypatch.setattr("infusiondesk.store.engine.SQLITE_BUSY_TIMEOUT_MS", 100)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("CREATE TABLE held (x)")  # a write: now no one else may even read
        try:
            yield path
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    elif kind != "missing":
        raise ValueError(kind)
    yield path
