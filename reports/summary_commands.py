"""The course summary against the records store: read the course (the one place that reads the store for it),
and `infusiondesk summary`. Used by the command line and by the app's note worker."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infusiondesk import pki
from infusiondesk.course import Course, Period, parse_period, summarise
from infusiondesk.drugs.library import Drug
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Clinic, Role, UserSession
from infusiondesk.store.audit.events import AuditEvent

if TYPE_CHECKING:  # the store pulls in SQLAlchemy; the commands are handed an open one
    from infusiondesk.store import Store

EXIT_OK = 0


@dataclass(frozen=True)
class CourseRecords:
    clinic: Clinic
    course: Course


def read_course(store: Store, mrn: str, period: Period, drug: Drug, *, by: UserSession) -> CourseRecords:
    """The patient with this MRN and the course of their visits over `period`, read as the session `by` (the store
    checks its role): every store read of the summary happens here."""
    patient = store.patients.by_mrn(mrn, by=by)
    if patient is None:
        raise DomainError(f"No patient has MRN {mrn}; check the number.")
    clinic = store.clinic.get()

    course = summarise(patient, store.visits.all(patient.id, by=by), drug, period, timezone=clinic.timezone,
                       follow_ups=store.follow_ups.recorded(patient.id, by=by))
    return CourseRecords(clinic, course)


def course_summary_pdf(store: Store, mrn: str, period: Period, drug: Drug, *, by: UserSession) -> bytes:
    """The unsigned course summary of this patient and period, as PDF bytes."""
    from infusiondesk_reports.course_summary import build_course_summary

    records = read_course(store, mrn, period, drug, by=by)
    return build_course_summary(records.clinic, records.course, drug.name)


def _signing_credentials(store: Store, session: UserSession, password: str) -> pki.SignerCredentials:
    """The signed-in clinician's signing key, unlocked by the password they signed in with."""
    if session.user.role is not Role.CLINICIAN:
        raise DomainError(f"{session.user.full_name} is not a clinician; only a clinician signs a course summary.")
    return pki.unlock_pkcs12(pki.load_clinician_pkcs12(store, session), password)


def summary_command(args: argparse.Namespace, store: Store, read_secret: Any) -> int:
    """`infusiondesk summary --patient MRN [--from DATE] [--to DATE] --out FILE.pdf [--sign-as USER]`."""
    from infusiondesk.drugs import load_drug
    from infusiondesk_reports.course_summary import build_course_summary, sign_course_summary

    period = parse_period(args.date_from, args.date_to)  # bad dates are refused before the database is read
    drug = load_drug(None)
    if not args.user:
        raise DomainError("A course summary shows clinical records: give --user NAME (your InfusionDesk user "
                          "name); your password is asked.")
    password = read_secret(args, f"InfusionDesk password for {args.user}: ")
    session = store.users.sign_in(args.user, password)
    try:
        records = read_course(store, args.patient, period, drug, by=session)
        if args.sign:
            credentials = _signing_credentials(store, session, password)
            pdf = sign_course_summary(records.clinic, records.course, drug.name, session.user, credentials)
        else:
            pdf = build_course_summary(records.clinic, records.course, drug.name)
        try:
            Path(args.out).write_bytes(pdf)
        except OSError as exc:
            raise DomainError(f"Cannot write {args.out}: {exc.strerror or exc}.") from None
        store.audit.append(AuditEvent.EXPORT_SUMMARY, session, {"patient_id": records.course.patient.id,
                                                "period": records.course.period_text,
                                                "visits": [v.visit_id for v in records.course.visits],
                                                "signed": bool(args.sign), "sha256": pki.sha256_hex(pdf),
                                                "via": "cli"})
    finally:
        store.users.sign_out(session)
    n = len(records.course.visits)
    what = "signed course summary" if args.sign else "course summary"
    print(f"Wrote the {what} of MRN {args.patient} ({n} visit{'s' if n != 1 else ''}, "
          f"{records.course.period_text}) to {args.out}.", file=sys.stderr)
    return EXIT_OK
