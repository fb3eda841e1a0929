"""`python -m infusiondesk_ui.note_worker` (in a frozen build: `InfusionDesk _worker infusiondesk_ui.note_worker`,
see `infusiondesk_ui.launch`): build a draft visit note, render and sign the note of a signature candidate, or
make the chart's documents (a course summary; several visits' notes as a zip or portfolio) or a visit's receipt, in
a separate process.

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


def _chart_document(store: Any, drug: Any, job: dict[str, Any], session: Any) -> bytes:
    """The chart's documents: a course summary, or several visits' notes packed (signed ones byte for byte)."""
    if job["kind"] == "summary":
        from infusiondesk.course import parse_period
        from infusiondesk_reports.summary_commands import course_summary_pdf

        return course_summary_pdf(store, job["mrn"], parse_period(job.get("from"), job.get("to")), drug, by=session)
    from infusiondesk_reports.note_bundle import as_portfolio, as_zip, read_notes

    notes = read_notes(store, [int(i) for i in job["visit_ids"]], drug, by=session)
    return as_portfolio(store.clinic.get(), notes) if job["combine"] == "portfolio" else as_zip(notes)


def build(job: dict[str, Any]) -> bytes:
    if job.get("kind") == "near_miss":
        return _near_miss(job)
    if job.get("kind") == "day_list":
        return _day_list(job)
    if job.get("kind") == "clinic_report":
        from infusiondesk.clinic_reports.export import from_job
        from infusiondesk_reports.clinic_report_pdf import clinic_report_pdf

        return clinic_report_pdf(from_job(job))  # the rows the app read and shows; no database read here
    from infusiondesk.drugs import load_drug
    from infusiondesk.records.models import Visit, VisitStatus
    from infusiondesk.store import Store, codec

    store = Store.open(job["db"], migrate=False)
    try:
        drug = load_drug(job.get("library"))
        session = session_from_job(job)
        if job.get("kind") in ("summary", "notes"):
            return _chart_document(store, drug, job, session)
        if job.get("kind") == "receipt":
            return _receipt(store, job, session)
        sign = job.get("sign")
        if sign is None:
            from infusiondesk_reports.visit_note import build_visit_note

            visit = store.visits.get(int(job["visit_id"]), by=session)
            users = store.users.staff_names(by=session)
            return build_visit_note(store.clinic.get(), store.patients.get(visit.patient_id, by=session), visit, users,
                                    drug, draft=visit.status is not VisitStatus.SIGNED)
        from infusiondesk import pki
        from infusiondesk_reports.note_commands import sign_note

        candidate = codec.from_plain(Visit, job["candidate"])
        if candidate.id != int(job["visit_id"]):
            raise ValueError("the candidate is not the visit asked for")
        creds = pki.unlock_pkcs12(pki.load_clinician_pkcs12(store, session), sign["passphrase"])
        return sign_note(store, candidate, drug, {session.user_id: creds}, by=session,
                         now=datetime.fromisoformat(sign["now"]))
    finally:
        store.close()


def _receipt(store: Any, job: dict[str, Any], session: Any) -> bytes:
    """A visit's receipt and superbill: signed by the signed-in person's key when the job carries their password,
    else an unsigned DRAFT; its issue is audited here (`receipt_issued`), as from the command line."""
    from infusiondesk import pki
    from infusiondesk_reports.receipt_commands import make_receipt

    sign = job.get("sign")
    creds = (pki.unlock_pkcs12(pki.load_clinician_pkcs12(store, session), sign["passphrase"])
             if sign is not None else None)
    now = datetime.fromisoformat(job["now"])
    return make_receipt(store, int(job["visit_id"]), by=session, credentials=creds, now=now, via="app")


def receipt_job(db: str, visit_id: int, session: Any, passphrase: str | None, now: datetime) -> dict[str, Any]:
    """The job for `_receipt`: signed with the key `passphrase` unlocks, or an unsigned draft when None."""
    job: dict[str, Any] = {"kind": "receipt", "db": db, "visit_id": visit_id, "session": session_job(session),
                           "now": now.isoformat()}
    if passphrase is not None:
        job["sign"] = {"passphrase": passphrase}
    return job


def _near_miss(job: dict[str, Any]) -> bytes:
    """The near-miss report's PDF from the rows the app already shows (no database read here)."""
    from zoneinfo import ZoneInfo

    from infusiondesk import near_miss
    from infusiondesk.records.models import Clinic
    from infusiondesk_reports.near_miss_pdf import near_miss_pdf

    rows = [{**r, "at": datetime.fromisoformat(r["at"])} for r in job["rows"]]
    report = near_miss.report(rows, datetime.fromisoformat(job["since"]), datetime.fromisoformat(job["until"]),
                              ZoneInfo(job["zone"]))
    return near_miss_pdf(report, Clinic(**job["clinic"]), datetime.fromisoformat(job["printed_at"]))


def near_miss_job(report: Any, clinic: Any, printed_at: datetime) -> dict[str, Any]:
    """The job for `_near_miss`: a NearMissReport and the Clinic, as JSON."""
    import dataclasses

    rows = [{"at": r.at.isoformat(), "kind": r.kind.value, "username": r.username, "rule": r.rule,
             "reason": r.reason, "message": r.message, "visit_id": r.visit_id} for r in report.rows]
    return {"kind": "near_miss", "rows": rows, "since": report.since.isoformat(), "until": report.until.isoformat(),
            "zone": report.zone.key, "clinic": dataclasses.asdict(clinic), "printed_at": printed_at.isoformat()}


def _day_list(job: dict[str, Any]) -> bytes:
    """The day list's PDF from the rows the "Today" board shows."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from infusiondesk.records.models import Clinic
    from infusiondesk.worklists import BoardRow, BoardStatus
    from infusiondesk_reports.day_list_pdf import day_list_pdf

    rows = [BoardRow(r["visit_id"], r["patient_id"], r["patient"], r["mrn"], BoardStatus(r["status"]),
                     datetime.fromisoformat(r["since"]), r["detail"]) for r in job["rows"]]
    return day_list_pdf(rows, Clinic(**job["clinic"]), date.fromisoformat(job["day"]), ZoneInfo(job["zone"]),
                        datetime.fromisoformat(job["printed_at"]))


def day_list_job(rows: Any, clinic: Any, day: Any, zone: Any, printed_at: datetime) -> dict[str, Any]:
    """The job for `_day_list`: the board's BoardRows, the Clinic, the clinic's date and zone, as JSON."""
    import dataclasses

    return {"kind": "day_list", "clinic": dataclasses.asdict(clinic), "day": day.isoformat(), "zone": zone.key,
            "printed_at": printed_at.isoformat(),
            "rows": [{**dataclasses.asdict(r), "status": r.status.value, "since": r.since.isoformat()} for r in rows]}


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
