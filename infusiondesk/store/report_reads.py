"""What the clinic reports read: the visits opened in a period and the near misses in it (no patient details).

Kept apart from the store class so the near-miss list and the clinic reports share one query each; the store's
methods check who is acting in the same read transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from infusiondesk.records.models import Visit
from infusiondesk.store import tables, visit_tx


def visits_opened(conn: Connection, since: datetime, until: datetime) -> list[Visit]:
    """Every visit opened in [since, until), oldest first."""
    v = tables.visits.c
    query = (select(tables.visits).where(v.created_at >= since, v.created_at < until)
             .order_by(v.created_at, v.id))
    return [visit_tx.visit_from_row(r) for r in conn.execute(query)]


def near_misses(conn: Connection, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Soft-limit overrides and hard stops audited in [since, until), oldest first, as the near-miss report's rows."""
    a = tables.audit_log.c
    query = (select(tables.audit_log).where(a.event.in_(("override", "hard_stop")), a.at >= since, a.at < until)
             .order_by(a.at, a.id))
    report = []
    for r in conn.execute(query).all():
        detail = json.loads(r.detail)
        report.append({"at": r.at, "date": r.at.date(), "kind": r.event, "user_id": r.user_id,
                       "username": r.username, "rule": detail.get("code", ""),
                       "message": detail.get("message", ""), "reason": detail.get("reason", ""),
                       "visit_id": detail.get("visit_id"), "patient_id": detail.get("patient_id")})
    return report
