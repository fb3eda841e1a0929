"""Where the app reads the time: one place, so tests can move time forward without waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """The wall clock, in UTC (the workflow is always given `now`, never reads it)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that moves only when told to: for tests, screenshots and demos."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, minutes: float = 0, seconds: float = 0) -> None:
        self._now += timedelta(minutes=minutes, seconds=seconds)
