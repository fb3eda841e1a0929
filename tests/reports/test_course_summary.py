"""The course summary PDF: every visit of the period, the totals, "Page X of Y" on every page, vector plots only,
and a clinician's signature that verifies like a note's."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from infusiondesk.course import Period, summarise
from infusiondesk_reports.course_summary import build_course_summary, sign_course_summary
from infusiondesk_reports.signing import verify_pdf
from tests import course_data
from tests.reports import scenario
from tests.reports.conftest import ClinicKeys

MADE = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _images(pdf: bytes) -> int:
    """Raster images on any page (XObjects of subtype Image, inline images too)."""
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        count += len(page.images)
    return count


def test_a_30_visit_course_lists_every_visit_with_totals_and_page_x_of_y_on_every_page() -> None:
    visits = course_data.course(30)
    course = summarise(scenario.PATIENT, visits, scenario.drug(), Period(), timezone=scenario.CLINIC.timezone)
    pdf = build_course_summary(scenario.CLINIC, course, "magnesium sulfate", made_at=MADE)
    pages = _pages(pdf)
    assert len(pages) >= 3
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in text
        assert "RIVERA, Ana Lucía" in text and "MRN MRN-004211" in text and "DOB 1986-05-17" in text
    whole = " ".join(pages)
    assert "Course summary — magnesium sulfate" in whole
    assert "60 g = 486.9 mEq = 243.4 mmol" in whole  # 30 x 2 g; 60 g / 246.47 g/mol = 243.4 mmol
    for v in course.visits:
        assert f"{v.day:%Y-%m-%d} {v.visit_id} signed" in whole, v.visit_id
    assert "Attacks per month before the course 8 (reported 2025-03-04, visit 101)" in whole
    assert "Change in attacks per month −6 a month" in whole
    assert "Jane Doe, RN (administered)" in whole and "Flushing, grade 1" in whole


def test_the_plots_are_vector_drawings_whose_labels_are_text_and_there_is_no_image() -> None:
    course = summarise(scenario.PATIENT, course_data.course(6), scenario.drug(), Period(),
                       timezone=scenario.CLINIC.timezone)
    pdf = build_course_summary(scenario.CLINIC, course, "magnesium sulfate", made_at=MADE)
    whole = " ".join(_pages(pdf))
    for label in ("Vital signs at each visit", "Systolic (mmHg)", "Heart rate (/min)", "Respiratory rate (/min)",
                  "Pain before and after each visit (0–10)", "Before", "After",
                  "Migraine attacks per month, as reported at each visit", "04 Mar 25", "13 May 25"):
        assert label in whole, label
    assert _images(pdf) == 0
    operators = [op for page in PdfReader(io.BytesIO(pdf)).pages for _, op in page.get_contents().operations]
    assert operators.count(b"l") > 50  # the plots' line segments, drawn as vector paths


def test_a_course_without_vital_signs_or_pain_says_so_instead_of_an_empty_plot() -> None:
    declined = course_data.not_given(course_data.course(1)[0])
    declined = declined.__class__(**{**declined.__dict__, "assessment": declined.assessment.__class__()})
    course = summarise(scenario.PATIENT, [declined], scenario.drug(), Period(), timezone=scenario.CLINIC.timezone)
    whole = " ".join(_pages(build_course_summary(scenario.CLINIC, course, "magnesium sulfate", made_at=MADE)))
    assert "No vital signs charted in this period." in whole
    assert "No pain scores charted in this period." in whole
    assert "not given" in whole and "0 g = 0 mEq = 0 mmol" in whole


def test_an_empty_period_is_a_summary_that_says_no_visit() -> None:
    from datetime import date

    course = summarise(scenario.PATIENT, course_data.course(2), scenario.drug(), Period(date(2030, 1, 1)),
                       timezone=scenario.CLINIC.timezone)
    whole = " ".join(_pages(build_course_summary(scenario.CLINIC, course, "magnesium sulfate", made_at=MADE)))
    assert "No visit in this period." in whole and "Page 1 of 1" in whole


def test_a_summary_signed_by_the_clinician_verifies_certified_and_trusted(keys: ClinicKeys) -> None:
    course = summarise(scenario.PATIENT, course_data.course(4), scenario.drug(), Period(),
                       timezone=scenario.CLINIC.timezone)
    pdf = sign_course_summary(scenario.CLINIC, course, "magnesium sulfate", scenario.CLINICIAN, keys.clinician)
    from cryptography.hazmat.primitives import serialization

    ca_pem = keys.ca.certificate.public_bytes(serialization.Encoding.PEM)
    report = verify_pdf(pdf, [ca_pem])
    assert report.valid and report.intact and report.trusted and report.certified
    assert [s.signer for s in report.signatures] == ["Alan Smith"]
    assert report.signatures[0].reason.startswith("Reviewed and approved by: course summary, MRN MRN-004211")
    assert "Signature Reviewed and approved by Alan Smith, MD" in " ".join(_pages(pdf))
    tampered = bytearray(pdf)
    at = pdf.index(b"/Title")
    tampered[at + 10] ^= 0x01
    assert not verify_pdf(bytes(tampered), [ca_pem]).intact or not verify_pdf(bytes(tampered), [ca_pem]).valid


def test_a_mobile_visit_is_marked_in_the_course_table_and_a_clinic_visit_is_not() -> None:
    from dataclasses import replace

    from infusiondesk.records.location import VisitLocation, VisitSetting

    visits = course_data.course(3)
    visits[1] = replace(visits[1], location=VisitLocation(VisitSetting.HOME, "48 Ocean Avenue"))
    course = summarise(scenario.PATIENT, visits, scenario.drug(), Period(), timezone=scenario.CLINIC.timezone)
    assert [v.setting for v in course.visits] == ["clinic", "home", "clinic"]
    whole = " ".join(_pages(build_course_summary(scenario.CLINIC, course, "magnesium sulfate", made_at=MADE)))
    assert whole.count("mobile: home") == 1
    assert "mobile: clinic" not in whole
