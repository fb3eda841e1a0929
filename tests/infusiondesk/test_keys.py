"""The key model, attacked through the public API: the CA key under its own passphrase (not an admin's login
password), strong sealing of every stored key, credentials that survive password changes and resets, and keys
stored by earlier versions still opening."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from infusiondesk import enrolment, keyseal, pki
from infusiondesk.auth import PasswordChangeRequired, PermissionDenied
from infusiondesk.errors import DomainError
from infusiondesk.passwords import PasswordRefused
from infusiondesk.records.models import Clinic, Role, User, UserSession
from infusiondesk.store import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN_PASSWORD = "front office lamp 42"
CA_PASSPHRASE = "clinic vault granite 7"
DOCTOR_PASSWORD = "doctor signs the notes"
SECOND_ADMIN_PASSWORD = "second office chair"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(str(tmp_path / "clinic.sqlite3"), clock=lambda: NOW)
    yield s
    s.close()


@pytest.fixture
def admin(store: Store) -> UserSession:
    """The first admin, signed in by the first run."""
    return enrolment.set_up_clinic(store, Clinic("Riverside"), admin_username="ada", admin_full_name="Ada Admin",
                                   admin_password=ADMIN_PASSWORD, ca_passphrase=CA_PASSPHRASE,
                                   now=NOW).admin_session


def _doctor(store: Store, admin: UserSession) -> User:
    return enrolment.enrol_staff(store, admin, username="drlee", full_name="Dana Lee", role=Role.CLINICIAN,
                                 password=DOCTOR_PASSWORD, credentials="MD", ca_passphrase=CA_PASSPHRASE, now=NOW)


def _rounds(blob: bytes) -> int:
    assert keyseal.is_sealed(blob)
    return int(struct.unpack_from(">I", blob, len(keyseal.MAGIC))[0])


def test_the_ca_key_opens_with_the_ca_passphrase_not_the_admin_login_password(store: Store, admin: UserSession) -> None:
    ca = pki.load_clinic_ca(store)
    with pytest.raises(pki.PKIError, match="passphrase is wrong"):
        ca.unlock(ADMIN_PASSWORD)
    ca.unlock(CA_PASSPHRASE)
    assert _rounds(ca.encrypted_key) >= 600_000  # was PBKDF2 with 2,048 iterations


def test_setup_refuses_a_weak_ca_passphrase_or_the_admin_password_again(store: Store) -> None:
    for passphrase, why in (("password", "at least 15"), (ADMIN_PASSWORD, "different from the admin")):
        with pytest.raises(PasswordRefused, match=why):
            enrolment.set_up_clinic(store, Clinic("Riverside"), admin_username="ada", admin_full_name="Ada",
                                    admin_password=ADMIN_PASSWORD, ca_passphrase=passphrase, now=NOW)
    assert store.clinic.needs_setup()


def test_every_stored_clinician_key_is_sealed_with_600000_rounds_not_a_weak_pkcs12_mac(store: Store,
                                                                                       admin: UserSession) -> None:
    _doctor(store, admin)
    blob = pki.load_clinician_pkcs12(store, store.users.sign_in("drlee", DOCTOR_PASSWORD))
    assert _rounds(blob) >= 600_000
    with pytest.raises(ValueError):  # not a PKCS#12 whose 2,048-round MAC could test guesses
        pkcs12.load_key_and_certificates(blob, DOCTOR_PASSWORD.encode())
    assert pki.unlock_pkcs12(blob, DOCTOR_PASSWORD).signer_name == "Dana Lee"


def test_a_second_admin_enrols_staff_after_the_first_changes_password_and_leaves(store: Store,
                                                                                 admin: UserSession) -> None:
    enrolment.enrol_staff(store, admin, username="bea", full_name="Bea Boss", role=Role.ADMIN,
                          password=SECOND_ADMIN_PASSWORD, now=NOW)
    second = store.users.sign_in("bea", SECOND_ADMIN_PASSWORD)
    store.users.change_password("ada", ADMIN_PASSWORD, "a brand new office phrase")
    store.users.set_active(admin.user_id, False, by=second)
    doctor = _doctor(store, second)
    assert pki.load_clinician_certificate(store, doctor.id) is not None  # type: ignore[arg-type]


def test_a_wrong_ca_passphrase_leaves_no_half_made_user_and_a_retry_works(store: Store, admin: UserSession) -> None:
    with pytest.raises(pki.PKIError, match="passphrase is wrong"):
        enrolment.enrol_staff(store, admin, username="drlee", full_name="Dana Lee", role=Role.CLINICIAN,
                              password=DOCTOR_PASSWORD, ca_passphrase=ADMIN_PASSWORD, now=NOW)
    assert [u.username for u in store.users.all(by=admin)] == ["ada"]
    doctor = _doctor(store, admin)  # was: 'The user name "drlee" is taken'
    assert pki.load_clinician_certificate(store, doctor.id) is not None  # type: ignore[arg-type]


def test_a_clinician_can_still_sign_after_changing_their_password(store: Store, admin: UserSession) -> None:
    doctor = _doctor(store, admin)
    cert = pki.load_clinician_certificate(store, doctor.id)  # type: ignore[arg-type]
    store.users.change_password("drlee", DOCTOR_PASSWORD, "new phrase for signing")
    blob = pki.load_clinician_pkcs12(store, store.users.sign_in("drlee", "new phrase for signing"))
    creds = pki.unlock_pkcs12(blob, "new phrase for signing")
    assert creds.certificate == cert  # the same key and certificate, re-sealed
    with pytest.raises(pki.PKIError):
        pki.unlock_pkcs12(blob, DOCTOR_PASSWORD)
    assert "pki_reencrypted" in [e["event"] for e in store.audit.entries("pki_objects", by=admin)]


def test_a_reset_issues_a_new_certificate_and_revokes_the_old_one(store: Store, admin: UserSession) -> None:
    doctor = _doctor(store, admin)
    assert doctor.id is not None
    old = pki.load_clinician_certificate(store, doctor.id)
    assert old is not None
    with pytest.raises(DomainError, match="CA passphrase"):
        enrolment.reset_password(store, admin, doctor.id, "temporary phrase 19", now=NOW)
    enrolment.reset_password(store, admin, doctor.id, "temporary phrase 19", ca_passphrase=CA_PASSPHRASE, now=NOW)
    new = pki.load_clinician_certificate(store, doctor.id)
    assert new is not None and new.serial_number != old.serial_number
    crl = pki.load_crl(store)
    assert crl is not None
    assert old.serial_number in {s for s, _ in pki.revoked_serials(crl, pki.load_clinic_ca(store))}
    with pytest.raises(PasswordChangeRequired):
        store.users.sign_in("drlee", "temporary phrase 19")
    store.users.change_password("drlee", "temporary phrase 19", "my own phrase again")
    creds = pki.unlock_pkcs12(pki.load_clinician_pkcs12(store, store.users.sign_in("drlee", "my own phrase again")),
                              "my own phrase again")
    assert creds.certificate == new


def test_keys_stored_by_earlier_versions_still_open_and_can_be_upgraded(store: Store, admin: UserSession) -> None:
    """Before: the CA key as PEM PKCS#8 (PBKDF2, 2,048 rounds) and plain PKCS#12 files."""
    key = pki.load_clinic_ca(store).unlock(CA_PASSPHRASE)
    cert_pem = pki.load_clinic_ca(store).certificate_pem
    legacy_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.BestAvailableEncryption(b"old admin password"))
    store.keys.save(pki.KIND_CA_KEY, None, "clinic-ca-key.pem", legacy_pem, by=admin)
    legacy = pki.load_clinic_ca(store)
    assert legacy.unlock("old admin password").private_numbers() == key.private_numbers()
    legacy_p12 = pkcs12.serialize_key_and_certificates(
        b"x", key, pki.load_clinic_ca(store).certificate, None,
        serialization.BestAvailableEncryption(b"old doctor password"))
    assert pki.unlock_pkcs12(legacy_p12, "old doctor password").certificate.public_bytes(
        serialization.Encoding.PEM) == cert_pem
    enrolment.change_ca_passphrase(store, "old admin password", "new clinic vault phrase", by=admin)
    upgraded = pki.load_clinic_ca(store)
    assert _rounds(upgraded.encrypted_key) >= 600_000
    assert upgraded.unlock("new clinic vault phrase").private_numbers() == key.private_numbers()
    with pytest.raises(pki.PKIError):
        upgraded.unlock("old admin password")


def test_a_tampered_sealed_key_is_refused_like_a_wrong_passphrase() -> None:
    sealed = keyseal.seal(b"secret key bytes", "a good passphrase", rounds=1000)
    assert keyseal.unseal(sealed, "a good passphrase") == b"secret key bytes"
    flipped = sealed[:-1] + bytes([sealed[-1] ^ 1])
    for blob, passphrase in ((flipped, "a good passphrase"), (sealed, "a bad passphrase")):
        with pytest.raises(keyseal.WrongPassphrase):
            keyseal.unseal(blob, passphrase)


def test_a_key_left_under_an_older_password_does_not_block_a_password_change(store: Store, admin: UserSession) -> None:
    """Before this version a password change left the key under the old password; changing again must work."""
    doctor = _doctor(store, admin)
    assert doctor.id is not None
    own = store.users.sign_in("drlee", DOCTOR_PASSWORD)
    stale = pki.rewrap_pkcs12(pki.load_clinician_pkcs12(store, own), DOCTOR_PASSWORD, "an older phrase here")
    store.keys.save(pki.KIND_USER_P12, doctor.id, f"user-{doctor.id}.p12", stale, by=own)
    store.users.change_password("drlee", DOCTOR_PASSWORD, "new phrase for signing")
    assert store.users.sign_in("drlee", "new phrase for signing").user_id == doctor.id


def test_first_run_shows_a_recovery_code_once_that_resets_a_forgotten_ca_passphrase(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "recover.sqlite3"), clock=lambda: NOW)
    made = enrolment.set_up_clinic(store, Clinic("Riverside"), admin_username="ada", admin_full_name="Ada Admin",
                                   admin_password=ADMIN_PASSWORD, ca_passphrase=CA_PASSPHRASE, now=NOW)
    code = made.recovery_code
    assert len(code.replace("-", "")) == 30  # 150 random bits
    stored = b"".join(data for kind in (pki.KIND_CA_KEY, pki.KIND_CA_RECOVERY)
                      for _, data in store.keys.load(kind, include_revoked=True))
    assert code.encode() not in stored and code.replace("-", "").encode() not in stored  # never kept in the clear
    with pytest.raises(pki.PKIError, match="recovery code does not open"):
        enrolment.recover_ca_passphrase(store, "0" * 30, "a brand new vault phrase 9", by=made.admin_session)
    # typed in lower case, without dashes, with an O for a 0: read as printed
    typed = code.replace("-", "").lower().replace("0", "o")
    enrolment.recover_ca_passphrase(store, typed, "a brand new vault phrase 9", by=made.admin_session)
    ca = pki.load_clinic_ca(store)
    ca.unlock("a brand new vault phrase 9")
    with pytest.raises(pki.PKIError, match="passphrase is wrong"):
        ca.unlock(CA_PASSPHRASE)
    doctor = enrolment.enrol_staff(store, made.admin_session, username="drlee", full_name="Dana Lee",
                                   role=Role.CLINICIAN,
                                   password=DOCTOR_PASSWORD, credentials="MD",
                                   ca_passphrase="a brand new vault phrase 9", now=NOW)
    assert pki.load_clinician_certificate(store, doctor.id) is not None  # type: ignore[arg-type]
    store.close()


def test_a_ca_passphrase_change_or_recovery_needs_an_admin_session(store: Store, admin: UserSession) -> None:
    """Knowing the recovery code is not enough to replace the CA key: the store wants an admin signed in."""
    doctor = _doctor(store, admin)
    assert doctor.id is not None
    nurse_or_doctor = store.users.sign_in("drlee", DOCTOR_PASSWORD)
    with pytest.raises(PermissionDenied, match="Only an admin"):
        enrolment.change_ca_passphrase(store, CA_PASSPHRASE, "a doctor's own vault phrase", by=nurse_or_doctor)
    pki.load_clinic_ca(store).unlock(CA_PASSPHRASE)  # unchanged
