"""The near-miss report's rows, summary and CSV: the clinic's time, and cells a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from infusiondesk import near_miss

SINCE = datetime(2026, 3, 1, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=30)


def entry(at: datetime, kind: str = "override", reason: str = "weight-based, discussed with Dr Lee",
          **kw: object) -> dict[str, object]:
    return {"at": at, "kind": kind, "username": "nkim", "rule": "dose_soft_max", "reason": reason,
            "message": "Dose above the usual maximum", "visit_id": 7, **kw}


def test_times_are_the_clinics_not_the_computers() -> None:
    # 23:30 UTC on 2 March is 08:30 on 3 March in Tokyo: the date changes too
    r = near_miss.report([entry(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))], SINCE, UNTIL, ZoneInfo("Asia/Tokyo"))
    assert near_miss.table_rows(r)[0][0] == "03 Mar 2026 08:30"
    row = next(csv.DictReader(io.StringIO(near_miss.csv_text(r))))
    assert (row["date"], row["time"], row["time_zone"]) == ("2026-03-03", "08:30", "Asia/Tokyo")


def test_summary_counts_each_kind_and_names_the_zone() -> None:
    at = datetime(2026, 3, 5, 10, tzinfo=UTC)
    r = near_miss.report([entry(at), entry(at, kind="hard_stop", reason=""), entry(at)], SINCE, UNTIL,
                         ZoneInfo("Europe/Dublin"))
    assert (r.overrides, r.hard_stops) == (2, 1)
    assert r.summary().startswith("2 soft overrides and 1 hard stop from 01 Mar 2026 00:00 to 31 Mar 2026")
    assert r.summary().endswith("(times in Europe/Dublin).")
    assert [row[1] for row in near_miss.table_rows(r)] == ["soft override", "HARD STOP", "soft override"]


def test_csv_has_a_row_per_event_and_neutralises_formulas() -> None:
    at = datetime(2026, 3, 5, 10, tzinfo=UTC)
    hostile = '=HYPERLINK("http://x.invalid","click")'
    r = near_miss.report([entry(at, reason=hostile), entry(at, reason="+1 g because", username="-x"),
                          entry(at, reason='quote " and, comma\nnew line')], SINCE, UNTIL, ZoneInfo("UTC"))
    rows = list(csv.DictReader(io.StringIO(near_miss.csv_text(r))))
    assert len(rows) == 3
    assert rows[0]["reason"] == "'" + hostile
    assert rows[1]["reason"] == "'+1 g because" and rows[1]["user"] == "'-x"
    assert rows[2]["reason"] == 'quote " and, comma\nnew line'  # quoted by the CSV writer, read back intact
    assert list(rows[0]) == list(near_miss.CSV_COLUMNS)


def test_empty_period_is_said_plainly() -> None:
    r = near_miss.report([], SINCE, UNTIL, ZoneInfo("UTC"))
    assert r.summary().startswith("0 soft overrides and 0 hard stops")
    assert near_miss.csv_text(r).splitlines() == [",".join(near_miss.CSV_COLUMNS)]
