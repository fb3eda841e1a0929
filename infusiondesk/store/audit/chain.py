"""The audit trail (21 CFR Part 11 style): an append-only, hash-chained log of who did what, when.

Each entry carries the hash of the entry before it and, for a record change, a hash of the record's new
content. `verify` (infusiondesk.store.audit.verify) therefore detects an edited entry, a deleted entry, and a clinical
row changed outside the app; signed checkpoints (infusiondesk.store.audit.checkpoints) catch a chain recomputed
after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, bindparam, insert, select, update

from infusiondesk.records.models import User
from infusiondesk.store import tables
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.codec import to_plain

GENESIS = "0" * 64
REDACTED_COLUMNS = frozenset({"password_hash"})  # audited by hash only; never written into the detail
UNHASHED_COLUMNS = frozenset({"uid"})  # identity for sync (infusiondesk.mobile), not content
# Columns added to audited rows by a later migration, left out of the content hash while they hold the value the
# migration gave existing rows, so a row audited before still verifies (and one set otherwise is hashed with it).
UNHASHED_AT_DEFAULT = {"mobile_remote_approval": "at_sync"}  # migration 0012, clinic_policy


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_content(row: Mapping[Any, Any], *, parse_documents: bool = True) -> dict[str, Any]:
    """A table row as plain values: binary data by its SHA-256, JSON documents parsed (or as stored)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, bytes | memoryview):
            out[key] = {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
        elif parse_documents and key == "content" and isinstance(value, str):
            out[key] = json.loads(value)
        else:
            out[key] = to_plain(value)
    return out


def content_hash(row: Mapping[Any, Any]) -> str:
    """The hash of a row exactly as stored (a JSON document by its stored text). A record's global id (`uid`,
    added by migration 0010 to rows already audited) is not part of it, nor a later column at the value its
    migration gave (UNHASHED_AT_DEFAULT), so a trail written before still verifies."""
    return _sha256(_canonical(row_content({k: v for k, v in row.items() if k not in UNHASHED_COLUMNS
                                           and not (k in UNHASHED_AT_DEFAULT and v == UNHASHED_AT_DEFAULT[k])},
                                          parse_documents=False)))


def flatten(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The row's columns and its JSON document's fields, as one flat mapping (what an audit entry compares)."""
    content = row_content(row)
    doc = content.pop("content", None)
    if isinstance(doc, dict):
        content.update({k: v for k, v in doc.items() if k not in content})
    return content


def _entry_hash(entry: Mapping[Any, Any]) -> str:
    fields = [entry["id"], to_plain(entry["at"]), entry["user_id"], entry["username"], entry["event"],
              entry["table_name"], entry["record_id"], entry["detail"], entry["content_hash"], entry["prev_hash"]]
    return _sha256(_canonical(fields))


def append(conn: Connection, *, at: datetime, by: User | None, event: AuditEvent, detail: Mapping[Any, Any],
           table: str | None = None, record_id: int | None = None, content: str | None = None) -> int:
    """Add one entry at the end of the chain, in the caller's transaction. Returns the entry id."""
    last_id, last_hash = head(conn)
    entry: dict[str, Any] = {
        "id": last_id + 1, "at": at, "user_id": by.id if by else None, "username": by.username if by else "",
        "event": event, "table_name": table, "record_id": record_id, "detail": _canonical(to_plain(detail)),
        "content_hash": content, "prev_hash": last_hash,
    }
    entry["entry_hash"] = _entry_hash(entry)
    conn.execute(_INSERT_ENTRY, entry)
    if BATCH_HEAD in conn.info:
        conn.info[BATCH_HEAD] = (entry["id"], entry["entry_hash"])
    else:
        move_head(conn, entry["id"], entry["entry_hash"])
    return int(entry["id"])


def head(conn: Connection) -> tuple[int, str]:
    """(last entry id, its hash) as this transaction sees the chain, batched or not."""
    cached = conn.info.get(BATCH_HEAD)
    last_id, last_hash = cached if cached is not None else conn.execute(_READ_HEAD).one()
    return int(last_id), str(last_hash)


def move_head(conn: Connection, last_id: int, last_hash: str) -> None:
    conn.execute(_MOVE_HEAD, {"new_id": last_id, "new_hash": last_hash})


@contextmanager
def batched_head(conn: Connection) -> Iterator[None]:
    """Within one long write transaction (which holds the head locked), keep the chain head in memory and
    write it once at the end, in the same transaction."""
    conn.info[BATCH_HEAD] = tuple(conn.execute(_READ_HEAD).one())
    try:
        yield
        last_id, last_hash = conn.info[BATCH_HEAD]
        move_head(conn, last_id, last_hash)
    finally:
        del conn.info[BATCH_HEAD]


def by_id(table: Table) -> Select[Any]:
    """`SELECT * FROM table WHERE id = :id`, built once per table (building statements is not free)."""
    stmt = _BY_ID.get(table.name)
    if stmt is None:
        stmt = _BY_ID[table.name] = select(table).where(table.c.id == bindparam("id"))
    return stmt


_BY_ID: dict[str, Select[Any]] = {}
BATCH_HEAD = "infusiondesk_audit_head"


# Built once: constructing statements per entry costs more than running them in a bulk demo.
_READ_HEAD = select(tables.audit_head.c.last_id, tables.audit_head.c.last_hash).where(
    tables.audit_head.c.id == 1).with_for_update()
_INSERT_ENTRY = insert(tables.audit_log)
_MOVE_HEAD = update(tables.audit_head).where(tables.audit_head.c.id == 1).values(
    last_id=bindparam("new_id"), last_hash=bindparam("new_hash"))

