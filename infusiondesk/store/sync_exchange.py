"""Sync between a laptop store and the clinic store, record by record, matched by uid.

Each record has a base on the laptop: the version both sides agreed on at checkout or the last sync (a visit's
version number, a patient's content SHA-256). A side whose version differs from the base changed it. Changed on one
side: copied to the other. Changed on both (and not to the same thing): a conflict, listed and not applied.

Three steps, each one transaction and each idempotent, so a sync killed anywhere and run again ends where an
uninterrupted one does: (1) pull into the laptop what only the clinic changed, (2) push into the clinic what only
the laptop changed, with the laptop's new audit entries and the conflicts, (3) move the bases forward. A step
that finds nothing to do writes nothing (no audit entry either), so a second sync changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from infusiondesk.auth import PermissionDenied
from infusiondesk.records.models import Patient, Role, User, UserSession
from infusiondesk.store import codec, history, sessions, sync_notes, sync_travel, tables, visit_tx
from infusiondesk.store.audit import chain, trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import RecordNotFound
from infusiondesk.store.search import patient_keys
from infusiondesk.store.sync_copy import content_sha
from infusiondesk.store.sync_notes import NoteCheck

if TYPE_CHECKING:
    from infusiondesk.pki import SignerCredentials
    from infusiondesk.store.store import Store

Fault = Callable[[str], None]
_VISIT_VALUES = ("uid", "patient_id", "status", "created_at", "started_at", "version", "content")
_VISIT_DOC_COLUMNS = ("patient_id", "status", "created_at", "started_at", "version")


def _no_fault(_point: str) -> None:
    return None


@dataclass
class SyncReport:
    """What one sync did (all zeros and no conflicts the second time)."""

    pulled_visits: int = 0
    pulled_patients: int = 0
    pushed_visits: int = 0
    pushed_patients: int = 0
    audit_entries: int = 0
    checkpoint: bool = False
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    pushed_notes: int = 0  # signed notes, payments and follow-ups (infusiondesk.store.sync_travel)
    pulled_notes: int = 0
    pushed_payments: int = 0
    pulled_payments: int = 0
    pushed_follow_ups: int = 0
    pulled_follow_ups: int = 0

    def records_line(self) -> str:
        """What travelled besides visits and patients."""
        return (f"Signed notes, payments and follow-ups: pushed {self.pushed_notes}, {self.pushed_payments} and "
                f"{self.pushed_follow_ups}; pulled {self.pulled_notes}, {self.pulled_payments} and "
                f"{self.pulled_follow_ups}.")

    def summary(self) -> str:
        lines = [f"Pushed {self.pushed_visits} visit(s) and {self.pushed_patients} patient edit(s) to the clinic, "
                 f"with {self.audit_entries} audit entries"
                 + (", sealed by a checkpoint signed with your key" if self.checkpoint else "") + ".",
                 f"Pulled {self.pulled_visits} visit(s) and {self.pulled_patients} patient edit(s) from the clinic.",
                 self.records_line()]
        if self.conflicts:
            lines.append(f"{len(self.conflicts)} record(s) were changed both here and in the clinic and were NOT "
                         "applied; resolve them with `infusiondesk mobile conflicts` and `mobile resolve`:")
            lines += [f"  #{c['id']} {c['kind']} {c['label']}" for c in self.conflicts]
        return "\n".join(lines)


@dataclass(frozen=True)
class Laptop:
    laptop_id: str
    user_id: int
    start_entry: int


def laptop_identity(laptop: Store) -> Laptop:
    with laptop._read() as conn:
        row = conn.execute(select(tables.mobile_laptop)).first()
    if row is None:
        raise RecordNotFound("This database is not a laptop checkout; give the laptop file made by "
                             "`infusiondesk mobile checkout`.")
    return Laptop(row.laptop_id, row.user_id, row.start_entry)


def own_credential(laptop: Store) -> bytes | None:
    """The checked-out nurse's sealed PKCS#12 on the laptop (None when she has no signing key)."""
    me = laptop_identity(laptop)
    k = tables.pki_objects.c
    with laptop._read() as conn:
        data = conn.execute(select(k.data).where(k.kind == "user_p12", k.owner_user_id == me.user_id,
                                                 k.revoked_at.is_(None)).order_by(k.id.desc()).limit(1)).scalar()
    return bytes(data) if data is not None else None


def laptop_library(laptop: Store) -> str:
    with laptop._read() as conn:
        return str(conn.execute(select(tables.mobile_laptop.c.library)).scalar_one())


# -- reading one side --------------------------------------------------------------------------------------


@dataclass
class Side:
    """One database's patients and visits of the checkout, by uid."""

    patients: dict[str, Row[Any]]
    visits: dict[str, Row[Any]]


def read_side(conn: Connection, patient_uids: list[str]) -> Side:
    p, v = tables.patients.c, tables.visits.c
    patients = {r.uid: r for r in conn.execute(select(tables.patients).where(p.uid.in_(patient_uids)))}
    ids = [r.id for r in patients.values()]
    visits = {r.uid: r for r in conn.execute(select(tables.visits).where(v.patient_id.in_(ids)).order_by(v.id))}
    return Side(patients, visits)


def read_bases(conn: Connection) -> dict[str, str]:
    return {r.uid: r.base for r in conn.execute(select(tables.mobile_base))}


def _checkout_row(conn: Connection, laptop_id: str) -> Row[Any]:
    c = tables.mobile_checkouts.c
    row = conn.execute(select(tables.mobile_checkouts).where(c.laptop_id == laptop_id)).first()
    if row is None:
        raise RecordNotFound("This laptop was not checked out from this clinic's database; check --db.")
    if row.revoked_at is not None:
        raise PermissionDenied(f"This laptop was revoked at {row.revoked_at:%Y-%m-%d %H:%M} UTC; the clinic refuses "
                               "its sync. Chart its visits again from the paper record, with an admin.")
    return row


# -- writing one record --------------------------------------------------------------------------------------


def put_visit(conn: Connection, source: Row[Any], target: Row[Any] | None, *, at: datetime, by: User | None,
              event: AuditEvent, extra: Mapping[str, Any]) -> None:
    """Write `source` (a visit row of the other side) over `target` (this side's, None for a new one), with its
    chart summary, its infusion span (the 24 h total) and its audit entry."""
    values = {k: source._mapping[k] for k in _VISIT_VALUES}
    if target is None:
        key = conn.execute(insert(tables.visits).values(**values)).inserted_primary_key
        assert key is not None
        visit_id = int(key[0])
    else:
        visit_id = target.id
        conn.execute(update(tables.visits).where(tables.visits.c.id == visit_id).values(**values))
    visit = visit_tx.visit_from_row(conn.execute(chain.by_id(tables.visits), {"id": visit_id}).one())
    history.write_summary(conn, visit, new=target is None)
    visit_tx._write_span(conn, visit)
    trail.record_change(conn, at=at, by=by, event=event, table=tables.visits, record_id=visit_id,
                        before=target._mapping if target is not None else None, extra={**extra, "uid": source.uid})


def put_patient(conn: Connection, content: str, mrn: str, target: Row[Any], *, at: datetime, by: User | None,
                event: AuditEvent, extra: Mapping[str, Any]) -> None:
    """Write a patient's document (from the other side, or a resolution) over this side's row, audited."""
    patient = codec.from_plain(Patient, {**json.loads(content), "id": target.id})
    conn.execute(update(tables.patients).where(tables.patients.c.id == target.id).values(
        mrn=mrn, content=content, **patient_keys(patient)))
    trail.record_change(conn, at=at, by=by, event=event, table=tables.patients, record_id=target.id,
                        before=target._mapping, extra={**extra, "uid": target.uid})


def mrn_taken(conn: Connection, mrn: str, uid: str) -> bool:
    """Another patient of this database already has `mrn` (a laptop edit that would clash is a conflict instead)."""
    p = tables.patients.c
    return conn.execute(select(p.id).where(p.mrn == mrn, p.uid != uid)).first() is not None


def visit_document(row: Row[Any]) -> str:
    """A visit row as one JSON document (its chart with its status, version and times), as a conflict keeps it:
    enough to write that version back (a resolution) or to tell it from a later edit."""
    doc = {**json.loads(row.content), **{k: codec.to_plain(row._mapping[k]) for k in _VISIT_DOC_COLUMNS}}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def is_document(row: Row[Any], document: str) -> bool:
    """The row is still exactly the version `document` recorded (the laptop charted nothing on it since)."""
    return bool(json.loads(visit_document(row)) == json.loads(document))


def same_visit(a: Row[Any], b: Row[Any]) -> bool:
    """The two sides hold the same visit: equal version numbers alone could be two different edits of one base."""
    return bool(a.version == b.version and a.status == b.status and a.content == b.content)


def _set_base(conn: Connection, bases: dict[str, str], uid: str, kind: str, base: str) -> None:
    if bases.get(uid) == base:
        return
    conn.execute(delete(tables.mobile_base).where(tables.mobile_base.c.uid == uid))
    conn.execute(insert(tables.mobile_base).values(uid=uid, kind=kind, base=base))
    bases[uid] = base


# -- the three steps -----------------------------------------------------------------------------------------------


def _resolved(conn: Connection, laptop_id: str) -> dict[str, Row[Any]]:
    k = tables.mobile_conflicts.c
    rows = conn.execute(select(tables.mobile_conflicts).where(k.laptop_id == laptop_id, k.resolved_at.is_not(None),
                                                             k.applied.is_(False)))
    return {r.record_uid: r for r in rows}


def pull(clinic: Store, laptop: Store, me: Laptop, nurse: UserSession, report: SyncReport,
         fault: Fault = _no_fault) -> None:
    """Step 1: into the laptop, what only the clinic changed (new clinic visits first of all) and resolutions."""
    with clinic._read() as conn:
        sessions.acting(conn, nurse, (Role.NURSE,), "sync a laptop")
        checkout = _checkout_row(conn, me.laptop_id)
        uids = list(json.loads(checkout.patients))
        theirs = read_side(conn, uids)
        resolved = _resolved(conn, me.laptop_id)
        their_extras = sync_travel.read_extras(conn, theirs.visits, with_users=True)
    now = laptop._now()
    with laptop._write() as conn:
        actor = sessions.user_from_row(conn.execute(chain.by_id(tables.users), {"id": me.user_id}).one())
        ours, bases = read_side(conn, uids), read_bases(conn)
        extra = {"laptop_id": me.laptop_id}
        for uid, clinic_row in theirs.patients.items():
            mine = ours.patients[uid]
            c_sha, l_sha, base = content_sha(clinic_row.content), content_sha(mine.content), bases.get(uid)
            if c_sha != l_sha and (uid in resolved or (l_sha == base and c_sha != base)):
                put_patient(conn, clinic_row.content, clinic_row.mrn, mine, at=now, by=actor,
                            event=AuditEvent.MOBILE_PULL, extra=extra)
                report.pulled_patients += 1
                l_sha = c_sha
            if c_sha == l_sha:
                _set_base(conn, bases, uid, "patient", c_sha)
        for uid, clinic_row in theirs.visits.items():
            mine_v = ours.visits.get(uid)
            base = bases.get(uid)
            settled = resolved.get(uid)  # a resolved visit conflict: the clinic's row is the kept version
            set_aside = settled is not None and is_document(mine_v, settled.laptop_content) if mine_v else False
            if mine_v is None or (not same_visit(mine_v, clinic_row) and (str(mine_v.version) == base or set_aside)):
                put_visit(conn, clinic_row, mine_v, at=now, by=actor, event=AuditEvent.MOBILE_PULL, extra=extra)
                report.pulled_visits += 1
                _set_base(conn, bases, uid, "visit", str(clinic_row.version))
            elif same_visit(mine_v, clinic_row):
                _set_base(conn, bases, uid, "visit", str(clinic_row.version))
            fault("pull_visit")
        records_resolved = {uid: hashlib.sha256(r.laptop_content.encode("utf-8")).hexdigest()
                            for uid, r in resolved.items() if r.kind in ("payment", "follow_up")}
        sync_travel.pull(conn, read_side(conn, uids).visits, theirs.visits, their_extras, same_visit, bases,
                         lambda uid, kind, base: _set_base(conn, bases, uid, kind, base), at=now, by=actor,
                         extra=extra, report=report, fault=fault, resolved=records_resolved)


def _conflict(conn: Connection, laptop_id: str, kind: str, uid: str, laptop_content: str, clinic_content: str,
              now: datetime, actor: User, report: SyncReport, label: str) -> None:
    """List a record changed on both sides (once: an open conflict for it is not listed again)."""
    k = tables.mobile_conflicts.c
    open_one = conn.execute(select(k.id).where(k.laptop_id == laptop_id, k.record_uid == uid,
                                               k.applied.is_(False))).first()
    if open_one is not None:
        return
    key = conn.execute(insert(tables.mobile_conflicts).values(
        laptop_id=laptop_id, kind=kind, record_uid=uid, laptop_content=laptop_content, clinic_content=clinic_content,
        found_at=now, resolution="", resolved_at=None, applied=False)).inserted_primary_key
    assert key is not None
    chain.append(conn, at=now, by=actor, event=AuditEvent.MOBILE_CONFLICT, detail={
        "laptop_id": laptop_id, "kind": kind, "uid": uid, "conflict_id": int(key[0])})
    report.conflicts.append({"id": int(key[0]), "kind": kind, "uid": uid, "label": label})


def push(clinic: Store, laptop: Store, me: Laptop, nurse: UserSession, seal: SignerCredentials | None,
         report: SyncReport, fault: Fault = _no_fault, check_note: NoteCheck | None = None) -> None:
    """Step 2, one clinic transaction: the laptop's new and changed records, its new audit entries as a segment of
    the clinic's chain, conflicts listed, then a checkpoint signed with the nurse's key. The laptop's new signed
    notes are checked first (`check_note`, see infusiondesk.store.sync_notes); a visit whose note is refused stays
    on the laptop with it."""
    from infusiondesk.mobile import segment

    with clinic._read() as conn:
        uids = list(json.loads(_checkout_row(conn, me.laptop_id).patients))
    with laptop._read() as conn:
        ours, bases = read_side(conn, uids), read_bases(conn)
        entries = [dict(r) for r in conn.execute(select(tables.audit_log).where(
            tables.audit_log.c.id >= me.start_entry).order_by(tables.audit_log.c.id)).mappings()]
        our_extras, mrns = sync_travel.read_extras(conn, ours.visits), sync_travel.visit_mrns(conn, ours.visits)
    with clinic._read() as conn:
        our_extras = sync_travel.without_notes(our_extras, _closed_notes(conn, me.laptop_id))
        known_notes = sync_travel.clinic_note_uids(conn, list(our_extras.notes))
    refused = sync_travel.refused_notes(clinic, our_extras, known_notes, mrns, check_note)
    held = sync_notes.held_visits(our_extras.notes, refused)
    now = clinic._now()
    extra = {"laptop_id": me.laptop_id}
    with clinic._write() as conn:
        actor = sessions.acting(conn, nurse, (Role.NURSE,), "sync a laptop")
        if actor.id != me.user_id:
            raise PermissionDenied("Only the nurse who checked this laptop out can sync it; sign in as them.")
        checkout = _checkout_row(conn, me.laptop_id)
        theirs = read_side(conn, uids)
        for uid, mine in ours.patients.items():
            clinic_row = theirs.patients[uid]
            c_sha, l_sha, base = content_sha(clinic_row.content), content_sha(mine.content), bases.get(uid)
            if l_sha == c_sha:
                _mark_applied(conn, me.laptop_id, uid)
            elif c_sha == base and not mrn_taken(conn, mine.mrn, uid):
                put_patient(conn, mine.content, mine.mrn, clinic_row, at=now, by=actor, event=AuditEvent.MOBILE_SYNC,
                            extra=extra)
                report.pushed_patients += 1
            elif l_sha != base:  # changed on both sides, or the laptop gave an MRN another clinic patient has
                _conflict(conn, me.laptop_id, "patient", uid, mine.content, clinic_row.content, now, actor, report,
                          f"MRN {clinic_row.mrn}")
        fault("push_patients")
        for uid, mine_v in ours.visits.items():
            clinic_v = theirs.visits.get(uid)
            base = bases.get(uid)
            if uid in held:
                continue  # signed with a note the clinic refuses: listed as a "note" conflict below
            if clinic_v is None:
                put_visit(conn, mine_v, None, at=now, by=actor, event=AuditEvent.MOBILE_SYNC, extra=extra)
                report.pushed_visits += 1
            elif same_visit(mine_v, clinic_v):
                _mark_applied(conn, me.laptop_id, uid)  # a resolution, if any, is now on both sides
            elif str(mine_v.version) == base:
                pass  # changed in the clinic only (pulled in step 1)
            elif str(clinic_v.version) == base:
                put_visit(conn, mine_v, clinic_v, at=now, by=actor, event=AuditEvent.MOBILE_SYNC, extra=extra)
                report.pushed_visits += 1
            else:  # a resolution the laptop charted past is closed; the laptop's newer version is a new conflict
                _mark_applied(conn, me.laptop_id, uid)
                _conflict(conn, me.laptop_id, "visit", uid, visit_document(mine_v), visit_document(clinic_v), now,
                          actor, report, f"visit {uid[:8]}")
            fault("push_visit")
        pushed_before = _travelled(report)
        def list_conflict(kind: str, uid: str, mine: str, clinic_doc: str, label: str) -> None:
            if kind != "note":  # a resolution the laptop recorded past is closed; its newer version is a new conflict
                _mark_applied(conn, me.laptop_id, uid)
            _conflict(conn, me.laptop_id, kind, uid, mine, clinic_doc, now, actor, report, label)

        sync_travel.push(conn, our_extras, ours.visits, read_side(conn, uids).visits, refused, same_visit, bases,
                         list_conflict, at=now, by=actor, extra=extra, report=report, fault=fault)
        for key in sync_travel.agreed_records(conn, our_extras, read_side(conn, uids).visits):
            _mark_applied(conn, me.laptop_id, key)  # a payment or follow-up resolution is now on both sides
        new_entries = [e for e in entries if e["id"] > checkout.audit_pushed]
        if new_entries:
            segment.append_segment(conn, me.laptop_id, new_entries, now)
            report.audit_entries = len(new_entries)
        fault("segment")
        changed = bool(report.pushed_visits or report.pushed_patients or report.conflicts or new_entries
                       or _travelled(report) != pushed_before)
        if changed:
            conn.execute(update(tables.mobile_checkouts).where(tables.mobile_checkouts.c.id == checkout.id).values(
                last_sync_at=now, audit_pushed=new_entries[-1]["id"] if new_entries else checkout.audit_pushed))
            if seal is not None:
                trail.write_checkpoint(conn, seal)
                report.checkpoint = True
        fault("before_commit")


def _mark_applied(conn: Connection, laptop_id: str, uid: str) -> None:
    k = tables.mobile_conflicts.c
    conn.execute(update(tables.mobile_conflicts).where(k.laptop_id == laptop_id, k.record_uid == uid,
                                                       k.resolved_at.is_not(None), k.applied.is_(False))
                 .values(applied=True))


def _closed_notes(conn: Connection, laptop_id: str) -> set[str]:
    """Uids of this laptop's notes whose conflict the clinic closed: not checked or listed again."""
    k = tables.mobile_conflicts.c
    return set(conn.execute(select(k.record_uid).where(k.laptop_id == laptop_id, k.kind == "note",
                                                       k.resolved_at.is_not(None))).scalars())


def settle(clinic: Store, laptop: Store, me: Laptop, fault: Fault = _no_fault) -> None:
    """Step 3: the bases of every record now the same on both sides move to that version (bookkeeping only)."""
    with clinic._read() as conn:
        uids = list(json.loads(_checkout_row(conn, me.laptop_id).patients))
        theirs = read_side(conn, uids)
        their_extras = sync_travel.read_extras(conn, theirs.visits)
    with laptop._write() as conn:
        ours, bases = read_side(conn, uids), read_bases(conn)
        for uid, mine in ours.patients.items():
            if content_sha(mine.content) == content_sha(theirs.patients[uid].content):
                _set_base(conn, bases, uid, "patient", content_sha(mine.content))
        for uid, mine_v in ours.visits.items():
            clinic_v = theirs.visits.get(uid)
            if clinic_v is not None and same_visit(mine_v, clinic_v):
                _set_base(conn, bases, uid, "visit", str(mine_v.version))
            fault("settle_visit")
        sync_travel.settle(conn, ours.visits, their_extras, lambda uid, kind, base: _set_base(conn, bases, uid, kind,
                                                                                               base))
        fault("settle_records")


def _travelled(report: SyncReport) -> int:
    return report.pushed_notes + report.pushed_payments + report.pushed_follow_ups


def sync(clinic: Store, laptop: Store, nurse: UserSession, seal: SignerCredentials | None = None,
         fault: Fault = _no_fault, check_note: NoteCheck | None = None) -> SyncReport:
    """Pull, push, settle (see the module docstring). `fault` is called at named points (tests kill a sync there)."""
    me = laptop_identity(laptop)
    report = SyncReport()
    pull(clinic, laptop, me, nurse, report, fault)
    fault("after_pull")
    push(clinic, laptop, me, nurse, seal, report, fault, check_note)
    fault("after_push")
    settle(clinic, laptop, me, fault)
    return report
