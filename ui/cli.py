"""The installed `infusiondesk` command: the composition root, in the top layer.

It takes the core's commands (`infusiondesk.cli`), the signed-note commands (`infusiondesk_reports.cli`), gives
`scenario run`
its note signer (the clinic CA and staff certificates of `infusiondesk_reports.demo_signing`, made on first use), and
adds the app:
`infusiondesk` with no command, or `infusiondesk app`, opens the window. Qt loads only when the app starts, so
`infusiondesk calc` never loads it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from infusiondesk import cli as core_cli


def _run_app(args: argparse.Namespace) -> int:
    from infusiondesk.settings import Timing

    db = getattr(args, "db", None)
    laptop = getattr(args, "laptop", None)
    if laptop:
        _check_laptop(laptop)
    overrides = {"idle_lock_min": getattr(args, "idle_lock_min", None),
                 "vitals_every_min": getattr(args, "vitals_every_min", None)}
    Timing.from_values(overrides)  # a value out of range is one line and exit 2, before Qt loads
    from infusiondesk_ui.app import run

    if laptop:
        return run(sys.argv[:1], db=db, overrides=overrides, laptop=laptop)
    return run(sys.argv[:1], db=db, overrides=overrides)


def _check_laptop(path: str) -> None:
    """A missing laptop file or key file is one sentence and exit 2, before Qt loads; her password is asked in
    the app's own dialog (infusiondesk_ui.laptop_open), where a wrong one can be typed again."""
    from pathlib import Path

    from infusiondesk.mobile import MobileError, laptop

    file = Path(path)
    if not file.exists():
        raise MobileError(f"No laptop database at {file}; check --laptop.")
    if not laptop.key_file(file).exists():
        raise MobileError(f"The key file {laptop.key_file(file)} of the laptop database is missing; without it the "
                          "database cannot be opened (it is encrypted).")


def _add_app_command(sub: Any) -> None:
    app = sub.add_parser("app", help="open the desktop app (the same as no command)")
    app.add_argument("--db", help="database file or postgresql:// URL (default: $INFUSIONDESK_DB, else the user "
                                  "data folder)")
    app.add_argument("--laptop", metavar="LAPTOP.db",
                     help="chart away from the clinic in a laptop database made by `infusiondesk mobile checkout` "
                          "(its nurse's password is asked in a dialog)")
    app.add_argument("--idle-lock-min", type=int, metavar="N",
                     help="lock the screen after N minutes without use (this run; default: the workstation "
                          "setting, else 10)")
    app.add_argument("--vitals-every-min", type=int, metavar="N",
                     help="remind to take vital signs every N minutes during an infusion (this run; default: the "
                          "workstation setting, else 15)")
    app.set_defaults(handler=_run_app)


def _scenario_note_signer(store: Any, drug: Any) -> Any:
    """The scenario run's clinician notes, signed for real (reportlab and pyHanko load here, at the first run)."""
    from infusiondesk_reports.demo_signing import run_sign_hook

    hook = run_sign_hook(drug)
    return lambda candidate, patient, signer, admin: hook(store, candidate, patient, signer, admin)


def _check_laptop_note(pdf: bytes, roots: Any, crls: Any) -> str:
    """`mobile sync`: a laptop's signed note checked before the clinic takes it (pyHanko loads here only)."""
    from infusiondesk_reports.laptop_notes import check_laptop_note

    return check_laptop_note(pdf, roots, crls)


def _clinic_report_pdf(report: Any) -> bytes:
    """`infusiondesk report NAME --pdf`: the reports layer draws it (reportlab loads here only)."""
    from infusiondesk_reports.clinic_report_pdf import clinic_report_pdf

    return bytes(clinic_report_pdf(report))


def build_parser() -> argparse.ArgumentParser:
    from infusiondesk_reports import cli as reports_cli

    parser, sub = core_cli.new_parser()
    reports_cli.add_commands(sub)
    _add_app_command(sub)
    # The top parser's default reaches `scenario run` (its own parser leaves make_note_signer unset).
    parser.set_defaults(handler=_run_app, make_note_signer=_scenario_note_signer,
                        render_clinic_report_pdf=_clinic_report_pdf, check_laptop_note=_check_laptop_note)
    return parser


def app_parser() -> argparse.ArgumentParser:
    """`infusiondesk` and `infusiondesk app` alone: opening the app does not wait for the parsers of the ~40 other
    commands (~25 ms, on the way to the window)."""
    parser = core_cli.Parser(prog="infusiondesk", description=core_cli.DESCRIPTION)
    _add_app_command(parser.add_subparsers(dest="command", parser_class=core_cli.Parser))
    parser.set_defaults(handler=_run_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # the two starts people wait for get a parser of their own command, the same command (issue 14)
    if args[:1] == ["calc"]:
        return core_cli.run(core_cli.calc_parser(), args)
    if args[:1] in ([], ["app"]):
        return core_cli.run(app_parser(), args)
    return core_cli.run(build_parser(), args)
