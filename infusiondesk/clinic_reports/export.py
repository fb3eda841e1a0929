"""A clinic report out of the app: as CSV, as a job for the PDF (plain JSON, so the note worker draws exactly the
rows read), and the audit entry every export leaves (one per file or print, like the near-miss report's)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from infusiondesk.clinic_reports.definition import Cell, ClinicReport, Column, ColumnKind, cell_text
from infusiondesk.clinic_reports.period import ReportPeriod
from infusiondesk.clinic_time import zone_named
from infusiondesk.near_miss import safe_cell
from infusiondesk.records.models import UserSession
from infusiondesk.store.audit.events import AuditEvent


def csv_text(report: ClinicReport) -> str:
    """RFC 4180 CSV: a header row with the units in it, one row per table row, then the totals row; ISO dates;
    grams without trailing zeros or thousands commas. (Write it UTF-8 with a byte-order mark for spreadsheets.)"""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in report.columns])
    for row in (*report.rows, report.totals):
        writer.writerow([_csv_cell(c, v) for c, v in zip(report.columns, row, strict=True)])
    return out.getvalue()


def _csv_cell(column: Column, value: Cell) -> str:
    text = cell_text(column, value, for_csv=True)
    return safe_cell(text) if column.kind is ColumnKind.TEXT else text


def record_export(store: Any, report: ClinicReport, by: UserSession, detail: dict[str, object],
                  event: AuditEvent = AuditEvent.EXPORT) -> int:
    """One audit entry for one export or print: which report, the period, the rows, and `detail` (format, file,
    pages)."""
    return int(store.audit.append(event, by, export_detail(report, detail)))


def export_detail(report: ClinicReport, detail: dict[str, object]) -> dict[str, object]:
    """What an export's or print's audit entry says of the report (the app appends it off its UI thread)."""
    return {"what": f"clinic report: {report.title}", "report": report.name, "from": report.period.first.isoformat(),
            "to": report.period.last.isoformat(), "zone": report.period.zone.key, "rows": len(report.rows), **detail}


def to_job(report: ClinicReport) -> dict[str, Any]:
    """The report as plain JSON for the note worker's PDF job."""
    def plain(value: Cell) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    return {"kind": "clinic_report", "name": report.name, "title": report.title, "counts": report.counts,
            "columns": [{"title": c.title, "kind": c.kind.value, "unit": c.unit} for c in report.columns],
            "rows": [[plain(v) for v in row] for row in report.rows], "totals": [plain(v) for v in report.totals],
            "first": report.period.first.isoformat(), "last": report.period.last.isoformat(),
            "zone": report.period.zone.key, "clinic_name": report.clinic_name,
            "generated_at": report.generated_at.isoformat(), "generated_by": report.generated_by,
            "empty": report.empty}


def from_job(job: dict[str, Any]) -> ClinicReport:
    columns = tuple(Column(c["title"], ColumnKind(c["kind"]), c["unit"]) for c in job["columns"])

    def cells(values: list[Any]) -> tuple[Cell, ...]:
        return tuple(date.fromisoformat(v) if c.kind is ColumnKind.DAY and isinstance(v, str) and v[:1].isdigit()
                     else v for c, v in zip(columns, values, strict=True))

    period = ReportPeriod(date.fromisoformat(job["first"]), date.fromisoformat(job["last"]), zone_named(job["zone"]))
    return ClinicReport(job["name"], job["title"], job["counts"], columns, tuple(cells(r) for r in job["rows"]),
                        cells(job["totals"]), period, job["clinic_name"], datetime.fromisoformat(job["generated_at"]),
                        job["generated_by"], job.get("empty", ""))
