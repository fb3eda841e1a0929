"""Follow-ups in the store: the clinic's intervals, the follow-ups due (derived from the visits at the moment
they are read) and the ones recorded. Each call takes the acting session, checks the role in its transaction
(`sessions.acting`) and audits every write; the rules themselves are `infusiondesk.followups`.

Functions over a `Store` (not methods) so the store's own module stays as it is; they use its transactions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from infusiondesk import followups as rules
from infusiondesk.clinic_time import clinic_zone
from infusiondesk.followups import (
    AnchorVisit,
    DueFollowUp,
    FollowUp,
    FollowUpEntry,
    FollowUpOutcome,
    FollowUpPolicy,
    FollowUpStatus,
)
from infusiondesk.records.models import Role, UserSession, VisitStatus
from infusiondesk.store import sessions, tables
from infusiondesk.store.audit import trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import RecordNotFound
from infusiondesk.store.part import StorePart

RECORDERS = (Role.NURSE, Role.CLINICIAN)
_ANCHOR_STATUSES = (VisitStatus.COMPLETED.value, VisitStatus.SIGNED.value)


def _policy(conn: Connection) -> FollowUpPolicy:
    row = conn.execute(select(tables.follow_up_policy).where(tables.follow_up_policy.c.id == 1)).first()
    if row is None:
        return FollowUpPolicy.default()
    return FollowUpPolicy(tuple(int(d) for d in row.intervals_days.split(",")))


def _anchors(conn: Connection, patient_id: int | None = None) -> list[AnchorVisit]:
    v, p = tables.visits.c, tables.patients.c
    query = (select(v.id, v.patient_id, v.started_at, p.mrn, p.content)
             .join_from(tables.visits, tables.patients, v.patient_id == p.id)
             .where(v.status.in_(_ANCHOR_STATUSES), v.started_at.is_not(None)))
    if patient_id is not None:
        query = query.where(v.patient_id == patient_id)
    names: dict[int, str] = {}
    out = []
    for r in conn.execute(query):
        if r.patient_id not in names:
            doc = json.loads(r.content)
            names[r.patient_id] = f"{doc['family_name'].upper()}, {doc['given_name']}"
        out.append(AnchorVisit(r.id, r.patient_id, names[r.patient_id], r.mrn, r.started_at))
    return out


def _done(conn: Connection, patient_id: int | None = None) -> set[tuple[int, int]]:
    f = tables.follow_ups.c
    query = select(f.visit_id, f.interval_days)
    if patient_id is not None:
        query = query.where(f.patient_id == patient_id)
    return {(r.visit_id, r.interval_days) for r in conn.execute(query)}


def _zone(conn: Connection) -> Any:
    from infusiondesk.records.models import Clinic

    row = conn.execute(select(tables.clinic).where(tables.clinic.c.id == 1)).first()
    if row is None:
        raise RecordNotFound("The clinic is not set up yet; run the first-run setup.")
    return clinic_zone(Clinic(name=row.name, address=row.address, phone=row.phone, hours=row.hours,
                              timezone=row.timezone))


_RECORDED = (select(tables.follow_ups, tables.users.c.full_name)
             .join_from(tables.follow_ups, tables.users, tables.follow_ups.c.recorded_by == tables.users.c.id))


def _follow_up(r: Row[Any]) -> FollowUp:
    return FollowUp(r.id, r.patient_id, r.visit_id, r.interval_days, r.due_on, FollowUpStatus(r.status),
                    r.recorded_at, r.recorded_by, r.full_name, r.attacks_per_month, r.headache_days,
                    r.rescue_medication, r.rescue_days, r.side_effects, r.side_effects_text, r.note)


class FollowUps(StorePart):
    """`store.follow_ups`: the clinic's follow-up intervals, the follow-ups due, recording them, and their
    outcomes."""

    def policy(self) -> FollowUpPolicy:
        """The clinic's follow-up intervals: the admin's, else the defaults of data/follow_ups.toml."""
        with self._read() as conn:
            return _policy(conn)

    def set_policy(self, intervals_days: Iterable[int], *, by: UserSession) -> FollowUpPolicy:
        """An admin sets the intervals (checked, audited); pending follow-ups are derived again from them."""
        days = rules.check_intervals(intervals_days)
        with self._write() as conn:
            actor = sessions.acting(conn, by, (Role.ADMIN,), "change the follow-up intervals")
            trail.save_single_row(conn, at=self._now(), by=actor, table=tables.follow_up_policy,
                                  values={"intervals_days": ",".join(str(d) for d in days)})
        return FollowUpPolicy(days)

    def due(self, *, by: UserSession, patient_id: int | None = None) -> list[DueFollowUp]:
        """The follow-ups due now on the clinic's date (for one patient, or the clinic), longest overdue first."""
        with self._read() as conn:
            sessions.acting(conn, by, RECORDERS, "see follow-ups")
            return rules.due_follow_ups(_anchors(conn, patient_id), _done(conn, patient_id), _policy(conn),
                                        _zone(conn), self._now())

    def record(self, entry: FollowUpEntry, *, by: UserSession) -> FollowUp:
        """Record a due follow-up's answers (or that the patient could not be reached, or declined): the role, that
        it is due now and not superseded or already recorded, and the answers' ranges are checked in this
        transaction; audited as a create of the follow-up."""
        entry = rules.check_entry(entry)
        now = self._now()
        with self._write() as conn:
            actor = sessions.acting(conn, by, RECORDERS, "record follow-ups")
            visit = conn.execute(select(tables.visits.c.patient_id).where(tables.visits.c.id == entry.visit_id)).first()
            if visit is None:
                raise RecordNotFound(f"Visit #{entry.visit_id} does not exist.")
            patient_id = int(visit.patient_id)
            found = rules.check_due(entry.visit_id, entry.interval_days, _anchors(conn, patient_id),
                                    _done(conn, patient_id), _policy(conn), _zone(conn), now)
            result = conn.execute(insert(tables.follow_ups).values(
                patient_id=patient_id, visit_id=entry.visit_id, interval_days=entry.interval_days, due_on=found.due_on,
                status=entry.status.value, recorded_at=now, recorded_by=actor.id,
                attacks_per_month=entry.attacks_per_month, headache_days=entry.headache_days,
                rescue_medication=entry.rescue_medication, rescue_days=entry.rescue_days,
                side_effects=entry.side_effects, side_effects_text=entry.side_effects_text, note=entry.note))
            key = result.inserted_primary_key
            assert key is not None
            follow_up_id = int(key[0])
            trail.record_change(conn, at=now, by=actor, event=AuditEvent.CREATE, table=tables.follow_ups,
                                record_id=follow_up_id, before=None,
                                extra={"what": "follow-up", "visit_id": entry.visit_id, "patient_id": patient_id})
            row = conn.execute(_RECORDED.where(tables.follow_ups.c.id == follow_up_id)).one()
        return _follow_up(row)

    def recorded(self, patient_id: int, *, by: UserSession) -> list[FollowUp]:
        """A patient's recorded follow-ups, oldest first."""
        f = tables.follow_ups.c
        with self._read() as conn:
            sessions.acting(conn, by, RECORDERS, "see follow-ups")
            rows = conn.execute(_RECORDED.where(f.patient_id == patient_id).order_by(f.recorded_at, f.id)).all()
        return [_follow_up(r) for r in rows]

    def outcomes(self, *, by: UserSession, since: datetime | None = None,
                 until: datetime | None = None) -> list[FollowUpOutcome]:
        """Follow-ups recorded in [since, until), oldest first, with the attacks per month reported at the anchoring
        visit (infusiondesk.followups.outcomes documents it). For those who record them: nurses and clinicians."""
        return self._outcomes(by, RECORDERS, "see follow-ups", since, until)

    def report_outcomes(self, *, by: UserSession, since: datetime,
                        until: datetime) -> list[FollowUpOutcome]:
        """The same rows for the clinic report "Follow-up outcomes": its readers are the clinic reports' (admins and
        clinicians), checked here at the moment of reading like every clinic report."""
        return self._outcomes(by, sessions.REPORT_READERS, "read the clinic reports", since, until)

    def _outcomes(self, by: UserSession, roles: tuple[Role, ...], action: str, since: datetime | None,
                  until: datetime | None) -> list[FollowUpOutcome]:
        f, v, p = tables.follow_ups.c, tables.visits.c, tables.patients.c
        query = (select(tables.follow_ups, v.started_at, v.content.label("visit_content"), p.mrn,
                        p.content.label("patient_content"))
                 .join_from(tables.follow_ups, tables.visits, f.visit_id == v.id)
                 .join(tables.patients, f.patient_id == p.id)
                 .order_by(f.recorded_at, f.id))
        if since is not None:
            query = query.where(f.recorded_at >= since)
        if until is not None:
            query = query.where(f.recorded_at < until)
        with self._read() as conn:
            sessions.acting(conn, by, roles, action)
            zone = _zone(conn)
            rows = conn.execute(query).all()
        out = []
        for r in rows:
            person = json.loads(r.patient_content)
            visit = json.loads(r.visit_content)
            before = ((visit.get("assessment") or {}).get("migraine") or {}).get("attacks_per_month")
            out.append(FollowUpOutcome(
                r.patient_id, r.mrn, f"{person['family_name'].upper()}, {person['given_name']}", r.visit_id,
                r.started_at.astimezone(zone).date(), r.interval_days, r.recorded_at, FollowUpStatus(r.status),
                before, r.attacks_per_month, r.headache_days, r.rescue_days, r.side_effects))
        return out
