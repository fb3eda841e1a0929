"""Per-laptop signing credentials: issued at checkout, one for each person who will sign on that laptop, bound to
it, and revoked with it.

A laptop that leaves the clinic carries no regular signing key any more. With the clinic CA passphrase (typed by
whoever prepares the laptop), checkout issues each signer a fresh key and certificate from the clinic CA whose
subject names the laptop (OU "Laptop <id>"), valid LAPTOP_VALID_DAYS, sealed with that person's own password;
the clinic keeps each certificate (store/laptop_keys.py). Revoking the laptop puts exactly those certificates
on the clinic CRL, so a lost laptop costs nobody their clinic signing key. Without the passphrase the laptop
carries no signing credential at all: visits are charted away and their notes are signed in the clinic after sync.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from infusiondesk.errors import DomainError
from infusiondesk.mobile import MobileError
from infusiondesk.records.models import UserSession
from infusiondesk.store import laptop_keys

if TYPE_CHECKING:
    from cryptography import x509

    from infusiondesk.pki import SignerCredentials
    from infusiondesk.store.store import Store

# A checkout is a day or a few days out; a key that outlives it only widens what a lost laptop exposes (its
# certificate is revoked too, but an unnoticed loss is covered by expiry). Check out again to sign for longer.
LAPTOP_VALID_DAYS = 14


@dataclass(frozen=True)
class LaptopCredential:
    """One person's signing key for one laptop: the sealed PKCS#12 (their password opens it) and the certificate."""

    user_id: int
    username: str
    p12: bytes
    certificate_pem: bytes


def laptop_unit(laptop_id: str) -> str:
    """The certificate subject's OU that binds it to this laptop (what an outside validator sees)."""
    return f"Laptop {laptop_id}"


def check_ca_passphrase(clinic: Store, ca_passphrase: str) -> None:
    """Refuse a wrong clinic CA passphrase (one sentence) before anything is changed."""
    from infusiondesk import pki

    pki.load_clinic_ca(clinic).unlock(ca_passphrase)


def check_passwords(clinic: Store, passwords: Mapping[str, str]) -> None:
    """Each `also` signer's password, checked by signing them in and out at the clinic (audited, and counted
    against the lock-out like any sign-in), so a typo cannot seal a key nobody can open."""
    for name, password in passwords.items():
        try:
            session = clinic.users.sign_in(name, password)
        except DomainError as exc:
            raise MobileError(f"{name}'s password was not accepted ({exc}) Their signing key for this laptop is "
                              "sealed with it, so type it again, or leave it empty: they then sign no notes on "
                              "this laptop.") from None
        clinic.users.sign_out(session)


def issue(clinic: Store, ca_passphrase: str, laptop_id: str, signers: Sequence[tuple[Any, str]]
          ) -> list[LaptopCredential]:
    """A fresh credential from the clinic CA for each (user row, password), bound to this laptop. A wrong CA
    passphrase is refused before anything is written (the CA key is unlocked once, first). Certificates are
    dated by the real time (as signatures are), never by a store's clock."""
    from cryptography.hazmat.primitives import serialization

    from infusiondesk import pki

    now = datetime.now(UTC)
    ca = pki.load_clinic_ca(clinic)
    ca.unlock(ca_passphrase)  # a wrong passphrase says so now, before any key is made
    issued = []
    for user, password in signers:
        p12 = pki.issue_clinician_pkcs12(ca, ca_passphrase, full_name=user.full_name, username=user.username,
                                         passphrase=password, now=now, credentials=user.credentials or "",
                                         unit=laptop_unit(laptop_id), valid_days=LAPTOP_VALID_DAYS)
        cert = pki.unlock_pkcs12(p12, password).certificate
        issued.append(LaptopCredential(user.id, user.username, p12, cert.public_bytes(serialization.Encoding.PEM)))
    return issued


def clinic_seal(clinic: Store, nurse: UserSession, password: str) -> SignerCredentials | None:
    """The nurse's regular clinic credential, unlocked with her password at sync (in the clinic), to sign the
    sync's audit checkpoint when her laptop carries no key; None when she has none (or it does not open with
    the password that opened the laptop: she changed it since the checkout)."""
    from infusiondesk import pki

    try:
        return pki.unlock_pkcs12(pki.load_clinician_pkcs12(clinic, nurse), password)
    except pki.PKIError:  # none, or sealed with a password changed since the checkout: the sync says unsealed
        return None


def revoke(clinic: Store, admin: UserSession, laptop_id: str, ca_passphrase: str,
           reason: str) -> list[x509.Certificate]:
    """Put every certificate issued for this laptop on the clinic CRL and mark them revoked in the clinic; the
    people's regular certificates are untouched. Returns the certificates revoked (none when it carried none)."""
    from cryptography import x509

    from infusiondesk import pki

    found = [x509.load_pem_x509_certificate(pem) for _owner, pem in laptop_keys.certificates(clinic, laptop_id)]
    if not found:
        return []
    pki.revoke_many(clinic, ca_passphrase, found, datetime.now(UTC), by=admin)
    clinic.keys.revoke(laptop_keys.KIND_LAPTOP_CERT, laptop_keys.laptop_name(laptop_id), admin,
                       reason=f"laptop {laptop_id} revoked: {reason}")
    return found
