"""`python -m ui.note_worker`: build a draft visit note, or render and sign the note of a signature candidate,
in a separate process.

The app runs PDF work here rather than in a thread: with PySide6 6.12, Python code running in a worker
thread while the UI thread calls into Qt corrupts None's reference count and crashes the app. A child
process keeps the UI responsive with no shared interpreter. Reads one JSON object on stdin, writes the
PDF bytes to stdout; a problem is one line on stderr and exit status 2. Imports no Qt.

Signing stores nothing: the child returns the signed bytes of the candidate visit (the visit as it will read
once signed), and the app saves the signature and the note together through the visit service. A child that
fails or is killed leaves the visit exactly as it was.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any


def build(job: dict[str, Any]) -> bytes:
    from infusiondesk.drugs import load_drug
    from infusiondesk.records.models import Visit, VisitStatus
    from infusiondesk.store import Store, codec

    store = Store.open(job["db"], migrate=False)
    try:
        drug = load_drug(job.get("library"))
        session = session_from_job(job)
        sign = job.get("sign")
        if sign is None:
            from reports.visit_note import build_visit_note

            visit = store.get_visit(int(job["visit_id"]), by=session)
            users = store.staff_names(by=session)
            return build_visit_note(store.get_clinic(), store.get_patient(visit.patient_id, by=session), visit, users,
                                    drug, draft=visit.status is not VisitStatus.SIGNED)
        from infusiondesk import pki
        from reports.note_commands import sign_note

        candidate = codec.from_plain(Visit, job["candidate"])
        if candidate.id != int(job["visit_id"]):
            raise ValueError("the candidate is not the visit asked for")
        creds = pki.unlock_pkcs12(pki.load_clinician_pkcs12(store, session), sign["passphrase"])
        return sign_note(store, candidate, drug, {session.user_id: creds}, by=session,
                         now=datetime.fromisoformat(sign["now"]))
    finally:
        store.close()


def session_job(session: Any) -> dict[str, Any]:
    """The signed-in session, for the child to read as (sent on its standard input, never on the command line)."""
    from infusiondesk.store import codec

    return {"id": session.id, "token": session.token, "user": codec.to_plain(session.user)}


def session_from_job(job: dict[str, Any]) -> Any:
    """The app's session as the job carries it; the store checks it at every read, as in the app."""
    from infusiondesk.records.models import User, UserSession
    from infusiondesk.store import codec

    given = job["session"]
    return UserSession(id=int(given["id"]), user=codec.from_plain(User, given["user"]), token=str(given["token"]))


def sign_job(db: str, library: str | None, candidate: Any, session: Any, passphrase: str,
             now: datetime) -> dict[str, Any]:
    """The job that signs the note of `candidate` (a Visit from the service's signature candidate) as the
    signed-in `session`."""
    from infusiondesk.store import codec

    return {"db": db, "visit_id": candidate.id, "library": library, "candidate": codec.to_plain(candidate),
            "session": session_job(session), "sign": {"passphrase": passphrase, "now": now.isoformat()}}


def main() -> int:
    from infusiondesk.errors import DomainError

    try:
        pdf = build(json.loads(sys.stdin.read()))
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    sys.stdout.buffer.write(pdf)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
