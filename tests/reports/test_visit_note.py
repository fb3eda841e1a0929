"""The visit note reads right: identifiers on every page, ISMP doses, every section, draft and versions."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from infusiondesk.records.models import Addendum, Signature, SignatureMeaning, Visit
from infusiondesk_reports.visit_note import DRAFT_MARK, build_visit_note, note_version, render_visit_note
from tests.reports import scenario
from tests.reports.scenario import CLINIC, CLINICIAN, PATIENT, T0, USERS


def pages_text(pdf: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def signed_pages() -> list[str]:
    return pages_text(build_visit_note(CLINIC, PATIENT, scenario.standard_visit(), USERS, scenario.drug(),
                                       draft=False))


@pytest.fixture(scope="module")
def draft_pages() -> list[str]:
    return pages_text(build_visit_note(CLINIC, PATIENT, scenario.standard_visit(signed=False), USERS,
                                       scenario.drug(), draft=True))


def test_patient_identifiers_and_page_x_of_y_on_every_page(signed_pages: list[str]) -> None:
    assert len(signed_pages) >= 2
    for n, text in enumerate(signed_pages, start=1):
        assert "RIVERA, Ana Lucía" in text
        assert "MRN MRN-004211" in text
        assert "DOB 1986-05-17" in text
        assert f"Page {n} of {len(signed_pages)}" in text
        assert "Riverside Headache Infusion Clinic" in text


def test_the_dose_reads_the_ismp_way(signed_pages: list[str]) -> None:
    text = " ".join(" ".join(signed_pages).split())
    assert "2 g magnesium sulfate = 16.2 mEq = 8.1 mmol Mg" in text
    assert "2.0 g" not in text and "MgSO4" not in text
    assert "100 mL/h (66.7 mg/min)" in text
    assert "50 mL" in text and "30 min" in text and "40 mg/mL (4 %)" in text


def test_clinic_header_and_time_zone(signed_pages: list[str]) -> None:
    first = signed_pages[0]
    assert "12 Harbor Street" in first and "+1 207 555 0142" in first and "Mon–Fri 08:00–18:00" in first
    assert "2025-03-04 14:00 EST" in first  # 19:00 UTC shown in the clinic's zone
    assert "America/New_York" in first


def test_every_section_of_the_visit_is_there(signed_pages: list[str]) -> None:
    text = " ".join(" ".join(signed_pages).split())
    for expected in ("Assessment", "Pain before (0–10)", "photophobia", "Beta blocker: watch for bradycardia",
                     "Suitable for infusion", "Decided by Alan Smith, MD",
                     "Previous infusions at this rate were well tolerated.", "Double check",
                     "Infusion timeline", "Paused", "Flushing and warmth", "Resumed", "80 mL/h",
                     "Dose given: 2 g magnesium sulfate (50 mL infused)",
                     "Vital signs", "128/82", "minutes from first reading",
                     "Side effects", "flushing", "Grade 1: Mild", "resolved",
                     "Pain after (0–10)", "Drive home with partner",
                     "Administered by", "Reviewed and approved by", "Jane Doe, RN", "Alan Smith, MD",
                     "2025-03-04 14:55 EST"):
        assert expected in text, expected
    assert DRAFT_MARK not in text


def test_a_draft_is_watermarked_on_every_page(draft_pages: list[str]) -> None:
    for text in draft_pages:
        assert DRAFT_MARK in text
    assert "Not signed." in " ".join(draft_pages)


def test_the_bundled_font_is_embedded() -> None:
    pdf = build_visit_note(CLINIC, PATIENT, scenario.standard_visit(), USERS, scenario.drug(), draft=False)
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= fonts


def _with_addendum(signed: bool) -> Visit:
    visit = scenario.standard_visit()
    sig = Signature(CLINICIAN.id, CLINICIAN.full_name, CLINICIAN.credentials, SignatureMeaning.ADDENDUM,
                    T0 + timedelta(days=1)) if signed else None
    return replace(visit, addenda=(Addendum("Patient phoned: headache free next morning.", CLINICIAN.id,
                                            T0 + timedelta(days=1), sig),))


def test_a_signed_addendum_makes_version_2_that_supersedes_version_1() -> None:
    visit = _with_addendum(signed=True)
    assert note_version(visit, draft=False) == 2
    note = render_visit_note(CLINIC, PATIENT, visit, USERS, scenario.drug(), draft=False)
    text = " ".join(pages_text(note.pdf))
    assert "Version 2 — supersedes version 1" in text
    assert "Patient phoned: headache free next morning." in text
    assert "Addendum signed by" in text and "signed in version 1" in text
    # only the addendum's signature is applied to version 2; the first two were applied to version 1
    assert [p.signature.meaning for p in note.stamps] == [SignatureMeaning.ADDENDUM]


def test_an_unsigned_addendum_exports_as_a_draft_of_the_next_version() -> None:
    visit = _with_addendum(signed=False)
    assert note_version(visit, draft=True) == 2
    assert note_version(scenario.standard_visit(signed=False), draft=True) == 1
    assert note_version(scenario.standard_visit(), draft=False) == 1


def test_stamp_boxes_sit_on_the_page_of_the_signature_block() -> None:
    note = render_visit_note(CLINIC, PATIENT, scenario.standard_visit(), USERS, scenario.drug(), draft=False)
    assert [p.signature.meaning for p in note.stamps] == [SignatureMeaning.ADMINISTERED,
                                                          SignatureMeaning.REVIEWED_APPROVED]
    reader = PdfReader(io.BytesIO(note.pdf))
    for place in note.stamps:
        page = reader.pages[place.page]
        x1, y1, x2, y2 = place.box
        assert 0 <= x1 < x2 <= float(page.mediabox.width) and 0 <= y1 < y2 <= float(page.mediabox.height)
        assert place.signature.signer_name in (page.extract_text() or "")


def test_pages_render_with_poppler(tmp_path: Path) -> None:
    pdf = build_visit_note(CLINIC, PATIENT, scenario.standard_visit(), USERS, scenario.drug(), draft=False)
    source = tmp_path / "note.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(source), str(tmp_path / "page")], check=True,
                   capture_output=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(PdfReader(io.BytesIO(pdf)).pages)
    for png in pngs:
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000


def test_a_visit_without_infusion_says_so() -> None:
    visit = replace(scenario.standard_visit(signed=False), events=(), vitals=(), side_effects=(), dose_order=None)
    text = " ".join(pages_text(build_visit_note(CLINIC, PATIENT, visit, USERS, scenario.drug(), draft=True)))
    assert "No dose was ordered." in text and "The infusion was not started." in text
    assert "No side effects were recorded." in text


def test_the_note_shows_the_pump_readback_and_the_scanned_product() -> None:
    visit = scenario.standard_visit(signed=False)
    typed = " ".join(" ".join(pages_text(build_visit_note(CLINIC, PATIENT, visit, USERS, scenario.drug(),
                                                          draft=True))).split())
    assert "Pump read back" in typed and "100 mL/h, volume to be infused 50 mL" in typed
    assert "not scanned" in typed
    scanned = replace(visit, readiness=replace(visit.readiness, scanned_gtin="00304096729242",
                                               scanned_product_id="premix-2g-50ml", scanned_serial="SN42",
                                               scanned_product_name="2 g/50 mL (4 %) premixed bag"))
    text = " ".join(pages_text(build_visit_note(CLINIC, PATIENT, scanned, USERS, scenario.drug(), draft=True)))
    assert "2 g/50 mL (4 %) premixed bag (GTIN 00304096729242, serial SN42)" in " ".join(text.split())
