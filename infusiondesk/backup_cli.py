"""`infusiondesk backup` and `infusiondesk restore`: the clinic's SQLite database copied while the app runs, and a
backup made into a new database, its audit trail verified (infusiondesk.store.backup does the work)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from infusiondesk.errors import DomainError

EXIT_OK, EXIT_FAIL = 0, 1


def _password(args: argparse.Namespace) -> str:
    """From --password-file (first line; for a scheduled job, a file only its account can read), else asked."""
    from infusiondesk.cli import _ask

    if args.password_file:
        try:
            return Path(args.password_file).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError, UnicodeDecodeError):
            raise DomainError(f"Cannot read a password from the first line of {args.password_file}.") from None
    return _ask(f"InfusionDesk password for {args.user}: ")


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 104_858 else f"{n / 1024:.0f} KB"


def _backup(args: argparse.Namespace) -> int:
    from infusiondesk.cli import open_store
    from infusiondesk.store import backup

    store = open_store(args)
    try:
        backup.source_file(store)  # PostgreSQL is refused before a password is asked
        session = store.users.sign_in(args.user, _password(args))
        try:
            keep = backup.check_keep(args.keep) if args.keep is not None else None
            result = backup.back_up(store, Path(args.out), session, keep=keep)
        finally:
            store.users.sign_out(session)
    finally:
        store.close()
    print(f"Backed up to {result.path} ({_size(result.size)}); checked: SQLite integrity ok, schema {result.revision}.")
    if result.pruned:
        print(f"Deleted {len(result.pruned)} older backup(s), keeping the newest {args.keep}: "
              f"{', '.join(result.pruned)}.")
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    from infusiondesk.cli import load_trust
    from infusiondesk.store import backup

    trust = load_trust(args.trust)
    result = backup.restore(Path(args.file), args.db, args.user, _password(args), trust=trust)
    print(f"Restored {args.file} as {result.path} ({_size(result.size)}, schema {result.revision}), by "
          f"{result.restored_by}; the restore is in its audit trail.")
    print(result.report.summary())
    if not result.report.ok:
        print("The restored database's audit trail does not verify (above); keep the backup file and report this "
              "before charting in it.")
    return EXIT_OK if result.report.ok else EXIT_FAIL


def add_backup_commands(sub: Any, db_help: str) -> None:
    """`backup` and `restore` (imports stay inside the handlers)."""
    from infusiondesk.store.backup_policy import KEEP_MAX, KEEP_MIN  # (no SQLAlchemy: `calc` builds this parser)

    back = sub.add_parser("backup", help="copy the clinic's SQLite database to a backup file, also while it is in "
                                         "use (PostgreSQL: use pg_dump)")
    back.add_argument("--db", help=db_help)
    back.add_argument("--out", required=True, metavar="FILE_OR_FOLDER",
                      help="a new backup file, or a folder: the file is then named with the clinic's date and time")
    back.add_argument("--user", required=True, help="an admin's user name (their password is asked)")
    back.add_argument("--password-file", metavar="FILE", help="read the password from the first line of FILE")
    back.add_argument("--keep", metavar="N",
                      help=f"then delete all but the newest N backups in that folder ({KEEP_MIN}–{KEEP_MAX})")
    back.set_defaults(handler=_backup)

    rest = sub.add_parser("restore", help="make a new database file from a backup and check its audit trail")
    rest.add_argument("file", help="the backup file")
    rest.add_argument("--db", required=True, metavar="NEW_FILE",
                      help="the new database file to create (an existing file is never overwritten)")
    rest.add_argument("--user", required=True, help="an admin of the backed-up clinic (their password is asked)")
    rest.add_argument("--password-file", metavar="FILE", help="read the password from the first line of FILE")
    rest.add_argument("--trust", action="append", metavar="CA.PEM",
                      help="the clinic CA certificate, from outside the database, to verify the checkpoints against")
    rest.set_defaults(handler=_restore)
