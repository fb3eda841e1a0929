"""A small clinic for the workflow scenarios: a nurse, two clinicians, an admin, one patient, one morning."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from infusiondesk import workflow as wf
from infusiondesk.dosing import DoseCalculation, calculate_from_text
from infusiondesk.drugs import Drug, load_drug
from infusiondesk.drugs.library import BUNDLED_DIR
from infusiondesk.records.models import (
    Assessment,
    DoseOrderRecord,
    IVAccess,
    Patient,
    PregnancyStatus,
    Readiness,
    RenalStatus,
    Role,
    User,
    Visit,
    VitalSigns,
)

T0 = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
NURSE = User(1, "nina", "Nina Okafor", Role.NURSE, "RN")
CLINICIAN = User(2, "carl", "Carl Mendes", Role.CLINICIAN, "MD")
CLINICIAN_2 = User(3, "dana", "Dana Li", Role.CLINICIAN, "NP")
ADMIN = User(4, "ada", "Ada Admin", Role.ADMIN)
NURSE_2 = User(5, "nico", "Nico Brandt", Role.NURSE, "RN")


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture(scope="session")
def drug() -> Drug:
    return load_drug(BUNDLED_DIR / "magnesium_sulfate.toml")


@pytest.fixture()
def patient() -> Patient:
    return Patient(id=7, mrn="MRN-0007", family_name="Rivera", given_name="Ana", date_of_birth=date(1985, 5, 17),
                   sex="female", weight_kg=70.0, no_known_allergies=True, migraine_diagnosis=True,
                   egfr_ml_min=95, renal_status=RenalStatus.NORMAL, pregnancy=PregnancyStatus.NOT_PREGNANT)


def calc_2g_over_30min(drug: Drug) -> DoseCalculation:
    """2 g of 2 g/50 mL over 30 min: 50 mL at 100 mL/h, within every library limit."""
    return calculate_from_text(drug, dose="2 g", concentration="2 g/50 mL", duration="30 min")


ORDER = DoseOrderRecord(dose_text="2 g", concentration_text="2 g/50 mL", duration_text="30 min")

READY = Readiness(consent=True, allergies_reviewed=True, weight_kg_today=70.0, baseline_vitals_done=True,
                  iv_access=IVAccess("left forearm", "22G", 1, "Nina Okafor", T0), lot_number="LOT-A1",
                  lot_expiry=date(2026, 1, 31), calcium_gluconate_available=True, pump_rate_text="100 mL/h",
                  pump_vtbi_text="50 mL", pump_rate_ml_h=100.0, pump_vtbi_ml=50.0)


def assessed(drug: Drug, patient: Patient) -> Visit:
    visit = Visit(id=11, patient_id=patient.id, created_at=T0)
    baseline = VitalSigns(T0, systolic=122, diastolic=78, heart_rate=72, resp_rate=16, spo2=98,
                          patellar_reflex="present", phase="baseline")
    visit = wf.record_assessment(visit, Assessment(vitals=baseline, pain_score=7), patient, drug, NURSE, T0)
    return wf.decide_suitability(visit, True, "", CLINICIAN, minutes(5))


def prescribed(drug: Drug, patient: Patient) -> Visit:
    """Ordered by a clinician, and so approved; not yet double-checked."""
    return wf.order_dose(assessed(drug, patient), ORDER, calc_2g_over_30min(drug), {}, CLINICIAN, minutes(10))


def ordered(drug: Drug, patient: Patient) -> Visit:
    """Ordered by a clinician (so approved) and independently double-checked by a second nurse."""
    return wf.double_check(prescribed(drug, patient), NURSE_2, minutes(12))


def observed(visit: Visit, at: datetime) -> Visit:
    """Vital signs charted after the stop (the observation the library asks for)."""
    return wf.record_vitals(visit, VitalSigns(at, systolic=118, diastolic=76, heart_rate=70, resp_rate=16,
                                              spo2=98, phase="after"), NURSE)


def ready(drug: Drug, patient: Patient) -> Visit:
    return dataclasses.replace(ordered(drug, patient), readiness=READY)


def running(drug: Drug, patient: Patient) -> Visit:
    """Started at T0 + 20 min at 100 mL/h (50 mL to run)."""
    return wf.start_infusion(ready(drug, patient), patient, 70.0, NURSE, minutes(20))
