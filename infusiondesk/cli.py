"""The `infusiondesk` command: with no arguments it opens the app; subcommands serve scripts and CI.

This module is the composition root: it is the one place in the core package allowed to start the
Qt app or the PDF code, and it does so lazily so `infusiondesk calc` never loads Qt.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from infusiondesk.errors import DomainError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (no usage dump) and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def _calc(args: argparse.Namespace) -> int:
    from infusiondesk import display
    from infusiondesk.dosing import calculate_from_text
    from infusiondesk.drugs import load_drug

    drug = load_drug(args.library)
    if args.drug != drug.id:
        raise DomainError(f'Drug "{args.drug}" is not in the library; this library has "{drug.id}".')
    if args.concentration is None and args.product is None:
        raise DomainError('Enter --concentration (e.g. "2 g/50 mL") or --product (a library product id).')
    result = calculate_from_text(
        drug, dose=args.dose, concentration=args.concentration, product=args.product,
        duration=args.duration, rate=args.rate, weight=args.weight, age=args.age,
        indication=args.indication, given_last_24h=args.given_24h,
    )
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
        return EXIT_OK
    shown = result.display()
    print(shown["salt_and_elemental"])
    print(f"  concentration   {shown['concentration']}")
    print(f"  volume          {shown['volume']}  (volume to be infused)")
    print(f"  rate            {shown['rate']}  ({shown['dose_rate']})")
    print(f"  duration        {shown['duration']}")
    if "weight_based_dose" in shown:
        print(f"  weight-based    {shown['weight_based_dose']}")
    if result.order.given_last_24h is not None:
        print(f"  total in 24 h   {display.format_mass(result.total_24h)}")
    if not result.findings:
        print("No findings: within every library limit.")
    for f in result.findings:
        print(f"{f.level.upper():5} {f.message}")
    return EXIT_OK


def _run_app(args: argparse.Namespace) -> int:
    from ui.app import run

    return run(sys.argv[:1])


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="infusiondesk", description="InfusionDesk: IV magnesium infusion charting.")
    parser.set_defaults(handler=_run_app)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    calc = sub.add_parser("calc", help="compute volume, rate and duration and check them against the library")
    calc.add_argument("--drug", default="magnesium-sulfate")
    calc.add_argument("--dose", required=True, help='e.g. "2 g", "2000 mg", "16 mEq", "25 mg/kg"')
    calc.add_argument("--concentration", help='e.g. "2 g/50 mL", "40 mg/mL", "20 %%"')
    calc.add_argument("--product", help="a product id from the drug library instead of a concentration")
    timing = calc.add_mutually_exclusive_group(required=True)
    timing.add_argument("--duration", help='e.g. "30 min", "1.5 h"')
    timing.add_argument("--rate", help='e.g. "100 mL/h", "67 mg/min"')
    calc.add_argument("--weight", help='e.g. "70 kg", "154 lb"')
    calc.add_argument("--age", help="age in years; under 18 applies the paediatric rules")
    calc.add_argument("--indication", help="an indication id from the library (default: the library's default)")
    calc.add_argument("--given-24h", dest="given_24h",
                      help='magnesium sulfate already given in the last 24 h, e.g. "2 g"')
    calc.add_argument("--library", help="a drug library file (default: the clinic's, else the bundled one)")
    calc.add_argument("--json", action="store_true", help="print one JSON object")
    calc.set_defaults(handler=_calc)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except DomainError as exc:
        print(f"infusiondesk: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
