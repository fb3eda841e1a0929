"""Real signed notes made outside the app: a clinic certificate authority and its staff's signing credentials,
made once on first use, and the sign hook that renders and signs a visit's note with them.

`infusiondesk demo` uses it with the demo users' printed passwords sealing their signing keys (as the app
does, so a demo clinician can also sign in the app) and the demo CA passphrase (printed too, never a login
password); `infusiondesk scenario run` uses it with passphrases made for the run.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from infusiondesk import enrolment, pki
from infusiondesk.demo import DEMO_CA_PASSPHRASE, DEMO_USERS, SignHook
from infusiondesk.drugs.library import Drug
from infusiondesk.records.models import Patient, Role, User, UserSession, Visit
from infusiondesk.service import SignedNote
from infusiondesk.store import Store
from infusiondesk.workflow import signed_versions
from infusiondesk_reports.note_commands import sign_note

_PASSWORDS = {username: password for username, _, _, _, password in DEMO_USERS}


def clinic_sign_hook(drug: Drug, ca_passphrase: str, passphrase_for: Callable[[User], str]) -> SignHook:
    """A hook that returns the signed PDF note of a signature candidate (the visit as it will read once signed),
    for the visit service to save with the signature. The clinic CA and every nurse's and clinician's
    credentials (each locked with `passphrase_for(user)`) are made on first use, once."""
    credentials: dict[int, pki.SignerCredentials] = {}

    def enrol(store: Store, admin: UserSession) -> None:
        now = datetime.now(UTC)  # certificates are valid from the real time of signing, not the records' dates
        enrolment.add_clinic_ca(store, admin, ca_passphrase=ca_passphrase, now=now)
        for user in store.users.all(by=admin):
            if user.role not in (Role.NURSE, Role.CLINICIAN):
                continue
            passphrase = passphrase_for(user)
            p12 = enrolment.issue_credential(store, admin, user, passphrase, ca_passphrase=ca_passphrase, now=now)
            credentials[user.id] = pki.unlock_pkcs12(p12, passphrase)

    def hook(store: Store, candidate: Visit, patient: Patient, signer: UserSession, admin: UserSession) -> SignedNote:
        """The signed note of a visit as the service will save it (its signature candidate), read as the signer,
        with the closing signer's key to seal the audit checkpoint. The first call enrols as the admin."""
        if not credentials:
            enrol(store, admin)
        closing = signed_versions(candidate)[-1][1].signer_id
        return SignedNote(sign_note(store, candidate, drug, credentials, by=signer), credentials.get(closing))

    return hook


def demo_sign_hook(drug: Drug) -> SignHook:
    """The demo clinic's hook: passphrases are the demo users' printed passwords."""
    return clinic_sign_hook(drug, DEMO_CA_PASSPHRASE, lambda user: _PASSWORDS[user.username])


def run_sign_hook(drug: Drug) -> SignHook:
    """A hook for a throwaway run (a scenario): passphrases are random, used only in memory."""
    return clinic_sign_hook(drug, secrets.token_urlsafe(18), lambda user: secrets.token_urlsafe(18))
