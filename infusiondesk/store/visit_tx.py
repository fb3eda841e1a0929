"""One visit step's transaction: read everything a rule needs fresh, and save the result with its audit entry,
all under the write lock. The visit service (`infusiondesk.service`) is its only user; nothing else saves a
visit, and the save itself refuses what the workflow does not allow (`workflow.guards.check_transition`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, CursorResult, Row, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from infusiondesk.records.location import MobileCover
from infusiondesk.records.models import (
    Clinic,
    ClinicPolicy,
    InfusionEventKind,
    Patient,
    Role,
    User,
    UserSession,
    Visit,
    VisitStatus,
)
from infusiondesk.records.remote_approval import RemoteApproval
from infusiondesk.store import codec, history, sessions, tables
from infusiondesk.store.audit import chain, trail
from infusiondesk.store.audit import notes as audit_notes
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import ConflictError, RecordNotFound
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.guards import check_transition

_VISIT_COLUMNS = ("id", "patient_id", "status", "created_at", "started_at", "version")

if TYPE_CHECKING:  # the key code (cryptography) loads only where a key is used
    from infusiondesk.pki import SignerCredentials


def visit_document(visit: Visit) -> str:
    plain = codec.to_plain(visit)
    for key in _VISIT_COLUMNS:
        plain.pop(key)
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def visit_from_row(row: Row[Any]) -> Visit:
    doc = orjson.loads(row.content)
    doc.update(id=row.id, version=row.version, patient_id=row.patient_id, status=row.status,
               created_at=row.created_at, started_at=row.started_at)
    return codec.from_plain(Visit, doc)


def patient_from_row(row: Row[Any]) -> Patient:
    doc = orjson.loads(row.content)
    doc["id"] = row.id
    return codec.from_plain(Patient, doc)


user_from_row = sessions.user_from_row


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _signed_count(visit: Visit) -> int:
    return sum(1 for a in visit.addenda if a.signature is not None)


def looks_like_signed_pdf(pdf: bytes) -> bool:
    """A cheap structural check before bytes become the legal record (the signature itself is verified by the
    signing code that made it, and by `infusiondesk verify`)."""
    return pdf.startswith(b"%PDF-") and b"/ByteRange" in pdf and b"/Contents" in pdf


class VisitTransaction:
    """Reads and the one save of a visit step, in one write transaction (`store.visits.transaction()`)."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self._rows: dict[int, Row[Any]] = {}  # the visit rows as read, for the audit entry's "before"

    # -- reads, fresh, inside the transaction ---------------------------------------------------------------

    def acting_user(self, session: UserSession, roles: tuple[Role, ...], action: str) -> User:
        """The acting user as the database knows them now (a genuine open session, active, current role), never
        as a caller says."""
        return sessions.acting(self.conn, session, roles, action)

    def visit(self, visit_id: int, seen_version: int | None = None) -> Visit:
        """The visit as stored; ConflictError when it was saved after the caller saw `seen_version`."""
        row = self.conn.execute(chain.by_id(tables.visits), {"id": visit_id}).first()
        if row is None:
            raise RecordNotFound(f"Visit #{visit_id} does not exist.")
        if seen_version is not None and row.version != seen_version:
            raise ConflictError(self.conflict_message(visit_id))
        self._rows[visit_id] = row
        return visit_from_row(row)

    def patient(self, patient_id: int) -> Patient:
        row = self.conn.execute(chain.by_id(tables.patients), {"id": patient_id}).first()
        if row is None:
            raise RecordNotFound(f"Patient #{patient_id} does not exist.")
        return patient_from_row(row)

    def clinic(self) -> Clinic:
        row = self.conn.execute(_CLINIC).first()
        if row is None:
            raise RecordNotFound("The clinic is not set up yet; run the first-run setup.")
        return Clinic(name=row.name, address=row.address, phone=row.phone, hours=row.hours, timezone=row.timezone)

    def policy(self) -> ClinicPolicy:
        return read_policy(self.conn)

    def on_laptop(self) -> bool:
        """True in a laptop's database (a checkout wrote its `mobile_laptop` row), where the policy read above
        is the clinic's as carried at checkout."""
        return self.conn.execute(select(tables.mobile_laptop.c.id).limit(1)).first() is not None

    def previous_weight(self, visit: Visit) -> float | None:
        """Today's weight charted at the patient's latest earlier visit that recorded one."""
        v = tables.visits.c
        rows = self.conn.execute(select(tables.visits).where(v.patient_id == visit.patient_id, v.id != visit.id,
                                                             v.created_at <= (visit.created_at or self.now))
                                 .order_by(v.created_at.desc(), v.id.desc()).limit(20))
        for row in rows:
            weight = visit_from_row(row).readiness.weight_kg_today
            if weight is not None:
                return weight
        return None

    def magnesium_given_g(self, patient_id: int, at: datetime, exclude_visit_id: int | None = None) -> float:
        return magnesium_given_g(self.conn, patient_id, at, exclude_visit_id)

    # -- the save --------------------------------------------------------------------------------------------

    def save_visit(self, old: Visit, new: Visit, by: User, *, note: bytes | None = None,
                   seal: SignerCredentials | None = None) -> Visit:
        """Save `new` over `old` (read in this transaction) with its audit entry. A visit becomes signed, or
        an addendum signed, only with its signed note in the same transaction; a signed visit accepts nothing
        else."""
        if old.id not in self._rows or self._rows[old.id].version != old.version:
            raise ConflictError(self.conflict_message(old.id))
        check_transition(old, new)
        _check_signed(old, new)
        newly_signed = (new.status is VisitStatus.SIGNED and old.status is not VisitStatus.SIGNED) or \
            _signed_count(new) > _signed_count(old)
        if newly_signed and note is None:
            raise WorkflowError("A visit or addendum is signed together with its signed PDF note; sign it again.")
        if note is not None and not newly_signed:
            raise WorkflowError("A signed note is stored only with the signature it records.")
        if note is not None and not looks_like_signed_pdf(note):
            raise WorkflowError("The signed note is not a signed PDF; sign it again.")
        result = self.conn.execute(_SAVE_VISIT, {
            "of_visit": old.id, "seen_version": old.version, "status": new.status.value,
            "started_at": new.started_at, "version": old.version + 1, "content": visit_document(new)})
        if result.rowcount != 1:
            raise ConflictError(self.conflict_message(old.id))
        saved = dataclasses.replace(new, id=old.id, version=old.version + 1, created_at=old.created_at)
        history.write_summary(self.conn, saved, new=False)
        _write_span(self.conn, saved)
        event = AuditEvent.ADDENDUM if old.status is VisitStatus.SIGNED else AuditEvent.UPDATE
        trail.record_change(self.conn, at=self.now, by=by, event=event, table=tables.visits, record_id=old.id,
                            before=self._rows[old.id]._mapping)
        _audit_findings(self.conn, old, saved, by, self.now, self._rows[old.id].uid)
        if note is not None:
            from infusiondesk.workflow import note_version

            self._store_note(saved, note_version(saved, draft=False), note, by, seal)
        return saved

    def _store_note(self, visit: Visit, version: int, pdf: bytes, signer: User,
                    seal: SignerCredentials | None) -> None:
        """Keep the signed note. Its audit entry records its hash, visit, patient and the signed visit's hash (what
        `audit verify` compares); with `seal` (the signer's unlocked key) a signed checkpoint of the chain is made
        in the same transaction, anchoring that entry outside the database."""
        digest = hashlib.sha256(pdf).hexdigest()
        try:
            with self.conn.begin_nested():
                note_id = _new_id(self.conn.execute(insert(tables.signed_notes).values(
                    visit_id=visit.id, version=version, pdf=pdf, sha256=digest, signer_id=signer.id,
                    stored_at=self.now)))
        except IntegrityError:
            raise ConflictError(f"Version {version} of this visit's signed note is already stored; a signed note "
                                "is never replaced.") from None
        row = self.conn.execute(chain.by_id(tables.visits), {"id": visit.id}).one()
        mrn = self.conn.execute(select(tables.patients.c.mrn)
                                .where(tables.patients.c.id == visit.patient_id)).scalar_one()
        trail.record_change(self.conn, at=self.now, by=signer, event=AuditEvent.SIGNED_NOTE, table=tables.signed_notes,
                            record_id=note_id, before=None, extra={
                                "visit_id": visit.id, "version": version, "patient_id": visit.patient_id, "mrn": mrn,
                                "sha256": digest, "signed_visit_sha256": audit_notes.signed_visit_hash(row._mapping)})
        if seal is not None:
            trail.write_checkpoint(self.conn, seal)

    def audit(self, event: AuditEvent, by: User | None, detail: Mapping[str, Any]) -> int:
        """An entry about a visit read in this transaction carries the visit's uid too: a laptop's entry names a
        laptop-local visit id, and the clinic's near-miss report finds its visit by uid."""
        row = self._rows.get(detail.get("visit_id", 0))
        if row is not None:
            detail = {**detail, "visit_uid": row.uid}
        return chain.append(self.conn, at=self.now, by=by, event=event, detail=detail)

    def conflict_message(self, visit_id: int) -> str:
        return conflict_message(self.conn, visit_id)


def _check_signed(old: Visit, new: Visit) -> None:
    """A signed visit changes only by new addenda and their signatures; a saved addendum is never edited."""
    if old.status is not VisitStatus.SIGNED:
        return
    same = dataclasses.replace(new, addenda=(), version=old.version, created_at=old.created_at)
    if same != dataclasses.replace(old, addenda=()) or len(new.addenda) < len(old.addenda):
        raise WorkflowError("Signed visits are never edited; add an addendum.")
    for was, now in zip(old.addenda, new.addenda, strict=False):
        if dataclasses.replace(now, signature=was.signature) != was or (was.signature and now != was):
            raise WorkflowError("A saved addendum is never edited; add another addendum.")


def _audit_findings(conn: Connection, old: Visit, new: Visit, by: User, now: datetime, uid: str) -> None:
    """Soft-limit overrides and signatures get their own audit entries, for the near-miss report (an override
    carries the visit's uid: from a laptop, the clinic finds the visit by it)."""
    old_overrides = set(old.dose_order.overrides) if old.dose_order else set()
    for o in new.dose_order.overrides if new.dose_order else ():
        if o not in old_overrides:
            chain.append(conn, at=now, by=by, event=AuditEvent.OVERRIDE, detail={
                "visit_id": new.id, "visit_uid": uid, "patient_id": new.patient_id, "code": o.code,
                "message": o.message, "reason": o.reason, "overridden_by": o.by})
    signatures = [*new.signatures, *(a.signature for a in new.addenda if a.signature)]
    known = {*old.signatures, *(a.signature for a in old.addenda if a.signature)}
    for s in signatures:
        if s not in known:
            chain.append(conn, at=now, by=by, event=AuditEvent.SIGNATURE, detail={
                "visit_id": new.id, "signer_id": s.signer_id, "signer": s.signer_name,
                "meaning": s.meaning.value, "version": s.version, "pdf_sha256": s.pdf_sha256})
    for a in new.alerts:
        if a not in old.alerts and a.acknowledged_at is None:
            chain.append(conn, at=now, by=by, event=AuditEvent.ALERT, detail={
                "visit_id": new.id, "patient_id": new.patient_id, "code": a.code, "message": a.message})
        elif a not in old.alerts:
            chain.append(conn, at=now, by=by, event=AuditEvent.ALERT_ACKNOWLEDGED, detail={
                "visit_id": new.id, "code": a.code, "action": a.action.value if a.action else "", "note": a.note})


def _write_span(conn: Connection, visit: Visit) -> None:
    if visit.started_at is None:
        return
    ended = next((e.at for e in reversed(visit.events) if e.kind is InfusionEventKind.STOP), None)
    changed = conn.execute(_SPAN_UPDATE, {"of_visit": visit.id, "started_at": visit.started_at,
                                          "ended_at": ended}).rowcount
    if not changed:
        conn.execute(insert(tables.infusion_spans).values(visit_id=visit.id, patient_id=visit.patient_id,
                                                          started_at=visit.started_at, ended_at=ended))


def magnesium_given_g(conn: Connection, patient_id: int, at: datetime, exclude_visit_id: int | None = None) -> float:
    """Grams of magnesium sulfate given to this patient by infusions overlapping the 24 h before `at`: every
    infusion that started by `at` and had not ended 24 h before it, however long ago it started."""
    from infusiondesk.workflow import magnesium_given_g as given

    since = at - timedelta(hours=24)
    v, s = tables.visits.c, tables.infusion_spans.c
    query = (select(tables.visits)
             .join_from(tables.visits, tables.infusion_spans, s.visit_id == v.id, isouter=True)
             .where(v.patient_id == patient_id, v.started_at.is_not(None), v.started_at <= at,
                    or_(s.visit_id.is_(None), s.ended_at.is_(None), and_(s.ended_at >= since))))
    if exclude_visit_id is not None:
        query = query.where(v.id != exclude_visit_id)
    with codec.bulk_decoding():
        visits = [visit_from_row(r) for r in conn.execute(query)]
    return given(visits, since, at)


def read_policy(conn: Connection) -> ClinicPolicy:
    row = conn.execute(_POLICY).first()
    if row is None:
        return ClinicPolicy()
    return ClinicPolicy(double_check_required=bool(row.double_check_required),
                        mobile_cover=MobileCover(row.mobile_cover),
                        mobile_remote_approval=RemoteApproval(row.mobile_remote_approval))


def conflict_message(conn: Connection, visit_id: int) -> str:
    last = conn.execute(select(tables.audit_log.c.username, tables.audit_log.c.at)
                        .where(tables.audit_log.c.table_name == "visits", tables.audit_log.c.record_id == visit_id)
                        .order_by(tables.audit_log.c.id.desc()).limit(1)).first()
    who = f" by {last.username} at {last.at:%H:%M:%S} UTC" if last is not None else ""
    return (f"This visit was saved on another workstation{who} after you opened it, so your changes were "
            "not saved. Reopen the visit to see the latest version, then enter your changes again.")


# Built once: a visit step runs these every time (statement construction costs more than running them).
_CLINIC = select(tables.clinic).where(tables.clinic.c.id == 1)
_POLICY = select(tables.clinic_policy).where(tables.clinic_policy.c.id == 1)
_SAVE_VISIT = (update(tables.visits)
               .where(tables.visits.c.id == bindparam("of_visit"), tables.visits.c.version == bindparam("seen_version"))
               .values(status=bindparam("status"), started_at=bindparam("started_at"), version=bindparam("version"),
                       content=bindparam("content")))
_SPAN_UPDATE = (update(tables.infusion_spans).where(tables.infusion_spans.c.visit_id == bindparam("of_visit"))
                .values(started_at=bindparam("started_at"), ended_at=bindparam("ended_at")))
