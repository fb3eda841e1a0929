"""`python -m tests.ui.signing_child DB VISIT USERNAME PASSWORD AT`: the app's signing path without the window.

The same calls the app makes when a clinician signs: signed in, the service's signature candidate, the note worker's
render-and-sign of it (`infusiondesk_ui.note_worker.build`, what the app's child process runs), then
`VisitService.sign` with
the signed note. The kill -9 test runs this in a child and kills it at chosen moments.
"""

from __future__ import annotations

import sys
from datetime import datetime


def sign(db: str, visit_id: int, username: str, passphrase: str, at: datetime) -> None:
    from infusiondesk.drugs import load_drug
    from infusiondesk.service import SignedNote, Step, VisitService, sign_with_note
    from infusiondesk.store import Store
    from infusiondesk_ui.note_worker import build, sign_job

    store = Store.open(db, migrate=False)
    try:
        service = VisitService(store, load_drug())
        session = store.users.sign_in(username, passphrase)  # the app's password is the signing key's passphrase
        step = Step(session, visit_id, store.visits.get(visit_id, by=session).version, at)
        sign_with_note(service, step,
                       lambda candidate: SignedNote(build(sign_job(db, None, candidate, session, passphrase, at))))
    finally:
        store.close()


if __name__ == "__main__":
    db, visit, user, passphrase, at = sys.argv[1:6]
    sign(db, int(visit), user, passphrase, datetime.fromisoformat(at))
    print("signed", flush=True)
