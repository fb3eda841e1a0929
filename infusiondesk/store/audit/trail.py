"""Audit entries for record changes, compact: the fields changed and their values before; the values after
are the record itself as of that entry (its content hash is in the entry, the chain vouches for it).

Keeping the after-values in each entry stored every visit twice (once as the row, once in the trail). Here
each value is kept once: a record's values after entry N are its values before entry N+1, or its current row
for the newest entry, so `fill_after` rebuilds "after" exactly for anyone reading the trail.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, func, insert, select, update

from infusiondesk.records.models import User
from infusiondesk.store import tables
from infusiondesk.store.audit import chain
from infusiondesk.store.audit.events import AuditEvent

if TYPE_CHECKING:
    from infusiondesk.pki import SignerCredentials
    from infusiondesk.store.audit.checkpoints import SealedCheckpoint

ALL_FIELDS = "all"  # "fields" of a created record: every field is new


def _shown(values: Mapping[str, Any], key: str) -> Any:
    return "(redacted)" if key in chain.REDACTED_COLUMNS else values[key]


def save_single_row(conn: Connection, *, at: datetime, by: User, table: Table, values: Mapping[str, Any]) -> None:
    """Write a one-row settings table (row id 1: the clinic's policy, its backup schedule): inserted the first
    time, updated after, and audited as a create or an update."""
    before = conn.execute(select(table).where(table.c.id == 1)).first()
    if before is None:
        conn.execute(insert(table).values(id=1, **values))
    else:
        conn.execute(update(table).where(table.c.id == 1).values(**values))
    record_change(conn, at=at, by=by, event=AuditEvent.CREATE if before is None else AuditEvent.UPDATE,
                  table=table, record_id=1, before=before._mapping if before is not None else None)


def record_change(conn: Connection, *, at: datetime, by: User | None, event: AuditEvent, table: Table, record_id: int,
                  before: Mapping[Any, Any] | None, extra: Mapping[Any, Any] | None = None) -> int:
    """Audit a create or change of one row, read back in the same transaction: which fields changed, their
    values before, and the hash of the row's new content."""
    row = conn.execute(chain.by_id(table), {"id": record_id}).mappings().first()
    new = chain.flatten(row) if row is not None else {}
    detail: dict[str, Any]
    if before is None:
        detail = {"fields": ALL_FIELDS}
    else:
        old = chain.flatten(before)
        changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        detail = {"fields": changed, "before": {k: _shown(old, k) for k in changed if k in old}}
    detail.update(extra or {})
    return chain.append(conn, at=at, by=by, event=event, detail=detail, table=table.name, record_id=record_id,
                        content=chain.content_hash(row) if row is not None else None)


def fill_after(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Add each record-change entry's "after" (the changed fields' values it left), walking each record's
    entries newest first from its current row. `entries` must hold every entry of the records they name."""
    by_record: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for e in entries:
        fields = e["detail"].get("fields") if isinstance(e["detail"], dict) else None
        if e["table_name"] in tables.AUDITED_TABLES and e["record_id"] is not None and fields is not None:
            by_record.setdefault((e["table_name"], e["record_id"]), []).append(e)
    ids: dict[str, list[int]] = {}
    for name, record_id in by_record:
        ids.setdefault(name, []).append(record_id)
    for name, record_ids in ids.items():
        table = tables.AUDITED_TABLES[name]
        for start in range(0, len(record_ids), 500):
            chunk = record_ids[start:start + 500]
            for row in conn.execute(select(table).where(table.c.id.in_(chunk))).mappings():
                state = chain.flatten(row)
                for e in reversed(by_record[(name, row["id"])]):
                    detail = e["detail"]
                    fields = detail["fields"]
                    keys = sorted(state) if fields == ALL_FIELDS else fields
                    detail["after"] = {k: _shown(state, k) for k in keys if k in state}
                    for k in keys:
                        if k in detail.get("before", {}):
                            state[k] = detail["before"][k]
                        else:
                            state.pop(k, None)


def write_checkpoint(conn: Connection, credentials: SignerCredentials) -> SealedCheckpoint:
    """Sign the chain head as this transaction leaves it and keep the checkpoint, in the same transaction (so
    it covers the entries just written). Its time is the wall clock's: when the seal was made. (The signing code,
    and `cryptography` under it, loads here: a store that only charts never pays for it.)"""
    from infusiondesk.store.audit import checkpoints

    last_id, last_hash = chain.head(conn)
    count = conn.execute(select(func.count()).select_from(tables.audit_log)).scalar_one()
    sealed = checkpoints.seal(checkpoints.Checkpoint(last_id, last_hash, int(count), datetime.now(UTC)),
                              credentials)
    cp = sealed.checkpoint
    conn.execute(insert(tables.audit_checkpoints).values(
        entry_id=cp.entry_id, chain_hash=cp.chain_hash, entry_count=cp.entry_count, made_at=cp.made_at,
        signer=sealed.signer[:200], certificates=sealed.certificates_pem, signature=sealed.signature))
    return sealed


def read_checkpoints(conn: Connection) -> Iterator[tuple[int, SealedCheckpoint]]:
    """(row id, checkpoint) of every stored checkpoint, in the order they were made."""
    from infusiondesk.store.audit import checkpoints

    c = tables.audit_checkpoints.c
    for r in conn.execute(select(tables.audit_checkpoints).order_by(c.id)):
        cp = checkpoints.Checkpoint(r.entry_id, r.chain_hash, r.entry_count, r.made_at)
        yield r.id, checkpoints.SealedCheckpoint(cp, bytes(r.signature), bytes(r.certificates))
