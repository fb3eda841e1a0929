"""Real signed notes for the demo clinic: its certificate authority, its staff's signing credentials, and the
sign hook `infusiondesk demo` hands to build_demo.

The demo's passphrases are the demo users' printed passwords (the CA's is the admin's), as the app sets
them up at first run, so a demo clinician can also sign in the app.
"""

from __future__ import annotations

from datetime import UTC, datetime

from infusiondesk import pki
from infusiondesk.demo import DEMO_USERS, SignHook
from infusiondesk.drugs.library import Drug
from infusiondesk.records.models import Patient, Role, Visit
from infusiondesk.store import Store
from reports.note_commands import sign_note

_PASSWORDS = {username: password for username, _, _, _, password in DEMO_USERS}
_ADMIN = next(username for username, _, role, _, _ in DEMO_USERS if role is Role.ADMIN)


def demo_sign_hook(drug: Drug) -> SignHook:
    """A hook that renders and signs the note of each visit's signature candidate and returns the PDF bytes.
    The clinic CA and every nurse's and clinician's credentials are made on first use, once."""
    credentials: dict[int, pki.SignerCredentials] = {}

    def enrol(store: Store) -> None:
        now = datetime.now(UTC)  # certificates are valid from the real time of signing, not the demo's dates
        ca_passphrase = _PASSWORDS[_ADMIN]
        ca = pki.create_clinic_ca(store.get_clinic().name, ca_passphrase, now)
        pki.save_clinic_ca(store, ca)
        for user in store.list_users():
            if user.role not in (Role.NURSE, Role.CLINICIAN) or user.id is None:
                continue
            passphrase = _PASSWORDS[user.username]
            p12 = pki.issue_clinician_pkcs12(ca, ca_passphrase, full_name=user.full_name, username=user.username,
                                             passphrase=passphrase, now=now, credentials=user.credentials)
            pki.save_clinician_pkcs12(store, user.id, p12, passphrase)
            credentials[user.id] = pki.unlock_pkcs12(p12, passphrase)

    def hook(store: Store, candidate: Visit, patient: Patient) -> bytes:
        """The signed note of the visit as it will read once signed; the demo saves both in one step."""
        if not credentials:
            enrol(store)
        return sign_note(store, candidate, drug, credentials)

    return hook
