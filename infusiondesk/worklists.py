"""Worklists: the clinic's day by status, and the notes waiting for one person's signature.

Both are views of visits read at the moment they are shown; nothing here is stored. A visit is on the "Today"
board on the clinic's calendar day it was opened (the clinic's time zone, not the workstation's). A note waits
for a clinician when its visit is completed and the order it ran on was theirs (they approved it or decided
suitability); for a nurse when she started or stopped the infusion and has not signed "Administered by".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from infusiondesk.records.models import (
    InfusionEventKind,
    Patient,
    Role,
    SignatureMeaning,
    User,
    Visit,
    VisitStatus,
)
from infusiondesk.workflow.clock import infusion_clock


class BoardStatus(StrEnum):
    """The board's columns, in the order a visit moves through them."""

    CHECKED_IN = "Checked in"
    ASSESSED = "Assessed"
    INFUSING = "Infusing"
    AWAITING_SIGNATURE = "Completed, awaiting signature"
    SIGNED = "Signed"


_BY_STATUS = {VisitStatus.DRAFT: BoardStatus.CHECKED_IN, VisitStatus.ASSESSED: BoardStatus.ASSESSED,
              VisitStatus.INFUSING: BoardStatus.INFUSING, VisitStatus.COMPLETED: BoardStatus.AWAITING_SIGNATURE,
              VisitStatus.SIGNED: BoardStatus.SIGNED}
_ORDER = {s: i for i, s in enumerate(BoardStatus)}


@dataclass(frozen=True)
class BoardRow:
    """One visit on a worklist: who, where it stands, since when, and the one fact a nurse scans for."""

    visit_id: int
    patient_id: int
    patient: str  # "RIVERA, Ana"
    mrn: str
    status: BoardStatus
    since: datetime  # when the visit reached its status: opened, assessed, started, stopped, signed
    detail: str  # "25 min left", "paused", "dose awaiting approval", "mobile: home · 25 min left", ""


def clinic_day(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The clinic's calendar day as [start, end) instants (23 or 25 hours long across a DST change)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def _detail(visit: Visit, now: datetime) -> str:
    if visit.status is VisitStatus.INFUSING:
        clock = infusion_clock(visit, now)
        if clock.phase == "paused":
            return "paused"
        if clock.phase == "stopped":
            return "stopped, to complete"
        if clock.planned_end is not None:
            left = max(0, round((clock.planned_end - now).total_seconds() / 60))
            return f"{left} min left"
        return "running"
    if visit.status is VisitStatus.ASSESSED and visit.dose_order is not None and visit.dose_order.approved_by is None:
        return "dose awaiting approval"
    if visit.status is VisitStatus.COMPLETED:
        signed = {s.meaning for s in visit.signatures}
        return "nurse signed" if SignatureMeaning.ADMINISTERED in signed else ""
    return ""


def _since(visit: Visit) -> datetime:
    """When the visit reached its status (the board's "Since")."""
    assert visit.created_at is not None
    if visit.status is VisitStatus.ASSESSED and visit.assessment.assessed_at is not None:
        return visit.assessment.assessed_at
    if visit.status is VisitStatus.INFUSING and visit.started_at is not None:
        return visit.started_at
    if visit.status is VisitStatus.COMPLETED:
        return _completed_at(visit)
    if visit.status is VisitStatus.SIGNED:
        approved = [s.signed_at for s in visit.signatures if s.meaning is SignatureMeaning.REVIEWED_APPROVED]
        return approved[-1] if approved else _completed_at(visit)
    return visit.created_at


def row(visit: Visit, patient: Patient, now: datetime) -> BoardRow:
    return BoardRow(visit.id, patient.id, f"{patient.family_name.upper()}, {patient.given_name}", patient.mrn,
                    _BY_STATUS[visit.status], _since(visit),
                    " · ".join(x for x in (_where(visit), _detail(visit, now)) if x))


def _where(visit: Visit) -> str:
    """The mobile marker a nurse at the desk scans for ("mobile: home"); nothing for a visit in the clinic."""
    return f"mobile: {visit.location.setting.value}" if visit.location.mobile else ""


def today_board(visits: Iterable[tuple[Visit, Patient]], now: datetime) -> list[BoardRow]:
    """Every visit given, by column in workflow order, then oldest first."""
    rows = [row(v, p, now) for v, p in visits]
    return sorted(rows, key=lambda r: (_ORDER[r.status], r.since, r.visit_id))


def _completed_at(visit: Visit) -> datetime:
    stops = [e.at for e in visit.events if e.kind is InfusionEventKind.STOP]
    assert visit.created_at is not None
    return stops[-1] if stops else visit.created_at


def owes_signature(visit: Visit, user: User) -> SignatureMeaning | None:
    """The signature `user` owes on `visit` now, if any."""
    if visit.status is not VisitStatus.COMPLETED:
        return None
    signed = {(s.signer_id, s.meaning) for s in visit.signatures}
    if user.role is Role.CLINICIAN:
        order = visit.dose_order
        suitability = visit.assessment.suitability
        theirs = (order is not None and order.approved_by == user.id) or (
            suitability is not None and suitability.decided_by == user.id)
        return SignatureMeaning.REVIEWED_APPROVED if theirs else None
    if user.role is Role.NURSE:
        gave = any(e.by == user.id for e in visit.events if e.kind in (InfusionEventKind.START,
                                                                     InfusionEventKind.STOP))
        if gave and (user.id, SignatureMeaning.ADMINISTERED) not in signed:
            return SignatureMeaning.ADMINISTERED
    return None


def awaiting_signature(visits: Iterable[tuple[Visit, Patient]], user: User, now: datetime) -> list[BoardRow]:
    """The visits whose note waits for `user`'s signature, oldest completed first (the order to sign them in)."""
    mine = [(v, p) for v, p in visits if owes_signature(v, user) is not None]
    mine.sort(key=lambda vp: (_completed_at(vp[0]), vp[0].id))
    return [row(v, p, now) for v, p in mine]
