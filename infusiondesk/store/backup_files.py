"""Backup files on disk: their names (the clinic's local time stamp), copying an SQLite database consistently
while the app writes to it, writing the copy atomically, checking a copy is an InfusionDesk backup, and pruning.

Nothing here knows users or the audit trail (infusiondesk.store.backup does); every refusal is a `BackupError`
whose one sentence names the file or folder and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from infusiondesk.errors import DomainError

PREFIX = "infusiondesk-backup-"
SUFFIX = ".sqlite3"
_NAME = re.compile(rf"^{re.escape(PREFIX)}(\d{{4}}-\d{{2}}-\d{{2}}_\d{{6}})([+-]\d{{4}}){re.escape(SUFFIX)}$")
PAGES_PER_STEP = 256  # the copy's progress is reported this often (256 pages of 4 KiB: 1 MiB)
Progress = Callable[[int, int], None]  # (pages copied, pages in all)


class BackupError(DomainError):
    """A backup or restore that cannot be done; the message says which file or folder and what to do."""


@dataclass(frozen=True)
class CheckedCopy:
    """What checking a backup file found: it is whole (integrity_check) and this version knows its schema."""

    revision: str
    size: int


def backup_name(at: datetime, timezone: str) -> str:
    """`infusiondesk-backup-2026-11-30_190254+0100.sqlite3`: the clinic's local time with its UTC offset, so the
    names sort by date for a person and stay unambiguous across a change of clock (summer time)."""
    local = at.astimezone(ZoneInfo(timezone or "UTC"))
    return f"{PREFIX}{local:%Y-%m-%d_%H%M%S}{local:%z}{SUFFIX}"


def time_of(name: str) -> datetime | None:
    """The moment a backup file's name records, or None for any other file (never pruned)."""
    match = _NAME.match(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1) + match.group(2), "%Y-%m-%d_%H%M%S%z")
    except ValueError:
        return None


def backups_in(folder: Path) -> list[tuple[datetime, Path]]:
    """The backup files in a folder (by their names), newest first."""
    found = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            at = time_of(entry.name)
            if at is not None and entry.is_file():
                found.append((at, entry))
    return sorted(found, key=lambda pair: pair[0], reverse=True)


def prune(folder: Path, keep: int, made: Path) -> list[str]:
    """Delete all but the newest `keep` backups in the folder (never `made`, never another kind of file).
    Returns the names deleted."""
    deleted = []
    for _, path in backups_in(folder)[keep:]:
        if path.resolve() == made.resolve():
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            deleted.append(path.name)
    return deleted


def check_folder(folder: Path, kind: str = "backup folder") -> None:
    """Refuse a folder to write in that is missing, a file, or read-only for this account."""
    if not folder.exists():
        raise BackupError(f"The {kind} {folder} does not exist; create it or choose another folder.")
    if not folder.is_dir():
        raise BackupError(f"{folder} is a file, not a folder; choose a folder to write in.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(f"The {kind} {folder} cannot be written by this account; choose another folder or ask IT "
                          "to give this account write access to it.")


def refuse_existing(path: Path) -> None:
    if path.exists():
        raise BackupError(f"{path} already exists; InfusionDesk never overwrites a file with a backup or a "
                          "restore: choose a new file name.")


def _disk_error(exc: OSError, folder: Path) -> BackupError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return BackupError(f"The disk of {folder} is full, so no backup was written there; free some space or "
                           "choose another folder.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return BackupError(f"The backup folder {folder} cannot be written by this account; choose another folder "
                           "or ask IT to give this account write access to it.")
    return BackupError(f"Writing in {folder} failed ({exc.strerror or exc}); nothing was written under a backup's "
                       "name. Check the disk, or choose another folder.")


def _sqlite_disk_error(exc: sqlite3.Error, folder: Path) -> BackupError:
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return _disk_error(OSError(errno.ENOSPC, "disk full"), folder)
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return _disk_error(OSError(errno.EACCES, "read-only"), folder)
    return BackupError(f"Copying the database into {folder} failed ({exc}); nothing was written under a backup's "
                       "name. Check the disk, or choose another folder.")


@contextlib.contextmanager
def _temporary_in(folder: Path) -> Iterator[Path]:
    """A new temporary file beside where the result goes (a rename is atomic only within one file system);
    removed, with any SQLite side files, unless it was moved into place."""
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".infusiondesk-", suffix=".partial")
    except OSError as exc:
        raise _disk_error(exc, folder) from None
    os.close(fd)
    path = Path(name)
    try:
        yield path
    finally:
        for leftover in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal"),
                         path.with_name(path.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def copy_database(source: Path, into: Path, progress: Progress | None = None) -> None:
    """Copy a live SQLite database page by page (SQLite's online backup API) into a new file. One read
    transaction is held for the whole copy, so it is one consistent moment even while the app writes (in WAL
    mode writers do not wait for it). The copy is a single file (rollback journal, not WAL)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=15, isolation_level=None)
    dst = sqlite3.connect(into, isolation_level=None)
    try:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here

        def step(_status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)

        src.backup(dst, pages=PAGES_PER_STEP, progress=step)
        src.execute("COMMIT")
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def fsync(path: Path) -> None:
    with path.open("rb+") as f:
        os.fsync(f.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def move_into_place(tmp: Path, final: Path) -> None:
    """Give the finished, synced file its real name without ever replacing a file of that name: a hard link
    fails if the name exists; on file systems without links (FAT, some network shares), a checked rename."""
    try:
        os.link(tmp, final)
    except FileExistsError:
        refuse_existing(final)
        raise
    except OSError:
        refuse_existing(final)
        os.replace(tmp, final)
    _fsync_folder(final.parent)


def check_copy(path: Path, known: set[str], shown: str | None = None) -> CheckedCopy:
    """Open a copy and check it is an InfusionDesk database this version can read: PRAGMA integrity_check, and
    a schema revision among `known`. `shown` is the name used in messages (the file the person gave)."""
    shown = shown or str(path)
    not_backup = f"{shown} is not an InfusionDesk backup"
    try:
        with path.open("rb") as f:
            header = f.read(16)
    except OSError as exc:
        raise BackupError(f"Cannot read {shown}: {exc.strerror or exc}.") from None
    if header != b"SQLite format 3\x00":
        raise BackupError(f"{not_backup} (it is not an SQLite database file); give a file made by "
                          "infusiondesk backup or the app's Back up now.")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"{shown} is damaged (SQLite's integrity check failed: {result[0]}); use an older "
                              "backup.")
        try:
            revisions = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
        except sqlite3.DatabaseError:
            raise BackupError(f"{not_backup} (it is another program's database); give a file made by "
                              "infusiondesk backup or the app's Back up now.") from None
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_CORRUPT:
            raise BackupError(f"{shown} is damaged (SQLite reports: {exc}); use an older backup.") from None
        raise BackupError(f"{not_backup} (SQLite cannot read it: {exc}); give a file made by infusiondesk backup "
                          "or the app's Back up now.") from None
    finally:
        conn.close()
    if len(revisions) != 1:
        raise BackupError(f"{not_backup} (it has no schema revision); give a file made by infusiondesk backup or "
                          "the app's Back up now.")
    (revision,) = revisions
    if revision not in known:
        raise BackupError(f"{shown} was made by a newer version of InfusionDesk (schema {revision}); restore it "
                          "with that version.")
    return CheckedCopy(revision=revision, size=path.stat().st_size)


def write_copy(source: Path, final: Path, known: set[str], progress: Progress | None = None,
               then: Callable[[Path], None] | None = None, kind: str = "backup folder") -> CheckedCopy:
    """Copy `source` to `final` atomically: into a temporary file in the target folder, checked (integrity,
    schema), `then(tmp)` (a restore finishes its work on the copy here), synced to disk, and only then given its
    name. A crash at any moment leaves no half file under the real name."""
    folder = final.parent
    check_folder(folder, kind)
    refuse_existing(final)
    with _temporary_in(folder) as tmp:
        try:
            copy_database(source, tmp, progress)
        except sqlite3.Error as exc:
            raise _sqlite_disk_error(exc, folder) from None
        except OSError as exc:
            raise _disk_error(exc, folder) from None
        checked = check_copy(tmp, known, shown=f"The copy of {source}")
        if then is not None:
            then(tmp)
        try:
            fsync(tmp)
            move_into_place(tmp, final)
        except BackupError:
            raise
        except OSError as exc:
            raise _disk_error(exc, folder) from None
    return CheckedCopy(checked.revision, final.stat().st_size)
