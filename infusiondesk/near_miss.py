"""The near-miss report as rows a person reads: soft-limit overrides and hard stops in the clinic's time.

The store gives audit entries; this module turns them into typed rows, a one-line summary and a CSV file, so
the screen, the PDF and the spreadsheet show the same thing. Times are shown in the clinic's time zone (the
zone the note uses), never the workstation's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

# Spreadsheet programs run a cell that starts with one of these as a formula ("CSV injection"); a reason
# typed by a user could start with one, so such a cell is written with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("date", "time", "time_zone", "kind", "user", "rule", "reason", "message", "visit_id", "laptop")


class NearMissKind(StrEnum):
    OVERRIDE = "override"
    HARD_STOP = "hard_stop"

    @property
    def label(self) -> str:
        return "soft override" if self is NearMissKind.OVERRIDE else "HARD STOP"


@dataclass(frozen=True)
class NearMiss:
    """One override or hard stop: when (aware, UTC in the store), what kind, who, which rule and why."""

    at: datetime
    kind: NearMissKind
    username: str
    rule: str
    reason: str
    message: str
    visit_id: int | None
    laptop_id: str = ""  # charted on this laptop (its entry reached the clinic at its sync)

    @property
    def where(self) -> str:
        """The kind as shown: "soft override", or "soft override (laptop 6edb2e8e)" for one charted away."""
        return f"{self.kind.label} (laptop {self.laptop_id[:8]})" if self.laptop_id else self.kind.label

    def local(self, zone: ZoneInfo) -> datetime:
        return self.at.astimezone(zone)


@dataclass(frozen=True)
class NearMissReport:
    """The rows of one period, with the period and zone they were read for (both shown on every export)."""

    rows: tuple[NearMiss, ...]
    since: datetime
    until: datetime
    zone: ZoneInfo

    @property
    def overrides(self) -> int:
        return sum(1 for r in self.rows if r.kind is NearMissKind.OVERRIDE)

    @property
    def hard_stops(self) -> int:
        return len(self.rows) - self.overrides

    def summary(self) -> str:
        since, until = (f"{t.astimezone(self.zone):%d %b %Y %H:%M}" for t in (self.since, self.until))
        return (f"{_count(self.overrides, 'soft override')} and {_count(self.hard_stops, 'hard stop')} from "
                f"{since} to {until} (times in {self.zone.key}).")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def from_entries(entries: Iterable[Mapping[str, Any]]) -> tuple[NearMiss, ...]:
    """Rows from the store's override report (dicts with at, kind, username, rule, reason, message, visit_id and,
    from a laptop, laptop_id)."""
    rows = []
    for e in entries:
        visit = e.get("visit_id")
        rows.append(NearMiss(at=e["at"], kind=NearMissKind(e["kind"]), username=str(e.get("username") or ""),
                             rule=str(e.get("rule") or ""), reason=str(e.get("reason") or ""),
                             message=str(e.get("message") or ""), visit_id=int(visit) if visit is not None else None,
                             laptop_id=str(e.get("laptop_id") or "")))
    return tuple(rows)


def report(entries: Iterable[Mapping[str, Any]], since: datetime, until: datetime, zone: ZoneInfo) -> NearMissReport:
    return NearMissReport(from_entries(entries), since, until, zone)


def safe_cell(value: str) -> str:
    """A typed text as a CSV cell a spreadsheet never runs as a formula (also used by the clinic reports)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


_cell = safe_cell


def csv_text(r: NearMissReport) -> str:
    """The report as CSV (RFC 4180, a header row, one row per event, local date and time plus the zone)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in r.rows:
        when = row.local(r.zone)
        writer.writerow([f"{when:%Y-%m-%d}", f"{when:%H:%M}", r.zone.key, row.kind.label, _cell(row.username),
                         _cell(row.rule), _cell(row.reason), _cell(row.message),
                         "" if row.visit_id is None else str(row.visit_id), row.laptop_id])
    return out.getvalue()


def table_rows(r: NearMissReport) -> Sequence[tuple[str, str, str, str, str, str]]:
    """What the screen and the PDF show per row: date and time (clinic zone), kind, user, rule, reason, message."""
    return [(f"{row.local(r.zone):%d %b %Y %H:%M}", row.where, row.username, row.rule, row.reason, row.message)
            for row in r.rows]
