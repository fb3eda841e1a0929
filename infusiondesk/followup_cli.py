"""`infusiondesk followups due`: the follow-ups due now (infusiondesk.followups), for a nurse's call list."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime
from typing import Any

EXIT_OK = 0


def add_followup_commands(sub: Any, db_help: str) -> None:
    followups = sub.add_parser("followups", help="outcome follow-ups after course visits")
    followups_sub = followups.add_subparsers(dest="followups_command", required=True, parser_class=type(followups))
    due = followups_sub.add_parser("due", help="list the follow-ups due now: patient, visit date, interval, due since")
    due.add_argument("--db", help=db_help)
    due.add_argument("--user", metavar="NAME", help="your InfusionDesk user name, a nurse or clinician (required; "
                     "your password is asked, or read as one line of standard input when scripted)")
    due.add_argument("--json", action="store_true", help="print one JSON list")
    due.set_defaults(handler=_due)


def _due(args: argparse.Namespace) -> int:
    from infusiondesk.cli import open_store, sign_in, sign_out

    store = open_store(args)
    try:
        session = sign_in(args, store)
        try:
            rows = store.follow_ups.due(by=session)
            zone_today = _today(store)
        finally:
            sign_out(args, store)
    finally:
        store.close()
    if args.json:
        print(json.dumps([{"patient": r.patient, "mrn": r.mrn, "visit_id": r.visit_id,
                           "visit_date": r.visit_day.isoformat(), "interval_days": r.interval_days,
                           "due_on": r.due_on.isoformat()} for r in rows], indent=2))
        return EXIT_OK
    if not rows:
        print(f"No follow-ups due on {zone_today:%Y-%m-%d} (the clinic's date).")
        return EXIT_OK
    for r in rows:
        print(f"{r.mrn:<12} {r.patient:<32} visit {r.visit_id:<7} of {r.visit_day:%Y-%m-%d}  "
              f"{r.interval:<18} {r.due_text(zone_today)}")
    return EXIT_OK


def _today(store: Any) -> date:
    from infusiondesk.clinic_time import local_date

    return local_date(store.clinic.get(), datetime.now(UTC))
