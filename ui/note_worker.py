"""`python -m infusiondesk_ui.note_worker` (in a frozen build: `InfusionDesk _worker infusiondesk_ui.note_worker`,
see `infusiondesk_ui.launch`): build a draft visit note, or render and sign the note of a signature candidate, in a
separate process.

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
        sign = job.get("sign")
        if sign is None:
            from infusiondesk_reports.visit_note import build_visit_note

            visit = store.get_visit(int(job["visit_id"]))
            users = {u.id: u for u in store.list_users() if u.id is not None}
            return build_visit_note(store.get_clinic(), store.get_patient(visit.patient_id), visit, users, drug,
                                    draft=visit.status is not VisitStatus.SIGNED)
        from infusiondesk import pki
        from infusiondesk_reports.note_commands import sign_note

        candidate = codec.from_plain(Visit, job["candidate"])
        if candidate.id != int(job["visit_id"]):
            raise ValueError("the candidate is not the visit asked for")
        user_id = int(sign["user_id"])
        creds = pki.unlock_pkcs12(pki.load_clinician_pkcs12(store, user_id), sign["passphrase"])
        return sign_note(store, candidate, drug, {user_id: creds}, now=datetime.fromisoformat(sign["now"]))
    finally:
        store.close()


def sign_job(db: str, library: str | None, candidate: Any, user_id: int, passphrase: str,
             now: datetime) -> dict[str, Any]:
    """The job that signs the note of `candidate` (a Visit from the service's signature candidate)."""
    from infusiondesk.store import codec

    return {"db": db, "visit_id": candidate.id, "library": library, "candidate": codec.to_plain(candidate),
            "sign": {"user_id": user_id, "passphrase": passphrase, "now": now.isoformat()}}


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
