"""Real signed notes for the demo clinic: its certificate authority, its staff's signing credentials, and the
sign hook `infusiondesk demo` hands to build_demo.

Each demo user's signing key is sealed with their printed password, as the app does, so a demo clinician can
also sign in the app; the CA key is sealed with the demo CA passphrase (printed too), never a login password.
"""

from __future__ import annotations

from datetime import UTC, datetime

from infusiondesk import pki
from infusiondesk import workflow as wf
from infusiondesk.demo import DEMO_CA_PASSPHRASE, DEMO_USERS, SignHook
from infusiondesk.drugs.library import Drug
from infusiondesk.records.models import Patient, Role, Signature, SignatureMeaning, User, Visit
from infusiondesk.store import Store
from reports.note_commands import sign_and_store

_PASSWORDS = {username: password for username, _, _, _, password in DEMO_USERS}


def demo_sign_hook(drug: Drug) -> SignHook:
    """A hook that signs each visit as the clinician, keeps its signed PDF, and returns the saved visit.
    The clinic CA and every nurse's and clinician's credentials are made on first use, once."""
    credentials: dict[int, pki.SignerCredentials] = {}

    def enrol(store: Store) -> None:
        now = datetime.now(UTC)  # certificates are valid from the real time of signing, not the demo's dates
        ca_passphrase = DEMO_CA_PASSPHRASE
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

    def hook(store: Store, visit: Visit, patient: Patient, clinician: User, now: datetime) -> Visit:
        if not credentials:
            enrol(store)
        assert clinician.id is not None
        signed = wf.sign(visit, Signature(clinician.id, clinician.full_name, clinician.credentials,
                                          SignatureMeaning.REVIEWED_APPROVED, now), clinician, now)
        saved = store.save_visit(signed, clinician)
        sign_and_store(store, saved, drug, credentials)
        return saved

    return hook
