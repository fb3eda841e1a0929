"""`infusiondesk report NAME` and `infusiondesk report list`: the clinic reports from a terminal, as a table, a
CSV file or a PDF (admin or clinician; each file written is audited). The PDF is drawn by the reports layer: the
composition root (`infusiondesk_ui.cli`) sets `render_clinic_report_pdf` on the parser; the core alone has none."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infusiondesk.errors import DomainError

EXIT_OK = 0


def _list(args: argparse.Namespace) -> int:
    from infusiondesk.clinic_reports import REPORTS

    for d in REPORTS.values():
        print(f"{d.name:16} {d.title}: {d.counts}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    if args.name == "list":
        return _list(args)
    from infusiondesk import clinic_reports as cr
    from infusiondesk.cli import open_store, sign_in, sign_out
    from infusiondesk.clinic_reports.export import csv_text, record_export
    from infusiondesk.clinic_time import clinic_zone

    cr.report_named(args.name)  # an unknown report is one line before the database is opened
    render: Callable[[Any], bytes] | None = getattr(args, "render_clinic_report_pdf", None)
    if args.pdf and render is None:
        raise DomainError("This installation cannot write PDFs (the reports package is missing); use --csv.")
    store = open_store(args)
    try:
        now = datetime.now(UTC)
        period = cr.parse_period(args.date_from, args.date_to, now, clinic_zone(store.clinic.get()))
        session = sign_in(args, store)
        try:
            report = cr.run(store, args.name, period, by=session, now=now)
            if args.csv:
                _write(Path(args.csv), csv_text(report).encode("utf-8-sig"))
                record_export(store, report, session, {"format": "csv", "file": Path(args.csv).name})
                print(f"Wrote {report.title} ({len(report.rows)} rows, {period.describe()}) to {args.csv}.")
            elif args.pdf and render is not None:
                pdf = render(report)
                _write(Path(args.pdf), pdf)
                record_export(store, report, session, {"format": "pdf", "file": Path(args.pdf).name,
                                                       "bytes": len(pdf)})
                print(f"Wrote {report.title} ({len(report.rows)} rows, {period.describe()}) to {args.pdf}.")
            else:
                _print(report)
        finally:
            sign_out(args, store)
    finally:
        store.close()
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise DomainError(f"Cannot write {path} ({exc.strerror or exc}).") from None


def _print(report: Any) -> None:
    """The table as aligned text (numbers to the right), the totals row under a rule."""
    from infusiondesk.clinic_reports import text_rows, totals_text
    from infusiondesk.clinic_reports.definition import ColumnKind

    print(f"{report.clinic_name} — {report.title}\n{report.summary()}\n")
    header = [c.header for c in report.columns]
    body = text_rows(report)
    total = totals_text(report)
    widths = [max(len(r[i]) for r in (header, *body, total)) for i in range(len(header))]
    right = [c.kind in (ColumnKind.COUNT, ColumnKind.GRAMS) for c in report.columns]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True))

    print(line(header))
    for row in body:
        print(line(row))
    if not body:
        print(report.empty)
    print("-" * len(line(header)))
    print(line(total))


def add_report_commands(sub: Any, db_help: str) -> None:
    """`report NAME` / `report list` (imports stay inside the handler)."""
    rep = sub.add_parser("report", help="clinic reports (admin or clinician): visits per day, doses given, side "
                                        "effects, overrides and hard stops; `report list` names them")
    rep.add_argument("name", metavar="NAME", help="the report (see `infusiondesk report list`), or `list`")
    rep.add_argument("--db", help=db_help)
    rep.add_argument("--user", metavar="NAME", help="your InfusionDesk user name, an admin or clinician (required; "
                     "your password is asked, or read as one line of standard input when scripted)")
    rep.add_argument("--from", dest="date_from", metavar="DATE",
                     help="first clinic day, year-month-day (default: the first of the month of --to)")
    rep.add_argument("--to", dest="date_to", metavar="DATE", help="last clinic day, included (default: today)")
    out = rep.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="FILE", help="write the report as CSV (UTF-8) instead of printing it")
    out.add_argument("--pdf", metavar="FILE", help="write the report as a PDF instead of printing it")
    rep.set_defaults(handler=_report)
