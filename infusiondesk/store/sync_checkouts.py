"""The clinic's side of its laptops: conflicts to resolve, a lost laptop revoked, and the work it never brought back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Role, UserSession
from infusiondesk.store import sessions, tables
from infusiondesk.store.audit import chain
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import RecordNotFound
from infusiondesk.store.sync_exchange import mrn_taken, put_patient

if TYPE_CHECKING:
    from infusiondesk.store.store import Store

KEEP = ("laptop", "clinic")
_DEMOGRAPHICS = (Role.NURSE, Role.CLINICIAN, Role.ADMIN)


def open_conflicts(clinic: Store, *, by: UserSession) -> list[dict[str, Any]]:
    """Unresolved conflicts, oldest first, with both versions of the record as JSON documents."""
    k = tables.mobile_conflicts.c
    with clinic._read() as conn:
        sessions.acting(conn, by, _DEMOGRAPHICS, "see sync conflicts")
        rows = conn.execute(select(tables.mobile_conflicts).where(k.resolved_at.is_(None)).order_by(k.id)).all()
    return [{"id": r.id, "laptop_id": r.laptop_id, "kind": r.kind, "uid": r.record_uid, "found_at": r.found_at,
             "laptop": json.loads(r.laptop_content), "clinic": json.loads(r.clinic_content)} for r in rows]


def resolve(clinic: Store, conflict_id: int, keep: str, *, by: UserSession) -> None:
    """Keep one side of a patient edited on both: "laptop" writes the laptop's version into the clinic now,
    "clinic" keeps the clinic's; either way the laptop takes it at its next sync. Audited."""
    if keep not in KEEP:
        raise DomainError('Say which version to keep: "laptop" or "clinic".')
    k, p = tables.mobile_conflicts.c, tables.patients.c
    now = clinic._now()
    with clinic._write() as conn:
        actor = sessions.acting(conn, by, _DEMOGRAPHICS, "resolve sync conflicts")
        row = conn.execute(select(tables.mobile_conflicts).where(k.id == conflict_id)).first()
        if row is None or row.resolved_at is not None:
            raise RecordNotFound(f"There is no open conflict #{conflict_id}; list them with `mobile conflicts`.")
        if row.kind != "patient":
            raise DomainError("Only patient conflicts can be resolved here; a visit changed on both sides stays as the "
                              "clinic has it; add what the laptop charted as an addendum.")
        if keep == "laptop":
            target = conn.execute(select(tables.patients).where(p.uid == row.record_uid)).one()
            mrn = json.loads(row.laptop_content).get("mrn", target.mrn)
            if mrn_taken(conn, mrn, row.record_uid):
                raise DomainError(f"MRN {mrn} belongs to another patient in the clinic; keep the clinic's version, "
                                  "then correct the patient's details.")
            put_patient(conn, row.laptop_content, mrn, target, at=now, by=actor, event=AuditEvent.MOBILE_RESOLVE,
                        extra={"laptop_id": row.laptop_id, "conflict_id": row.id, "kept": keep})
        conn.execute(update(tables.mobile_conflicts).where(k.id == row.id).values(resolution=keep, resolved_at=now))
        chain.append(conn, at=now, by=actor, event=AuditEvent.MOBILE_RESOLVE, detail={
            "conflict_id": row.id, "laptop_id": row.laptop_id, "uid": row.record_uid, "kept": keep})


@dataclass(frozen=True)
class Revoked:
    laptop_id: str
    user_id: int
    username: str
    patients: list[str]  # MRNs
    last_sync_at: datetime | None


def revoke_laptop(clinic: Store, laptop_id: str, *, by: UserSession, reason: str = "") -> Revoked:
    """An admin marks a laptop revoked: its syncs are refused from now on. Audited."""
    c = tables.mobile_checkouts.c
    now = clinic._now()
    with clinic._write() as conn:
        actor = sessions.acting(conn, by, (Role.ADMIN,), "revoke a laptop")
        row = conn.execute(select(tables.mobile_checkouts).where(c.laptop_id == laptop_id)).first()
        if row is None:
            raise RecordNotFound(f"No laptop {laptop_id} was checked out from this clinic; list them with "
                                 "`mobile missing`.")
        if row.revoked_at is None:
            conn.execute(update(tables.mobile_checkouts).where(c.id == row.id).values(revoked_at=now))
            chain.append(conn, at=now, by=actor, event=AuditEvent.MOBILE_REVOKE, detail={
                "laptop_id": laptop_id, "user_id": row.user_id, "reason": reason})
        return _revoked(conn, row)


def _revoked(conn: Any, row: Any) -> Revoked:
    user = conn.execute(chain.by_id(tables.users), {"id": row.user_id}).one()
    uids = list(json.loads(row.patients))
    mrns = [r.mrn for r in conn.execute(select(tables.patients.c.mrn).where(tables.patients.c.uid.in_(uids))
                                        .order_by(tables.patients.c.mrn))]
    return Revoked(row.laptop_id, row.user_id, user.username, mrns, row.last_sync_at)


def missing(clinic: Store, *, by: UserSession) -> list[Revoked]:
    """Revoked laptops and their checked-out patients: whatever was charted on them after their last sync (or
    their checkout, if they never synced) never came back and must be charted again from the paper record."""
    c = tables.mobile_checkouts.c
    with clinic._read() as conn:
        sessions.acting(conn, by, _DEMOGRAPHICS, "see revoked laptops")
        rows = conn.execute(select(tables.mobile_checkouts).where(c.revoked_at.is_not(None)).order_by(c.id)).all()
        return [_revoked(conn, r) for r in rows]
