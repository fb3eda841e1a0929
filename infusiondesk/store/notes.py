"""`store.notes`: the signed PDF notes of a visit (stored by the visit transaction when a note is signed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from infusiondesk.records.models import UserSession
from infusiondesk.store import tables
from infusiondesk.store.part import StorePart
from infusiondesk.store.sessions import acting
from infusiondesk.store.visits import CLINICAL


class Notes(StorePart):
    """`store.notes`: read by the clinical roles."""

    def get(self, visit_id: int, version: int | None = None, *, by: UserSession) -> bytes | None:
        n = tables.signed_notes.c
        query = select(n.pdf).where(n.visit_id == visit_id)
        query = query.where(n.version == version) if version is not None else query.order_by(n.version.desc())
        with self._read() as conn:
            acting(conn, by, CLINICAL, "read signed notes")
            pdf = conn.execute(query.limit(1)).scalar()
        return bytes(pdf) if pdf is not None else None

    def versions(self, visit_id: int, *, by: UserSession) -> list[dict[str, Any]]:
        """Each stored note's version, sha256, signer and time (not the PDF bytes)."""
        n = tables.signed_notes.c
        with self._read() as conn:
            acting(conn, by, CLINICAL, "read signed notes")
            rows = conn.execute(select(n.version, n.sha256, n.signer_id, n.stored_at)
                                .where(n.visit_id == visit_id).order_by(n.version)).mappings().all()
        return [dict(r) for r in rows]

