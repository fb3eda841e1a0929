"""A mobile visit's note says where it happened, near the top: the setting, the address and the travel times in
the clinic's zone, and the home-visit items; an in-clinic note has none of it."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

from pypdf import PdfReader

from infusiondesk.records.location import VisitLocation, VisitSetting
from infusiondesk.records.models import Visit
from infusiondesk_reports.visit_note import build_visit_note
from tests.reports import scenario
from tests.reports.scenario import CLINIC, NURSE, PATIENT, T0, USERS

ADDRESS = "48 Ocean Avenue, Portland ME 04101"


def mobile(setting: VisitSetting) -> Visit:
    visit = scenario.standard_visit(signed=False)
    where = VisitLocation(setting, ADDRESS, departed_at=T0 - timedelta(minutes=35),
                          arrived_at=T0 - timedelta(minutes=12), recorded_by=NURSE.id, recorded_at=T0)
    ready = replace(visit.readiness, emergency_plan_reviewed=True, calcium_gluconate_in_kit=True,
                    phone_check_in_arranged=True)
    return replace(visit, location=where, readiness=ready)


def first_page(visit: Visit) -> str:
    pdf = build_visit_note(CLINIC, PATIENT, visit, USERS, scenario.drug(), draft=True)
    return " ".join((PdfReader(io.BytesIO(pdf)).pages[0].extract_text() or "").split())


def test_a_home_visit_note_shows_the_setting_address_and_travel_times_near_the_top() -> None:
    text = first_page(mobile(VisitSetting.HOME))
    assert "Mobile visit at the patient's home" in text
    assert ADDRESS in text
    # T0 is 19:00 UTC: left 18:25 UTC, arrived 18:48 UTC, shown in the clinic's zone (EST)
    assert "Departed 2025-03-04 13:25 EST" in text
    assert "Arrived 2025-03-04 13:48 EST" in text
    assert "Travel 23 min" in text
    assert "Emergency plan reviewed yes" in text and "Calcium gluconate in the kit yes" in text
    assert "Second person present no" in text and "Phone check-in arranged yes" in text
    assert text.index("Mobile visit at the patient's home") < text.index("Patient")


def test_an_office_visit_says_office() -> None:
    text = first_page(mobile(VisitSetting.OFFICE))
    assert "Mobile visit at the patient's office" in text and "home" not in text.split("Patient")[0]


def test_an_in_clinic_note_has_no_location_block() -> None:
    text = first_page(scenario.standard_visit(signed=False))
    assert "Mobile visit" not in text
    assert "Departed" not in text and "Arrived" not in text and "Emergency plan" not in text
