"""What an attacker with write access to the database (but no private key) does to the audit trail, using the
app's own hashing code: recompute the chain after tampering, or append forged entries after the last checkpoint."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from infusiondesk.store import Store, tables
from infusiondesk.store.audit import chain


def _current_rows(conn: Any) -> dict[tuple[str, int], str]:
    found = {}
    for name, table in tables.AUDITED_TABLES.items():
        for row in conn.execute(select(table)).mappings():
            found[(name, row["id"])] = chain.content_hash(row)
    return found


def reseal(store: Store, *, drop: Iterable[int] = (), order: list[int] | None = None) -> None:
    """Rebuild the whole chain so it verifies on its own: drop some entries, optionally reorder them, point
    every record's last entry at its current content, recompute every hash and the head."""
    dropped = set(drop)
    with store.engine.begin() as conn:
        entries = [dict(r) for r in conn.execute(select(tables.audit_log).order_by(tables.audit_log.c.id)).mappings()
                   if r["id"] not in dropped]
        if order is not None:
            by_id = {e["id"]: e for e in entries}
            entries = [by_id[i] for i in order]
        rows = _current_rows(conn)
        last: dict[tuple[str, int], dict[str, Any]] = {}
        for e in entries:
            if e["table_name"] is not None and e["record_id"] is not None:
                last[(e["table_name"], e["record_id"])] = e
        for key, e in last.items():
            e["content_hash"] = rows.get(key)
        conn.execute(delete(tables.audit_log))
        prev = chain.GENESIS
        for new_id, e in enumerate(entries, start=1):
            e.update(id=new_id, prev_hash=prev)
            e["entry_hash"] = prev = chain._entry_hash(e)
            conn.execute(insert(tables.audit_log).values(**e))
        conn.execute(update(tables.audit_head).values(last_id=len(entries), last_hash=prev))


def append_forged(store: Store, table: str, record_id: int, event: str = "addendum") -> None:
    """Add a correctly chained entry saying `record_id` changed to what it now holds (after the last checkpoint,
    the chain alone cannot tell it from a real one)."""
    with store.engine.begin() as conn:
        table_obj = tables.AUDITED_TABLES[table]
        row = conn.execute(select(table_obj).where(table_obj.c.id == record_id)).mappings().one()
        last_id, last_hash = conn.execute(select(tables.audit_head.c.last_id, tables.audit_head.c.last_hash)).one()
        e = {"id": last_id + 1, "at": datetime.now(UTC), "user_id": None, "username": "carl", "event": event,
             "table_name": table, "record_id": record_id, "detail": json.dumps({"fields": []}),
             "content_hash": chain.content_hash(row), "prev_hash": last_hash}
        e["entry_hash"] = chain._entry_hash(e)
        conn.execute(insert(tables.audit_log).values(**e))
        conn.execute(update(tables.audit_head).values(last_id=e["id"], last_hash=e["entry_hash"]))


def rewrite_note_entries(store: Store) -> None:
    """Make every signed-note entry's record of its visit match the visit as it now is (then reseal)."""
    from infusiondesk.store.audit.notes import signed_visit_hash

    a = tables.audit_log.c
    with store.engine.begin() as conn:
        for entry in conn.execute(select(tables.audit_log).where(a.event == "signed_note")).mappings().all():
            detail = json.loads(entry["detail"])
            row = conn.execute(select(tables.visits).where(tables.visits.c.id == detail["visit_id"])).mappings().one()
            detail["signed_visit_sha256"] = signed_visit_hash(row)
            conn.execute(update(tables.audit_log).where(a.id == entry["id"])
                         .values(detail=json.dumps(detail, sort_keys=True, separators=(",", ":"))))
