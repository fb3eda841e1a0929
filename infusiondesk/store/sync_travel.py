"""Signed notes, payments and follow-ups in the three steps of a sync (infusiondesk.store.sync_exchange calls these
inside its own transactions, after the visits, so every record finds its visit already written).

The rules per record are in infusiondesk.store.sync_notes (notes: immutable, checked before the clinic takes a
laptop's) and infusiondesk.store.sync_records (payments and follow-ups: bases, one-sided changes travel, both-sided
ones are conflicts). This module reads both sides and wires those rules to the report, the bases and the conflicts.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, select

from infusiondesk.records.models import User
from infusiondesk.store import sync_notes, sync_records, tables
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.sync_notes import Note, NoteCheck
from infusiondesk.store.sync_records import Record

if TYPE_CHECKING:
    from infusiondesk.store.store import Store
    from infusiondesk.store.sync_exchange import SyncReport

Fault = Callable[[str], None]
SameVisit = Callable[[Row[Any], Row[Any]], bool]
SetBase = Callable[[str, str, str], None]
ListConflict = Callable[[str, str, str, str, str], None]  # kind, key, laptop JSON, clinic JSON, label


@dataclass(frozen=True)
class Extras:
    """One side's signed notes, payments and follow-ups of the checkout's visits."""

    notes: dict[str, Note]
    records: dict[str, Record]
    users: dict[int, Row[Any]]  # the users they name (read on the clinic's side, for stubs on the laptop)


def read_extras(conn: Connection, visits: Mapping[str, Row[Any]], with_users: bool = False) -> Extras:
    notes = sync_notes.read_notes(conn, visits)
    records = sync_records.read_records(conn, visits)
    users: dict[int, Row[Any]] = {}
    if with_users:
        ids = sync_records.record_user_ids(records.values()) | {int(n.row.signer_id) for n in notes.values()}
        users = sync_records.read_users(conn, ids)
    return Extras(notes, records, users)


def _ids(visits: Mapping[str, Row[Any]]) -> dict[str, int]:
    return {uid: int(row.id) for uid, row in visits.items()}


# -- step 1: into the laptop ----------------------------------------------------------------------------------------


def pull(conn: Connection, laptop_visits: Mapping[str, Row[Any]], clinic_visits: Mapping[str, Row[Any]],
         theirs: Extras, same_visit: SameVisit, bases: dict[str, str], set_base: SetBase, *, at: datetime,
         by: User | None, extra: Mapping[str, Any], report: SyncReport, fault: Fault,
         resolved: Mapping[str, str] | None = None) -> None:
    """`laptop_visits` as they are now, after the clinic's visits were pulled in this transaction. `resolved`:
    {record key: SHA-256 of the laptop's version a resolved payment or follow-up conflict set aside or kept}."""
    ours = read_extras(conn, laptop_visits)
    named = {int(n.row.signer_id) for n in theirs.notes.values() if n.visit_uid in laptop_visits}
    named |= sync_records.record_user_ids(r for r in theirs.records.values() if r.visit_uid in laptop_visits)
    sync_records.ensure_users(conn, theirs.users, named, at=at, by=by, event=AuditEvent.MOBILE_PULL, extra=extra)
    report.pulled_notes += sync_notes.pull_notes(conn, theirs.notes, ours.notes, laptop_visits, clinic_visits,
                                                 same_visit, at=at, by=by, extra=extra, fault=fault)
    counts = sync_records.Counts()
    sync_records.pull_records(conn, theirs.records, ours.records, _ids(laptop_visits), bases, set_base, at=at, by=by,
                              extra=extra, counts=counts, fault=fault, resolved=resolved or {})
    report.pulled_payments += counts.payment
    report.pulled_follow_ups += counts.follow_up


# -- step 2: into the clinic ------------------------------------------------------------------------------------------


def refused_notes(clinic: Store, ours: Extras, clinic_note_uids: set[str], mrns: Mapping[str, str],
                  check: NoteCheck | None) -> dict[str, str]:
    """Check the laptop's new notes (outside any transaction: signature checks are slow): {uid: why refused}."""
    new = sync_notes.pending(ours.notes, clinic_note_uids)
    if not new:
        return {}
    return sync_notes.problems(new, mrns, check, sync_notes.clinic_trust(clinic))


def visit_mrns(conn: Connection, visits: Mapping[str, Row[Any]]) -> dict[str, str]:
    """{visit uid: its patient's MRN} on this side."""
    p = tables.patients.c
    mrn = {r.id: r.mrn for r in conn.execute(select(p.id, p.mrn).where(
        p.id.in_(sorted({row.patient_id for row in visits.values()}))))}
    return {uid: mrn[row.patient_id] for uid, row in visits.items()}


def clinic_note_uids(conn: Connection, note_uids: list[str]) -> set[str]:
    n = tables.signed_notes.c
    out: set[str] = set()
    for start in range(0, len(note_uids), 500):
        out |= {r.uid for r in conn.execute(select(n.uid).where(n.uid.in_(note_uids[start:start + 500])))}
    return out


def push(conn: Connection, ours: Extras, laptop_visits: Mapping[str, Row[Any]],
         clinic_visits: Mapping[str, Row[Any]], refused: Mapping[str, str], same_visit: SameVisit,
         bases: Mapping[str, str], conflict: ListConflict, *, at: datetime, by: User | None,
         extra: Mapping[str, Any], report: SyncReport, fault: Fault) -> None:
    """`clinic_visits` as they are now, after the laptop's visits were pushed in this transaction."""
    theirs = read_extras(conn, clinic_visits)

    def note_conflict(note: Note, clinic_doc: str, why: str) -> None:
        # the laptop's PDF whole (a resolution never loses it), and a held visit as the laptop has it with its base
        doc = {**json.loads(note.document()), "problem": why,
               "pdf_base64": base64.b64encode(bytes(note.row.pdf)).decode("ascii")}
        held = laptop_visits.get(note.visit_uid)
        if note.uid in refused and held is not None:
            from infusiondesk.store.sync_exchange import visit_document

            doc |= {"visit": json.loads(visit_document(held)), "visit_base": bases.get(note.visit_uid)}
        laptop_doc = json.dumps(doc, sort_keys=True)
        conflict("note", note.uid, laptop_doc, clinic_doc,
                 f"signed note v{note.row.version} of visit {note.visit_uid[:8]}: {why}")

    def record_conflict(mine: Record, clinic_rec: Record) -> None:
        conflict(mine.kind.name, mine.key, mine.document, clinic_rec.document, sync_records.conflict_label(mine))

    report.pushed_notes += sync_notes.push_notes(conn, ours.notes, theirs.notes, laptop_visits, clinic_visits,
                                                 same_visit, refused, note_conflict, at=at, by=by, extra=extra,
                                                 fault=fault)
    counts = sync_records.Counts()
    sync_records.push_records(conn, ours.records, theirs.records, _ids(clinic_visits), bases, record_conflict,
                              at=at, by=by, extra=extra, counts=counts, fault=fault)
    report.pushed_payments += counts.payment
    report.pushed_follow_ups += counts.follow_up


# -- step 3 ---------------------------------------------------------------------------------------------------------


def agreed_records(conn: Connection, ours: Extras, clinic_visits: Mapping[str, Row[Any]]) -> set[str]:
    """Keys of the payments and follow-ups now the same on both sides (a resolution of theirs is applied)."""
    theirs = sync_records.read_records(conn, clinic_visits)
    return {key for key, mine in ours.records.items() if key in theirs and theirs[key].sha == mine.sha}


def without_notes(extras: Extras, settled: set[str]) -> Extras:
    """The laptop's extras without the notes whose conflict the clinic closed (never offered again)."""
    return dataclasses.replace(extras, notes={u: n for u, n in extras.notes.items() if u not in settled})


def settle(conn: Connection, laptop_visits: Mapping[str, Row[Any]], theirs: Extras, set_base: SetBase) -> None:
    sync_records.settle_records(read_extras(conn, laptop_visits).records, theirs.records, set_base)
