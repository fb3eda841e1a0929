"""`audit verify`: walk the chain, compare every record with it, check the signed notes and the checkpoints.

Without a trusted CA the chain only proves it is self-consistent: anyone who can write the database can
recompute it. With `trust` (the clinic CA certificate, brought from outside the database) each stored
checkpoint must be signed by a certificate that chains to it, and the chain must still end in the hash each
checkpoint signed; that is what makes a resealed, reordered or cut-off trail visible.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from sqlalchemy import Connection, Engine, Row, select

from infusiondesk import pki
from infusiondesk.mobile.segment import EVENTS as LAPTOP_EVENTS
from infusiondesk.mobile.segment import SegmentChecks
from infusiondesk.store import tables
from infusiondesk.store.audit import chain, checkpoints, trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.audit.notes import NoteChecks
from infusiondesk.store.codec import to_plain

MAX_PROBLEMS = 50  # listed; the rest are counted


@dataclass(frozen=True)
class Anchor:
    """The newest checkpoint that verified and still matches the chain."""

    entry_id: int
    made_at: datetime
    signer: str


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    entries_checked: int
    rows_checked: int
    broken_entry_id: int | None = None
    problem: str = ""
    problems: tuple[str, ...] = ()
    more_problems: int = 0
    notes_checked: int = 0
    checkpoints_verified: int = 0
    last_checkpoint: Anchor | None = None
    trusted: bool = False  # checkpoints were checked against a CA given by the verifier
    checkpoints_unchecked: int = 0  # without trust: checkpoints that do not chain to the database's own CA

    def anchoring(self) -> str:
        source = "the trusted CA" if self.trusted else ("the CA stored in the database, which whoever can write the "
                                                         "database can replace: pass --trust ca.pem")
        unchecked = (f" {self.checkpoints_unchecked} checkpoints are signed by certificates of another CA; give it "
                     "with --trust to check them." if self.checkpoints_unchecked else "")
        if self.last_checkpoint is None:
            return f"No checkpoint verified against {source}; nothing anchors the chain.{unchecked}"
        a = self.last_checkpoint
        return (f"{self.checkpoints_verified} checkpoints verified against {source}; the last anchors entry "
                f"{a.entry_id} ({a.made_at:%Y-%m-%d %H:%M:%S} UTC, signed by {a.signer}); later entries are not "
                f"anchored yet.{unchecked}")

    def summary(self) -> str:
        if self.ok:
            return (f"Audit trail intact: {self.entries_checked} entries chained, {self.rows_checked} records "
                    f"match their last audited content, {self.notes_checked} signed notes match their visits.\n"
                    f"{self.anchoring()}")
        lines = [f"Audit trail BROKEN: {self.problem}", *(f"  also: {p}" for p in self.problems[1:])]
        if self.more_problems:
            lines.append(f"  … and {self.more_problems} more problems.")
        lines.append(self.anchoring())
        return "\n".join(lines)


def _describe(e: Row[Any]) -> str:
    what = f"{e.event} {e.table_name} #{e.record_id}" if e.table_name else e.event
    who = e.username or "system"
    return f"audit entry {e.id} ({what} by {who} at {to_plain(e.at)})"


def _entries(conn: Connection) -> Iterator[Row[Any]]:
    result = conn.execution_options(yield_per=5000).execute(select(tables.audit_log).order_by(tables.audit_log.c.id))
    yield from result


def _entry(conn: Connection, entry_id: int) -> Row[Any]:
    return conn.execute(select(tables.audit_log).where(tables.audit_log.c.id == entry_id)).one()


def _stored_ca(conn: Connection) -> list[x509.Certificate]:
    k = tables.pki_objects.c
    rows = conn.execute(select(k.data).where(k.kind == pki.KIND_CA_CERT)).scalars()
    found = []
    for data in rows:
        try:
            found.append(x509.load_pem_x509_certificate(bytes(data)))
        except ValueError:
            continue  # an unreadable CA certificate anchors nothing; checkpoints then fail to chain, and say so
    return found


@dataclass
class _Walk:
    """What one verification found so far."""

    problems: list[tuple[int | None, str]] = field(default_factory=list)
    pins: dict[int, list[tuple[int, checkpoints.SealedCheckpoint]]] = field(default_factory=dict)
    anchors: list[Anchor] = field(default_factory=list)
    note_entries: list[tuple[int, int]] = field(default_factory=list)  # (entry id, note id) of hashed notes
    count: int = 0
    last_id: int = 0
    last_hash: str = chain.GENESIS
    rows: int = 0
    broken: bool = False
    resealed: bool = False
    unchecked: int = 0  # checkpoints that do not chain to the database's own CA (only without --trust)
    laptops: SegmentChecks = field(default_factory=SegmentChecks)  # synced laptop entries (infusiondesk.mobile)

    def flag(self, entry_id: int | None, message: str) -> None:
        self.problems.append((entry_id, message))


def _read_checkpoints(conn: Connection, trust: Sequence[x509.Certificate] | None, walk: _Walk) -> None:
    stored = list(trail.read_checkpoints(conn))
    roots = list(trust) if trust is not None else (_stored_ca(conn) if stored else [])
    verifier = checkpoints.CheckpointVerifier(roots)
    for row_id, sealed in stored:
        cp = sealed.checkpoint
        why = verifier.problem(sealed)
        if why is not None and trust is None:
            walk.unchecked += 1  # e.g. a clinician's own certificate from another CA: only --trust can say
        elif why is not None:
            walk.flag(cp.entry_id, f"checkpoint #{row_id} (entry {cp.entry_id}, {cp.made_at:%Y-%m-%d %H:%M} UTC) "
                                   f"cannot be trusted: {why}.")
        else:
            walk.pins.setdefault(cp.entry_id, []).append((row_id, sealed))


def _walk_chain(conn: Connection, walk: _Walk, notes: NoteChecks,
                expected: dict[tuple[str, int], tuple[str | None, int]]) -> None:
    for e in _entries(conn):
        walk.count += 1
        if e.prev_hash != walk.last_hash:
            walk.flag(e.id, f"{_describe(e)} does not follow the entry before it: an entry between "
                            f"{walk.last_id} and {e.id} was deleted or changed.")
            walk.broken = True
            return
        if chain._entry_hash(e._mapping) != e.entry_hash:
            walk.flag(e.id, f"{_describe(e)} was edited: its hash no longer matches its content.")
            walk.broken = True
            return
        for row_id, sealed in walk.pins.get(e.id, ()):
            cp = sealed.checkpoint
            if (cp.chain_hash, cp.entry_count) != (e.entry_hash, walk.count):
                walk.flag(e.id, f"the chain was recomputed: at entry {e.id} it no longer ends in the hash that "
                                f"checkpoint #{row_id} ({sealed.signer}, {cp.made_at:%Y-%m-%d %H:%M} UTC) signed, "
                                f"so entries up to {e.id} were edited, inserted, deleted or reordered and resealed.")
                walk.resealed = True
            elif not walk.resealed:
                walk.anchors.append(Anchor(e.id, cp.made_at, sealed.signer))
        if e.event in LAPTOP_EVENTS:
            walk.laptops.entry(e.id, e.event, e.detail)
        if e.table_name is not None and e.record_id is not None:
            expected[(e.table_name, e.record_id)] = (e.content_hash, e.id)
            if e.table_name == tables.signed_notes.name:
                notes.entry(e.id, e.event, e.record_id, e.detail)
                if e.event == AuditEvent.SIGNED_NOTE and '"sha256"' in e.detail:
                    walk.note_entries.append((e.id, e.record_id))
        walk.last_hash, walk.last_id = e.entry_hash, e.id


def _check_end(conn: Connection, walk: _Walk) -> None:
    cut = sorted(entry_id for entry_id in walk.pins if entry_id > walk.last_id)
    if cut:
        walk.flag(walk.last_id or None, f"the trail ends at entry {walk.last_id}, but a checkpoint signed entry "
                                        f"{cut[-1]}: checkpointed entries were cut off.")
    head = conn.execute(select(tables.audit_head)).one()
    if (head.last_id, head.last_hash) != (walk.last_id, walk.last_hash):
        walk.flag(walk.last_id or None, f"the chain ends at entry {walk.last_id} but its head records entry "
                                        f"{head.last_id}: the newest entries were deleted.")


def _check_rows(conn: Connection, walk: _Walk, notes: NoteChecks,
                expected: dict[tuple[str, int], tuple[str | None, int]]) -> None:
    hooks = {tables.patients.name: notes.patient, tables.visits.name: notes.visit,
             tables.signed_notes.name: notes.note}
    for name, table in tables.AUDITED_TABLES.items():
        hook = hooks.get(name)
        for row in conn.execution_options(yield_per=5000).execute(select(table).order_by(table.c.id)).mappings():
            walk.rows += 1
            if hook is not None:
                hook(row)
            found = expected.pop((name, row["id"]), None)
            if found is None:
                walk.flag(None, f"{name} #{row['id']} has no audit entry: it was added outside the app.")
                continue
            want, entry_id = found
            if want != chain.content_hash(row):
                walk.flag(entry_id, f"{name} #{row['id']} was changed outside the app: it no longer matches "
                                    f"{_describe(_entry(conn, entry_id))}.")
    for (name, record_id), (want, entry_id) in sorted(expected.items(), key=lambda kv: kv[1][1]):
        if want is not None:
            walk.flag(entry_id, f"{name} #{record_id} was deleted outside the app: "
                                f"{_describe(_entry(conn, entry_id))} records it.")


def _check_notes_anchored(walk: _Walk) -> None:
    """With a trusted CA: each signed note was checkpointed as it was stored, so one after the last verified
    checkpoint means checkpoints were deleted (or the note was stored without its signer's seal)."""
    last = walk.anchors[-1].entry_id if walk.anchors else 0
    for entry_id, note_id in walk.note_entries:
        if entry_id > last:
            walk.flag(entry_id, f"signed note #{note_id} (audit entry {entry_id}) is not covered by a verified "
                                f"checkpoint (the last anchors entry {last}), though every signed note is "
                                "checkpointed as it is stored: checkpoints were deleted, or cannot be trusted.")


def verify_trail(engine: Engine, trust: Sequence[x509.Certificate] | None = None) -> AuditReport:
    """Walk the chain (checking each checkpoint where it falls), compare every audited row with the chain's last
    content hash for it, and every signed note with its storing entry, its visit and its patient."""
    walk, notes = _Walk(), NoteChecks()
    expected: dict[tuple[str, int], tuple[str | None, int]] = {}
    with engine.connect() as conn:
        _read_checkpoints(conn, trust, walk)
        _walk_chain(conn, walk, notes, expected)
        if not walk.broken:
            _check_end(conn, walk)
            _check_rows(conn, walk, notes, expected)
            notes.finish()
            walk.problems.extend(notes.problems)
            walk.problems.extend(walk.laptops.problems)
            if trust is not None:
                _check_notes_anchored(walk)
    listed = [message for _, message in walk.problems[:MAX_PROBLEMS]]
    first_id = walk.problems[0][0] if walk.problems else None
    return AuditReport(
        ok=not walk.problems, entries_checked=walk.count, rows_checked=walk.rows, broken_entry_id=first_id,
        problem=listed[0] if listed else "", problems=tuple(listed),
        more_problems=max(0, len(walk.problems) - MAX_PROBLEMS), notes_checked=notes.notes_checked,
        checkpoints_verified=len(walk.anchors), last_checkpoint=walk.anchors[-1] if walk.anchors else None,
        trusted=trust is not None, checkpoints_unchecked=walk.unchecked)
