"""Signed notes against the records store: sign and keep, export the exact stored bytes, verify, export the CA.

Called by `infusiondesk verify | export-note | ca export` (infusiondesk_reports.cli), by the app and by the demo.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infusiondesk import pki
from infusiondesk.drugs.library import Drug
from infusiondesk.errors import DomainError
from infusiondesk.records.models import User, UserSession, Visit
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk_reports.signing import (
    NotAPdfError,
    TrustFileError,
    VerificationReport,
    load_crl,
    load_trust_root,
    sign_visit_note,
    verify_pdf,
)
from infusiondesk_reports.visit_note import build_visit_note

if TYPE_CHECKING:  # the store pulls in SQLAlchemy; the commands are handed an open one
    from infusiondesk.store import Store

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _users(store: Store, by: UserSession) -> dict[int, User]:
    users: dict[int, User] = store.users.staff_names(by=by)
    return users


def sign_note(store: Store, visit: Visit, drug: Drug, credentials: Mapping[int, pki.SignerCredentials], *,
              by: UserSession, now: datetime | None = None) -> bytes:
    """The signed PDF note of a candidate visit: the visit as it will read once its signature is saved
    (`VisitService.signature_candidate` / `addendum_candidate`), rendered and signed for every signer of this
    version whose credentials are given. Nothing is stored here: the caller hands the bytes to
    `VisitService.sign` / `sign_addendum`, which saves the signature and the note in one transaction. `by` is
    the signer's session (the patient and the staff names are read as them)."""
    patient = store.patients.get(visit.patient_id, by=by)
    pdf: bytes = sign_visit_note(store.clinic.get(), patient, visit, _users(store, by), drug, credentials, now=now)
    return pdf


def note_for_export(store: Store, visit_id: int, drug: Drug, version: int | None = None, *,
                    by: UserSession) -> tuple[bytes, bool]:
    """(PDF, signed): the stored signed bytes when there are some (never re-rendered), else a draft; read as the
    session's user (a nurse or clinician)."""
    stored = store.notes.get(visit_id, version, by=by)
    if stored is not None:
        return bytes(stored), True
    if version is not None:
        raise DomainError(f"Visit {visit_id} has no signed note version {version}; leave out --version for the "
                          "latest.")
    visit = store.visits.get(visit_id, by=by)
    patient = store.patients.get(visit.patient_id, by=by)
    return build_visit_note(store.clinic.get(), patient, visit, _users(store, by), drug, draft=True), False


# --- command line -----------------------------------------------------------------------------------------


def _print_report(path: str, report: VerificationReport, trusted_required: bool) -> None:
    verdict = "VALID" if report.valid and report.intact and (report.trusted or not trusted_required) else "INVALID"
    print(f"{path}: {verdict}")
    print(f"  signatures: {len(report.signatures)}; valid: {'yes' if report.valid else 'no'}; "
          f"intact since signing: {'yes' if report.intact else 'no'}; "
          f"trusted: {'yes' if report.trusted else 'no'}; certified: {'yes' if report.certified else 'no'}")
    for s in report.signatures:
        when = s.signing_time.isoformat(timespec="seconds") if s.signing_time else "unknown time"
        trust = "trusted" if s.trusted else f"untrusted ({s.trust_problem})"
        print(f"  - {s.signer}, {when}: {s.reason or 'no reason given'}; "
              f"{'valid' if s.valid and s.intact else 'INVALID'}, {trust}, "
              f"changes after it: {s.modification_level.lower().replace('_', ' ')}")
    for p in report.problems:
        print(f"  ! {p}")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DomainError(f"Cannot read {path}: {exc.strerror or exc}.") from exc


def _checked(path: Path, load: Callable[[bytes], Any]) -> bytes:
    """The bytes of a --trust or --crl file, refused in one sentence naming it when they are not what was asked."""
    data = _read(path)
    try:
        load(data)
    except TrustFileError as exc:
        raise DomainError(f"{path}: {exc.message}") from exc
    return data


def verify_command(args: argparse.Namespace) -> int:
    """Exit 0 only when every signature is valid and nothing was changed or added after signing (and trusted,
    when --trust is given); 1 otherwise; 2 when the file is missing, not a PDF or unreadable, or a --trust or
    --crl file is not a certificate or revocation list."""
    path = Path(args.file)
    data = _read(path)
    roots = [_checked(Path(t), load_trust_root) for t in args.trust or []]
    crls = [_checked(Path(c), load_crl) for c in args.crl or []]
    try:
        report = verify_pdf(data, roots, crls)
    except NotAPdfError as exc:
        raise DomainError(f"{path}: {exc.message}") from exc
    ok = report.valid and report.intact and (report.trusted or not roots)
    if args.json:
        print(json.dumps({"file": str(path), "ok": ok, **report.as_dict()}, indent=2))
    else:
        _print_report(str(path), report, bool(roots))
    return EXIT_OK if ok else EXIT_FAIL


def export_note_command(args: argparse.Namespace, store: Store) -> int:
    """Write a visit's note as the --user signed in (a nurse or clinician), audited as them."""
    from infusiondesk import cli as core_cli
    from infusiondesk.drugs import load_drug

    session = core_cli.sign_in(args, store)
    try:
        pdf, signed = note_for_export(store, args.visit, load_drug(None), args.version, by=session)
        Path(args.out).write_bytes(pdf)
        store.audit.append(AuditEvent.EXPORT_NOTE, session, {"visit_id": args.visit, "signed": signed,
                                                             "bytes": len(pdf), "sha256": pki.sha256_hex(pdf),
                                                             "via": "cli"})
    finally:
        core_cli.sign_out(args, store)
    what = "signed note" if signed else "DRAFT (the visit has no signed note yet)"
    print(f"Wrote {what} of visit {args.visit} to {args.out} ({len(pdf):,} bytes).", file=sys.stderr)
    return EXIT_OK


def ca_export_command(args: argparse.Namespace, store: Store) -> int:
    ca = pki.load_clinic_ca(store)
    Path(args.out).write_bytes(ca.certificate_pem)
    info = pki.certificate_info(ca.certificate)
    print(f"Wrote the clinic CA certificate to {args.out}: {info.subject}, SHA-256 {info.sha256_fingerprint}.",
          file=sys.stderr)
    crl = pki.load_crl(store)
    if crl is not None and args.crl:
        Path(args.crl).write_bytes(crl)
    return EXIT_OK
