"""`infusiondesk billing month | price | prices | pay`: the monthly billing CSV, the clinic's price list (admin)
and a visit's payment, from scripts. (`infusiondesk receipt` makes a PDF, so it lives in infusiondesk_reports.)"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from infusiondesk.errors import DomainError

EXIT_OK = 0


def cents(text: str) -> int:
    """"180", "180.00" or "$1,234.5" -> cents; one sentence otherwise."""
    cleaned = text.strip().replace("$", "").replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise DomainError(f"{text!r} is not an amount; write dollars and cents, e.g. 180.00.") from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise DomainError(f"{text!r} is not an amount in whole cents; write e.g. 180.00.")
    return int(value * 100)


def _with_session(args: argparse.Namespace, work: Any) -> int:
    from infusiondesk.cli import open_store, sign_in, sign_out

    store = open_store(args)
    try:
        session = sign_in(args, store)
        try:
            result: int = work(store, session)
            return result
        finally:
            sign_out(args, store)
    finally:
        store.close()


def _month(args: argparse.Namespace) -> int:
    from infusiondesk.billing.codes import billing_codes
    from infusiondesk.billing.month import month_csv, month_rows, parse_month
    from infusiondesk.clinic_time import clinic_zone

    year, month = parse_month(args.month)

    def work(store: Any, session: Any) -> int:
        visits = store.visits.all(by=session)
        mrns = {pid: store.patients.get(pid, by=session).mrn for pid in {v.patient_id for v in visits}}
        rows = month_rows(visits, mrns, year, month, clinic_zone(store.clinic.get()), billing_codes())
        Path(args.out).write_text(month_csv(rows), encoding="utf-8")
        print(f"Wrote {len(rows)} infusion(s) of {year}-{month:02d} to {args.out}.")
        return EXIT_OK
    return _with_session(args, work)


def _price(args: argparse.Namespace) -> int:
    from infusiondesk.billing.lines import money

    when = datetime.fromisoformat(args.effective).astimezone(UTC) if args.effective else datetime.now(UTC)

    def work(store: Any, session: Any) -> int:
        entry = store.billing.set_price(args.code, cents(args.price), when, by=session)
        print(f"{entry.code} is {money(entry.unit_price_cents)} per unit from "
              f"{entry.effective_from:%Y-%m-%d %H:%M} UTC.")
        return EXIT_OK
    return _with_session(args, work)


def _prices(args: argparse.Namespace) -> int:
    from infusiondesk.billing.lines import money

    def work(store: Any, session: Any) -> int:
        for e in store.billing.price_history(by=session):
            print(f"{e.code:<8} {money(e.unit_price_cents):>12}  from {e.effective_from:%Y-%m-%d %H:%M} UTC")
        return EXIT_OK
    return _with_session(args, work)


def _pay(args: argparse.Namespace) -> int:
    from infusiondesk.billing.lines import money

    def work(store: Any, session: Any) -> int:
        p = store.billing.record_payment(args.visit, args.method, cents(args.amount), datetime.now(UTC), by=session)
        print(f"Visit {p.visit_id}: {money(p.amount_cents)} paid by {p.method.label}.")
        return EXIT_OK
    return _with_session(args, work)


def add_billing_commands(sub: Any) -> None:
    """`billing month | price | prices | pay` (imports stay inside the handlers)."""
    from infusiondesk.cli import Parser

    db_help = "database file or postgresql:// URL (default: $INFUSIONDESK_DB, else the user data folder)"
    billing = sub.add_parser("billing", help="infusion time for billing, the price list and payments")
    bsub = billing.add_subparsers(dest="billing_command", required=True, parser_class=Parser)

    month = bsub.add_parser("month", help="a CSV of a month's infusions: start, stop, minutes, codes and units")
    month.add_argument("--db", help=db_help)
    month.add_argument("--user", metavar="NAME", help="your user name (a nurse or clinician; password asked)")
    month.add_argument("--month", required=True, metavar="YYYY-MM")
    month.add_argument("--out", required=True, metavar="FILE.csv")
    month.set_defaults(handler=_month)

    price = bsub.add_parser("price", help="set a code's unit price from a date on (admin; audited)")
    price.add_argument("--db", help=db_help)
    price.add_argument("--user", metavar="NAME", help="an admin's user name (password asked)")
    price.add_argument("--code", required=True, help="a billed code, e.g. 96365 or J3475")
    price.add_argument("--price", required=True, metavar="DOLLARS", help="the unit price, e.g. 180.00")
    price.add_argument("--effective", metavar="ISO_TIME",
                       help="when it takes effect, e.g. 2026-12-01T00:00-05:00 (default: now)")
    price.set_defaults(handler=_price)

    prices = bsub.add_parser("prices", help="list every price set, oldest first")
    prices.add_argument("--db", help=db_help)
    prices.add_argument("--user", metavar="NAME", help="your user name (password asked)")
    prices.set_defaults(handler=_prices)

    pay = bsub.add_parser("pay", help="record a visit's payment (nurse or admin; audited)")
    pay.add_argument("--db", help=db_help)
    pay.add_argument("--user", metavar="NAME", help="your user name (password asked)")
    pay.add_argument("--visit", required=True, type=int, metavar="ID")
    pay.add_argument("--method", required=True, choices=["cash", "card", "hsa_fsa_card"])
    pay.add_argument("--amount", required=True, metavar="DOLLARS")
    pay.set_defaults(handler=_pay)
