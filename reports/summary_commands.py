"""The course summary against the records store: read the course (the one place that reads the store for it),
and `infusiondesk summary`. Used by the command line and by the app's note worker."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infusiondesk import pki
from infusiondesk.course import Course, Period, parse_period, summarise
from infusiondesk.drugs.library import Drug
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Clinic, Role

EXIT_OK = 0


@dataclass(frozen=True)
class CourseRecords:
    clinic: Clinic
    course: Course


def read_course(store: Any, mrn: str, period: Period, drug: Drug) -> CourseRecords:
    """The patient with this MRN and the course of their visits over `period`: every store read of the summary
    happens here (one place to hand the reader's session to)."""
    patient = store.get_patient_by_mrn(mrn)
    if patient is None:
        raise DomainError(f"No patient has MRN {mrn}; check the number.")
    clinic = store.get_clinic()
    course = summarise(patient, store.list_visits(patient.id), drug, period, timezone=clinic.timezone)
    return CourseRecords(clinic, course)


def course_summary_pdf(store: Any, mrn: str, period: Period, drug: Drug) -> bytes:
    """The unsigned course summary of this patient and period, as PDF bytes."""
    from reports.course_summary import build_course_summary

    records = read_course(store, mrn, period, drug)
    return build_course_summary(records.clinic, records.course, drug.name)


def _signing_clinician(store: Any, username: str, password: str) -> tuple[Any, pki.SignerCredentials]:
    """The clinician signing the summary (their InfusionDesk password, checked and audited as a sign-in) and their
    unlocked signing credentials."""
    user = store.authenticate(username, password)
    if user.role is not Role.CLINICIAN or user.id is None:
        raise DomainError(f"{user.full_name} is not a clinician; only a clinician signs a course summary.")
    return user, pki.unlock_pkcs12(pki.load_clinician_pkcs12(store, user.id), password)


def summary_command(args: argparse.Namespace, store: Any, read_secret: Any) -> int:
    """`infusiondesk summary --patient MRN [--from DATE] [--to DATE] --out FILE.pdf [--sign-as USER]`."""
    from infusiondesk.drugs import load_drug
    from reports.course_summary import build_course_summary, sign_course_summary

    period = parse_period(args.date_from, args.date_to)  # bad dates are refused before the database is read
    drug = load_drug(None)
    records = read_course(store, args.patient, period, drug)
    if args.sign_as:
        password = read_secret(args, f"InfusionDesk password for {args.sign_as}: ")
        user, credentials = _signing_clinician(store, args.sign_as, password)
        pdf = sign_course_summary(records.clinic, records.course, drug.name, user, credentials)
    else:
        user, pdf = None, build_course_summary(records.clinic, records.course, drug.name)
    try:
        Path(args.out).write_bytes(pdf)
    except OSError as exc:
        raise DomainError(f"Cannot write {args.out}: {exc.strerror or exc}.") from None
    store.audit("export_summary", user, {"patient_id": records.course.patient.id,
                                         "period": records.course.period_text,
                                         "visits": [v.visit_id for v in records.course.visits],
                                         "signed": user is not None, "sha256": pki.sha256_hex(pdf), "via": "cli"})
    n = len(records.course.visits)
    what = "signed course summary" if user is not None else "course summary"
    print(f"Wrote the {what} of MRN {args.patient} ({n} visit{'s' if n != 1 else ''}, "
          f"{records.course.period_text}) to {args.out}.", file=sys.stderr)
    return EXIT_OK
