"""Signed notes between a laptop and the clinic: carried at checkout, pulled and pushed at sync, never edited.

A note is matched by its uid and is immutable: the same uid with the same SHA-256 on both sides is nothing to do;
the same uid with a different SHA-256, or another note already in its visit's version slot, is a conflict listed
(kind "note"), never an overwrite. A note travels only once its visit is the same on both sides (it is the note of
that visit as signed). Before a laptop's note is accepted into the clinic it is checked outside any transaction:
its PDF matches its SHA-256, names its patient's MRN and its version, and its signatures are valid, intact and
trusted by the clinic CA (not revoked on its CRL). The signature check is the reports layer's (pyHanko), handed in
as `NoteCheck` by the composition root: without one, a sync that has laptop notes to push refuses to go ahead.

Each copied note gets the audit entry `audit verify` reads for a stored note (its visit, version, patient, MRN,
SHA-256 and signed visit hash, as this side has them) plus `pdf_visit_id`: the visit id printed in the PDF, which
is the id on the side that signed it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, insert, select

from infusiondesk.errors import DomainError
from infusiondesk.records.models import User
from infusiondesk.store import tables
from infusiondesk.store.audit import chain, trail
from infusiondesk.store.audit import notes as audit_notes
from infusiondesk.store.audit.events import AuditEvent

if TYPE_CHECKING:
    from infusiondesk.store.store import Store

NoteCheck = Callable[[bytes, Sequence[bytes], Sequence[bytes]], str]
"""(PDF, trusted CA certificates, CRLs) -> "" when every signature is valid, intact and trusted, else why not."""


@dataclass(frozen=True)
class Note:
    """One side's signed note, with its visit's uid."""

    row: Row[Any]
    visit_uid: str

    @property
    def uid(self) -> str:
        return str(self.row.uid)

    def document(self) -> str:
        """The note as listed in a conflict (not its PDF)."""
        r = self.row
        return json.dumps({"uid": r.uid, "visit_uid": self.visit_uid, "version": r.version, "sha256": r.sha256,
                           "signer_id": r.signer_id, "stored_at": r.stored_at.isoformat()}, sort_keys=True)


def read_notes(conn: Connection, visits: Mapping[str, Row[Any]]) -> dict[str, Note]:
    """The signed notes of these visits (this side's rows, by uid), by note uid."""
    uid_of = {row.id: uid for uid, row in visits.items()}
    n = tables.signed_notes.c
    ids = list(uid_of)
    out: dict[str, Note] = {}
    for start in range(0, len(ids), 500):
        for row in conn.execute(select(tables.signed_notes).where(n.visit_id.in_(ids[start:start + 500]))
                                .order_by(n.id)):
            out[row.uid] = Note(row, uid_of[row.visit_id])
    return out


def store_note(conn: Connection, source: Row[Any], visit_id: int, *, at: datetime, by: User | None,
               event: AuditEvent, extra: Mapping[str, Any]) -> int:
    """Insert another side's note (same uid, PDF, hash, signer, time) as the note of this side's visit `visit_id`,
    with the audit entry `audit verify` expects of a stored note."""
    values = {k: v for k, v in source._mapping.items() if k not in ("id", "visit_id")}
    key = conn.execute(insert(tables.signed_notes).values(visit_id=visit_id, **values)).inserted_primary_key
    assert key is not None
    note_id = int(key[0])
    visit = conn.execute(chain.by_id(tables.visits), {"id": visit_id}).one()
    mrn = conn.execute(select(tables.patients.c.mrn).where(tables.patients.c.id == visit.patient_id)).scalar_one()
    identity = audit_notes.pdf_identity(bytes(source.pdf))
    trail.record_change(conn, at=at, by=by, event=event, table=tables.signed_notes, record_id=note_id, before=None,
                        extra={**extra, "visit_id": visit_id, "version": source.version,
                               "patient_id": visit.patient_id, "mrn": mrn, "sha256": source.sha256,
                               "signed_visit_sha256": audit_notes.signed_visit_hash(visit._mapping),
                               "pdf_visit_id": identity[1] if identity is not None else source.visit_id,
                               "uid": source.uid})
    return note_id


def _slot_taken(conn: Connection, visit_id: int, version: int) -> bool:
    n = tables.signed_notes.c
    return conn.execute(select(n.id).where(n.visit_id == visit_id, n.version == version)).first() is not None


def copy_at_checkout(conn: Connection, notes: Iterable[Row[Any]], clinic_visit_uids: Mapping[int, str], *,
                     at: datetime, by: User) -> None:
    """Checkout: the copied visits' signed notes, so the laptop's chart shows them signed."""
    v = tables.visits.c
    for row in notes:
        uid = clinic_visit_uids[row.visit_id]
        visit_id = conn.execute(select(v.id).where(v.uid == uid)).scalar_one()
        store_note(conn, row, visit_id, at=at, by=by, event=AuditEvent.CHECKOUT_COPY, extra={})


Same = Callable[[Row[Any], Row[Any]], bool]


def pull_notes(conn: Connection, theirs: Mapping[str, Note], ours: Mapping[str, Note],
               laptop_visits: Mapping[str, Row[Any]], clinic_visits: Mapping[str, Row[Any]], same_visit: Same, *,
               at: datetime, by: User | None, extra: Mapping[str, Any], fault: Callable[[str], None]) -> int:
    """Into the laptop: the clinic's notes of visits now the same on both sides that the laptop lacks. (Differences
    are listed as conflicts by the push, in the clinic.) Returns how many."""
    pulled = 0
    for uid, note in theirs.items():
        mine_v, clinic_v = laptop_visits.get(note.visit_uid), clinic_visits.get(note.visit_uid)
        if uid in ours or mine_v is None or clinic_v is None or not same_visit(mine_v, clinic_v):
            continue
        if _slot_taken(conn, mine_v.id, note.row.version):
            continue
        store_note(conn, note.row, mine_v.id, at=at, by=by, event=AuditEvent.MOBILE_PULL, extra=extra)
        pulled += 1
        fault("pull_note")
    return pulled


# -- checking a laptop's notes before the clinic takes them ---------------------------------------------------------


def pending(ours: Mapping[str, Note], clinic_uids: Iterable[str]) -> list[Note]:
    """The laptop's notes the clinic does not have yet."""
    known = set(clinic_uids)
    return [n for uid, n in ours.items() if uid not in known]


def clinic_trust(clinic: Store) -> tuple[list[bytes], list[bytes]]:
    """The clinic CA certificate(s) and its CRL, to check laptop notes against."""
    from infusiondesk import pki

    cas = [pem for _name, pem in clinic.keys.load(pki.KIND_CA_CERT)]
    crl = pki.load_crl(clinic)
    return cas, [crl] if crl is not None else []


def problems(notes: Sequence[Note], mrns: Mapping[str, str], check: NoteCheck | None,
             trust: tuple[list[bytes], list[bytes]]) -> dict[str, str]:
    """{note uid: why the clinic must refuse it} for the notes that fail (the others are absent)."""
    out: dict[str, str] = {}
    roots, crls = trust
    for note in notes:
        pdf = bytes(note.row.pdf)
        identity = audit_notes.pdf_identity(pdf)
        if hashlib.sha256(pdf).hexdigest() != note.row.sha256:
            out[note.uid] = "its PDF does not match the SHA-256 stored beside it"
        elif identity is not None and (identity[0] != mrns.get(note.visit_uid) or identity[2] != note.row.version):
            out[note.uid] = f"its PDF is the note of MRN {identity[0]} version {identity[2]}, not this visit's"
        elif not roots:
            out[note.uid] = "the clinic has no certificate authority to check its signature against"
        else:
            if check is None:
                raise DomainError("The laptop brings signed notes and this sync cannot check their signatures; "
                                  "sync from the InfusionDesk app or the `infusiondesk mobile sync` command.")
            problem = check(pdf, roots, crls)
            if problem:
                out[note.uid] = problem
    return out


def push_notes(conn: Connection, ours: Mapping[str, Note], theirs: Mapping[str, Note],
               laptop_visits: Mapping[str, Row[Any]], clinic_visits: Mapping[str, Row[Any]], same_visit: Same,
               refused: Mapping[str, str], conflict: Callable[[Note, str, str], None], *, at: datetime,
               by: User | None, extra: Mapping[str, Any], fault: Callable[[str], None]) -> int:
    """Into the clinic: the laptop's checked notes of visits now the same on both sides; a note that differs, fails
    its check or finds its slot taken is listed, not stored. Returns how many were stored."""
    pushed = 0
    for uid, note in ours.items():
        clinic_note = theirs.get(uid)
        if clinic_note is not None:
            if clinic_note.row.sha256 != note.row.sha256:
                conflict(note, clinic_note.document(), "differs from the clinic's note of the same id")
            continue
        if uid in refused:
            conflict(note, "{}", refused[uid])
            continue
        mine_v, clinic_v = laptop_visits.get(note.visit_uid), clinic_visits.get(note.visit_uid)
        if mine_v is None or clinic_v is None or not same_visit(mine_v, clinic_v):
            continue  # its visit differs (a conflict listed) or did not travel: the note waits with it
        if _slot_taken(conn, clinic_v.id, note.row.version):
            conflict(note, "{}", f"the clinic already has another version {note.row.version} note of this visit")
            continue
        store_note(conn, note.row, clinic_v.id, at=at, by=by, event=AuditEvent.MOBILE_SYNC, extra=extra)
        pushed += 1
        fault("push_note")
    return pushed


def held_visits(ours: Mapping[str, Note], refused: Mapping[str, str]) -> set[str]:
    """Visits whose laptop note the clinic refuses: held back with it (a signed visit travels with its note)."""
    return {ours[uid].visit_uid for uid in refused if uid in ours}
