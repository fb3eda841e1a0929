"""A look at an SQLite clinic database with the standard library, before the store (SQLAlchemy) is imported.

The sign-in screen needs to know only whether the database is a set-up clinic at the schema this version ships:
then the nurse can sign in, and the real store opens in the background while they type (importing SQLAlchemy
costs ~0.3 s). Anything else (no file yet, a first run, a schema to upgrade or too new, another program's file,
PostgreSQL, anything unreadable) answers None, and the app waits for the store to open and say what it is.
The file is opened read-only (`mode=ro`): the look never creates, migrates or writes a database.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from infusiondesk.store.revisions import shipped_head

ENV_VAR = "INFUSIONDESK_DB"  # the same variable store.engine.default_db_url reads
_SQLITE_URL = "sqlite:///"


def database_file(db: str | None) -> Path | None:
    """The SQLite file `db` names (a path or an `sqlite:///` URL), or the default database when `db` is None, as
    `store.engine.default_db_url` resolves it; None for PostgreSQL, an in-memory database, or a URL with options
    (the store itself reads those)."""
    named = db if db is not None else os.environ.get(ENV_VAR, "").strip()
    if not named:
        from infusiondesk.store.location import default_db_path

        return default_db_path().resolve()
    if "://" in named:
        rest = named.removeprefix(_SQLITE_URL) if named.startswith(_SQLITE_URL) else ""
        if not rest or rest == ":memory:" or rest.startswith("file:") or any(c in rest for c in "?%#"):
            return None
        named = rest
    return Path(named).expanduser().resolve()


def ready_for_sign_in(db: str | None) -> Path | None:
    """The database file when it is an InfusionDesk clinic already set up, at this version's schema, that this
    account can write (as the store needs); None when the store must open it first to tell (see the module)."""
    try:
        path = database_file(db)
        if path is None or not path.is_file() or path.stat().st_size == 0:
            return None
        if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            return None
        return path if _set_up_at_head(path) else None
    except (OSError, ValueError, sqlite3.Error):
        return None


def _set_up_at_head(path: Path) -> bool:
    """True when the file's schema revision is the shipped head and its clinic row exists."""
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=1.0)
    try:
        revisions = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
        if revisions != {shipped_head()}:
            return False
        return conn.execute("SELECT 1 FROM clinic LIMIT 1").fetchone() is not None
    finally:
        conn.close()
