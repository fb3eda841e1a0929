"""`store.drafts`: what is being typed, kept so a crash loses seconds, not a visit (not the record; not audited)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from infusiondesk.records.models import UserSession
from infusiondesk.store import codec, sessions, tables
from infusiondesk.store.engine import WRITE
from infusiondesk.store.part import StorePart


def _upsert_insert(dialect: str) -> Any:
    """The dialect's INSERT with ON CONFLICT, imported at the first upsert: the PostgreSQL dialect alone costs
    ~40 ms, and a SQLite workstation never needs it (nor anything before sign-in)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


class Drafts(StorePart):
    """`store.drafts`: a draft belongs to the session's user; there is no way to name another."""

    def save(self, key: str, payload: Mapping[str, Any], *, by: UserSession) -> None:
        """Keep what is being typed so a crash loses seconds, not a visit. Drafts are not the record and
        are not audited; the saved visit is. A draft belongs to the session's user (there is no way to name
        another). One upsert, so two savers at once (two windows, an autosave and a lock) both succeed and the
        later one wins, on PostgreSQL as on SQLite."""
        text = json.dumps(codec.to_plain(dict(payload)), sort_keys=True)
        with self._store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            _row, user = sessions.session_user(conn, by)
            values = {"user_id": user.id, "key": key, "payload": text, "saved_at": self._now()}
            upsert = _upsert_insert(conn.dialect.name)(tables.drafts).values(**values)
            conn.execute(upsert.on_conflict_do_update(
                index_elements=[tables.drafts.c.user_id, tables.drafts.c.key],
                set_={"payload": upsert.excluded.payload, "saved_at": upsert.excluded.saved_at}))

    def load(self, key: str, *, by: UserSession) -> dict[str, Any] | None:
        """The session's user's draft under `key`, or None."""
        d = tables.drafts.c
        with self._read() as conn:
            _row, user = sessions.session_user(conn, by)
            text = conn.execute(select(d.payload).where(d.user_id == user.id, d.key == key)).scalar()
        return json.loads(text) if text is not None else None

    def discard(self, key: str, *, by: UserSession) -> None:
        d = tables.drafts.c
        with self._store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            _row, user = sessions.session_user(conn, by)
            conn.execute(delete(tables.drafts).where(d.user_id == user.id, d.key == key))

