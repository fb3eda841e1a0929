"""The near-miss report as a PDF (landscape A4, the note's look): who overrode or hit which limit, and why."""

from __future__ import annotations

from datetime import datetime

from infusiondesk.near_miss import NearMissReport, table_rows
from infusiondesk.records.models import Clinic
from infusiondesk_reports.table_report import table_pdf

HEADERS = ("Date and time", "Kind", "User", "Rule", "Reason given", "Message shown")


def near_miss_pdf(report: NearMissReport, clinic: Clinic, printed_at: datetime) -> bytes:
    """Every row of `report` in one table that repeats its header on each page; "Page X of Y" in the footer."""
    return table_pdf(title=f"{clinic.name} — near-miss report", subtitle=report.summary(), headers=HEADERS,
                     rows=table_rows(report), fixed_mm=(33, 24, 26, 34), author=clinic.name,
                     empty="No overrides or hard stops in this period.",
                     footer=f"Near-miss report · printed {printed_at.astimezone(report.zone):%d %b %Y %H:%M} "
                            f"{report.zone.key}")
