"""What every part of the store shares: the store's one engine, its clock and its two transaction helpers.

A part (`store.users`, `store.patients`, `store.visits`…) is a small class over its `Store`, after Anki's
`Collection` (`col.decks`, `col.models`): it opens no engine and has no transaction style of its own, so a
`store.batch()` covers every part's calls alike.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, CursorResult, Row

from infusiondesk.store.audit import chain

if TYPE_CHECKING:
    from infusiondesk.store.store import Store


def new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


class StorePart:
    """One concern of the store, reading and writing through the store's transactions."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _write(self) -> AbstractContextManager[Connection]:
        """One write transaction (or the open batch): the audit head locked first."""
        return self._store._write()

    def _read(self) -> AbstractContextManager[Connection]:
        return self._store._read()

    def _now(self) -> datetime:
        return self._store._now()

    @staticmethod
    def _row(conn: Connection, table: Any, record_id: int) -> Row[Any] | None:
        return conn.execute(chain.by_id(table), {"id": record_id}).first()


__all__ = ["StorePart", "new_id"]
