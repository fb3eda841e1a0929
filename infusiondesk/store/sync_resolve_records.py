"""A payment or a follow-up recorded differently on a laptop and in the clinic: one side is kept, the other set aside
whole (in the conflict record and in the resolution's audit entry), never lost.

Keeping the laptop's writes its record into the clinic now (audited `mobile_resolve`, the clinic's row before in the
entry). Keeping the clinic's changes nothing in the clinic. Either way the laptop takes the clinic's record at its
next sync while its own is still the version the conflict recorded (`sync_records.pull_records`), the push then
marks the resolution applied, and a sync after that changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Date, Row, insert, select, update

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Role, User
from infusiondesk.store import tables
from infusiondesk.store.audit import trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.billing import PAYMENT_TAKERS
from infusiondesk.store.followups import RECORDERS
from infusiondesk.store.sync_records import FOLLOW_UP, PAYMENT, Kind, _document

KINDS = {PAYMENT.name: PAYMENT, FOLLOW_UP.name: FOLLOW_UP}

# Who keeps one side is who may record that record in the clinic: a payment is taken by a nurse (at the chair or the
# patient's home) or an admin (the front desk), never a clinician; a follow-up is an outcome interview a nurse or a
# clinician records, never an admin (who does not read clinical answers). The same roles, so no one resolves into
# the record what they could not have written themselves.
RESOLVERS: dict[str, tuple[Role, ...]] = {PAYMENT.name: PAYMENT_TAKERS, FOLLOW_UP.name: RECORDERS}
WHAT = {PAYMENT.name: "choose which payment stands", FOLLOW_UP.name: "choose which follow-up stands"}


def _values(kind: Kind, document: str, visit_id: int) -> dict[str, Any]:
    """A conflict's record document as this side's column values (dates and times parsed back)."""
    doc = json.loads(document)
    values: dict[str, Any] = {}
    for column in kind.table.columns:
        if column.name in ("id", "visit_id") or column.name not in doc:
            continue
        value = doc[column.name]
        python_type = _python_type(column)
        if value is not None and python_type is datetime:
            value = datetime.fromisoformat(value)
        elif value is not None and python_type is date:
            value = date.fromisoformat(value)
        values[column.name] = value
    values["visit_id"] = visit_id
    return values


def _python_type(column: Any) -> type | None:
    if isinstance(column.type, tables.UTCDateTime):
        return datetime
    if isinstance(column.type, Date):
        return date
    return None


def _clinic_row(conn: Connection, kind: Kind, document: str) -> tuple[int, Row[Any] | None]:
    """(the clinic's visit id, the clinic's record or None) for the record a conflict names."""
    doc = json.loads(document)
    v = tables.visits.c
    visit_id = conn.execute(select(v.id).where(v.uid == doc["visit_uid"])).scalar_one_or_none()
    if visit_id is None:
        raise DomainError("The visit of this record is not in the clinic; sync the laptop first, then resolve.")
    c = kind.table.c
    query = select(kind.table).where(c.visit_id == visit_id)
    for name in kind.key_columns:
        query = query.where(c[name] == doc[name])
    return int(visit_id), conn.execute(query).first()


def resolve_record(conn: Connection, conflict: Row[Any], keep: str, actor: User, now: datetime) -> dict[str, Any]:
    """Keep one side of a payment or follow-up conflict (the actor's role is checked by the caller). Returns what
    the resolution's audit entry records: the set-aside version whole, with its SHA-256."""
    kind = KINDS[conflict.kind]
    visit_id, clinic_row = _clinic_row(conn, kind, conflict.laptop_content)
    if keep == "laptop":
        values = _values(kind, conflict.laptop_content, visit_id)
        if clinic_row is None:
            key = conn.execute(insert(kind.table).values(**values)).inserted_primary_key
            assert key is not None
            record_id = int(key[0])
        else:
            record_id = int(clinic_row.id)
            conn.execute(update(kind.table).where(kind.table.c.id == record_id).values(**values))
        trail.record_change(conn, at=now, by=actor, event=AuditEvent.MOBILE_RESOLVE, table=kind.table,
                            record_id=record_id, before=clinic_row._mapping if clinic_row is not None else None,
                            extra={"conflict_id": conflict.id, "laptop_id": conflict.laptop_id, "kept": keep,
                                   "what": kind.name, "uid": conflict.record_uid})
        # the clinic's record as it is now (it may have been corrected since the conflict was listed)
        set_aside = _document(clinic_row, json.loads(conflict.laptop_content)["visit_uid"]) if clinic_row \
            is not None else "{}"
    else:
        set_aside = conflict.laptop_content
    return {"set_aside": json.loads(set_aside),
            "set_aside_sha256": hashlib.sha256(set_aside.encode("utf-8")).hexdigest()}
