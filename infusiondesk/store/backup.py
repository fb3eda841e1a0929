"""Backing up and restoring the clinic's SQLite database, and the daily automatic backup an admin schedules.

Only an admin backs up (checked here, in the core, against the database as it is now); every backup and restore
is audited with who, the file name and its size, never anything about a patient. A backup is written atomically
and verified (integrity, schema) before older ones are pruned; a restore never overwrites a file, and reports
the restored audit trail's verdict (`audit verify`). PostgreSQL is backed up with pg_dump: `back_up` refuses it
with a sentence naming the server's version, since pg_dump must be that version or newer.

The store calls of this feature are the functions below that take `by` (one per action), so the signed-in
session can replace `by: User` in one place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url

from infusiondesk.clinic_time import clinic_zone
from infusiondesk.records.models import Role, User, UserSession
from infusiondesk.store import backup_files, sessions, tables
from infusiondesk.store.audit import chain, trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.backup_files import BackupError, Progress
from infusiondesk.store.backup_policy import KEEP_DEFAULT, KEEP_MAX, KEEP_MIN
from infusiondesk.store.engine import known_revisions, to_url, where

if TYPE_CHECKING:
    from cryptography import x509

    from infusiondesk.store.audit.verify import AuditReport
    from infusiondesk.store.store import Store

_ADMIN = (Role.ADMIN,)

__all__ = ["KEEP_DEFAULT", "BackupError", "BackupResult", "BackupSchedule", "RestoreResult", "automatic_backup_due",
           "back_up", "backup_schedule", "restore", "run_automatic_backup", "set_backup_schedule",
           "source_file"]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    revision: str
    pruned: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    size: int
    revision: str
    restored_by: str
    report: AuditReport


@dataclass(frozen=True)
class BackupSchedule:
    """Where the clinic's backups go, whether one is made automatically each clinic day, and how many to keep.
    `set_by` is the admin who set it: the automatic backup acts for them."""

    folder: str
    keep: int = KEEP_DEFAULT
    daily: bool = True
    set_by: int | None = None


# -- the database being backed up --------------------------------------------------------------------------------

def source_file(store: Store) -> Path:
    """The live SQLite file, or a refusal saying how this database is backed up instead."""
    url = store.engine.url
    if url.get_backend_name() == "postgresql":
        with store.engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one()).split()[0]
        major = version.split(".")[0]
        raise BackupError(f"The clinic's database is on PostgreSQL {version} ({where(url)}), which InfusionDesk "
                          f"does not copy itself: back it up with pg_dump from PostgreSQL {major} or newer, e.g. "
                          f"pg_dump --format=custom --file=clinic.dump (see README, Backup and restore).")
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        raise BackupError(f"{where(url)} is not a database file InfusionDesk can back up.")
    return Path(database)


def _clinic_zone(store: Store) -> ZoneInfo:
    """The clinic's zone (backup names and the daily backup's clinic date); an unknown one is a sentence, never
    a silent UTC."""
    return clinic_zone(store.clinic.get())


def _target(store: Store, out: Path) -> Path:
    """A folder gets a file named with the clinic's time stamp; any other path is the file itself."""
    out = out.expanduser()
    if out.is_dir():
        return out / backup_files.backup_name(store._now(), _clinic_zone(store).key)
    return out


# -- backing up ----------------------------------------------------------------------------------------------------

def back_up(store: Store, out: Path, by: UserSession, *, keep: int | None = None,
            progress: Progress | None = None) -> BackupResult:
    """Copy the clinic's database to `out` (a folder: a new time-stamped file in it; else that new file), check
    the copy, then (with `keep`) delete all but the newest `keep` backups in its folder. Admin only; audited."""
    return _back_up(store, out, by, _ADMIN, keep=keep, progress=progress)


def _back_up(store: Store, out: Path, by: UserSession, roles: tuple[Role, ...], *, keep: int | None,
             progress: Progress | None, scheduled_by: str = "") -> BackupResult:
    source = source_file(store)
    action = "run the clinic's daily backup" if scheduled_by else "back up the clinic"
    with store._read() as conn:
        sessions.acting(conn, by, roles, action)
    final = _target(store, out)
    checked = backup_files.write_copy(source, final, known_revisions(), progress)
    pruned = tuple(backup_files.prune(final.parent, keep, final)) if keep is not None else ()
    with store._write() as conn:
        actor = sessions.acting(conn, by, roles, action)
        detail: dict[str, Any] = {"file": final.name, "folder": str(final.parent), "bytes": checked.size,
                                  "schema": checked.revision, "automatic": bool(scheduled_by), "pruned": list(pruned)}
        if scheduled_by:
            detail["scheduled_by"] = scheduled_by
        chain.append(conn, at=store._now(), by=actor, event=AuditEvent.BACKUP, detail=detail)
    return BackupResult(final, checked.size, checked.revision, pruned)


# -- restoring -------------------------------------------------------------------------------------------------------

def restore(backup: Path, new_db: str, username: str, password: str, *,
            trust: Sequence[x509.Certificate] | None = None, clock: Callable[[], datetime] | None = None
            ) -> RestoreResult:
    """Make a new database file from a backup: refused if `new_db` exists. The copy is checked (integrity,
    schema), the admin signs in to it (a clinic admin of the backup), its audit trail is verified (`audit
    verify`), the restore is audited in it, and only then does the file get its name. Returns the verdict."""
    from infusiondesk.store.store import Store

    if "://" in new_db and not new_db.startswith("sqlite"):
        raise BackupError("InfusionDesk restores into a new database file only; restore a PostgreSQL database "
                          "from its pg_dump with pg_restore (see README, Backup and restore).")
    final = Path(make_url(to_url(new_db)).database or new_db)
    backup = backup.expanduser()
    if not backup.is_file():
        raise BackupError(f"No backup file at {backup}; check the path." if not backup.exists() else
                          f"{backup} is a folder; give the backup file itself.")
    backup_files.refuse_existing(final)
    backup_files.check_copy(backup, known_revisions())  # a wrong file is refused before anything is written
    outcome: dict[str, Any] = {}

    def finish(copy: Path) -> None:
        opened = Store.open(str(copy), create=False)
        store = opened.with_clock(clock) if clock is not None else opened
        try:
            with store._write() as conn:  # sessions copied with the file belong to the original database's desks
                conn.execute(update(tables.user_sessions).where(tables.user_sessions.c.ended_at.is_(None))
                             .values(ended_at=store._now(), end_reason="restored from a backup"))
            session = store.users.sign_in(username, password)
            with store._read() as conn:
                sessions.acting(conn, session, _ADMIN, "restore the clinic")
            report = store.audit.verify(trust)
            with store._write() as conn:
                actor = sessions.acting(conn, session, _ADMIN, "restore the clinic")
                chain.append(conn, at=store._now(), by=actor, event=AuditEvent.RESTORE,
                             detail={"file": backup.name, "bytes": backup.stat().st_size, "restored_as": final.name,
                                     "audit_intact": report.ok})
            store.users.sign_out(session)
            with store.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            store.close()
        outcome.update(user=session.user.username, report=report)

    checked = backup_files.write_copy(backup, final, known_revisions(), then=finish, kind="folder")
    return RestoreResult(final, checked.size, checked.revision, outcome["user"], outcome["report"])


# -- the schedule ----------------------------------------------------------------------------------------------------

def check_keep(value: object) -> int:
    """How many backups to keep, as a whole number in range, or a BackupError saying what is accepted."""
    try:
        keep = int(str(value).strip()) if not isinstance(value, int) or isinstance(value, bool) else value
    except ValueError:
        raise BackupError(f"Backups to keep: “{value}” is not a whole number; enter e.g. {KEEP_DEFAULT}.") from None
    if not KEEP_MIN <= keep <= KEEP_MAX:
        raise BackupError(f"Backups to keep: {keep} is outside {KEEP_MIN}–{KEEP_MAX}.")
    return keep


def backup_schedule(store: Store) -> BackupSchedule | None:
    """The clinic's backup schedule, or None until an admin sets one."""
    with store._read() as conn:
        row = conn.execute(select(tables.backup_schedule).where(tables.backup_schedule.c.id == 1)).first()
    if row is None:
        return None
    return BackupSchedule(folder=row.folder, keep=row.keep, daily=row.daily, set_by=row.set_by)


def set_backup_schedule(store: Store, schedule: BackupSchedule, by: UserSession) -> BackupSchedule:
    """An admin chooses the backup folder (it must exist and be writable now), the daily backup and how many to
    keep; audited. The automatic backup will act for this admin."""
    folder = Path(schedule.folder.strip()).expanduser() if schedule.folder.strip() else None
    if folder is None:
        raise BackupError("Choose the folder the backups go to.")
    if not folder.is_absolute():
        raise BackupError(f"{folder} is not a full path; give the backup folder's full path.")
    backup_files.check_folder(folder)
    keep = check_keep(schedule.keep)
    with store._write() as conn:
        actor = sessions.acting(conn, by, _ADMIN, "change the clinic's backups")
        saved = dataclasses.replace(schedule, folder=str(folder), keep=keep, set_by=actor.id)
        trail.save_single_row(conn, at=store._now(), by=actor, table=tables.backup_schedule,
                              values={"folder": saved.folder, "keep": keep, "daily": saved.daily, "set_by": actor.id})
    return saved


def automatic_backup_due(store: Store, schedule: BackupSchedule | None = None) -> bool:
    """True when the daily backup is on and its folder holds no backup made on today's clinic date."""
    schedule = schedule if schedule is not None else backup_schedule(store)
    if schedule is None or not schedule.daily:
        return False
    zone = _clinic_zone(store)
    today = store._now().astimezone(zone).date()
    newest = backup_files.backups_in(Path(schedule.folder))
    return not newest or newest[0][0].astimezone(zone).date() < today


def run_automatic_backup(store: Store, by: UserSession, progress: Progress | None = None) -> BackupResult | None:
    """Make today's automatic backup if it is due (None if not). It runs on whichever workstation someone is
    signed in at (`by`, any role: the copy is the schedule's, not theirs to choose) and is audited as theirs,
    naming the admin who set the schedule; refused, with a sentence, when that admin is no longer active."""
    schedule = backup_schedule(store)
    if schedule is None or not automatic_backup_due(store, schedule):
        return None
    assert schedule.set_by is not None
    admin = _schedule_admin(store, schedule.set_by)
    return _back_up(store, Path(schedule.folder), by, tuple(Role), keep=schedule.keep, progress=progress,
                    scheduled_by=admin.username)


def _schedule_admin(store: Store, user_id: int) -> User:
    from infusiondesk.store.users import user_from_row

    with store._read() as conn:
        row = conn.execute(chain.by_id(tables.users), {"id": user_id}).first()
    if row is None or not row.active or row.role != Role.ADMIN.value:
        name = row.username if row is not None else f"user #{user_id}"
        raise BackupError(f"The automatic backup was set up by {name}, who is no longer an active admin, so it "
                          "did not run; an admin must save the backup settings again.")
    return user_from_row(row)
