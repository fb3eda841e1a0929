"""What the app says about the mobile day: on a laptop copy, whose it is and what is not yet synced; in the
clinic, which patients are out on whose laptop since when is `store.mobile.out_on_laptops`.

Reads only. The laptop marker is shown before anyone signs in (it tells the nurse which database she opened), so
`laptop_copy` names the nurse and counts visits but reads no patient's details.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from infusiondesk.store import tables
from infusiondesk.store.audit.events import AuditEvent

if TYPE_CHECKING:
    from infusiondesk.store.store import Store

@dataclass(frozen=True)
class LaptopCopy:
    """This database is a laptop checkout: whose, since when, and how many visits the clinic has not seen."""

    laptop_id: str
    nurse: str  # full name
    checked_out_at: datetime | None  # None only if the checkout's own audit entry were missing
    unsynced_visits: int


def laptop_copy(store: Store) -> LaptopCopy | None:
    """The laptop checkout this database holds, or None for a clinic database. A visit is unsynced while the
    laptop's version differs from the base agreed at checkout or the last sync (or it has no base: new here)."""
    v = tables.visits.c
    with store._read() as conn:
        me = conn.execute(select(tables.mobile_laptop)).first()
        if me is None:
            return None
        nurse = conn.execute(select(tables.users.c.full_name).where(tables.users.c.id == me.user_id)).scalar()
        at = conn.execute(select(tables.audit_log.c.at).where(
            tables.audit_log.c.event == AuditEvent.MOBILE_CHECKOUT.value).order_by(tables.audit_log.c.id)
            .limit(1)).scalar()
        bases = {r.uid: r.base for r in conn.execute(select(tables.mobile_base).where(
            tables.mobile_base.c.kind == "visit"))}
        unsynced = sum(1 for r in conn.execute(select(v.uid, v.version)) if bases.get(r.uid) != str(r.version))
    return LaptopCopy(me.laptop_id, str(nurse or "the nurse"), at, unsynced)
