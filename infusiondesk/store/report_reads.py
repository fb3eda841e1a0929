"""What the clinic reports read of the visits: those opened in a period (their near misses are the audit log's,
`store.audit.near_misses_for_reports`). The store part checks who is acting in the same read transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from infusiondesk.records.models import Visit
from infusiondesk.store import tables, visit_tx


def visits_opened(conn: Connection, since: datetime, until: datetime) -> list[Visit]:
    """Every visit opened in [since, until), oldest first."""
    v = tables.visits.c
    query = (select(tables.visits).where(v.created_at >= since, v.created_at < until)
             .order_by(v.created_at, v.id))
    return [visit_tx.visit_from_row(r) for r in conn.execute(query)]

