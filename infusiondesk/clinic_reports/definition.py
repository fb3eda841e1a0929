"""A clinic report as a declared definition: title, typed columns (with units), a reader and a totals row.

The app's table, the CSV file and the PDF all render one `ClinicReport` made by `run`, so the three can never
disagree. The registry (`REPORTS`, `register`) is the extension point: a new report (follow-up outcomes) is one
`register(ReportDefinition(...))` whose reader uses a store read that checks the role (admin or clinician).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from infusiondesk.clinic_reports.period import ReportPeriod
from infusiondesk.display import format_number
from infusiondesk.errors import DomainError
from infusiondesk.records.models import UserSession


class ColumnKind(StrEnum):
    DAY = "day"  # a clinic calendar date
    TEXT = "text"  # a name, a rule code
    COUNT = "count"  # a whole number, summed in the totals row
    GRAMS = "grams"  # grams of magnesium sulfate, summed, written the ISMP way (no trailing zeros)


SUMMED = (ColumnKind.COUNT, ColumnKind.GRAMS)
Cell = date | str | int | float
Row = tuple[Cell, ...]
Reader = Callable[[Any, UserSession, ReportPeriod], Sequence[Row]]


@dataclass(frozen=True)
class Column:
    title: str
    kind: ColumnKind = ColumnKind.COUNT
    unit: str = ""  # shown in the header: "Given (g)"

    @property
    def header(self) -> str:
        return f"{self.title} ({self.unit})" if self.unit else self.title


@dataclass(frozen=True)
class ReportDefinition:
    """`read(store, by, period)` returns the rows; the store read it uses checks the role at that moment."""

    name: str  # the command-line name: "visits-per-day"
    title: str
    counts: str  # one sentence: what is counted, and on which day (shown on the screen and the PDF)
    columns: tuple[Column, ...]
    read: Reader
    empty: str = "Nothing to count in this period."
    chart_column: int | None = None  # a column worth a bar per row (visits per day), for the screen


REPORTS: dict[str, ReportDefinition] = {}


def register(definition: ReportDefinition) -> ReportDefinition:
    """Add a report to the menu, the CLI (`infusiondesk report list`) and the exports, in registration order."""
    if definition.name in REPORTS:
        raise ValueError(f"a clinic report named {definition.name!r} is already registered")
    REPORTS[definition.name] = definition
    return definition


def report_named(name: str) -> ReportDefinition:
    try:
        return REPORTS[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(REPORTS), n=1)
        hint = f'Did you mean "{close[0]}"? ' if close else ""
        raise DomainError(f'There is no clinic report "{name}". {hint}The reports are: '
                          f"{', '.join(REPORTS)}.") from None


@dataclass(frozen=True)
class ClinicReport:
    """One report as read: its rows and totals, the period, and who read it when (printed on every export)."""

    name: str
    title: str
    counts: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    totals: Row
    period: ReportPeriod
    clinic_name: str
    generated_at: datetime
    generated_by: str
    empty: str = ""
    chart_column: int | None = None

    def summary(self) -> str:
        return f"{self.period.describe()}. {self.counts}"

    def footer(self) -> str:
        at = self.generated_at.astimezone(self.period.zone)
        return (f"{self.title} · {self.clinic_name} · generated {at:%d %b %Y %H:%M} {self.period.zone.key} "
                f"by {self.generated_by}")


def totals(columns: Sequence[Column], rows: Sequence[Row]) -> Row:
    """The totals row: each counted column summed; the first column says "Total"."""
    out: list[Cell] = []
    for i, column in enumerate(columns):
        if column.kind is ColumnKind.COUNT:
            out.append(sum(_number(r[i]) for r in rows))
        elif column.kind is ColumnKind.GRAMS:
            out.append(float(sum(_number(r[i]) for r in rows)))
        else:
            out.append("Total" if i == 0 else "")
    return tuple(out)


def _number(value: Cell) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"a counted column holds {value!r}, not a number")
    return value


def run(store: Any, name: str, period: ReportPeriod, *, by: UserSession, now: datetime) -> ClinicReport:
    """Read report `name` for `period` as the signed-in `by` (refused unless admin or clinician)."""
    definition = report_named(name)
    rows = tuple(tuple(r) for r in definition.read(store, by, period))
    for row in rows:
        if len(row) != len(definition.columns):
            raise ValueError(f"{definition.name}: a row has {len(row)} cells for {len(definition.columns)} columns")
    return ClinicReport(definition.name, definition.title, definition.counts, definition.columns, rows,
                        totals(definition.columns, rows), period, store.clinic.get().name, now,
                        by.user.full_name, definition.empty, definition.chart_column)


def cell_text(column: Column, value: Cell, *, for_csv: bool = False) -> str:
    """A cell as the screen and the PDF show it (or, `for_csv`, as a spreadsheet reads it: ISO dates, no
    thousands commas)."""
    if column.kind is ColumnKind.DAY and isinstance(value, date):
        return value.isoformat() if for_csv else f"{value:%a %d %b %Y}"
    if column.kind is ColumnKind.GRAMS and isinstance(value, int | float):
        text = format_number(float(value), 2)
        return text.replace(",", "") if for_csv else text
    if column.kind is ColumnKind.COUNT and isinstance(value, int | float):
        return str(int(value)) if for_csv else f"{int(value):,}"
    return str(value)


def text_rows(report: ClinicReport) -> list[list[str]]:
    """Every row as the screen and the PDF show it (the totals row apart: `totals_text`)."""
    return [[cell_text(c, v) for c, v in zip(report.columns, row, strict=True)] for row in report.rows]


def totals_text(report: ClinicReport) -> list[str]:
    return [cell_text(c, v) for c, v in zip(report.columns, report.totals, strict=True)]
