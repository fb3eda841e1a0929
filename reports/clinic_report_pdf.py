"""A clinic report as a PDF in the near-miss list's look: the clinic and the report in the title, the period
and what is counted under it, one table with its totals row, and who generated it when in the footer."""

from __future__ import annotations

from infusiondesk.clinic_reports import ClinicReport, text_rows, totals_text
from infusiondesk.clinic_reports.definition import ColumnKind
from infusiondesk_reports.table_report import table_pdf

_DAY_MM = 32.0


def clinic_report_pdf(report: ClinicReport) -> bytes:
    """Landscape A4 like the near-miss list; "Page X of Y" on every page."""
    day_first = bool(report.columns) and report.columns[0].kind is ColumnKind.DAY
    return table_pdf(title=f"{report.clinic_name} — {report.title}", subtitle=report.summary(),
                     headers=[c.header for c in report.columns], rows=text_rows(report),
                     fixed_mm=(_DAY_MM,) if day_first else (), author=report.clinic_name, empty=report.empty,
                     footer=report.footer(), totals=totals_text(report))
