"""A standard clinic day: Ms Rivera's 2 g magnesium sulfate infusion for migraine, charted and signed.

Built from the frozen records only, so the note and its signature are tested without the store.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from infusiondesk.dosing import calculate_from_text
from infusiondesk.drugs import load_drug
from infusiondesk.drugs.library import Drug
from infusiondesk.records.models import (
    Allergy,
    Assessment,
    Clinic,
    DoseOrderRecord,
    DoubleCheck,
    InfusionEvent,
    InfusionEventKind,
    IVAccess,
    MigraineFeatures,
    Override,
    Patient,
    Readiness,
    RenalStatus,
    Role,
    Screening,
    ScreeningLevel,
    SideEffect,
    SideEffectAction,
    SideEffectOutcome,
    Signature,
    SignatureMeaning,
    Suitability,
    User,
    Visit,
    VisitStatus,
    VitalSigns,
)

T0 = datetime(2025, 3, 4, 19, 0, tzinfo=UTC)  # 14:00 in New York (EST)

CLINIC = Clinic(name="Riverside Headache Infusion Clinic", address="12 Harbor Street, Suite 4, Portland, ME 04101",
                phone="+1 207 555 0142", hours="Mon–Fri 08:00–18:00", timezone="America/New_York")
NURSE = User(1, "jdoe", "Jane Doe", Role.NURSE, "RN")
CLINICIAN = User(2, "asmith", "Alan Smith", Role.CLINICIAN, "MD")
USERS = {u.id: u for u in (NURSE, CLINICIAN) if u.id is not None}

PATIENT = Patient(id=7, mrn="MRN-004211", family_name="Rivera", given_name="Ana Lucía",
                  date_of_birth=date(1986, 5, 17), sex="female", weight_kg=64.5,
                  allergies=(Allergy("penicillin", "rash"),), medicines=("sumatriptan", "propranolol"),
                  migraine_diagnosis=True, egfr_ml_min=92, renal_status=RenalStatus.NORMAL)


def drug() -> Drug:
    return load_drug(None)


def vitals(minutes: int, sbp: int, dbp: int, hr: int, spo2: int, phase: str = "during",
           pain: int | None = None) -> VitalSigns:
    return VitalSigns(taken_at=T0 + timedelta(minutes=minutes), systolic=sbp, diastolic=dbp, heart_rate=hr,
                      resp_rate=16, spo2=spo2, temperature_c=36.8, pain_score=pain, patellar_reflex="present",
                      phase=phase, recorded_by=NURSE.id)


def standard_visit(signed: bool = True) -> Visit:
    """2 g of 2 g/50 mL over 30 min at 100 mL/h, a grade 1 flushing, signed by the nurse and the clinician."""
    d = drug()
    calc = calculate_from_text(d, dose="2 g", product="premix-2g-50ml", duration="30 min", weight="64.5 kg")
    baseline = vitals(-20, 128, 82, 76, 98, phase="baseline", pain=7)
    assessment = Assessment(
        vitals=baseline, pain_score=7,
        migraine=MigraineFeatures(onset=T0 - timedelta(hours=9), duration_hours=9, aura=False, attacks_per_month=4,
                                  nausea=True, photophobia=True, phonophobia=True,
                                  current_symptoms="Left-sided throbbing headache since waking."),
        screening=(Screening("propranolol", ScreeningLevel.CAUTION,
                             "Beta blocker: watch for bradycardia and hypotension.",
                             "lexicomp-interactions"),),
        suitability=Suitability(True, CLINICIAN.id, T0 - timedelta(minutes=15), "No contraindication."),
        assessed_by=NURSE.id, assessed_at=T0 - timedelta(minutes=20),
    )
    order = DoseOrderRecord(
        dose_text="2 g", product_id="premix-2g-50ml", duration_text="30 min", weight_text="64.5 kg",
        computed=calc.computed(),
        overrides=(Override("rate_soft", "Rate above the usual 1 g/h for outpatient migraine",
                            "Previous infusions at this rate were well tolerated.", CLINICIAN.id,
                            T0 - timedelta(minutes=12)),),
        double_check=DoubleCheck(NURSE.id, T0 - timedelta(minutes=8)),
        ordered_by=CLINICIAN.id, ordered_at=T0 - timedelta(minutes=12),
    )
    readiness = Readiness(consent=True, allergies_reviewed=True, weight_kg_today=64.5, baseline_vitals_done=True,
                          iv_access=IVAccess("left antecubital", "22 G", 1, "Jane Doe", T0 - timedelta(minutes=10)),
                          lot_number="A1234", lot_expiry=date(2026, 1, 31), calcium_gluconate_available=True,
                          pump_rate_text="100 mL/h", pump_vtbi_text="50 mL", pump_rate_ml_h=100.0, pump_vtbi_ml=50.0)
    events = (
        InfusionEvent(InfusionEventKind.START, T0, rate_ml_h=100, volume_infused_ml=0, by=NURSE.id),
        InfusionEvent(InfusionEventKind.PAUSE, T0 + timedelta(minutes=10), volume_infused_ml=16.7,
                      reason="Flushing and warmth", by=NURSE.id),
        InfusionEvent(InfusionEventKind.RESUME, T0 + timedelta(minutes=14), rate_ml_h=80, by=NURSE.id),
        InfusionEvent(InfusionEventKind.STOP, T0 + timedelta(minutes=39), volume_infused_ml=50,
                      reason="Infusion complete", by=NURSE.id),
    )
    during = (baseline, vitals(0, 126, 80, 74, 98), vitals(10, 118, 76, 70, 97), vitals(20, 120, 78, 72, 98),
              vitals(30, 122, 79, 71, 98), vitals(45, 124, 80, 72, 99, phase="after", pain=2))
    effects = (SideEffect("flushing", T0 + timedelta(minutes=9), 1, SideEffectAction.PAUSED,
                          SideEffectOutcome.RESOLVED, "Facial flushing, settled after a 4 min pause.",
                          NURSE.id),)
    visit = Visit(id=1042, patient_id=PATIENT.id, status=VisitStatus.COMPLETED, created_at=T0 - timedelta(hours=1),
                  started_at=T0, assessment=assessment, dose_order=order, readiness=readiness, events=events,
                  vitals=during, side_effects=effects, post_pain_score=2,
                  discharge_notes="Headache much improved. Drive home with partner; return if weakness or "
                                  "breathing difficulty.", version=6)
    if not signed:
        return visit
    sigs = (Signature(NURSE.id, NURSE.full_name, NURSE.credentials, SignatureMeaning.ADMINISTERED,
                      T0 + timedelta(minutes=50)),
            Signature(CLINICIAN.id, CLINICIAN.full_name, CLINICIAN.credentials,
                      SignatureMeaning.REVIEWED_APPROVED, T0 + timedelta(minutes=55)))
    return replace(visit, status=VisitStatus.SIGNED, signatures=sigs)
