"""`infusiondesk receipt`: a visit's signed receipt and superbill (PDF), and the function the app calls for the
same thing. Every read is made as the signed-in user; issuing is audited with the PDF's hash."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infusiondesk.errors import DomainError
from infusiondesk.store.audit.events import AuditEvent

if TYPE_CHECKING:  # the parser imports this module: the key code and the store load in the handlers only
    from infusiondesk import pki
    from infusiondesk.records.models import UserSession
    from infusiondesk.store import Store

EXIT_OK = 0


def make_receipt(store: Store, visit_id: int, *, by: UserSession, credentials: pki.SignerCredentials | None,
                 now: datetime | None = None, via: str = "app") -> bytes:
    """The receipt PDF of a stopped visit, signed by `credentials` (the signed-in user's unlocked key) or
    unsigned when None; audited as `receipt_issued`."""
    from infusiondesk import pki
    from infusiondesk.billing.codes import billing_codes
    from infusiondesk_reports.receipt_pdf import render_receipt, signed_receipt

    moment = now or datetime.now(UTC)
    receipt = store.billing.receipt_for(visit_id, by=by)
    visit = store.visits.get(visit_id, by=by)
    patient = store.patients.get(visit.patient_id, by=by)
    clinic = store.clinic.get()
    if credentials is not None:
        pdf = signed_receipt(clinic, patient, receipt, billing_codes(), by.user, credentials, now=moment)
    else:
        pdf = render_receipt(clinic, patient, receipt, billing_codes(), by.user, moment, signed=False).pdf
    store.audit.append(AuditEvent.RECEIPT_ISSUED, by, {"visit_id": visit_id, "total_cents": receipt.total_cents,
                                       "paid": receipt.paid, "signed": credentials is not None,
                                       "sha256": pki.sha256_hex(pdf), "via": via})
    return pdf


def receipt_command(args: argparse.Namespace, store: Store, read_secret: Any) -> int:
    """`infusiondesk receipt --visit ID --out FILE.pdf --user NAME [--unsigned]`."""
    from infusiondesk import pki

    if not args.user:
        raise DomainError("A receipt shows a patient's record: give --user NAME (your InfusionDesk user name); "
                          "your password is asked.")
    try:
        password = read_secret(args, f"InfusionDesk password for {args.user}: ")
        session = store.users.sign_in(args.user, password)
        try:
            creds = None if args.unsigned else pki.unlock_pkcs12(pki.load_clinician_pkcs12(store, session), password)
            pdf = make_receipt(store, args.visit, by=session, credentials=creds, via="cli")
        finally:
            store.users.sign_out(session)
    finally:
        store.close()
    try:
        Path(args.out).write_bytes(pdf)
    except OSError as exc:
        raise DomainError(f"Cannot write {args.out}: {exc.strerror or exc}.") from None
    print(f"Wrote the {'unsigned' if args.unsigned else 'signed'} receipt of visit {args.visit} to {args.out}.",
          file=sys.stderr)
    return EXIT_OK


def _receipt(args: argparse.Namespace) -> int:
    from infusiondesk import cli as core_cli

    return receipt_command(args, core_cli.open_store(args), core_cli.read_secret)


def add_receipt_command(sub: Any, db_help: str) -> None:
    receipt = sub.add_parser("receipt", help="a visit's receipt and superbill (PDF), signed by you")
    receipt.add_argument("--db", help=db_help)
    receipt.add_argument("--user", metavar="NAME", help="your InfusionDesk user name, a nurse or clinician "
                         "(your password is asked; it also unlocks your signing key)")
    receipt.add_argument("--visit", required=True, type=int, metavar="ID")
    receipt.add_argument("--out", required=True, metavar="FILE.pdf")
    receipt.add_argument("--unsigned", action="store_true", help="do not sign (for a user without a signing key)")
    receipt.add_argument("--passphrase-file", metavar="FILE", help="read the password from the first line of FILE")
    receipt.set_defaults(handler=_receipt)
