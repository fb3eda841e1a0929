"""`infusiondesk import patients FILE.csv` and `infusiondesk import hl7 FILE`: a dry run by default (the report,
nothing written), `--commit` to write as the signed-in admin. Output: a summary line, then one line per rejected
row ("row 17, date_of_birth: …"). Exit 0 when no row was rejected, 1 when some were (the others are written with
--commit), 2 when the command or the file as a whole cannot be used (nothing written)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infusiondesk.errors import DomainError

EXIT_OK, EXIT_REJECTED = 0, 1


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DomainError(f"Cannot read {path}: {exc.strerror or exc}.") from None


def _follow(bar: Any) -> Callable[[int], None]:
    """A progress callback (rows done so far) that moves a tqdm bar."""
    def move(done: int) -> None:
        bar.update(done - bar.n)
    return move


def _import(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from infusiondesk.cli import open_store, sign_in, sign_out
    from infusiondesk.clinic_time import local_date
    from infusiondesk.interop.hl7_adt import read_adt_file
    from infusiondesk.interop.patient_import import read_patients_csv
    from infusiondesk.interop.writing import check_against_database, commit
    from infusiondesk.progress import progress_bar

    path = Path(args.file)
    read = read_patients_csv if args.import_command == "patients" else read_adt_file
    store = open_store(args)  # a bad --db is refused first, as by every command
    try:
        data = _read(path)
        session = sign_in(args, store)
        try:
            report = read(data, path.name, local_date(store.clinic.get(), datetime.now(UTC)))
            on_tty = sys.stderr.isatty()
            with progress_bar(total=len(report.accepted), unit="row", desc="checking", disable=not on_tty,
                      leave=False) as bar:
                report = check_against_database(report, store, session, progress=_follow(bar))
            if args.commit:
                with progress_bar(total=len(report.accepted), unit="patient", desc="importing",
                                  disable=not on_tty) as bar:
                    report = commit(report, store, session, progress=_follow(bar))
        finally:
            sign_out(args, store)
    finally:
        store.close()
    print("\n".join(report.lines("--commit to write")))
    return EXIT_REJECTED if report.rejected else EXIT_OK


def add_import_commands(sub: Any, db_help: str) -> None:
    """`import patients` and `import hl7` (imports stay inside the handler)."""
    from infusiondesk.cli import Parser

    imp = sub.add_parser("import", help="patients from a CSV file or HL7 v2 ADT messages (a dry run unless "
                                        "--commit); see README \"Importing patients\"")
    imp_sub = imp.add_subparsers(dest="import_command", required=True, parser_class=Parser)
    for name, file_help, what in (
            ("patients", "a UTF-8 CSV file with a header row of the documented columns", "patients from a CSV file"),
            ("hl7", "a file of HL7 v2 messages: ADT^A04 registers, ADT^A08 updates, others are skipped",
             "patients from HL7 v2 ADT^A04/A08 messages")):
        cmd = imp_sub.add_parser(name, help=f"import {what}; exit 0: nothing rejected, 1: rows rejected (listed), "
                                            "2: nothing could be imported")
        cmd.add_argument("file", metavar="FILE", help=file_help)
        cmd.add_argument("--db", help=db_help)
        cmd.add_argument("--user", metavar="NAME", help="an admin's user name (required; the password is asked, or "
                                                        "read as one line of standard input when scripted)")
        cmd.add_argument("--commit", action="store_true",
                         help="write the accepted rows (without it: a dry run that writes nothing)")
        cmd.set_defaults(handler=_import)
