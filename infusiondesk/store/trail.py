"""Audit entries for record changes, compact: the fields changed and their values before; the values after
are the record itself as of that entry (its content hash is in the entry, the chain vouches for it).

Keeping the after-values in each entry stored every visit twice (once as the row, once in the trail). Here
each value is kept once: a record's values after entry N are its values before entry N+1, or its current row
for the newest entry, so `fill_after` rebuilds "after" exactly for anyone reading the trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from infusiondesk import audit
from infusiondesk.records.models import User
from infusiondesk.store import tables

ALL_FIELDS = "all"  # "fields" of a created record: every field is new


def _shown(values: Mapping[str, Any], key: str) -> Any:
    return "(redacted)" if key in audit.REDACTED_COLUMNS else values[key]


def record_change(conn: Connection, *, at: datetime, by: User | None, event: str, table: Table, record_id: int,
                  before: Mapping[Any, Any] | None, extra: Mapping[Any, Any] | None = None) -> int:
    """Audit a create or change of one row, read back in the same transaction: which fields changed, their
    values before, and the hash of the row's new content."""
    row = conn.execute(audit.by_id(table), {"id": record_id}).mappings().first()
    new = audit.flatten(row) if row is not None else {}
    detail: dict[str, Any]
    if before is None:
        detail = {"fields": ALL_FIELDS}
    else:
        old = audit.flatten(before)
        changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        detail = {"fields": changed, "before": {k: _shown(old, k) for k in changed if k in old}}
    detail.update(extra or {})
    return audit.append(conn, at=at, by=by, event=event, detail=detail, table=table.name, record_id=record_id,
                        content=audit.content_hash(row) if row is not None else None)


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
                state = audit.flatten(row)
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
