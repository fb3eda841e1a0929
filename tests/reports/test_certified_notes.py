"""Certified notes: the first signature certifies the note and its laid-out signature fields; a signature in a
field of its own, a new stamp or a changed page after that is named by `verify`, whatever certificate made it.
Hostile or damaged files, and wrong --trust/--crl files, are one line on stderr and exit 2."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.stamp import TextStampStyle

from infusiondesk.records.models import Addendum, Signature, SignatureMeaning
from infusiondesk_reports.signing import _pyhanko_signer, sign_visit_note, verify_pdf
from infusiondesk_ui.cli import main
from tests.reports import scenario
from tests.reports.conftest import ClinicKeys


def _files(tmp_path: Path, keys: ClinicKeys, pdf: bytes) -> tuple[str, str]:
    note, ca = tmp_path / "note.pdf", tmp_path / "ca.pem"
    note.write_bytes(pdf)
    ca.write_bytes(keys.ca.certificate_pem)
    return str(note), str(ca)


def nurse_stamps_4_g_over_the_dose_line(signed_note: bytes, keys: ClinicKeys) -> bytes:
    """What the attacker does: her own valid certificate from the same clinic CA, a new signature field, and a
    visible stamp reading "4 g" on page 1, added with pyHanko's incremental writer."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_note))
    meta = signers.PdfSignatureMetadata(field_name="Correction", md_algorithm="sha256", reason="4 g")
    signer = signers.PdfSigner(meta, signer=_pyhanko_signer(keys.nurse),
                               stamp_style=TextStampStyle(stamp_text="Dose 4 g", border_width=0),
                               new_field_spec=fields.SigFieldSpec("Correction", on_page=0, box=(60, 500, 300, 540)))
    out = io.BytesIO()
    signer.sign_pdf(writer, output=out)
    return out.getvalue()


def test_the_legitimate_two_signer_note_is_certified_valid_and_exit_0(
        keys: ClinicKeys, signed_note: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = verify_pdf(signed_note, [keys.ca.certificate_pem])
    assert report.certified and report.valid and report.intact and report.trusted, report.problems
    assert report.additions == ()
    assert [s.field_name for s in report.signatures] == ["V1Sig1", "V1Sig2"]
    note, ca = _files(tmp_path, keys, signed_note)
    assert main(["verify", note, "--trust", ca]) == 0
    out = capsys.readouterr().out
    assert f"{note}: VALID" in out and "certified: yes" in out


def test_pdfsig_reads_the_first_signature_as_a_certification(keys: ClinicKeys, signed_note: bytes,
                                                             tmp_path: Path) -> None:
    nss = tmp_path / "nss"
    nss.mkdir()
    note, ca = _files(tmp_path, keys, signed_note)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "clinic-ca", "-t", "CT,C,C", "-i", ca],
                   check=True, capture_output=True)
    out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", note], capture_output=True, text=True).stdout
    assert out.count("Signature is Valid") == 2 and out.count("Certificate is Trusted") == 2, out
    assert "Total document signed" in out


def test_a_nurse_who_adds_her_own_signature_and_stamp_is_named_and_exit_1(
        keys: ClinicKeys, signed_note: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tampered = nurse_stamps_4_g_over_the_dose_line(signed_note, keys)
    report = verify_pdf(tampered, [keys.ca.certificate_pem])
    # every signature, hers included, is cryptographically valid and trusted: only the layout catches her
    assert report.valid and report.trusted
    assert not report.intact
    assert report.additions == ('a signature field "Correction" signed by Jane Doe that was not laid out when the '
                                'note was built',)
    note, ca = _files(tmp_path, keys, tampered)
    assert main(["verify", note, "--trust", ca]) == 1
    out = capsys.readouterr().out
    assert f"{note}: INVALID" in out
    assert ('Added after the note was certified: a signature field "Correction" signed by Jane Doe that was not '
            'laid out when the note was built.') in out
    assert "Traceback" not in out


def test_a_new_stamp_annotation_without_a_signature_is_named(keys: ClinicKeys, signed_note: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_note))
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    annot = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
        generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (60, 500, 300, 540)]),
        generic.NameObject("/Contents"): generic.TextStringObject("4 g"),
        generic.NameObject("/DA"): generic.TextStringObject("/Helv 18 Tf 0 g"),
    }))
    annots = page.get("/Annots")
    page["/Annots"] = generic.ArrayObject([*(annots.get_object() if annots is not None else []), annot])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), [keys.ca.certificate_pem])
    assert not report.intact
    assert report.additions == ("a new FreeText annotation (a stamp or mark) on page 1",)


def test_a_page_content_change_after_signing_is_named_and_exit_1(
        keys: ClinicKeys, signed_note: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_note))
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 400 Td (Dose 4 g) Tj ET")
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), writer.add_object(stream)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    note, ca = _files(tmp_path, keys, out.getvalue())
    assert main(["verify", note, "--trust", ca]) == 1
    text = capsys.readouterr().out
    assert "INVALID" in text and "Added after the note was certified: the content of page 1 was changed." in text


def test_an_addendum_note_is_a_new_pdf_certified_afresh(keys: ClinicKeys) -> None:
    visit = scenario.standard_visit()
    clinician = scenario.CLINICIAN
    sig = Signature(clinician.id, clinician.full_name, clinician.credentials, SignatureMeaning.ADDENDUM,
                    scenario.T0 + timedelta(days=1))
    visit = replace(visit, addenda=(Addendum("Patient phoned: headache free next morning.", clinician.id,
                                             scenario.T0 + timedelta(days=1), sig),))
    pdf = sign_visit_note(scenario.CLINIC, scenario.PATIENT, visit, scenario.USERS, scenario.drug(), keys.by_user)
    report = verify_pdf(pdf, [keys.ca.certificate_pem])
    assert report.certified and report.valid and report.intact and report.trusted, report.problems
    assert [s.field_name for s in report.signatures] == ["V2Sig1"]


@pytest.mark.parametrize("content", [
    b"",  # zero bytes
    b"\x00\xff garbage \x13\x37" * 50,
    b"Name,MRN\nRivera,MRN-004211\n",
    b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R",  # a header, then nothing that holds together
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\ntrailer << /Root 99 0 R /Size 1 >>\nstartxref\n999999\n%%EOF",
], ids=["zero-byte", "garbage", "csv", "truncated-header", "dangling-xref"])
def test_hostile_or_damaged_files_are_one_line_and_exit_2(
        content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(content)
    assert main(["verify", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    assert captured.err.startswith(f"infusiondesk: {bad}") or str(bad) in captured.err
    assert captured.out == ""


def test_a_truncated_signed_note_is_one_line_and_exit_2(signed_note: bytes, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(signed_note[: len(signed_note) // 3])
    code = main(["verify", str(cut)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err


@pytest.mark.parametrize("option", ["--trust", "--crl"])
@pytest.mark.parametrize("content", [b"", b"not a certificate", b"-----BEGIN CERTIFICATE-----\nAAAA\n"
                                                                b"-----END CERTIFICATE-----\n"])
def test_a_bad_trust_or_crl_file_is_one_line_and_exit_2(
        option: str, content: bytes, signed_note: bytes, keys: ClinicKeys, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    note, _ = _files(tmp_path, keys, signed_note)
    wrong = tmp_path / "wrong.pem"
    wrong.write_bytes(content)
    assert main(["verify", note, option, str(wrong)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(wrong) in err and "Traceback" not in err, err


def test_a_missing_trust_file_is_one_line_and_exit_2(signed_note: bytes, keys: ClinicKeys, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    note, _ = _files(tmp_path, keys, signed_note)
    assert main(["verify", note, "--trust", str(tmp_path / "nowhere.pem")]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_the_stamp_shows_a_name_in_any_script_in_the_embedded_dejavu_font(keys: ClinicKeys) -> None:
    """A standard PDF font carries Latin-1 only: "Łucja Zoë Δήμητρα" lost letters. The stamp now embeds DejaVu
    Sans and maps every glyph back to its character."""
    from datetime import UTC, datetime

    from pypdf import PdfReader

    from infusiondesk import pki
    from infusiondesk_reports.signing import sign_pdf
    from infusiondesk_reports.visit_note import StampPlace, build_visit_note
    from tests.reports.conftest import CA_PASS

    name = "Łucja Zoë Δήμητρα"
    p12 = pki.issue_clinician_pkcs12(keys.ca, CA_PASS, full_name=name, username="lzd", credentials="RN",
                                     passphrase="lzd-pass-1", now=datetime.now(UTC))
    creds = pki.unlock_pkcs12(p12, "lzd-pass-1")
    visit = scenario.standard_visit()
    pdf = build_visit_note(scenario.CLINIC, scenario.PATIENT, visit, scenario.USERS, scenario.drug(), draft=False)
    signed = sign_pdf(pdf, creds, "Administered by", field_name="Stamp",
                      stamp=StampPlace(visit.signatures[0], 0, (300, 100, 520, 160)))
    widget = next(a.get_object() for a in PdfReader(io.BytesIO(signed)).pages[0]["/Annots"]
                  if a.get_object().get("/T") == "Stamp")
    appearance = widget["/AP"]["/N"].get_object()
    fonts = _fonts_in(appearance)
    assert fonts, "the stamp draws no text"
    for font in fonts:
        assert font["/Subtype"] == "/Type0", font  # a composite font, not Helvetica
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "DejaVuSans" in str(descriptor["/FontName"])
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor  # embedded
        # widths per 1000 units of the em, as a PDF reads them (DejaVu's own 2048 spread the letters apart)
        widths = [w for entry in font["/DescendantFonts"][0].get_object()["/W"] if isinstance(entry, list)
                  for w in entry]
        assert widths and max(widths) < 1050, widths
    cmap = b"".join(font["/ToUnicode"].get_object().get_data() for font in fonts).upper()
    for ch in "ŁëΔήμ":
        assert f"{ord(ch):04X}".encode() in cmap, f"{ch} is not in the stamp's font"


def _fonts_in(xobject: object) -> list:  # type: ignore[type-arg]
    """Fonts used by an appearance stream, following nested form XObjects."""
    found = []
    resources = xobject.get("/Resources")  # type: ignore[attr-defined]
    if resources is None:
        return found
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        found.append(font.get_object())
    for inner in (resources.get("/XObject") or {}).values():
        found += _fonts_in(inner.get_object())
    return found
