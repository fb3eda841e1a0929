"""The monthly billing CSV: one row per infusion stopped in a month (the clinic's calendar), with its start,
stop, running minutes and the codes and units billed for it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from infusiondesk.billing.codes import BillingCodes
from infusiondesk.billing.lines import drug_units, given_mg
from infusiondesk.billing.minutes import hour_sequence, infusion_minutes
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Visit
from infusiondesk.workflow.infusion import STOPPED, infusion_state

HEADER = ("visit", "patient_mrn", "date", "start", "stop", "running_minutes", "paused_minutes", "diagnosis", "codes")


@dataclass(frozen=True)
class MonthRow:
    visit_id: int
    mrn: str
    day: date
    start: str
    stop: str
    running_minutes: int
    paused_minutes: int
    diagnosis: str
    codes: str  # "96365x1;96366x1;J3475x4"


def parse_month(text: str) -> tuple[int, int]:
    """"2026-11" -> (2026, 11), or one sentence."""
    try:
        year, month = (int(x) for x in text.strip().split("-"))
        date(year, month, 1)
    except ValueError:
        raise DomainError(f"{text!r} is not a month; write it as YYYY-MM (e.g. 2026-11).") from None
    return year, month


def month_rows(visits: Iterable[Visit], mrns: Mapping[int, str], year: int, month: int, zone: ZoneInfo,
               codes: BillingCodes) -> list[MonthRow]:
    """Rows for every stopped infusion that started in the month (local dates), in start order."""
    rows = []
    for v in visits:
        if v.started_at is None or infusion_state(v).phase != STOPPED:
            continue
        local_start = v.started_at.astimezone(zone)
        if (local_start.year, local_start.month) != (year, month):
            continue
        m = infusion_minutes(v)
        billed = [(u.code, u.units) for u in hour_sequence(m.running_minutes, codes.hours)]
        units = drug_units(given_mg(v), codes.drug_units)
        if units:
            billed.append((codes.drug_units.code, units))
        rows.append(MonthRow(v.id, mrns.get(v.patient_id, ""), local_start.date(), local_start.strftime("%H:%M"),
                             m.stopped_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), m.running_minutes,
                             m.paused_minutes, v.assessment.diagnosis_code,
                             ";".join(f"{c}x{n}" for c, n in billed)))
    return sorted(rows, key=lambda r: (r.day, r.start, r.visit_id))


def month_csv(rows: Iterable[MonthRow]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    for r in rows:
        w.writerow((r.visit_id, _safe(r.mrn), r.day.isoformat(), r.start, r.stop, r.running_minutes,
                    r.paused_minutes, r.diagnosis, r.codes))
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ lead)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
