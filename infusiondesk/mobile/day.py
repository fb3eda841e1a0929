"""The mobile day as operations: check out, sync, and what the clinic does about a lost laptop.

Each takes the clinic store and a signed-in session (the CLI signs in with --user and the password asked); the
laptop database opens with the nurse's password (infusiondesk.mobile.laptop).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from infusiondesk.mobile import MobileError, laptop
from infusiondesk.records.models import UserSession
from infusiondesk.store import sync_copy, sync_exchange

if TYPE_CHECKING:
    from infusiondesk.drugs.library import Drug
    from infusiondesk.pki import SignerCredentials
    from infusiondesk.store.mobile import Revoked
    from infusiondesk.store.store import Store
    from infusiondesk.store.sync_notes import NoteCheck

Clock = Callable[[], datetime]


def checkout(clinic: Store, nurse: UserSession, password: str, mrns: Sequence[str], out: Path, *,
             also: Sequence[str] = (), library: Path | None = None, laptop_clock: Clock | None = None) -> str:
    """Copy these patients, with what charting them needs, into a new encrypted laptop database at `out`, sealed
    with `password` (the nurse's, which signed `nurse` in); record the checkout in the clinic. Returns the
    laptop's id. `also`: other users who chart on this laptop (a clinician approving remotely, a second nurse)."""
    from infusiondesk.drugs import library_path

    if not mrns:
        raise MobileError("Name the patients to take out: --patient MRN (once for each).")
    data = sync_copy.read_checkout(clinic, nurse, mrns, also, clinic._now())
    library_file = library or library_path()[0]
    try:
        library_text = library_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise MobileError(f"The drug library {library_file} cannot be read: {exc.strerror or exc}.") from None
    laptop_id = str(uuid.uuid4())
    key = laptop.new_key(out, password)
    from infusiondesk.store import Store

    try:
        url = laptop.laptop_url(out, key)
        store = Store.open(url) if laptop_clock is None else Store.open(url, clock=laptop_clock)
        try:
            sync_copy.write_laptop(store, data, nurse.user_id, laptop_id, library_text)
        finally:
            store.close()
    except BaseException:
        for leftover in (out, laptop.key_file(out), out.with_name(out.name + "-wal"), out.with_name(out.name + "-shm")):
            leftover.unlink(missing_ok=True)
        raise
    sync_copy.record_checkout(clinic, nurse, data, laptop_id, hashlib.sha256(library_text.encode()).hexdigest())
    return laptop_id


def sync(clinic: Store, nurse: UserSession, laptop_path: Path, password: str, *,
         fault: sync_exchange.Fault | None = None, laptop_clock: Clock | None = None,
         check_note: NoteCheck | None = None) -> sync_exchange.SyncReport:
    """Open the laptop with the nurse's password and sync it with the clinic (infusiondesk.store.sync_exchange).
    `check_note` checks the signatures of the laptop's signed notes (the reports layer's
    `infusiondesk_reports.laptop_notes.check_laptop_note`); without it a laptop with new notes is refused."""
    store = laptop.open_laptop(laptop_path, password, clock=laptop_clock)
    try:
        seal = _credential(store, password)
        if fault is None:
            return sync_exchange.sync(clinic, store, nurse, seal, check_note=check_note)
        return sync_exchange.sync(clinic, store, nurse, seal, fault, check_note)
    finally:
        store.close()


def _credential(store: Store, password: str) -> SignerCredentials | None:
    from infusiondesk import pki

    data = sync_exchange.own_credential(store)
    return pki.unlock_pkcs12(data, password) if data is not None else None


def laptop_drug(store: Store) -> Drug:
    """The drug library in force at checkout, as carried in the laptop database."""
    import tempfile

    from infusiondesk.drugs import load_drug

    text = sync_exchange.laptop_library(store)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "library.toml"
        path.write_text(text, encoding="utf-8")
        return load_drug(path)


def revoke(clinic: Store, admin: UserSession, laptop_id: str, ca_passphrase: str | None,
           reason: str = "laptop lost") -> tuple[Revoked, bool]:
    """Revoke a lost laptop: its syncs are refused from now on and, with the CA passphrase, the nurse's signing
    certificate it carries goes on the clinic CRL (and her sealed key is marked revoked: she is issued a new one).
    Returns the laptop's record and whether the certificate was revoked."""
    from infusiondesk import pki

    revoked = clinic.mobile.revoke_laptop(laptop_id, by=admin, reason=reason)
    cert = pki.load_clinician_certificate(clinic, revoked.user_id)
    if cert is None or ca_passphrase is None:
        return revoked, False
    pki.revoke(clinic, ca_passphrase, cert, clinic._now(), by=admin)
    why = f"laptop {laptop_id} revoked: {reason}"
    clinic.keys.revoke(pki.KIND_USER_P12, f"user-{revoked.user_id}.p12", admin, reason=why)
    clinic.keys.revoke(pki.KIND_USER_CERT, f"user-{revoked.user_id}.pem", admin, reason=why)
    return revoked, True
