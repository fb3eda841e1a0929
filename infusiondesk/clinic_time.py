"""The clinic's time zone: every time on every screen and page is the clinic's, whatever the computer says.

A workstation may be set to another zone (a laptop from a trip, a server in UTC); the visit note always used the
clinic's zone, so the screens must too, or a nurse reads 00:11 for a visit charted at 15:11. An unknown zone is
refused when it is saved and is an error when it is read, never a silent fall-back to UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Clinic

FALLBACK_PROPOSAL = "UTC"  # proposed at first run only when the computer's own zone cannot be read


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name` ("Europe/Dublin"); a clear error for anything else (abbreviations, offsets, typos)."""
    text = name.strip()
    if not text or text.startswith(("/", ".")) or ".." in text or len(text) > 64:
        raise DomainError(f'"{name}" is not a time zone; give an IANA name such as Europe/Dublin or '
                          "America/New_York.")
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise DomainError(f'"{name}" is not a known time zone; give an IANA name such as Europe/Dublin or '
                          "America/New_York.") from None


def clinic_zone(clinic: Clinic) -> ZoneInfo:
    try:
        return zone_named(clinic.timezone)
    except DomainError:
        raise DomainError(f'The clinic time zone "{clinic.timezone}" is not known; an admin must correct it in '
                          "Settings.") from None


def local_date(clinic: Clinic, at: datetime) -> date:
    """The clinic's calendar date at `at` (a lot's expiry and a patient's age are local-date facts)."""
    return at.astimezone(clinic_zone(clinic)).date()


def computer_zone_name() -> str:
    """The computer's own IANA zone, proposed at first run (the admin confirms or changes it)."""
    try:
        from tzlocal import get_localzone_name

        name = get_localzone_name()
    except Exception:  # tzlocal refuses a machine whose zone files disagree; propose the fallback then
        return FALLBACK_PROPOSAL
    return name if name and name in available_timezones() else FALLBACK_PROPOSAL


def typed_day(text: str | None, name: str) -> date | None:
    """A day typed as year-month-day (`--from`, `--to`), None when left out; a DomainError naming the option
    otherwise (no guessing between day-first and month-first)."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(f'{name} "{text}" is not a date; write it as year-month-day, such as 2026-03-31.') \
            from None
