"""`store.mobile`: the clinic's side of its laptops: conflicts to resolve, a lost laptop revoked, the work it never
brought back, and which patients are out. (The sync itself works across two stores: store/sync_exchange.py.)"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Role, UserSession
from infusiondesk.store import sessions, tables
from infusiondesk.store.audit import chain
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import RecordNotFound
from infusiondesk.store.part import StorePart
from infusiondesk.store.sync_exchange import mrn_taken, put_patient

KEEP = ("laptop", "clinic")
_DEMOGRAPHICS = (Role.NURSE, Role.CLINICIAN, Role.ADMIN)
_CLINICAL = (Role.NURSE, Role.CLINICIAN)
# Conflicts over clinical records are listed for nurses and clinicians only (an admin sees patients and payments).
_CLINICAL_KINDS = ("visit", "note", "follow_up")
# Which version of a visit stands is a clinical judgement (what was given, what the note will say), like the
# decisions, approvals and signatures only a clinician makes; an admin does not chart, a nurse does not adjudicate
# her own charting against the clinic's.
_VISIT_RESOLVERS = (Role.CLINICIAN,)


@dataclass(frozen=True)
class Revoked:
    laptop_id: str
    user_id: int
    username: str
    patients: list[str]  # MRNs
    last_sync_at: datetime | None


@dataclass(frozen=True)
class OutOnLaptop:
    """A clinic patient checked out to a laptop that is not revoked."""

    laptop_id: str
    nurse: str  # full name
    since: datetime


class Mobile(StorePart):
    """`store.mobile`: each call checks the session's role at the moment of action."""

    def conflicts(self, *, by: UserSession, resolved: bool = False) -> list[dict[str, Any]]:
        """Unresolved conflicts (with `resolved`, every one, resolutions included), oldest first, with both
        versions of the record as JSON documents. Visit conflicts are clinical records: nurses and clinicians
        only (an admin sees the patient ones)."""
        k = tables.mobile_conflicts.c
        query = select(tables.mobile_conflicts).order_by(k.id)
        if not resolved:
            query = query.where(k.resolved_at.is_(None))
        with self._read() as conn:
            actor = sessions.acting(conn, by, _DEMOGRAPHICS, "see sync conflicts")
            rows = [r for r in conn.execute(query).all() if r.kind not in _CLINICAL_KINDS or actor.role in _CLINICAL]
            found = [{"id": r.id, "laptop_id": r.laptop_id, "kind": r.kind, "uid": r.record_uid,
                      "found_at": r.found_at, "laptop": _without_pdf(json.loads(r.laptop_content)),
                      "clinic": json.loads(r.clinic_content), "resolution": r.resolution,
                      "resolved_at": r.resolved_at, "applied": bool(r.applied)} for r in rows]
            for c in found:
                if c["kind"] == "visit":
                    c["patient"] = _patient_words(conn, c["clinic"].get("patient_id"))
                elif c["kind"] in ("payment", "follow_up", "note"):
                    c["patient"] = _record_patient(conn, c["laptop"])
        return found

    def open_conflicts(self, *, by: UserSession) -> list[dict[str, Any]]:
        return self.conflicts(by=by)

    def conflict_pdf(self, conflict_id: int, *, by: UserSession) -> bytes:
        """The laptop's signed PDF a note conflict keeps whole (refused or set aside), for the record: exported as
        it was signed, never stored as the clinic's note. Nurses and clinicians (a signed note is clinical)."""
        from infusiondesk.store import sync_resolve_notes

        k = tables.mobile_conflicts.c
        with self._read() as conn:
            sessions.acting(conn, by, _CLINICAL, "read a laptop's signed note")
            row = conn.execute(select(tables.mobile_conflicts).where(k.id == conflict_id)).first()
            if row is None or row.kind != "note":
                raise RecordNotFound(f"There is no note conflict #{conflict_id}; list them with `mobile conflicts "
                                     "--all`.")
            return sync_resolve_notes.laptop_pdf(row)

    def resolve(self, conflict_id: int, keep: str, *, by: UserSession) -> None:
        """Keep one side of a record changed on both. A patient: "laptop" writes the laptop's version into the
        clinic now, "clinic" keeps the clinic's (nurse, clinician or admin). A visit (a clinician): the kept
        version becomes the clinic's visit, the other is set aside (infusiondesk.store.sync_resolve). A payment or
        follow-up: the roles that record them (sync_resolve_records). A signed note is never overwritten: its
        conflict is closed keeping the clinic's (sync_resolve_notes). The laptop takes the kept version at its next
        sync; the version set aside stays whole in the conflict record. Audited."""
        from infusiondesk.store import sync_resolve, sync_resolve_notes, sync_resolve_records

        if keep not in KEEP:
            raise DomainError('Say which version to keep: "laptop" or "clinic".')
        k = tables.mobile_conflicts.c
        now = self._now()
        with self._write() as conn:
            actor = sessions.acting(conn, by, _DEMOGRAPHICS, "resolve sync conflicts")
            row = conn.execute(select(tables.mobile_conflicts).where(k.id == conflict_id)).first()
            if row is None or row.resolved_at is not None:
                raise RecordNotFound(f"There is no open conflict #{conflict_id}; list them with `mobile conflicts`.")
            detail: dict[str, Any] = {}
            applied = False
            if row.kind == "visit":
                actor = sessions.acting(conn, by, _VISIT_RESOLVERS, "choose which version of a visit stands")
                detail = sync_resolve.resolve_visit(conn, row, keep, actor, now)
            elif row.kind in sync_resolve_records.KINDS:
                actor = sessions.acting(conn, by, sync_resolve_records.RESOLVERS[row.kind],
                                        sync_resolve_records.WHAT[row.kind])
                detail = sync_resolve_records.resolve_record(conn, row, keep, actor, now)
            elif row.kind == "note":
                actor = sessions.acting(conn, by, sync_resolve_notes.RESOLVERS, "close a signed-note conflict")
                detail = sync_resolve_notes.resolve_note(conn, row, keep, actor, now)
                applied = True  # nothing travels back: the laptop keeps its own copy of its note
            elif row.kind == "patient":
                if keep == "laptop":
                    _keep_laptop_patient(conn, row, actor, now)
            else:
                raise DomainError(f"Conflict #{row.id} is of a kind this version cannot resolve ({row.kind}).")
            conn.execute(update(tables.mobile_conflicts).where(k.id == row.id).values(resolution=keep,
                                                                                      resolved_at=now,
                                                                                      applied=applied))
            chain.append(conn, at=now, by=actor, event=AuditEvent.MOBILE_RESOLVE, detail={
                "conflict_id": row.id, "laptop_id": row.laptop_id, "uid": row.record_uid, "kept": keep,
                "kind": row.kind, **detail})

    def revoke_laptop(self, laptop_id: str, *, by: UserSession, reason: str = "") -> Revoked:
        """An admin marks a laptop revoked: its syncs are refused from now on. Audited."""
        c = tables.mobile_checkouts.c
        now = self._now()
        with self._write() as conn:
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

    def missing(self, *, by: UserSession) -> list[Revoked]:
        """Revoked laptops and their checked-out patients: whatever was charted on them after their last sync (or
        their checkout, if they never synced) never came back and must be charted again from the paper record."""
        c = tables.mobile_checkouts.c
        with self._read() as conn:
            sessions.acting(conn, by, _DEMOGRAPHICS, "see revoked laptops")
            rows = conn.execute(select(tables.mobile_checkouts).where(c.revoked_at.is_not(None))
                                .order_by(c.id)).all()
            return [_revoked(conn, r) for r in rows]

    def out_on_laptops(self, *, by: UserSession) -> dict[int, OutOnLaptop]:
        """{patient id: where it is} for the patients on a laptop not revoked (the latest checkout when several);
        the clinic notes them on their chart and on a new visit."""
        c, u, p = tables.mobile_checkouts.c, tables.users.c, tables.patients.c
        out: dict[int, OutOnLaptop] = {}
        with self._read() as conn:
            sessions.acting(conn, by, _DEMOGRAPHICS, "see patients out on laptops")
            rows = conn.execute(select(tables.mobile_checkouts, u.full_name).join(tables.users, u.id == c.user_id)
                                .where(c.revoked_at.is_(None)).order_by(c.checked_out_at, c.id)).all()
            for row in rows:
                uids = list(json.loads(row.patients))
                for patient_id in conn.execute(select(p.id).where(p.uid.in_(uids))).scalars():
                    out[int(patient_id)] = OutOnLaptop(row.laptop_id, row.full_name, row.checked_out_at)
        return out


def _without_pdf(doc: dict[str, Any]) -> dict[str, Any]:
    """A note conflict's laptop document as listed: the PDF's size, never the PDF (`conflict_pdf` exports it)."""
    if "pdf_base64" not in doc:
        return doc
    pdf = doc.pop("pdf_base64")
    return {**doc, "pdf_bytes": len(pdf) * 3 // 4 - pdf.count("=")}


def _record_patient(conn: Connection, doc: dict[str, Any]) -> str:
    """Whose payment, follow-up or note it is: its visit's patient (a held visit's own document when the clinic
    does not have the visit yet)."""
    v = tables.visits.c
    patient_id = conn.execute(select(v.patient_id).where(v.uid == str(doc.get("visit_uid")))).scalar_one_or_none()
    if patient_id is None:
        patient_id = (doc.get("visit") or {}).get("patient_id") or doc.get("patient_id")
    return _patient_words(conn, patient_id) if patient_id is not None else "a patient"


def _patient_words(conn: Connection, patient_id: Any) -> str:
    """"MRN0001 Smith, Jane": whose visit a conflict is, as a person reads it."""
    row = conn.execute(chain.by_id(tables.patients), {"id": int(patient_id or 0)}).first()
    if row is None:
        return f"patient #{patient_id}"
    doc = json.loads(row.content)
    return f"{row.mrn} {doc.get('family_name', '')}, {doc.get('given_name', '')}"


def _keep_laptop_patient(conn: Connection, row: Row[Any], actor: Any, now: datetime) -> None:
    p = tables.patients.c
    target = conn.execute(select(tables.patients).where(p.uid == row.record_uid)).one()
    mrn = json.loads(row.laptop_content).get("mrn", target.mrn)
    if mrn_taken(conn, mrn, row.record_uid):
        raise DomainError(f"MRN {mrn} belongs to another patient in the clinic; keep the clinic's version, "
                          "then correct the patient's details.")
    put_patient(conn, row.laptop_content, mrn, target, at=now, by=actor, event=AuditEvent.MOBILE_RESOLVE,
                extra={"laptop_id": row.laptop_id, "conflict_id": row.id, "kept": "laptop"})


def _revoked(conn: Connection, row: Row[Any]) -> Revoked:
    user = conn.execute(chain.by_id(tables.users), {"id": row.user_id}).one()
    uids = list(json.loads(row.patients))
    mrns = [r.mrn for r in conn.execute(select(tables.patients.c.mrn).where(tables.patients.c.uid.in_(uids))
                                        .order_by(tables.patients.c.mrn))]
    return Revoked(row.laptop_id, row.user_id, user.username, mrns, row.last_sync_at)
