"""The mobile day as operations: check out, sync, and what the clinic does about a lost laptop.

Each takes the clinic store and a signed-in session (the CLI signs in with --user and the password asked); the
laptop database opens with the nurse's password (infusiondesk.mobile.laptop).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from infusiondesk.mobile import MobileError, laptop
from infusiondesk.records.models import UserSession
from infusiondesk.store import laptop_keys, sync_copy, sync_exchange

if TYPE_CHECKING:
    from infusiondesk.drugs.library import Drug
    from infusiondesk.mobile.credentials import LaptopCredential
    from infusiondesk.pki import SignerCredentials
    from infusiondesk.store.mobile import Revoked
    from infusiondesk.store.store import Store
    from infusiondesk.store.sync_notes import NoteCheck

Clock = Callable[[], datetime]


def checkout(clinic: Store, nurse: UserSession, password: str, mrns: Sequence[str], out: Path, *,
             also: Sequence[str] = (), library: Path | None = None, laptop_clock: Clock | None = None,
             ca_passphrase: str | None = None, also_passwords: Mapping[str, str] | None = None) -> str:
    """Copy these patients, with what charting them needs, into a new encrypted laptop database at `out`, sealed
    with `password` (the nurse's, which signed `nurse` in); record the checkout in the clinic. Returns the
    laptop's id. `also`: other users who chart on this laptop (a clinician approving remotely, a second nurse).
    With `ca_passphrase` (the clinic CA's), the nurse and each `also` user named in `also_passwords` (user name
    -> their password) get a signing key for this laptop only (mobile/credentials.py); without it the laptop
    carries no signing key and notes are signed in the clinic after sync."""
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
    issued = _issue(clinic, nurse, password, data, laptop_id, ca_passphrase, also_passwords or {}, out)
    key = laptop.new_key(out, password)
    from infusiondesk.store import Store

    try:
        url = laptop.laptop_url(out, key)
        store = Store.open(url) if laptop_clock is None else Store.open(url, clock=laptop_clock)
        try:
            sync_copy.write_laptop(store, data, nurse.user_id, laptop_id, library_text)
            laptop_keys.write_to_laptop(store, nurse.user_id, [(c.user_id, c.p12, c.certificate_pem) for c in issued])
        finally:
            store.close()
    except BaseException:
        for leftover in (out, laptop.key_file(out), out.with_name(out.name + "-wal"), out.with_name(out.name + "-shm")):
            leftover.unlink(missing_ok=True)
        raise
    with clinic.batch():  # the checkout and its certificates, one transaction: revoke finds every one it issued
        laptop_keys.record_certificates(clinic, nurse, laptop_id, [(c.user_id, c.certificate_pem) for c in issued])
        sync_copy.record_checkout(clinic, nurse, data, laptop_id, hashlib.sha256(library_text.encode()).hexdigest())
    return laptop_id


def _issue(clinic: Store, nurse: UserSession, password: str, data: sync_copy.CheckoutData, laptop_id: str,
           ca_passphrase: str | None, also_passwords: Mapping[str, str], out: Path) -> list[LaptopCredential]:
    """The laptop's signing credentials (none without the CA passphrase), made before the laptop file is, so a
    wrong passphrase or password leaves nothing behind."""
    from infusiondesk.mobile import credentials

    if ca_passphrase is None:
        return []
    for existing in (out, laptop.key_file(out)):  # refused before the slow key work, as laptop.new_key would
        if existing.exists():
            raise MobileError(f"{existing} already exists; sync and remove the old laptop database first, or "
                              "choose another file.")
    wanted = {name.strip().lower(): pw for name, pw in also_passwords.items() if pw}
    by_name = {r.username: r for r in data.users}
    unknown = sorted(set(wanted) - set(by_name))
    if unknown:
        raise MobileError(f"{', '.join(unknown)} is not among the people on this laptop; add them with --also.")
    credentials.check_passwords(clinic, {n: pw for n, pw in wanted.items() if by_name[n].id != nurse.user_id})
    signers = [(r, password if r.id == nurse.user_id else wanted[r.username]) for r in data.users
               if r.id == nurse.user_id or r.username in wanted]
    return credentials.issue(clinic, ca_passphrase, laptop_id, signers)


def sync(clinic: Store, nurse: UserSession, laptop_path: Path, password: str, *,
         fault: sync_exchange.Fault | None = None, laptop_clock: Clock | None = None,
         check_note: NoteCheck | None = None) -> sync_exchange.SyncReport:
    """Open the laptop with the nurse's password and sync it with the clinic (infusiondesk.store.sync_exchange).
    `check_note` checks the signatures of the laptop's signed notes (the reports layer's
    `infusiondesk_reports.laptop_notes.check_laptop_note`); without it a laptop with new notes is refused.
    The checkpoint is sealed with her laptop key, or, on a laptop that carries none, with her clinic key (unlocked
    here, in the clinic, with the same password)."""
    from infusiondesk.mobile import credentials

    store = laptop.open_laptop(laptop_path, password, clock=laptop_clock)
    try:
        seal = _credential(store, password) or credentials.clinic_seal(clinic, nurse, password)
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
    """Revoke a lost laptop: its syncs are refused from now on and, with the CA passphrase, the signing
    certificates issued for this laptop at checkout go on the clinic CRL (the people's regular clinic keys are
    untouched: none ever left the clinic). Returns the laptop's record and whether certificates were revoked
    (False without the passphrase, or when the laptop carried none)."""
    from infusiondesk.mobile import credentials

    if ca_passphrase is not None and laptop_keys.certificates(clinic, laptop_id):
        credentials.check_ca_passphrase(clinic, ca_passphrase)  # a typo changes nothing
    revoked = clinic.mobile.revoke_laptop(laptop_id, by=admin, reason=reason)
    if ca_passphrase is None:
        return revoked, False
    return revoked, bool(credentials.revoke(clinic, admin, laptop_id, ca_passphrase, reason))
