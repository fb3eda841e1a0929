"""Where the database is, how to connect to it, and bringing its schema to the newest migration.

Every driver error that means the database itself cannot be used (not a database, damaged, read-only, full,
locked, unreachable) becomes a `DatabaseError` naming the database, wherever it happens: on opening or in
the middle of a save.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, Connection, ExceptionContext, make_url

from infusiondesk.store.errors import DatabaseError, DatabaseMissing, database_error
from infusiondesk.store.revisions import MIGRATIONS as MIGRATIONS
from infusiondesk.store.revisions import known_revisions as known_revisions
from infusiondesk.store.revisions import shipped_head as shipped_head

ENV_VAR = "INFUSIONDESK_DB"
SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITE = "infusiondesk_write"  # execution option: this transaction writes (SQLite takes the write lock up front)


def default_db_url() -> str:
    """INFUSIONDESK_DB if set, else the SQLite file in the machine-wide data folder if this computer has one (a
    shared chair-side PC), else the one in the user data folder (platformdirs; see store.location)."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return to_url(configured)
    from infusiondesk.store.location import default_db_path

    return to_url(str(default_db_path()))


def to_url(url_or_path: str) -> str:
    """A database URL; a plain path means an SQLite file there."""
    if "://" in url_or_path:
        url = make_url(url_or_path)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(url_or_path).expanduser().resolve()}"


def where(url: str | URL) -> str:
    """The database as a person would name it: the SQLite file's path, or the PostgreSQL database and host."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        return (parsed.database or ":memory:").removeprefix("file:")
    return f"{parsed.database} on {parsed.host or 'localhost'}:{parsed.port or 5432}"


def _sqlite_file(parsed: URL) -> Path | None:
    """The file of an SQLite URL (None for an in-memory or a `file:` URI database)."""
    if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _check_sqlite_file(path: Path, create: bool) -> None:
    """Refuse what SQLite would report badly or not at all: a folder, and (when not creating) a missing or
    empty file, which SQLite would otherwise quietly turn into a new, empty clinic."""
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file; give the database file's path with --db "
                            "or INFUSIONDESK_DB.")
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"Cannot create the folder {path.parent} for the database: "
                                f"{exc.strerror or exc}; check the path given with --db or INFUSIONDESK_DB."
                                ) from None
    elif not path.exists():
        raise DatabaseMissing(f"No database at {path}; check --db (or INFUSIONDESK_DB).")
    elif path.stat().st_size == 0:
        raise DatabaseError(f"{path} is empty (0 bytes), not an InfusionDesk database; check --db (or "
                            "INFUSIONDESK_DB), or restore the clinic's database from the latest backup.")
    if path.exists() and _cut_short(path):
        raise DatabaseError(f"The database {path} is damaged (the file is shorter than SQLite recorded: it was "
                            "cut short); stop using it, keep the file, and restore the clinic's records from the "
                            "latest backup.")
    # SQLite writes its -wal and -shm files beside the database even to read it, so both must be writable.
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise DatabaseError(f"The database {path} (or its folder) is read-only for this account, so InfusionDesk "
                            "cannot use it; ask IT to give this account write access to the file and its folder.")


def _cut_short(path: Path) -> bool:
    """True when an SQLite file is shorter than the page count its header vouches for (a truncated copy), which
    SQLite would only notice on reaching a missing page, perhaps after showing part of the records. With a
    write-ahead log or journal beside it the file may be mid-checkpoint, so SQLite's recovery decides."""
    for suffix in ("-wal", "-journal"):
        beside = path.with_name(path.name + suffix)
        if beside.exists() and beside.stat().st_size > 0:
            return False
    with path.open("rb") as f:
        header = f.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return False  # SQLite itself reports what this is
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    vouched = pages > 0 and header[24:28] == header[92:96]  # the page count is valid only when these agree
    return vouched and path.stat().st_size < pages * page_size


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine with the settings the store relies on; for SQLite: WAL, foreign keys, busy timeout.
    With create=False a missing SQLite file is refused instead of created. Parameters are kept out of
    error messages (they hold patient data) and unusable-database errors become DatabaseError."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
        _translate_errors(engine, where(parsed))
        return engine
    path = _sqlite_file(parsed)
    if path is not None:
        _check_sqlite_file(path, create)
    connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    pool: dict[str, Any] = {}
    if parsed.get_driver_name() == "pysqlcipher":
        # SQLAlchemy gives an encrypted (laptop) file a SingletonThreadPool: one connection per thread, and past five
        # threads it CLOSES other threads' connections, even one in use ("Cannot operate on a closed database",
        # then a segmentation fault) — the app reads from a thread pool. A queue of connections shared across
        # threads, as for a plain SQLite file (the SQLCipher build is thread-safe, SQLITE_THREADSAFE=1).
        from sqlalchemy.pool import QueuePool

        connect_args["check_same_thread"] = False
        pool["poolclass"] = QueuePool
    engine = create_engine(url, connect_args=connect_args, hide_parameters=True, **pool)
    _translate_errors(engine, where(parsed))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN below own transactions instead of the sqlite3 module's implicit ones.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the lock at BEGIN, so it waits for another writer instead of failing mid-way.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    return engine


def _translate_errors(engine: Engine, db: str) -> None:
    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        error = database_error(context.original_exception, db)
        if error is not None:
            raise error from context.original_exception


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration shipped with this version (a no-op when it already is).

    A database already at the shipped head is recognised by reading alembic_version directly, so the usual start
    does not import alembic (~0.2 s); only a real upgrade runs it."""
    with engine.connect() as conn:
        if stored_revisions(conn) == {shipped_head()}:
            return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def stored_revisions(conn: Connection) -> set[str]:
    """The schema revisions recorded in the database (alembic's version table), read with plain SQL; empty for
    a database with no InfusionDesk schema yet."""
    if not inspect(conn).has_table("alembic_version"):
        return set()
    return {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}


def check_schema(engine: Engine, *, create: bool = True) -> None:
    """Refuse a database this app must not touch: one written by a newer InfusionDesk (a schema revision
    not among ours), another program's database, or (when not creating) one with no clinic in it yet."""
    db = where(engine.url)
    with engine.connect() as conn:
        heads = stored_revisions(conn)
        tables = inspect(conn).get_table_names() if not heads else []
    unknown = heads - known_revisions()
    if unknown:
        raise DatabaseError(f"The database {db} was written by a newer version of InfusionDesk (schema "
                            f"{', '.join(sorted(unknown))}); this version cannot use it safely. Install the newer "
                            "version of InfusionDesk on this computer.")
    if tables:
        raise DatabaseError(f"{db} holds another program's database, not InfusionDesk's; check --db (or "
                            "INFUSIONDESK_DB).")
    if not heads and not create:
        raise DatabaseMissing(f"No InfusionDesk database at {db}; check --db (or INFUSIONDESK_DB).")
