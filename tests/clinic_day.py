"""A standard visit charted through the visit service, as the app does it: for tests that need a visit in a
given status in a real store (there is no other way to put one there)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from infusiondesk.drugs.library import Drug
from infusiondesk.pki import SignerCredentials
from infusiondesk.records.models import (
    IVAccess,
    MigraineFeatures,
    Patient,
    SideEffect,
    SideEffectAction,
    SideEffectOutcome,
    SignatureMeaning,
    UserSession,
    Visit,
    VisitStatus,
    VitalSigns,
)
from infusiondesk.service import (
    AssessmentEntry,
    OrderEntry,
    Preparation,
    SignedNote,
    Step,
    VisitService,
    sign_with_note,
)

NoteSigner = Callable[[Visit], bytes]


def baseline(at: datetime) -> VitalSigns:
    return VitalSigns(at, systolic=122, diastolic=78, heart_rate=72, resp_rate=16, spo2=98, temperature_c=36.8,
                      pain_score=7, patellar_reflex="present", phase="baseline")


def pump_readback(visit: Visit) -> dict[str, str]:
    """What the pump shows once programmed as ordered: the order's rate and volume as displayed."""
    assert visit.dose_order is not None
    shown = visit.dose_order.computed_dose.display
    return {"pump_rate": shown["rate"].replace(",", ""), "pump_vtbi": shown["volume"].replace(",", "")}


def chart_visit(store: object, drug: Drug, patient: Patient, nurse: UserSession, nurse2: UserSession,
                clinician: UserSession,
                t0: datetime, until: VisitStatus = VisitStatus.COMPLETED, sign_note: NoteSigner | None = None,
                dose: str = "2 g", product: str = "premix-2g-50ml", duration: str = "30 min",
                seal: SignerCredentials | None = None, diagnosis: str = "",
                attacks_per_month: int | None = None) -> Visit:
    """Ms X's 2 g over 30 min from draft to `until`: assessed by the nurse, ordered by the clinician, checked by a
    second nurse, started, a flushing side effect, stopped, observed, completed, signed (with `sign_note`). Each
    acts through their signed-in session."""
    svc = VisitService(store, drug)
    visit = svc.new_visit(nurse, patient.id)

    def step(who: UserSession, minutes: float) -> Step:
        assert visit.id is not None
        return Step(who, visit.id, visit.version, t0 + timedelta(minutes=minutes))

    visit = svc.assess(step(nurse, 1), AssessmentEntry(baseline(t0), 7, answers={"heart_block": False},
                                                       diagnosis_code=diagnosis,
                                                       migraine=MigraineFeatures(attacks_per_month=attacks_per_month)))
    if until is VisitStatus.DRAFT:
        return visit
    visit = svc.decide(step(clinician, 5), True, "")
    visit = svc.order(step(clinician, 10), OrderEntry(dose, product=product, duration=duration,
                                                      weight=f"{patient.weight_kg or 70:g} kg"))
    visit = svc.double_check(step(nurse2, 12))
    visit = svc.prepare(step(nurse, 15), Preparation(
        consent=True, allergies_reviewed=True, weight_change_acknowledged=True,
        iv=IVAccess("left forearm", "22G", 1, nurse.user.full_name, t0), lot="LOT-A1", expiry=date(2099, 1, 31),
        calcium_gluconate_at_chair=True, **pump_readback(visit)))
    if until is VisitStatus.ASSESSED:
        return visit
    visit = svc.start(step(nurse, 20))
    visit = svc.record_vitals(step(nurse, 30), VitalSigns(t0 + timedelta(minutes=30), systolic=118, diastolic=76,
                                                           heart_rate=70, resp_rate=16, spo2=98))
    visit = svc.log_side_effect(step(nurse, 31), SideEffect("flushing", t0 + timedelta(minutes=28), 1,
                                                            SideEffectAction.NONE, SideEffectOutcome.RESOLVED))
    if until is VisitStatus.INFUSING:
        return visit
    assert visit.dose_order is not None
    volume, minutes = visit.dose_order.computed_dose.volume_ml, visit.dose_order.computed_dose.duration_min
    stop = 20 + minutes
    visit = svc.stop(step(nurse, stop), volume)
    visit = svc.record_vitals(step(nurse, stop + 31), VitalSigns(t0 + timedelta(minutes=stop + 31), systolic=120,
                                                                  diastolic=78, heart_rate=68, resp_rate=16, spo2=98))
    visit = svc.complete(step(nurse, stop + 32), 2, "Home with her partner driving.")
    visit = svc.sign(step(nurse, stop + 33), SignatureMeaning.ADMINISTERED)
    if until is VisitStatus.COMPLETED:
        return visit
    assert sign_note is not None, "a signed visit needs its signed note"
    signing = step(clinician, stop + 40)
    return sign_with_note(svc, signing, lambda candidate: SignedNote(sign_note(candidate), seal))
