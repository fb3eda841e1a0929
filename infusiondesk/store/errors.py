"""Errors the store raises; each message tells the nurse what happened and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infusiondesk.errors import DomainError

if TYPE_CHECKING:
    from infusiondesk.records.models import Patient


class ConflictError(DomainError):
    """Someone else saved this record after it was opened here; nothing was saved."""


class PatientChangedElsewhere(ConflictError):
    """A patient edit crossed another one: a field this edit changed was changed meanwhile, to something else, on
    another workstation (or by an import). Nothing was saved. `current` is the patient as stored now: the base for a
    deliberate second save; `fields` are the clashing fields' keys; `differences` says them in words ("Weight (kg):
    now 66, yours 65")."""

    def __init__(self, message: str, current: Patient, fields: tuple[str, ...], differences: str) -> None:
        super().__init__(message)
        self.current = current
        self.fields = fields
        self.differences = differences


class RecordNotFound(DomainError):
    """The record asked for does not exist (or no longer exists)."""


class DatabaseError(DomainError):
    """The database itself cannot be used (damaged, not a database, read-only, full, locked, too new, missing,
    unreachable). The message names the database and what to do; whatever was being saved was not saved."""


class DatabaseMissing(DatabaseError):
    """A command that only reads was pointed at a database file that does not exist (it never creates one)."""


# SQLite's primary result codes (the low byte of the extended code Python reports) that mean the database
# itself is unusable, and what to tell the person. {db} is the file.
_SQLITE: dict[int, str] = {
    3: "This account may not open the database {db}; ask IT to give it read and write access to the file and "
       "its folder.",
    5: "The database {db} is locked by another program; close other InfusionDesk windows or tools using it, "
       "then try again.",
    6: "The database {db} is locked by another program; close other InfusionDesk windows or tools using it, "
       "then try again.",
    8: "The database {db} is read-only for this account, so nothing can be saved to it; ask IT to give this "
       "account write access to the file and its folder.",
    10: "The disk holding the database {db} reported a read or write error; check the disk (and that it is "
        "still connected), then try again.",
    11: "The database {db} is damaged (SQLite finds it malformed or cut short); stop using it, keep the file, "
        "and restore the clinic's records from the latest backup.",
    13: "The disk holding the database {db} is full, so this was not saved; free some space on it, then try "
        "again.",
    14: "Cannot open the database {db}; check the path given with --db or INFUSIONDESK_DB, and that this "
        "account may read and write the file and its folder.",
    23: "This account may not open the database {db}; ask IT to give it read and write access to the file and "
        "its folder.",
    26: "{db} is not a database file; check the path given with --db or INFUSIONDESK_DB, or restore the clinic's "
        "database from the latest backup.",
}

# PostgreSQL SQLSTATE classes that mean the server or the database cannot be used.
_POSTGRES: dict[str, str] = {
    "08": "Cannot connect to the database server of {db}; check that it is running and that the address, user "
          "name and password in --db or INFUSIONDESK_DB are right, then try again.",
    "53": "The database server of {db} has run out of room (disk, memory or connections); ask IT to free "
          "some, then try again.",
    "57": "The database server of {db} is shutting down or restarting; wait a minute, then try again.",
    "28": "The database server of {db} refused the user name or password in --db or INFUSIONDESK_DB; check "
          "them.",
    "3D": "The database server of {db} has no database by that name; check --db or INFUSIONDESK_DB.",
}

def database_error(exc: BaseException, db: str) -> DatabaseError | None:
    """The DatabaseError for a driver error that means the database cannot be used, else None (a bug or a
    refused value is not the database's fault and is reported as it is)."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _SQLITE:
        return DatabaseError(_SQLITE[code & 0xFF].format(db=db))
    if type(orig).__module__.split(".")[0] != "psycopg":
        return None
    state = getattr(orig, "sqlstate", None)
    if state is None and type(orig).__name__ == "OperationalError":
        state = "08"  # libpq reports a failed connection (refused, unknown host, bad password) without one
    if isinstance(state, str) and state[:2] in _POSTGRES:
        return DatabaseError(_POSTGRES[state[:2]].format(db=db))
    return None
