"""The audit entry of a file written or pages sent to a printer, appended off the UI thread (the one way every
document screen records its exports and prints, through `StoreOp`).

The file or the pages are already out when the entry is written, so it runs quietly (no busy pointer, no button
disabled): the screen has already said what was done. If the store refuses the entry (the session was ended
meanwhile, say), the screen says so in a sentence — an export that is not in the audit trail is never silent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject

from infusiondesk.auth import AuthError
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk_ui.operations import StoreOp

SAVED = "The file is saved"
SENT = "The pages were sent to the printer"
PRINTS = (AuditEvent.PRINT, AuditEvent.PRINT_SUMMARY)


def record_later(parent: QObject, session: Any, event: AuditEvent, *details: Mapping[str, Any],
                 say: Callable[[str], None]) -> None:
    """Append one `event` entry per detail (in order) by the signed-in person of `session` (the app's `Session`),
    in the worker; a refusal is said through `say` as "The file is saved; its audit entry was not recorded: <why>"
    (for a print, "The pages were sent to the printer; …")."""
    store, by, plain = session.store, session.signed_in, [dict(d) for d in details]
    done = SENT if event in PRINTS else SAVED

    def append() -> list[int]:  # in the worker
        if by is None:  # nothing is written in no one's name
            raise AuthError("no one is signed in.")
        return [int(store.audit.append(event, by, detail)) for detail in plain]

    def refused(why: str) -> None:
        say(f"{done}; its audit entry was not recorded: {why}")

    StoreOp(parent, append, busy_cursor=False).failure(refused).run()
