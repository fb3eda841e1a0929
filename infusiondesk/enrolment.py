"""Setting up the clinic and its staff's signing keys: the steps that touch both accounts and keys, in order.

The clinic CA's key is sealed with its own passphrase, chosen at first run and kept by the clinic (not any one
admin's login password), so any admin who knows it can enrol staff, and an admin changing their password or
leaving locks nothing. A nurse's or clinician's certificate is issued before their account is made and both
are saved in one transaction: a wrong CA passphrase leaves no half-made user behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infusiondesk import pki
from infusiondesk.errors import DomainError
from infusiondesk.passwords import PasswordRefused, check_new_password
from infusiondesk.records.models import Clinic, Role, User, UserSession


@dataclass(frozen=True)
class ClinicSetUp:
    """What first run made: the admin's session (signed in, so enrolment of staff can follow), and the CA
    recovery code, shown once and never stored in the clear."""

    admin_session: UserSession
    recovery_code: str

    @property
    def admin(self) -> User:
        return self.admin_session.user


def set_up_clinic(store: Any, clinic: Clinic, *, admin_username: str, admin_full_name: str, admin_password: str,
                  ca_passphrase: str, now: datetime) -> ClinicSetUp:
    """First run: the clinic, its first admin, and its certificate authority under the CA passphrase, with a
    second copy of the CA key sealed under a recovery code that is returned (to be shown once) and not kept."""
    check_new_password(admin_password, admin_username)
    check_new_password(ca_passphrase, admin_username)
    if ca_passphrase == admin_password:
        raise PasswordRefused("Choose a CA passphrase different from the admin's password: the clinic keeps "
                              "the passphrase, a password belongs to one person.")
    ca = pki.create_clinic_ca(clinic.name, ca_passphrase, now)  # slow key work before the transaction
    with store.batch():  # one transaction: a failure at the CA step leaves no clinic, so first run can be redone
        admin: UserSession = store.clinic.setup(clinic, admin_username, admin_full_name, admin_password)
        code = keep_clinic_ca(store, ca, ca_passphrase, by=admin)
    return ClinicSetUp(admin, code)


def keep_clinic_ca(store: Any, ca: pki.ClinicCA, ca_passphrase: str, *, by: UserSession) -> str:
    """Keep a new clinic CA and a second copy of its key sealed under a recovery code; returns the code (to be
    shown once, never stored in the clear). Call inside `store.batch()` when it belongs with other changes."""
    pki.save_clinic_ca(store, ca, by=by)
    code = pki.new_recovery_code()
    store.keys.save(pki.KIND_CA_RECOVERY, None, "clinic-ca-key-recovery",
                          pki.seal_ca_key_for_recovery(ca, ca_passphrase, code), by=by)
    return code


def add_clinic_ca(store: Any, by: UserSession, *, ca_passphrase: str, now: datetime) -> str:
    """A certificate authority for a clinic set up without one (the demo, a scenario run, tests that add
    signing later); returns the recovery code. First run uses `set_up_clinic`, which makes it with the clinic.
    Not a transaction of its own (the demo calls it inside its batch): wrap it in `store.batch()` elsewhere."""
    ca = pki.create_clinic_ca(store.clinic.get().name, ca_passphrase, now)
    return keep_clinic_ca(store, ca, ca_passphrase, by=by)


def _credential(store: Any, ca_passphrase: str, who: tuple[str, str, str], password: str,
                now: datetime) -> tuple[bytes, bytes]:
    """A certificate for `who` (full name, user name, credentials), sealed with `password`, ready to keep."""
    full_name, username, credentials = who
    ca = pki.load_clinic_ca(store)
    p12 = pki.issue_clinician_pkcs12(ca, ca_passphrase, full_name=full_name, username=username,
                                     passphrase=password, now=now, credentials=credentials)
    return pki.credential_for_store(p12, password)


def _who(user: User) -> tuple[str, str, str]:
    return user.full_name, user.username, user.credentials


def issue_credential(store: Any, by: UserSession, user: User, password: str, *, ca_passphrase: str,
                     now: datetime) -> bytes:
    """Give an existing nurse or clinician a signing certificate from the clinic CA, sealed with `password`
    (their login password, as at enrolment); returns the sealed PKCS#12. For staff added before the clinic had
    a CA; new staff get theirs from `enrol_staff`."""
    if user.role is Role.ADMIN:
        raise DomainError(f"{user.full_name} is an administrator; only nurses and clinicians sign notes.")
    p12, _ = _credential(store, ca_passphrase, _who(user), password, now)
    pki.save_clinician_pkcs12(store, user.id, p12, password, by=by)
    return p12


def enrol_staff(store: Any, by: UserSession, *, username: str, full_name: str, role: Role, password: str,
                credentials: str = "", ca_passphrase: str = "", now: datetime) -> User:
    """Add a user; a nurse or clinician gets a signing certificate sealed with their first password."""
    username = username.strip().lower()
    check_new_password(password, username)
    credential = None
    if Role(role) is not Role.ADMIN:
        who = (full_name.strip(), username, credentials.strip())
        credential = _credential(store, ca_passphrase, who, password, now)
    user: User = store.users.create(username, full_name, role, password, credentials.strip(), by=by,
                                   signing_credential=credential)
    return user


def reset_password(store: Any, by: UserSession, user_id: int, temporary_password: str, *, ca_passphrase: str = "",
                   now: datetime) -> User:
    """An admin's reset: a temporary password the person must change at their next sign-in. Their signing key
    opens only with their old password, so someone with a certificate gets a new one (the CA passphrase is
    needed) and the old one goes on the clinic's revocation list."""
    user = store.users.get(user_id)
    old_cert = pki.load_clinician_certificate(store, user_id)
    credential = None
    if old_cert is not None:
        if not ca_passphrase:
            raise DomainError(f"Enter the clinic CA passphrase: {user.full_name}'s signing key opens only with "
                              "their old password, so a reset issues them a new certificate.")
        check_new_password(temporary_password, user.username)
        credential = _credential(store, ca_passphrase, _who(user), temporary_password, now)
    reset: User = store.users.reset_password(user_id, temporary_password, by, signing_credential=credential)
    if old_cert is not None and old_cert.issuer == pki.load_clinic_ca(store).certificate.subject:
        pki.revoke(store, ca_passphrase, old_cert, now, by=by)
    return reset


def change_ca_passphrase(store: Any, old_passphrase: str, new_passphrase: str, *, by: UserSession) -> None:
    """Seal the CA key under a new passphrase (also upgrades a key an older version stored). The earlier sealed
    copies are marked replaced but stay in the database, so a passphrase that leaked with a copy of the
    database calls for a new CA, not just a new passphrase."""
    check_new_password(new_passphrase)
    _keep_ca_key(store, pki.change_ca_passphrase(pki.load_clinic_ca(store), old_passphrase, new_passphrase), by)


def recover_ca_passphrase(store: Any, recovery_code: str, new_passphrase: str, *, by: UserSession) -> None:
    """The CA passphrase is forgotten: the recovery code printed at first run opens the second copy of the key,
    which is sealed again under a new passphrase."""
    check_new_password(new_passphrase)
    copies = store.keys.load(pki.KIND_CA_RECOVERY)
    if not copies:
        raise DomainError("This clinic has no recovery copy of its CA key (it was set up before recovery codes); "
                          "set up a new CA.")
    _keep_ca_key(store, pki.recover_ca(pki.load_clinic_ca(store), copies[-1][1], recovery_code, new_passphrase), by)


def _keep_ca_key(store: Any, ca: pki.ClinicCA, by: UserSession) -> None:
    """Keep the re-sealed CA key (an admin's session: the store refuses anyone else)."""
    name = f"clinic-ca-key-{pki.sha256_hex(ca.encrypted_key)[:12]}"
    earlier = {n for n, _ in store.keys.load(pki.KIND_CA_KEY)}
    store.keys.save(pki.KIND_CA_KEY, None, name, ca.encrypted_key, by=by)
    for n in earlier - {name}:
        store.keys.revoke(pki.KIND_CA_KEY, n, by, "replaced: CA passphrase changed")
