"""`infusiondesk fhir export`: the clinic's visits as a FHIR R4B Bundle file, read as a signed-in nurse or
clinician and audited as an export (infusiondesk.interop.fhir_export does the work)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from infusiondesk.errors import DomainError

EXIT_OK = 0


def _since(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a date; write it as year-month-day, such as 2026-03-31') \
            from None


def _write_new(path: Path, data: bytes, force: bool) -> None:
    """Write the whole file or nothing: a temporary file beside it, then renamed over it (only with --force)."""
    import os
    import tempfile

    if path.exists() and not force:
        raise DomainError(f"{path} already exists; choose another --out or add --force to replace it.")
    if not path.parent.is_dir():
        raise DomainError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".fhir-", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise DomainError(f"Cannot write {path}: {exc.strerror or exc}.") from None


def _export(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from infusiondesk import cli as core_cli
    from infusiondesk.drugs import load_drug
    from infusiondesk.interop.fhir_export import ExportScope, audit_export, export_bundle
    from infusiondesk.pki import sha256_hex
    from infusiondesk.progress import progress_bar

    out = Path(args.out)
    if out.exists() and not args.force:  # before the password is asked
        raise DomainError(f"{out} already exists; choose another --out or add --force to replace it.")
    store = core_cli.open_store(args)
    session = core_cli.sign_in(args, store)
    scope = ExportScope(args.patient, args.since)
    bar: Any = None

    def step(total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = progress_bar(total=total, unit="visit", desc="FHIR export", disable=args.quiet or total < 200)
        bar.update(1)

    try:
        result = export_bundle(store, session, scope, drug=load_drug(None), now=datetime.now(UTC), on_visit=step)
        if bar is not None:
            bar.close()
        data = result.json().encode("utf-8")
        _write_new(out, data, args.force)
        audit_export(store, session, scope, result, out.name, sha256_hex(data))
    finally:
        core_cli.sign_out(args, store)
    counts = ", ".join(f"{n} {kind}" for kind, n in result.counts.items()) or "nothing in scope"
    print(f"Wrote {out} ({len(data):,} bytes): {counts}.", file=sys.stderr)
    return EXIT_OK


def add_fhir_commands(sub: Any, db_help: str) -> None:
    """`fhir export` (imports stay inside the handler)."""
    from infusiondesk.cli import Parser

    fhir = sub.add_parser("fhir", help="exchange records with other systems as HL7 FHIR")
    fhir_sub = fhir.add_subparsers(dest="fhir_command", required=True, parser_class=Parser)
    export = fhir_sub.add_parser("export", help="write visits as a FHIR R4B Bundle (JSON): patients, encounters, "
                                 "infusions, vital signs, side effects, signed notes")
    export.add_argument("--db", help=db_help)
    export.add_argument("--user", metavar="NAME", help="your InfusionDesk user name, a nurse or clinician (required; "
                        "your password is asked, or read as one line of standard input when scripted)")
    export.add_argument("--patient", metavar="MRN", help="only this patient's visits")
    export.add_argument("--since", metavar="YYYY-MM-DD", type=_since,
                        help="only visits started (or opened) on or after this date, in the clinic's time zone")
    export.add_argument("--out", required=True, metavar="FILE", help="the bundle file to write (JSON)")
    export.add_argument("--force", action="store_true", help="replace --out if it exists")
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.set_defaults(handler=_export)
