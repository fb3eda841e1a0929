"""A report's period: the clinic's calendar days from `first` to `last`, both included, in the clinic's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from infusiondesk.clinic_time import typed_day
from infusiondesk.errors import DomainError
from infusiondesk.worklists import clinic_day

MAX_DAYS = 3 * 366  # a longer period is almost certainly a typed year wrong, and reads the whole clinic


@dataclass(frozen=True)
class ReportPeriod:
    first: date
    last: date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise DomainError(f"The period starts on {self.first:%Y-%m-%d}, after it ends on {self.last:%Y-%m-%d}; "
                              "give the earlier date first.")
        if (self.last - self.first).days >= MAX_DAYS:
            raise DomainError(f"The period from {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d} is longer than three "
                              "years; choose a shorter one.")

    def bounds(self) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) as UTC instants (DST-aware)."""
        return clinic_day(self.first, self.zone)[0], clinic_day(self.last, self.zone)[1]

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def day_of(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def describe(self) -> str:
        return f"{self.first:%d %b %Y} to {self.last:%d %b %Y} (clinic days, {self.zone.key})"


def this_month(now: datetime, zone: ZoneInfo) -> ReportPeriod:
    """The default: the first of this month to today, in the clinic's calendar."""
    today = now.astimezone(zone).date()
    return ReportPeriod(today.replace(day=1), today, zone)


def parse_period(first: str | None, last: str | None, now: datetime, zone: ZoneInfo) -> ReportPeriod:
    """`--from` and `--to` as year-month-day; a missing `--to` is today, a missing `--from` the first of the
    month `--to` falls in."""
    last_day = typed_day(last, "--to") or now.astimezone(zone).date()
    first_day = typed_day(first, "--from") or last_day.replace(day=1)
    return ReportPeriod(first_day, last_day, zone)
