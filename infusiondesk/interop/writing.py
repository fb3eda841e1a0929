"""An import's report checked against the database and written. An MRN the database already has is refused and
never merged (a CSV row, an HL7 A04); an HL7 A08 updates the patient of its MRN and is refused when there is none.
Writing is done as the signed-in admin, in transactions of `BATCH_ROWS` rows, through the store's own
add_patient / update_patient (so each patient is checked and audited exactly as when typed), with one more audit
entry for the import itself: file name, SHA-256 and counts, no patient data."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from infusiondesk.auth import AuthError, PermissionDenied
from infusiondesk.errors import DomainError
from infusiondesk.interop.report import Accepted, Action, ImportReport, Rejection
from infusiondesk.records.models import Patient, Role, UserSession
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import PatientChangedElsewhere

if TYPE_CHECKING:
    from infusiondesk.store import Store

BATCH_ROWS = 500  # rows per transaction: a failure loses at most one batch's work, and 5,000 rows take seconds
AUDIT_EVENT = AuditEvent.IMPORT_PATIENTS
Progress = Callable[[int], None]  # called with the number of rows handled so far


def require_admin(store: Store, by: UserSession) -> None:
    """Imports are an admin's job (the role as the database has it now, not as the session remembers it)."""
    user = store.users.current(by)
    if user.role is not Role.ADMIN:
        raise PermissionDenied(f"Only an admin can import patients; {user.full_name} is signed in as "
                               f"{user.role.value}.")


def check_against_database(report: ImportReport, store: Store, by: UserSession,
                           progress: Progress | None = None) -> ImportReport:
    """The report with the database's duplicates refused and A08 updates applied to the patient found."""
    require_admin(store, by)
    accepted: list[Accepted] = []
    rejected = list(report.rejected)
    for n, item in enumerate(report.accepted, start=1):
        if progress is not None and (n % 100 == 0 or n == len(report.accepted)):
            progress(n)
        found = store.patients.by_mrn(item.patient.mrn, by=by)
        if item.action is Action.CREATE and found is not None:
            rejected.append(Rejection(item.row, "mrn", f"MRN {item.patient.mrn} is already in the database "
                                      f"({found.display_name}); not imported and not merged: change that patient "
                                      "in the app if this row is newer.", duplicate=True))
        elif item.action is Action.UPDATE and found is None:
            rejected.append(Rejection(item.row, "mrn", f"MRN {item.patient.mrn} is not in the database, so there "
                                      "is no patient to update; send a registration (A04) first."))
        elif item.action is Action.UPDATE and found is not None:
            p = item.patient
            # an address or phone the message leaves out is kept as the clinic has it
            accepted.append(dataclasses.replace(item, found=found, patient=dataclasses.replace(
                found, family_name=p.family_name, given_name=p.given_name, date_of_birth=p.date_of_birth,
                sex=p.sex, address=p.address or found.address, phone=p.phone or found.phone)))
        else:
            accepted.append(item)
    return dataclasses.replace(report, accepted=tuple(accepted),
                               rejected=tuple(sorted(rejected, key=lambda r: r.row)))


def commit(report: ImportReport, store: Store, by: UserSession, progress: Progress | None = None,
           batch_rows: int = BATCH_ROWS) -> ImportReport:
    """Write the accepted rows of a report from `check_against_database`; returns it with `committed` set and
    any row the store refused at the moment of writing (another workstation registered that MRN meanwhile)
    moved to the rejections. A lost session or role stops the import; the batches written before stay written
    and are in the import's audit entry."""
    require_admin(store, by)
    written: list[Accepted] = []
    refused: list[Rejection] = []
    items = report.accepted
    try:
        for start in range(0, len(items), batch_rows):
            with store.batch():
                for item in items[start:start + batch_rows]:
                    try:
                        if item.action is Action.CREATE:
                            store.patients.add(item.patient, by=by)
                        elif isinstance(item.patient, Patient) and item.found is not None:  # found by MRN
                            store.patients.update(item.patient, by=by, based_on=item.found)
                        else:
                            raise DomainError(f"MRN {item.patient.mrn} was not looked up in the database, so "
                                              "there is no patient to update; check the file again.")
                    except (AuthError, PermissionDenied):
                        raise
                    except PatientChangedElsewhere as exc:  # changed in the app after the check read it
                        refused.append(Rejection(item.row, ", ".join(exc.fields), exc.message))
                    except DomainError as exc:
                        refused.append(Rejection(item.row, "mrn", exc.message, duplicate="MRN" in exc.message))
                    else:
                        written.append(item)
            if progress is not None:
                progress(min(start + batch_rows, len(items)))
    finally:
        done = dataclasses.replace(report, committed=True, written=len(written),
                                   accepted=tuple(written),
                                   rejected=tuple(sorted((*report.rejected, *refused), key=lambda r: r.row)))
        _audit_import(store, by, audit_detail(done, complete=len(written) + len(refused) == len(items)))
    return done


def _audit_import(store: Store, by: UserSession, detail: dict[str, object]) -> None:
    """The import's entry, by the admin; when their session ended mid-import (signed out, deactivated) the batches
    already written are still recorded, by no one, naming the session (each patient's entry names the admin)."""
    try:
        store.audit.append(AUDIT_EVENT, by, detail)
    except (AuthError, PermissionDenied):
        store.audit.append(AUDIT_EVENT, None, {**detail, "session_id": by.id, "session_ended": True})
        raise


def audit_detail(report: ImportReport, *, complete: bool = True) -> dict[str, object]:
    """What the import's audit entry says: the file and the counts (each patient has its own entry)."""
    return {"file": report.source, "sha256": report.sha256, "format": report.kind, "rows": report.rows,
            "created": report.written - report.updates, "updated": report.updates,
            "rejected": len(report.rejected), "skipped": len(report.skipped), "complete": complete}
