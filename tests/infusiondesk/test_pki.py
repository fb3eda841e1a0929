"""The clinic CA and clinicians' signing credentials: made, locked, unlocked, imported and revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from infusiondesk import keyseal, pki
from infusiondesk.records.models import Role, User, UserSession

NOW = datetime(2025, 3, 4, 19, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> pki.ClinicCA:
    return pki.create_clinic_ca("Riverside Clinic", "ca-secret-1", NOW)


# Sessions as the store hands them out (a memory store checks nothing; the real store's checks are tested there).
ADMIN = UserSession(9, User(9, "ada", "Ada Admin", Role.ADMIN), "admin-token")
JANE = UserSession(1, User(1, "jdoe", "Jane Doe", Role.NURSE), "jane-token")


class MemoryKeys:
    """The records store's keys part (`store.keys`: the two calls pki uses), in memory."""

    def __init__(self) -> None:
        self.objects: list[tuple[str, int | None, str, bytes]] = []

    def save(self, kind: str, owner_user_id: int | None, name: str, data: bytes, *, by: UserSession) -> None:
        self.objects.append((kind, owner_user_id, name, data))

    def load(self, kind: str, owner_user_id: int | None = None, *,
             by: UserSession | None = None) -> list[tuple[str, bytes]]:
        return [(n, d) for k, o, n, d in self.objects if k == kind and (owner_user_id is None or o == owner_user_id)]


class MemoryStore:
    """A records store with only its keys, in memory."""

    def __init__(self) -> None:
        self.keys = MemoryKeys()


def test_the_clinic_ca_is_an_ec_p256_root_that_can_only_sign_certificates(ca: pki.ClinicCA) -> None:
    cert = ca.certificate
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    assert cert.subject == cert.issuer
    assert keyseal.is_sealed(ca.encrypted_key) and b"PRIVATE KEY" not in ca.encrypted_key


def test_the_ca_key_opens_only_with_its_passphrase(ca: pki.ClinicCA) -> None:
    assert ca.unlock("ca-secret-1").public_key().public_numbers() == ca.certificate.public_key().public_numbers()
    with pytest.raises(pki.PKIError, match="passphrase is wrong"):
        ca.unlock("ca-secret-2")


def test_a_short_passphrase_is_refused() -> None:
    with pytest.raises(pki.PKIError, match="at least 8 characters"):
        pki.create_clinic_ca("Riverside Clinic", "short", NOW)


def test_a_clinician_certificate_chains_to_the_clinic_ca_and_is_for_signing(ca: pki.ClinicCA) -> None:
    p12 = pki.issue_clinician_pkcs12(ca, "ca-secret-1", full_name="Alan Smith", username="asmith",
                                     credentials="MD", passphrase="doc-pass-1", now=NOW)
    creds = pki.unlock_pkcs12(p12, "doc-pass-1")
    creds.certificate.verify_directly_issued_by(ca.certificate)
    assert creds.signer_name == "Alan Smith"
    assert creds.certificate.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "MD"
    usage = creds.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert creds.chain and creds.chain[0] == ca.certificate
    pki.check_can_sign(creds, NOW + timedelta(days=1))


def test_the_wrong_signing_passphrase_is_a_sentence_not_a_traceback(ca: pki.ClinicCA) -> None:
    p12 = pki.issue_clinician_pkcs12(ca, "ca-secret-1", full_name="Jane Doe", username="jdoe",
                                     passphrase="nurse-pass", now=NOW)
    with pytest.raises(pki.PKIError, match="signing passphrase is wrong"):
        pki.unlock_pkcs12(p12, "nurse-pasS")


def test_issuing_needs_the_ca_passphrase(ca: pki.ClinicCA) -> None:
    with pytest.raises(pki.PKIError, match="certificate authority passphrase is wrong"):
        pki.issue_clinician_pkcs12(ca, "guess-123", full_name="Eve", username="eve", passphrase="eve-pass-1",
                                   now=NOW)


def test_an_expired_certificate_cannot_sign(ca: pki.ClinicCA) -> None:
    p12 = pki.issue_clinician_pkcs12(ca, "ca-secret-1", full_name="Jane Doe", username="jdoe",
                                     passphrase="nurse-pass", now=NOW)
    creds = pki.unlock_pkcs12(p12, "nurse-pass")
    with pytest.raises(pki.PKIError, match="expired"):
        pki.check_can_sign(creds, NOW + timedelta(days=pki.CLINICIAN_VALID_DAYS + 1))


def _external_p12(*, days: int, signing: bool) -> bytes:
    """A PKCS#12 from somebody else's CA (self-signed here), as a clinician might bring."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Maria Keller")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - timedelta(days=1))
            .not_valid_after(NOW + timedelta(days=days))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=signing, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"mk", key, cert, None,
                                                 serialization.BestAvailableEncryption(b"their-pass"))


def test_an_external_pkcs12_is_imported_and_can_be_re_encrypted() -> None:
    original = _external_p12(days=365, signing=True)
    assert pki.import_pkcs12(original, "their-pass", NOW) == original
    again = pki.import_pkcs12(original, "their-pass", NOW, new_passphrase="my-new-pass")
    assert pki.unlock_pkcs12(again, "my-new-pass").signer_name == "Maria Keller"
    with pytest.raises(pki.PKIError):
        pki.unlock_pkcs12(again, "their-pass")


def test_an_external_certificate_not_meant_for_signing_is_refused() -> None:
    with pytest.raises(pki.PKIError, match="not for signing documents"):
        pki.import_pkcs12(_external_p12(days=365, signing=False), "their-pass", NOW)
    with pytest.raises(pki.PKIError, match="expired"):
        pki.import_pkcs12(_external_p12(days=-0, signing=True), "their-pass", NOW + timedelta(days=2))


def test_revoking_puts_the_serial_on_a_crl_signed_by_the_clinic_ca(ca: pki.ClinicCA) -> None:
    store = MemoryStore()
    pki.save_clinic_ca(store, ca, by=ADMIN)
    p12 = pki.issue_clinician_pkcs12(ca, "ca-secret-1", full_name="Jane Doe", username="jdoe",
                                     passphrase="nurse-pass", now=NOW)
    cert = pki.save_clinician_pkcs12(store, 1, p12, "nurse-pass", by=ADMIN)
    assert pki.load_clinician_certificate(store, 1) == cert
    assert pki.load_clinician_pkcs12(store, JANE) == p12
    other = pki.unlock_pkcs12(pki.issue_clinician_pkcs12(ca, "ca-secret-1", full_name="Alan Smith",
                                                         username="asmith", passphrase="doc-pass-1", now=NOW),
                              "doc-pass-1").certificate
    pki.revoke(store, "ca-secret-1", cert, NOW, by=ADMIN)
    crl_der = pki.revoke(store, "ca-secret-1", other, NOW + timedelta(hours=1), by=ADMIN)
    assert pki.load_crl(store) == crl_der
    serials = {s for s, _ in pki.revoked_serials(crl_der, ca)}
    assert serials == {cert.serial_number, other.serial_number}  # the second CRL keeps the first revocation
    assert x509.load_der_x509_crl(crl_der).is_signature_valid(ca.certificate.public_key())  # type: ignore[arg-type]


def test_a_crl_not_signed_by_the_clinic_is_refused(ca: pki.ClinicCA) -> None:
    stranger = pki.create_clinic_ca("Elsewhere", "other-secret", NOW)
    crl = pki.build_crl(stranger, "other-secret", [(12345, NOW)], NOW)
    with pytest.raises(pki.PKIError, match="not signed by the clinic"):
        pki.revoked_serials(crl, ca)


def test_without_a_ca_the_store_says_to_finish_setup() -> None:
    with pytest.raises(pki.PKIError, match="finish the clinic setup"):
        pki.load_clinic_ca(MemoryStore())
    with pytest.raises(pki.PKIError, match="no signing certificate"):
        pki.load_clinician_pkcs12(MemoryStore(), JANE)
