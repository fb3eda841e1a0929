"""The signed-note commands (`verify`, `export-note`, `ca export`) and a `demo` whose signed visits carry real
signed notes. Added to the core's parser by `infusiondesk_ui.cli`; reportlab and pyHanko load inside the handlers only,
so `infusiondesk calc` stays light."""

from __future__ import annotations

import argparse
from typing import Any

from infusiondesk import cli as core_cli
from infusiondesk.errors import DomainError

_DB_HELP = "database file or URL (default: $INFUSIONDESK_DB, else the user data folder)"


def _verify_note(args: argparse.Namespace) -> int:
    from infusiondesk_reports.note_commands import verify_command

    return verify_command(args)


def _export_note(args: argparse.Namespace) -> int:
    if args.visits is not None:
        from infusiondesk_reports.note_bundle import export_notes_command, parse_visit_ids

        if args.version is not None:
            raise DomainError("--version goes with --visit (one visit); leave it out with --visits.")
        parse_visit_ids(args.visits)  # a bad list is one line before the database is opened
        return export_notes_command(args, core_cli.open_store(args))
    if args.combine != "files":
        raise DomainError("--combine goes with --visits (several visits); with --visit, --out is the PDF.")
    from infusiondesk_reports.note_commands import export_note_command

    return export_note_command(args, core_cli.open_store(args))


def _summary(args: argparse.Namespace) -> int:
    from infusiondesk.course import parse_period
    from infusiondesk_reports.summary_commands import summary_command

    parse_period(args.date_from, args.date_to)  # bad dates are one line before the database is opened
    return summary_command(args, core_cli.open_store(args), core_cli.read_secret)


def _ca_export(args: argparse.Namespace) -> int:
    from infusiondesk_reports.note_commands import ca_export_command

    return ca_export_command(args, core_cli.open_store(args))


def _demo_with_signed_notes(args: argparse.Namespace) -> int:
    from infusiondesk.drugs import load_drug
    from infusiondesk_reports.demo_signing import demo_sign_hook

    return core_cli.demo_command(args, hook=demo_sign_hook(load_drug()))


def add_commands(sub: Any) -> None:
    verify = sub.add_parser("verify", help="check a signed visit note: valid, unchanged since signing, trusted")
    verify.add_argument("file", help="the PDF to check")
    verify.add_argument("--trust", action="append", metavar="CA.pem",
                        help="a CA certificate to trust (e.g. from `ca export`); repeatable")
    verify.add_argument("--crl", action="append", metavar="FILE", help="a revocation list to check against")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    verify.set_defaults(handler=_verify_note)

    export = sub.add_parser("export-note", help="write visits' signed notes (the exact stored bytes), or drafts")
    export.add_argument("--db", help=_DB_HELP)
    export.add_argument("--user", metavar="NAME", help="your InfusionDesk user name, a nurse or clinician "
                        "(required; your password is asked, or read as one line of standard input when scripted)")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--visit", type=int, help="one visit id (--out is the PDF)")
    which.add_argument("--visits", metavar="IDS", help="several visit ids, e.g. 3,5,9 (--out is a folder, or the "
                                                       "file of --combine)")
    export.add_argument("--version", type=int, help="a signed version (default: the latest; with --visit)")
    export.add_argument("--combine", choices=("files", "zip", "portfolio"), default="files",
                        help="with --visits: one file per visit in the --out folder (default), one zip, or one "
                             "PDF portfolio (a cover page with each note attached, byte for byte)")
    export.add_argument("--out", required=True, help="the PDF file, folder, zip or portfolio to write")
    export.set_defaults(handler=_export_note)

    summary = sub.add_parser("summary", help="a patient's course summary (PDF): every visit of a period, the "
                                             "magnesium given, attacks per month, plots")
    summary.add_argument("--db", help=_DB_HELP)
    summary.add_argument("--patient", required=True, metavar="MRN", help="the patient's MRN")
    summary.add_argument("--from", dest="date_from", metavar="DATE", help="first day, year-month-day (default: the "
                                                                           "first visit)")
    summary.add_argument("--to", dest="date_to", metavar="DATE", help="last day, year-month-day (default: the "
                                                                       "latest visit)")
    summary.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF file to write")
    summary.add_argument("--user", metavar="NAME", help="your InfusionDesk user name, a nurse or clinician "
                         "(required; your password is asked)")
    summary.add_argument("--sign", action="store_true", help="sign it as --user, a clinician (the same password "
                                                             "unlocks their signing key)")
    summary.add_argument("--passphrase-file", metavar="FILE", help="read the password from the first line of FILE "
                                                                   "instead of asking (for a scheduled job)")
    summary.set_defaults(handler=_summary)

    ca = sub.add_parser("ca", help="the clinic's signing certificate authority")
    ca_sub = ca.add_subparsers(dest="ca_command", required=True, parser_class=core_cli.Parser)
    ca_export = ca_sub.add_parser("export", help="write the clinic CA certificate (PEM) for other validators")
    ca_export.add_argument("--db", help=_DB_HELP)
    ca_export.add_argument("--out", required=True, help="the .pem file to write")
    ca_export.add_argument("--crl", help="also write the clinic's revocation list (DER) here, if there is one")
    ca_export.set_defaults(handler=_ca_export)

    from infusiondesk_reports.receipt_commands import add_receipt_command

    add_receipt_command(sub, _DB_HELP)
    sub.choices["demo"].set_defaults(handler=_demo_with_signed_notes)
