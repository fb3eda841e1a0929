"""The signed-note commands (`verify`, `export-note`, `ca export`) and a `demo` whose signed visits carry real
signed notes. Added to the core's parser by `infusiondesk_ui.cli`; reportlab and pyHanko load inside the handlers only,
so `infusiondesk calc` stays light."""

from __future__ import annotations

import argparse
from typing import Any

from infusiondesk import cli as core_cli

_DB_HELP = "database file or URL (default: $INFUSIONDESK_DB, else the user data folder)"


def _verify_note(args: argparse.Namespace) -> int:
    from infusiondesk_reports.note_commands import verify_command

    return verify_command(args)


def _export_note(args: argparse.Namespace) -> int:
    from infusiondesk_reports.note_commands import export_note_command

    return export_note_command(args, core_cli.open_store(args))


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

    export = sub.add_parser("export-note", help="write a visit's signed note (the exact stored bytes), or a draft")
    export.add_argument("--db", help=_DB_HELP)
    export.add_argument("--visit", type=int, required=True, help="visit id")
    export.add_argument("--version", type=int, help="a signed version (default: the latest)")
    export.add_argument("--out", required=True, help="the PDF file to write")
    export.set_defaults(handler=_export_note)

    ca = sub.add_parser("ca", help="the clinic's signing certificate authority")
    ca_sub = ca.add_subparsers(dest="ca_command", required=True, parser_class=core_cli.Parser)
    ca_export = ca_sub.add_parser("export", help="write the clinic CA certificate (PEM) for other validators")
    ca_export.add_argument("--db", help=_DB_HELP)
    ca_export.add_argument("--out", required=True, help="the .pem file to write")
    ca_export.add_argument("--crl", help="also write the clinic's revocation list (DER) here, if there is one")
    ca_export.set_defaults(handler=_ca_export)

    sub.choices["demo"].set_defaults(handler=_demo_with_signed_notes)
