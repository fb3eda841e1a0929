"""The printable day list: every visit of the clinic's day by status, as on the "Today" board."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from infusiondesk.records.models import Clinic
from infusiondesk.worklists import BoardRow
from infusiondesk_reports.table_report import table_pdf

HEADERS = ("Status", "Patient", "MRN", "Since", "Now")


def day_list_pdf(rows: Sequence[BoardRow], clinic: Clinic, day: date, zone: ZoneInfo, printed_at: datetime) -> bytes:
    body = [(r.status.value, r.patient, r.mrn, f"{r.since.astimezone(zone):%H:%M}", r.detail) for r in rows]
    return table_pdf(title=f"{clinic.name} — day list, {day:%A %d %B %Y}",
                     subtitle=f"{len(rows)} visit{'' if len(rows) == 1 else 's'}; times in {zone.key}.",
                     headers=HEADERS, rows=body, fixed_mm=(48, 60, 34, 18), author=clinic.name, wide=False,
                     empty="No visits opened today.",
                     footer=f"Day list · printed {printed_at.astimezone(zone):%d %b %Y %H:%M} {zone.key}")
