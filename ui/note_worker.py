"""`python -m ui.note_worker`: build (and optionally sign) one visit note in a separate process.

The app runs PDF work here rather than in a thread: with PySide6 6.12, Python code running in a worker
thread while the UI thread calls into Qt corrupts None's reference count and crashes the app. A child
process keeps the UI responsive with no shared interpreter. Reads one JSON object on stdin, writes the
PDF bytes to stdout; a problem is one line on stderr and exit status 2. Imports no Qt.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any


def build(job: dict[str, Any]) -> bytes:
    from infusiondesk.drugs import load_drug
    from infusiondesk.records.models import VisitStatus
    from infusiondesk.store import Store

    store = Store.open(job["db"], migrate=False)
    try:
        visit = store.get_visit(int(job["visit_id"]))
        patient = store.get_patient(visit.patient_id)
        users = {u.id: u for u in store.list_users()}
        clinic = store.get_clinic()
        drug = load_drug(job.get("library"))
        sign = job.get("sign")
        if sign is None:
            from reports.visit_note import build_visit_note

            return build_visit_note(clinic, patient, visit, users, drug, draft=visit.status is not VisitStatus.SIGNED)
        from infusiondesk import pki
        from reports.signing import sign_visit_note

        creds = pki.unlock_pkcs12(pki.load_clinician_pkcs12(store, int(sign["user_id"])), sign["passphrase"])
        return sign_visit_note(clinic, patient, visit, users, drug, {int(sign["user_id"]): creds},
                               now=datetime.fromisoformat(sign["now"]))
    finally:
        store.close()


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
