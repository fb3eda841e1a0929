"""Signed notes validate with pyHanko and with poppler's pdfsig; tampering and bad certificates are caught."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from infusiondesk import pki
from infusiondesk_reports.signing import NotAPdfError, SigningError, sign_pdf, sign_visit_note, verify_pdf
from infusiondesk_reports.visit_note import build_visit_note
from tests.reports import scenario
from tests.reports.conftest import CA_PASS, ClinicKeys


def test_the_signed_note_is_valid_intact_and_trusted_by_the_clinic_ca(keys: ClinicKeys, signed_note: bytes) -> None:
    report = verify_pdf(signed_note, [keys.ca.certificate_pem])
    assert report.valid and report.intact and report.trusted, report.problems
    assert [s.signer for s in report.signatures] == ["Jane Doe", "Alan Smith"]
    assert report.signatures[0].reason.startswith("Administered by")
    assert report.signatures[1].reason.startswith("Reviewed and approved by")
    assert report.signatures[-1].coverage == "ENTIRE_FILE"
    for s in report.signatures:
        assert s.signing_time is not None and abs(s.signing_time - datetime.now(UTC)) < timedelta(hours=1)


def test_pdfsig_accepts_the_note_trusting_the_clinic_ca_through_nss(keys: ClinicKeys, signed_note: bytes,
                                                                     tmp_path: Path) -> None:
    nss = tmp_path / "nss"
    nss.mkdir()
    (tmp_path / "ca.pem").write_bytes(keys.ca.certificate_pem)
    (tmp_path / "note.pdf").write_bytes(signed_note)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "clinic-ca", "-t", "CT,C,C", "-i",
                    str(tmp_path / "ca.pem")], check=True, capture_output=True)
    out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(tmp_path / "note.pdf")], capture_output=True,
                         text=True).stdout
    assert out.count("Signature is Valid") == 2, out
    assert out.count("Certificate is Trusted") == 2, out
    assert "Total document signed" in out  # the last signature covers the whole file
    assert "ETSI.CAdES.detached" in out  # PAdES, not adbe.pkcs7.detached


def test_flipping_bytes_inside_the_signed_range_invalidates_it(keys: ClinicKeys, signed_note: bytes) -> None:
    tampered = bytearray(signed_note)
    at = signed_note.index(b"Reviewed and approved by") - 400  # inside the page content, covered by both
    tampered[at] ^= 0xFF
    tampered[at + 1] ^= 0xFF
    report = verify_pdf(bytes(tampered), [keys.ca.certificate_pem])
    assert not report.valid
    assert report.problems


def test_an_incremental_update_that_changes_visible_content_is_caught(keys: ClinicKeys, signed_note: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_note))
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 400 Td (Dose 4 g) Tj ET")
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), writer.add_object(stream)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), [keys.ca.certificate_pem])
    assert report.valid  # the signed bytes themselves are untouched...
    assert not report.intact  # ...but what the reader sees was changed after signing
    assert any("modified after it was signed" in p for p in report.problems)
    assert report.signatures[-1].modification_level == "OTHER"


def test_without_trusting_the_clinic_ca_the_note_is_valid_but_untrusted(signed_note: bytes) -> None:
    report = verify_pdf(signed_note)
    assert report.valid and report.intact and not report.trusted
    stranger = pki.create_clinic_ca("Another Clinic", "other-secret", datetime.now(UTC))
    assert not verify_pdf(signed_note, [stranger.certificate_pem]).trusted


def test_a_revoked_certificate_is_reported_untrusted(keys: ClinicKeys, signed_note: bytes) -> None:
    crl = pki.build_crl(keys.ca, CA_PASS, [(keys.nurse.certificate.serial_number,
                                            datetime.now(UTC) - timedelta(hours=1))], datetime.now(UTC))
    report = verify_pdf(signed_note, [keys.ca.certificate_pem], [crl])
    nurse, clinician = report.signatures
    assert nurse.revoked and not nurse.trusted and "revoked" in nurse.trust_problem
    assert clinician.trusted and not clinician.revoked
    assert not report.trusted


def test_a_file_that_is_not_a_pdf_is_refused_in_one_sentence() -> None:
    with pytest.raises(NotAPdfError, match="not a PDF"):
        verify_pdf(b"Name,MRN\nRivera,MRN-004211\n")


def test_an_unsigned_pdf_is_neither_valid_nor_intact() -> None:
    draft = build_visit_note(scenario.CLINIC, scenario.PATIENT, scenario.standard_visit(signed=False),
                             scenario.USERS, scenario.drug(), draft=True)
    report = verify_pdf(draft)
    assert not report.signed and not report.valid and not report.intact


def test_the_approving_clinician_must_sign_digitally(keys: ClinicKeys) -> None:
    with pytest.raises(SigningError, match="Alan Smith must enter their signing passphrase"):
        sign_visit_note(scenario.CLINIC, scenario.PATIENT, scenario.standard_visit(), scenario.USERS,
                        scenario.drug(), {scenario.NURSE.id: keys.nurse})
    with pytest.raises(SigningError, match="sign the visit first"):
        sign_visit_note(scenario.CLINIC, scenario.PATIENT, scenario.standard_visit(signed=False), scenario.USERS,
                        scenario.drug(), keys.by_user)


def test_an_expired_certificate_does_not_sign(keys: ClinicKeys) -> None:
    pdf = build_visit_note(scenario.CLINIC, scenario.PATIENT, scenario.standard_visit(), scenario.USERS,
                           scenario.drug(), draft=False)
    with pytest.raises(pki.PKIError, match="expired"):
        sign_pdf(pdf, keys.nurse, "Administered by", now=datetime.now(UTC) + timedelta(days=5 * 365))


def test_a_nurse_gone_home_is_an_electronic_signature_sealed_by_the_clinicians_digital_one(keys: ClinicKeys) -> None:
    """The nurse signed "Administered by" at the chair; the clinician approves later, alone."""
    from pypdf import PdfReader

    pdf = sign_visit_note(scenario.CLINIC, scenario.PATIENT, scenario.standard_visit(), scenario.USERS,
                          scenario.drug(), {scenario.CLINICIAN.id: keys.clinician})
    report = verify_pdf(pdf, [keys.ca.certificate_pem])
    assert report.valid and report.intact and report.trusted
    assert [s.signer for s in report.signatures] == ["Alan Smith"]
    text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert "Administered by" in text and "Jane Doe, RN" in text
    assert "Electronic signature: password re-entered in InfusionDesk" in text
