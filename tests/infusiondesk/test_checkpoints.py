"""Checkpoint signatures and certificate chains, the audit seal, and reading a note's identity from its PDF."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from infusiondesk import pki
from infusiondesk.store.audit import checkpoints
from infusiondesk.store.audit.notes import pdf_identity

CA_PASS = "clinic-ca-passphrase"
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def ca() -> pki.ClinicCA:
    return pki.create_clinic_ca("Riverside Infusion Clinic", CA_PASS, NOW)


@pytest.fixture(scope="module")
def seal(ca: pki.ClinicCA) -> pki.AuditSeal:
    return pki.issue_audit_seal(ca, CA_PASS, NOW)


def _checkpoint(entry_id: int = 120) -> checkpoints.Checkpoint:
    return checkpoints.Checkpoint(entry_id, "ab" * 32, entry_id, NOW)


def test_a_seal_checkpoint_verifies_against_the_clinic_ca_only(ca: pki.ClinicCA, seal: pki.AuditSeal) -> None:
    sealed = checkpoints.seal(_checkpoint(), seal.unlock(CA_PASS))
    assert sealed.signer == "Riverside Infusion Clinic Audit Seal"
    assert checkpoints.problem(sealed, [ca.certificate]) is None
    other = pki.create_clinic_ca("Riverside Infusion Clinic", "attacker-pass", NOW)  # same name, other key
    assert "is not issued by the trusted CA" in (checkpoints.problem(sealed, [other.certificate]) or "")


def test_any_change_to_a_sealed_checkpoint_breaks_its_signature(ca: pki.ClinicCA, seal: pki.AuditSeal) -> None:
    sealed = checkpoints.seal(_checkpoint(), seal.unlock(CA_PASS))
    for change in ({"entry_id": 121}, {"chain_hash": "cd" * 32}, {"entry_count": 119},
                   {"made_at": NOW + timedelta(seconds=1)}):
        edited = dataclasses.replace(sealed, checkpoint=dataclasses.replace(sealed.checkpoint, **change))
        assert "signature does not match" in (checkpoints.problem(edited, [ca.certificate]) or ""), change


def test_a_clinicians_checkpoint_chains_through_the_ca_copy_in_their_pkcs12(ca: pki.ClinicCA) -> None:
    p12 = pki.issue_clinician_pkcs12(ca, CA_PASS, full_name="Carl Clinician", username="carl",
                                     passphrase="carl-passphrase", now=NOW)
    sealed = checkpoints.seal(_checkpoint(), pki.unlock_pkcs12(p12, "carl-passphrase"))
    assert sealed.signer == "Carl Clinician" and len(sealed.certificates) == 2
    assert checkpoints.problem(sealed, [ca.certificate]) is None


def test_a_checkpoint_dated_outside_its_certificates_validity_is_refused(ca: pki.ClinicCA,
                                                                        seal: pki.AuditSeal) -> None:
    late = checkpoints.Checkpoint(5, "ab" * 32, 5, NOW + timedelta(days=pki.SEAL_VALID_DAYS + 1))
    sealed = checkpoints.seal(late, seal.unlock(CA_PASS))
    assert "was not valid at" in (checkpoints.problem(sealed, [ca.certificate]) or "")


def test_the_ca_key_itself_cannot_seal_a_checkpoint(ca: pki.ClinicCA) -> None:
    creds = pki.SignerCredentials(ca.unlock(CA_PASS), ca.certificate)
    sealed = checkpoints.seal(_checkpoint(), creds)
    assert "is not for signing" in (checkpoints.problem(sealed, [ca.certificate]) or "")


def test_the_seal_key_is_locked_with_the_ca_passphrase_by_default(ca: pki.ClinicCA) -> None:
    seal = pki.issue_audit_seal(ca, CA_PASS, NOW)
    with pytest.raises(pki.PKIError, match="audit seal passphrase is wrong"):
        seal.unlock("guess-guess")
    own = pki.issue_audit_seal(ca, CA_PASS, NOW, passphrase="seal-only-passphrase")
    assert own.unlock("seal-only-passphrase").certificate.issuer == ca.certificate.subject
    with pytest.raises(pki.PKIError, match="at least 8"):
        pki.issue_audit_seal(ca, CA_PASS, NOW, passphrase="short")
    with pytest.raises(pki.PKIError, match="certificate authority passphrase is wrong"):
        pki.issue_audit_seal(ca, "not-the-ca-pass", NOW)


@pytest.mark.parametrize(("pdf", "expected"), [
    (b"<< /Title (Visit note SMITH, Jane MRN MRN0001 visit 12 v1) >>", ("MRN0001", 12, 1)),
    (b"<< /Title (Visit note O\\(Brien\\), Ann MRN A-7 visit 3 v2) >>", ("A-7", 3, 2)),
    (b"<< /Title (\\376\\377\\000M\\000R\\000N\\000 \\000X\\000 \\000v\\000i\\000s\\000i\\000t\\000 \\0009\\000 "
     b"\\000v\\0001) >>", ("X", 9, 1)),
    (b"%PDF-1.7 no info dictionary", None),
])
def test_a_notes_identity_is_read_from_its_pdf_title(pdf: bytes, expected: tuple[str, int, int] | None) -> None:
    assert pdf_identity(pdf) == expected
