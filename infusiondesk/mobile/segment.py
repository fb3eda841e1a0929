"""A laptop's audit entries joined to the clinic's chain, and their check in `audit verify`.

The laptop keeps its own hash chain from the checkout. On sync each new laptop entry is appended to the clinic's
chain as a `mobile_entry` whose detail carries the original entry whole (its laptop id, time, user, event, detail,
content hash, previous hash and own hash); a `mobile_segment` entry closes the batch with the laptop chain's last
hash, and the clinic's chain head is then checkpointed with the nurse's signing key. `audit verify` checks the
clinic chain as always (which covers these entries) and, with `SegmentChecks`, that each carried entry still hashes
to its original hash and follows the one before it from the same laptop: an edit to a carried entry is caught even
if the clinic's chain were recomputed around it, and the nurse's checkpoint anchors the whole.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from infusiondesk.records.models import User
from infusiondesk.store import sessions, tables
from infusiondesk.store.audit import chain
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.codec import to_plain

ENTRY, SEGMENT = AuditEvent.MOBILE_ENTRY, AuditEvent.MOBILE_SEGMENT
EVENTS = (ENTRY, SEGMENT)
_CARRIED = ("id", "at", "user_id", "username", "event", "table_name", "record_id", "detail", "content_hash",
            "prev_hash", "entry_hash")


def _user(conn: Connection, user_id: int | None, cache: dict[int, User | None]) -> User | None:
    if user_id is None:
        return None
    if user_id not in cache:
        row = conn.execute(chain.by_id(tables.users), {"id": user_id}).first()
        cache[user_id] = sessions.user_from_row(row) if row is not None else None
    return cache[user_id]


def append_segment(conn: Connection, laptop_id: str, entries: Sequence[Mapping[str, Any]], now: datetime) -> None:
    """Append the laptop's entries (oldest first) to the clinic chain, then the segment's closing entry."""
    users: dict[int, User | None] = {}
    for e in entries:
        carried = {k: to_plain(e[k]) for k in _CARRIED}
        chain.append(conn, at=now, by=_user(conn, e["user_id"], users), event=ENTRY,
                     detail={"laptop_id": laptop_id, "entry": carried})
    chain.append(conn, at=now, by=_user(conn, entries[-1]["user_id"], users), event=SEGMENT, detail={
        "laptop_id": laptop_id, "first": entries[0]["id"], "last": entries[-1]["id"], "count": len(entries),
        "last_hash": entries[-1]["entry_hash"]})


@dataclass
class SegmentChecks:
    """Fed the clinic's mobile entries in chain order; lists carried laptop entries that were altered or lost."""

    problems: list[tuple[int | None, str]] = field(default_factory=list)
    entries_checked: int = 0
    _last: dict[str, tuple[int, str]] = field(default_factory=dict)  # laptop -> (its last entry id, hash)

    def entry(self, entry_id: int, event: str, detail_text: str) -> None:
        try:
            detail = json.loads(detail_text)
            laptop = str(detail["laptop_id"])
        except (ValueError, KeyError, TypeError):
            self.problems.append((entry_id, f"audit entry {entry_id} ({event}) cannot be read as a laptop entry."))
            return
        if event == SEGMENT:
            last = self._last.get(laptop)
            if last is None or last != (detail.get("last"), detail.get("last_hash")):
                self.problems.append((entry_id, f"audit entry {entry_id} closes laptop {laptop[:8]}'s segment at its "
                                                f"entry {detail.get('last')}, but the carried entries end elsewhere: "
                                                "laptop entries were removed or altered."))
            return
        carried = detail.get("entry") or {}
        self.entries_checked += 1
        if chain._entry_hash(carried) != carried.get("entry_hash"):
            self.problems.append((entry_id, f"audit entry {entry_id} carries laptop {laptop[:8]}'s entry "
                                            f"{carried.get('id')} ({carried.get('event')} by "
                                            f"{carried.get('username') or 'system'}), which was edited: it no longer "
                                            "matches the hash it had on the laptop."))
        last = self._last.get(laptop)
        if last is not None and (carried.get("prev_hash") != last[1] or carried.get("id") != last[0] + 1):
            self.problems.append((entry_id, f"laptop {laptop[:8]}'s entry {carried.get('id')} (in audit entry "
                                            f"{entry_id}) does not follow its entry {last[0]}: a laptop entry was "
                                            "deleted or changed before or during sync."))
        self._last[laptop] = (int(carried.get("id") or 0), str(carried.get("entry_hash")))
