"""Clinic reports for admins and clinicians: visits per day, doses given, side effects by type and grade,
overrides and hard stops by rule and user. Declared in `builtin`, run by `definition.run`, written as CSV by
`export`; the registry `REPORTS` is where a further report (follow-up outcomes) is added with `register`."""

from __future__ import annotations

from infusiondesk.clinic_reports.builtin import BUILT_IN
from infusiondesk.clinic_reports.definition import (
    REPORTS,
    ClinicReport,
    Column,
    ColumnKind,
    ReportDefinition,
    register,
    report_named,
    run,
    text_rows,
    totals_text,
)
from infusiondesk.clinic_reports.period import ReportPeriod, parse_period, this_month

for _definition in BUILT_IN:
    if _definition.name not in REPORTS:
        register(_definition)

__all__ = ["REPORTS", "ClinicReport", "Column", "ColumnKind", "ReportDefinition", "ReportPeriod", "parse_period",
           "register", "report_named", "run", "text_rows", "this_month", "totals_text"]
