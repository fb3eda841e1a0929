"""The clinic's own certificate authority and each clinician's signing credentials.

A signed visit note is only as good as the key behind it, so: the clinic CA is made once at setup (EC P-256), its
key sealed with the CA's own passphrase (never a person's login password, so it outlives any one admin); each
clinician gets a certificate and key in a PKCS#12 sealed with their login password (re-sealed when they change
it); a clinician may bring a PKCS#12 from a real CA instead; revocation is a signed CRL. Keys are sealed by
`infusiondesk.keyseal` (PBKDF2-SHA256 600,000 rounds, AES-256-GCM); keys stored by earlier versions (PEM PKCS#8,
plain PKCS#12) still open. Only `cryptography` is used here; the PDF side (pyHanko) lives in
`infusiondesk_reports.signing`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from infusiondesk import keyseal
from infusiondesk.errors import DomainError
from infusiondesk.records.models import UserSession

# Kinds of blobs kept by `store.keys.save`; this module owns their formats.
KIND_CA_CERT = "ca_cert"  # PEM certificate
KIND_CA_KEY = "ca_key"  # PKCS#8 DER sealed with the CA passphrase (before: PEM PKCS#8, PBKDF2 2,048 rounds)
KIND_USER_P12 = "user_p12"  # PKCS#12 (key + certificate + chain) sealed with the clinician's passphrase
KIND_USER_CERT = "user_cert"  # the same clinician's certificate in PEM, readable without the passphrase
KIND_CRL = "crl"  # DER certificate revocation list, signed by the clinic CA
KIND_CA_RECOVERY = "ca_key_recovery"  # the CA key sealed with the recovery code shown once at first run
KIND_SEAL_CERT = "audit_seal_cert"  # PEM certificate of the audit seal, issued by the clinic CA
KIND_SEAL_KEY = "audit_seal_key"  # PEM PKCS#8, encrypted with the seal passphrase (by default the CA's)

MIN_PASSPHRASE_LENGTH = 8
CA_VALID_DAYS = 20 * 365
CLINICIAN_VALID_DAYS = 3 * 365
CRL_VALID_DAYS = 30
SEAL_VALID_DAYS = 5 * 365

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class PKIError(DomainError):
    """A certificate, key or passphrase problem the person signing can fix."""


@dataclass(frozen=True)
class ClinicCA:
    """The clinic's root: a self-signed certificate and its key, encrypted at rest."""

    certificate_pem: bytes
    encrypted_key: bytes  # sealed PKCS#8 DER (keyseal), or an older version's encrypted PEM

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem)

    def unlock(self, passphrase: str) -> ec.EllipticCurvePrivateKey:
        """The CA key, for issuing certificates and CRLs; a wrong passphrase says so."""
        try:
            if keyseal.is_sealed(self.encrypted_key):
                key = serialization.load_der_private_key(keyseal.unseal(self.encrypted_key, passphrase), None)
            else:
                key = serialization.load_pem_private_key(self.encrypted_key, _encode(passphrase))
        except (ValueError, TypeError) as exc:
            raise PKIError("The clinic certificate authority passphrase is wrong; try again.") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise PKIError("The clinic certificate authority key is not an EC key; set the clinic up again.")
        return key


@dataclass(frozen=True)
class AuditSeal:
    """The key that signs checkpoints of the audit chain, certified by the clinic CA. Its key is kept in the
    database encrypted, so whoever can write the database still cannot sign a checkpoint without the passphrase."""

    certificate_pem: bytes
    encrypted_key_pem: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem)

    def unlock(self, passphrase: str) -> SignerCredentials:
        """The seal key with its certificate, for one checkpoint; a wrong passphrase says so."""
        try:
            key = serialization.load_pem_private_key(self.encrypted_key_pem, _encode(passphrase))
        except (ValueError, TypeError) as exc:
            raise PKIError("The audit seal passphrase is wrong (unless it was changed, it is the clinic certificate "
                           "authority passphrase); try again.") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise PKIError("The audit seal key is not an EC key; issue a new audit seal.")
        return SignerCredentials(private_key=key, certificate=self.certificate)


@dataclass(frozen=True)
class SignerCredentials:
    """An unlocked key with its certificate and chain: what signing a note needs, held only while signing."""

    private_key: SigningKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def signer_name(self) -> str:
        return common_name(self.certificate)


@dataclass(frozen=True)
class CertificateInfo:
    """What a person checks about a certificate: whose, from whom, until when, which one."""

    subject: str
    issuer: str
    serial: int
    not_before: datetime
    not_after: datetime
    sha256_fingerprint: str


class PKIKeys(Protocol):
    """The part of the records store that keeps PKI blobs (`store.keys`, infusiondesk.store.keys)."""

    def save(self, kind: str, owner_user_id: int | None, name: str, data: bytes, *, by: UserSession) -> None: ...

    def load(self, kind: str, owner_user_id: int | None = None, *,
             by: UserSession | None = None) -> list[tuple[str, bytes]]: ...


class PKIStore(Protocol):
    """A records store with its keys part (infusiondesk.store.Store is one)."""

    @property
    def keys(self) -> PKIKeys: ...


def _encode(passphrase: str) -> bytes:
    return passphrase.encode("utf-8")


def check_passphrase(passphrase: str) -> None:
    """Refuse a passphrase too short to protect a signing key."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise PKIError(f"Choose a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters.")


def common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def certificate_info(cert: x509.Certificate) -> CertificateInfo:
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256_fingerprint=cert.fingerprint(hashes.SHA256()).hex(":").upper(),
    )


def _need_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


def create_clinic_ca(clinic_name: str, passphrase: str, now: datetime) -> ClinicCA:
    """Make the clinic's root certificate (EC P-256, valid 20 years), its key encrypted with `passphrase`."""
    _need_aware(now)
    check_passphrase(passphrase)
    if not clinic_name.strip():
        raise PKIError("Enter the clinic name before creating its certificate authority.")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"{clinic_name.strip()} Signing CA"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, clinic_name.strip()),
    ])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CA_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return ClinicCA(
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM),
        encrypted_key=_seal_key(key, passphrase),
    )


def _seal_key(key: ec.EllipticCurvePrivateKey, passphrase: str) -> bytes:
    return keyseal.seal(key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()), passphrase)


_RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U to misread


def new_recovery_code() -> str:
    """A random code (150 bits) printed once at first run, to seal a second copy of the CA key: a clinic that
    forgets the CA passphrase recovers with it instead of starting a new CA."""
    import secrets

    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(30))
    return "-".join(chars[i:i + 5] for i in range(0, 30, 5))


def normal_recovery_code(code: str) -> str:
    """The code as typed, read the way it was printed: case, spaces and dashes do not matter, and O/I/L are
    read as 0/1/1."""
    cleaned = code.upper().replace("-", "").replace(" ", "").translate(str.maketrans("OIL", "011"))
    return "-".join(cleaned[i:i + 5] for i in range(0, len(cleaned), 5))


def seal_ca_key_for_recovery(ca: ClinicCA, ca_passphrase: str, code: str) -> bytes:
    return _seal_key(ca.unlock(ca_passphrase), normal_recovery_code(code))


def recover_ca(ca: ClinicCA, recovery_blob: bytes, code: str, new_passphrase: str) -> ClinicCA:
    """The CA with its key sealed under a new passphrase, opened with the recovery code."""
    check_passphrase(new_passphrase)
    try:
        key = serialization.load_der_private_key(keyseal.unseal(recovery_blob, normal_recovery_code(code)), None)
    except (ValueError, TypeError, keyseal.WrongPassphrase) as exc:
        raise PKIError("That recovery code does not open the clinic certificate authority; check it against "
                       "the printed copy.") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PKIError("The clinic certificate authority key is not an EC key; set the clinic up again.")
    return ClinicCA(certificate_pem=ca.certificate_pem, encrypted_key=_seal_key(key, new_passphrase))


def change_ca_passphrase(ca: ClinicCA, old_passphrase: str, new_passphrase: str) -> ClinicCA:
    """The same CA with its key sealed under a new passphrase (also upgrades a key an older version stored)."""
    check_passphrase(new_passphrase)
    return ClinicCA(certificate_pem=ca.certificate_pem, encrypted_key=_seal_key(ca.unlock(old_passphrase),
                                                                                new_passphrase))


def issue_clinician_pkcs12(ca: ClinicCA, ca_passphrase: str, *, full_name: str, username: str,
                           passphrase: str, now: datetime, credentials: str = "", unit: str = "",
                           valid_days: int = CLINICIAN_VALID_DAYS) -> bytes:
    """A new key and certificate for one clinician, returned as PKCS#12 encrypted with their passphrase.
    `unit` (the subject's OU) binds it to one place, e.g. one laptop (infusiondesk.mobile.credentials)."""
    _need_aware(now)
    check_passphrase(passphrase)
    if not full_name.strip():
        raise PKIError("Enter the person's full name before issuing a signing certificate.")
    ca_key = ca.unlock(ca_passphrase)
    ca_cert = ca.certificate
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, full_name.strip())]
    if credentials.strip():
        attrs.append(x509.NameAttribute(NameOID.TITLE, credentials.strip()))
    attrs.append(x509.NameAttribute(NameOID.USER_ID, username))
    org = ca_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(org[0].value)))
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    cert = _issue_leaf(ca_key, ca_cert, attrs, key, now, valid_days, non_repudiation=True)
    return _pkcs12(key, cert, (ca_cert,), passphrase, full_name)


def _issue_leaf(ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, attrs: list[x509.NameAttribute[Any]],
                key: ec.EllipticCurvePrivateKey, now: datetime,
                days: int, *, non_repudiation: bool) -> x509.Certificate:
    """A signing (not CA) certificate for `key`, issued by the clinic CA, valid `days` (never past the CA)."""
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=days), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=non_repudiation,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def issue_audit_seal(ca: ClinicCA, ca_passphrase: str, now: datetime, passphrase: str | None = None) -> AuditSeal:
    """A new EC P-256 key and certificate for signing audit checkpoints, issued by the clinic CA (valid 5 years),
    its key encrypted with `passphrase` (default: the CA passphrase, so a clinic keeps one secret, not two)."""
    _need_aware(now)
    passphrase = ca_passphrase if passphrase is None else passphrase
    check_passphrase(passphrase)
    ca_key = ca.unlock(ca_passphrase)
    ca_cert = ca.certificate
    key = ec.generate_private_key(ec.SECP256R1())
    org = ca_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    clinic = str(org[0].value) if org else common_name(ca_cert)
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, f"{clinic} Audit Seal"),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, clinic)]
    cert = _issue_leaf(ca_key, ca_cert, attrs, key, now, SEAL_VALID_DAYS, non_repudiation=False)
    return AuditSeal(
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM),
        encrypted_key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.BestAvailableEncryption(_encode(passphrase))),
    )


def _pkcs12(key: SigningKey, cert: x509.Certificate, chain: Sequence[x509.Certificate], passphrase: str,
            friendly: str) -> bytes:
    """A PKCS#12 sealed whole (keyseal): its own MAC would be keyed with only 2,048 rounds."""
    return keyseal.seal(pkcs12.serialize_key_and_certificates(
        friendly.encode("utf-8"), key, cert, list(chain), serialization.NoEncryption()), passphrase)


def unlock_pkcs12(data: bytes, passphrase: str) -> SignerCredentials:
    """Open a clinician's PKCS#12 for one signing; a wrong passphrase is a sentence, not a traceback.
    Takes a sealed one (this version) or a plain PKCS#12 (an older version's, or one from a real CA)."""
    try:
        if keyseal.is_sealed(data):
            key, cert, chain = pkcs12.load_key_and_certificates(keyseal.unseal(data, passphrase), None)
        else:
            key, cert, chain = pkcs12.load_key_and_certificates(data, _encode(passphrase))
    except ValueError as exc:
        raise PKIError("The signing passphrase is wrong, or the file is not a PKCS#12 certificate; "
                       "try again.") from exc
    if cert is None or key is None:
        raise PKIError("The PKCS#12 file holds no certificate with its private key; export it again with the key.")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise PKIError("The signing key must be an EC or RSA key; ask for a certificate with one of those.")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise PKIError("The PKCS#12 file's key does not belong to its certificate; export it again.")
    return SignerCredentials(private_key=key, certificate=cert, chain=tuple(chain))


def check_can_sign(creds: SignerCredentials, now: datetime) -> None:
    """Refuse credentials that cannot make a valid signature now: expired, not yet valid, or not for signing."""
    _need_aware(now)
    cert = creds.certificate
    if now < cert.not_valid_before_utc:
        raise PKIError(f"The signing certificate is not valid until {cert.not_valid_before_utc:%Y-%m-%d}.")
    if now > cert.not_valid_after_utc:
        raise PKIError(f"The signing certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}; "
                       "ask the administrator for a new one.")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature and usage.content_commitment):
        raise PKIError("This certificate is not for signing documents (it lacks digital signature and "
                       "non-repudiation key usage); use a document-signing certificate.")


def rewrap_pkcs12(data: bytes, old_passphrase: str, new_passphrase: str) -> bytes:
    """The same key and certificate sealed under a new passphrase (a clinician changing their password)."""
    creds = unlock_pkcs12(data, old_passphrase)
    return _pkcs12(creds.private_key, creds.certificate, creds.chain, new_passphrase, creds.signer_name)


def credential_for_store(p12: bytes, passphrase: str) -> tuple[bytes, bytes]:
    """(PKCS#12, certificate PEM) as `store.users.create` / `store.users.reset_password` keep them; the passphrase is
    checked here, so a typo cannot lock the person out of signing later."""
    cert = unlock_pkcs12(p12, passphrase).certificate
    return p12, cert.public_bytes(serialization.Encoding.PEM)


def check_can_sign_seal(creds: SignerCredentials, now: datetime) -> None:
    """Refuse an audit seal that is expired or not yet valid (a checkpoint made with it would not verify)."""
    _need_aware(now)
    cert = creds.certificate
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise PKIError(f"The audit seal certificate is valid only from {cert.not_valid_before_utc:%Y-%m-%d} to "
                       f"{cert.not_valid_after_utc:%Y-%m-%d}; issue a new one: "
                       "infusiondesk audit checkpoint --new-seal.")


def import_pkcs12(data: bytes, passphrase: str, now: datetime, new_passphrase: str | None = None) -> bytes:
    """Check a clinician's own PKCS#12 (from a real CA) can sign; return it, re-encrypted if asked."""
    creds = unlock_pkcs12(data, passphrase)
    check_can_sign(creds, now)
    if new_passphrase is None:
        return data
    check_passphrase(new_passphrase)
    return _pkcs12(creds.private_key, creds.certificate, creds.chain, new_passphrase, creds.signer_name)


def build_crl(ca: ClinicCA, ca_passphrase: str, revoked: Iterable[tuple[int, datetime]], now: datetime) -> bytes:
    """A CRL (DER) listing the revoked serial numbers, signed by the clinic CA, valid 30 days."""
    _need_aware(now)
    key = ca.unlock(ca_passphrase)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=CRL_VALID_DAYS))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
    )
    for serial, when in sorted(set(revoked)):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def revoked_serials(crl_der: bytes, ca: ClinicCA) -> list[tuple[int, datetime]]:
    """The entries of a CRL the clinic CA signed (a forged or foreign CRL is refused)."""
    crl = x509.load_der_x509_crl(crl_der)
    try:
        valid = crl.is_signature_valid(ca.certificate.public_key())  # type: ignore[arg-type]
    except InvalidSignature:
        valid = False
    if not valid:
        raise PKIError("The stored revocation list is not signed by the clinic certificate authority.")
    return [(r.serial_number, r.revocation_date_utc) for r in crl]


# --- the store side: blobs kept by store.keys.save / store.keys.load ---------------------------------


def save_clinic_ca(store: PKIStore, ca: ClinicCA, *, by: UserSession) -> None:
    """Keep the clinic CA (an admin's session)."""
    store.keys.save(KIND_CA_CERT, None, "clinic-ca.pem", ca.certificate_pem, by=by)
    store.keys.save(KIND_CA_KEY, None, "clinic-ca-key", ca.encrypted_key, by=by)


def load_clinic_ca(store: PKIStore) -> ClinicCA:
    certs = store.keys.load(KIND_CA_CERT)
    keys = store.keys.load(KIND_CA_KEY)
    if not certs or not keys:
        raise PKIError("This clinic has no signing certificate authority yet; finish the clinic setup first.")
    return ClinicCA(certificate_pem=certs[-1][1], encrypted_key=keys[-1][1])


def save_clinician_pkcs12(store: PKIStore, user_id: int, p12: bytes, passphrase: str, *,
                          by: UserSession) -> x509.Certificate:
    """Keep a clinician's PKCS#12 and, beside it, their certificate in the clear (so it can be shown and revoked
    without their passphrase). The passphrase is checked here, so a typo cannot lock them out later. `by` is
    an admin's session, or the clinician's own (importing their own credential)."""
    cert = unlock_pkcs12(p12, passphrase).certificate
    store.keys.save(KIND_USER_P12, user_id, f"user-{user_id}.p12", p12, by=by)
    store.keys.save(KIND_USER_CERT, user_id, f"user-{user_id}.pem",
                          cert.public_bytes(serialization.Encoding.PEM), by=by)
    return cert


def load_clinician_certificate(store: PKIStore, user_id: int) -> x509.Certificate | None:
    found = store.keys.load(KIND_USER_CERT, user_id)
    return x509.load_pem_x509_certificate(found[-1][1]) if found else None


def load_clinician_pkcs12(store: PKIStore, by: UserSession) -> bytes:
    """The signed-in person's own sealed signing key (the store hands it only to its owner's session)."""
    found = store.keys.load(KIND_USER_P12, by.user_id, by=by)
    if not found:
        raise PKIError("You have no signing certificate yet; ask the administrator to issue one or import yours.")
    return found[-1][1]


def load_crl(store: PKIStore) -> bytes | None:
    found = store.keys.load(KIND_CRL)
    return found[-1][1] if found else None


def revoke(store: PKIStore, ca_passphrase: str, certificate: x509.Certificate, now: datetime, *,
           by: UserSession) -> bytes:
    """Add a certificate to the clinic CRL and keep the new CRL; returns it (DER)."""
    return revoke_many(store, ca_passphrase, [certificate], now, by=by)


def revoke_many(store: PKIStore, ca_passphrase: str, certificates: Sequence[x509.Certificate], now: datetime, *,
                by: UserSession) -> bytes:
    """Add certificates to the clinic CRL in one new CRL (a revoked laptop's, one per person); returns it (DER)."""
    ca = load_clinic_ca(store)
    if any(c.issuer != ca.certificate.subject for c in certificates):
        raise PKIError("Only certificates issued by the clinic can be revoked here; ask the issuing CA.")
    current = load_crl(store)
    entries = revoked_serials(current, ca) if current else []
    entries += [(c.serial_number, now) for c in certificates]
    crl = build_crl(ca, ca_passphrase, entries, now)
    store.keys.save(KIND_CRL, None, "clinic.crl", crl, by=by)
    return crl


def save_audit_seal(store: PKIStore, seal: AuditSeal, *, by: UserSession) -> None:
    """Keep the audit seal (an admin's session)."""
    store.keys.save(KIND_SEAL_CERT, None, "audit-seal.pem", seal.certificate_pem, by=by)
    store.keys.save(KIND_SEAL_KEY, None, "audit-seal-key.pem", seal.encrypted_key_pem, by=by)


def load_audit_seal(store: PKIStore) -> AuditSeal | None:
    """The newest audit seal, or None before the first `audit checkpoint` issues one."""
    certs = store.keys.load(KIND_SEAL_CERT)
    keys = store.keys.load(KIND_SEAL_KEY)
    if not certs or not keys:
        return None
    return AuditSeal(certificate_pem=certs[-1][1], encrypted_key_pem=keys[-1][1])


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
