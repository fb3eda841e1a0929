"""Payments and follow-ups between a laptop and the clinic at sync, matched by their visit's uid.

A visit has one payment (keyed by the visit's uid) and one follow-up per interval (keyed by the visit's uid and
the interval); a record's key is a uuid5 of that, so it fits the uid columns of `mobile_base` and
`mobile_conflicts` and never collides with the visit's own uid. Its version is the SHA-256 of its document (the
row with the visit's uid in place of the local visit id). As for visits (infusiondesk.store.sync_exchange): a
record recorded or corrected on one side only travels to the other; the same record different on both sides (and
not back to the version both agreed on) is a conflict listed, never overwritten. Each step is idempotent.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, insert, select, update

from infusiondesk.records.models import User
from infusiondesk.store import tables
from infusiondesk.store.audit import trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.codec import to_plain

_NAMESPACE = uuid.UUID("5b0f3a52-6c1e-4d8e-9a57-0d1f6b8c2e41")  # InfusionDesk sync record keys
_STUB_PASSWORD = "!"  # no password hash matches it: a stub user cannot sign in

Fault = Callable[[str], None]


@dataclass(frozen=True)
class Kind:
    """One kind of per-visit record: its table, and the columns that make its key besides the visit."""

    name: str  # "payment" | "follow_up": the conflict kind and the base kind
    table: Table
    key_columns: tuple[str, ...]


PAYMENT = Kind("payment", tables.visit_payments, ())
FOLLOW_UP = Kind("follow_up", tables.follow_ups, ("interval_days",))
KINDS = (PAYMENT, FOLLOW_UP)


@dataclass(frozen=True)
class Record:
    """One payment or follow-up of one side, with its visit's uid and its version."""

    kind: Kind
    key: str
    visit_uid: str
    row: Row[Any]
    document: str  # canonical JSON, without local ids

    @property
    def sha(self) -> str:
        return hashlib.sha256(self.document.encode("utf-8")).hexdigest()

    @property
    def users(self) -> set[int]:
        return {int(self.row.recorded_by)}


def record_key(kind: Kind, visit_uid: str, row: Row[Any] | Mapping[str, Any]) -> str:
    mapping = row._mapping if isinstance(row, Row) else row
    parts = [kind.name, visit_uid, *(str(mapping[c]) for c in kind.key_columns)]
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


def _document(row: Row[Any], visit_uid: str) -> str:
    doc = {k: to_plain(v) for k, v in row._mapping.items() if k not in ("id", "visit_id")}
    doc["visit_uid"] = visit_uid
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def read_records(conn: Connection, visits: Mapping[str, Row[Any]]) -> dict[str, Record]:
    """Every payment and follow-up of these visits (this side's rows, by uid), by record key."""
    uid_of = {row.id: uid for uid, row in visits.items()}
    out: dict[str, Record] = {}
    for kind in KINDS:
        c = kind.table.c
        ids = list(uid_of)
        for start in range(0, len(ids), 500):
            for row in conn.execute(select(kind.table).where(c.visit_id.in_(ids[start:start + 500])).order_by(c.id)):
                visit_uid = uid_of[row.visit_id]
                key = record_key(kind, visit_uid, row)
                out[key] = Record(kind, key, visit_uid, row, _document(row, visit_uid))
    return out


def read_users(conn: Connection, ids: Iterable[int]) -> dict[int, Row[Any]]:
    """The user rows these records name (to make stubs of on a laptop that lacks them)."""
    wanted = sorted(set(ids))
    return {r.id: r for r in conn.execute(select(tables.users).where(tables.users.c.id.in_(wanted)))} if wanted else {}


def ensure_users(conn: Connection, rows: Mapping[int, Row[Any]], ids: Iterable[int], *, at: datetime,
                 by: User | None, event: AuditEvent, extra: Mapping[str, Any]) -> None:
    """A record pulled into a laptop may name a clinic user the laptop was not given (the admin who took a
    payment): the laptop gets that user as an inactive stub that cannot sign in, so the record keeps its name."""
    present = {r.id for r in conn.execute(select(tables.users.c.id).where(tables.users.c.id.in_(sorted(set(ids)))))}
    for user_id in sorted(set(ids) - present):
        row = rows.get(user_id)
        if row is None:
            continue
        values = {**row._mapping, "active": False, "password_hash": _STUB_PASSWORD, "failed_attempts": 0,
                  "locked_until": None, "must_change_password": False}
        conn.execute(insert(tables.users).values(**values))
        trail.record_change(conn, at=at, by=by, event=event, table=tables.users, record_id=user_id, before=None,
                            extra={**extra, "why": "named by a synced record; cannot sign in here"})


def put_record(conn: Connection, source: Record, target: Record | None, visit_id: int, *, at: datetime,
               by: User | None, event: AuditEvent, extra: Mapping[str, Any]) -> None:
    """Write `source` (the other side's record) over `target` (this side's, None for a new one), audited."""
    table = source.kind.table
    values = {k: v for k, v in source.row._mapping.items() if k not in ("id", "visit_id")}
    values["visit_id"] = visit_id
    if target is None:
        key = conn.execute(insert(table).values(**values)).inserted_primary_key
        assert key is not None
        record_id = int(key[0])
    else:
        record_id = target.row.id
        conn.execute(update(table).where(table.c.id == record_id).values(**values))
    trail.record_change(conn, at=at, by=by, event=event, table=table, record_id=record_id,
                        before=target.row._mapping if target is not None else None,
                        extra={**extra, "what": source.kind.name, "visit_uid": source.visit_uid})


@dataclass
class Counts:
    """Records written by one step, by kind."""

    payment: int = 0
    follow_up: int = 0

    def add(self, kind: Kind) -> None:
        setattr(self, kind.name, getattr(self, kind.name) + 1)


def pull_records(conn: Connection, theirs: Mapping[str, Record], ours: Mapping[str, Record],
                 visit_ids: Mapping[str, int], bases: dict[str, str], set_base: Callable[[str, str, str], None], *,
                 at: datetime, by: User | None, extra: Mapping[str, Any], counts: Counts, fault: Fault,
                 resolved: Mapping[str, str] | None = None) -> None:
    """Into the laptop: the clinic's records the laptop lacks, or that only the clinic changed since the base, or
    whose conflict was resolved while the laptop's is still the version the conflict recorded (`resolved`: {key:
    that version's SHA-256}): the clinic's record is then the kept one."""
    resolved = resolved or {}
    for key, clinic_rec in theirs.items():
        visit_id = visit_ids.get(clinic_rec.visit_uid)
        if visit_id is None:
            continue
        mine = ours.get(key)
        if mine is None or (mine.sha != clinic_rec.sha and mine.sha in (bases.get(key), resolved.get(key))):
            put_record(conn, clinic_rec, mine, visit_id, at=at, by=by, event=AuditEvent.MOBILE_PULL, extra=extra)
            counts.add(clinic_rec.kind)
            set_base(key, clinic_rec.kind.name, clinic_rec.sha)
        elif mine.sha == clinic_rec.sha:
            set_base(key, clinic_rec.kind.name, clinic_rec.sha)
        fault(f"pull_{clinic_rec.kind.name}")


Conflict = Callable[[Record, Record], None]


def push_records(conn: Connection, ours: Mapping[str, Record], theirs: Mapping[str, Record],
                 visit_ids: Mapping[str, int], bases: Mapping[str, str], conflict: Conflict, *, at: datetime,
                 by: User | None, extra: Mapping[str, Any], counts: Counts, fault: Fault) -> None:
    """Into the clinic: the laptop's records the clinic lacks or that only the laptop changed; both changed: listed."""
    for key, mine in ours.items():
        visit_id = visit_ids.get(mine.visit_uid)
        if visit_id is None:
            continue  # its visit did not reach the clinic (a conflict, or held back): the record waits with it
        clinic_rec = theirs.get(key)
        base = bases.get(key)
        if clinic_rec is None or (clinic_rec.sha != mine.sha and clinic_rec.sha == base):
            put_record(conn, mine, clinic_rec, visit_id, at=at, by=by, event=AuditEvent.MOBILE_SYNC, extra=extra)
            counts.add(mine.kind)
        elif clinic_rec.sha != mine.sha and mine.sha != base:
            conflict(mine, clinic_rec)
        fault(f"push_{mine.kind.name}")


def settle_records(ours: Mapping[str, Record], theirs: Mapping[str, Record],
                   set_base: Callable[[str, str, str], None]) -> None:
    """The base of every record now the same on both sides moves to that version."""
    for key, mine in ours.items():
        clinic_rec = theirs.get(key)
        if clinic_rec is not None and clinic_rec.sha == mine.sha:
            set_base(key, mine.kind.name, mine.sha)


def conflict_label(rec: Record) -> str:
    if rec.kind is PAYMENT:
        return f"payment of visit {rec.visit_uid[:8]}"
    return f"{rec.row.interval_days}-day follow-up of visit {rec.visit_uid[:8]}"


def record_user_ids(records: Iterable[Record]) -> set[int]:
    out: set[int] = set()
    for r in records:
        out |= r.users
    return out

