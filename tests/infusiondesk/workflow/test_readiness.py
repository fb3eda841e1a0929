"""Before the start: every missing item is a sentence; an expired lot and a large weight change block."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from infusiondesk import workflow as wf
from infusiondesk.drugs import Drug
from infusiondesk.records.models import IVAccess, Patient, Readiness, Visit, VisitStatus, VitalSigns

from .conftest import NURSE, READY, T0, assessed, minutes, ordered, ready

TODAY = T0.date()


def test_a_fully_prepared_visit_is_ready(drug: Drug, patient: Patient) -> None:
    assert wf.readiness_problems(ready(drug, patient), patient, 70.0, TODAY) == []


def _without_charted_vitals(visit: Visit) -> Visit:
    return dataclasses.replace(visit, assessment=dataclasses.replace(visit.assessment, vitals=None), vitals=())


def test_an_unprepared_visit_lists_every_missing_item(drug: Drug, patient: Patient) -> None:
    problems = " ".join(wf.readiness_problems(_without_charted_vitals(ordered(drug, patient)), patient, None, TODAY))
    for words in ("Consent", "Allergies have not been reviewed", "Today's weight", "Baseline vital signs",
                  "IV access", "lot number", "expiry date", "Calcium gluconate"):
        assert words in problems


def test_no_dose_order_and_no_suitability_are_problems(drug: Drug, patient: Patient) -> None:
    visit = dataclasses.replace(assessed(drug, patient), readiness=READY)
    assert wf.readiness_problems(visit, patient, None, TODAY) == [
        "There is no dose order yet; a clinician must order the dose."]
    draft = dataclasses.replace(visit, status=VisitStatus.DRAFT,
                                assessment=dataclasses.replace(visit.assessment, suitability=None))
    assert "not yet decided the patient is suitable" in " ".join(wf.readiness_problems(draft, patient, None, TODAY))


def test_an_expired_lot_blocks_the_start_but_a_lot_expiring_today_does_not(drug: Drug, patient: Patient) -> None:
    visit = ready(drug, patient)
    expired = dataclasses.replace(visit, readiness=dataclasses.replace(READY, lot_expiry=date(2025, 3, 3)))
    assert wf.readiness_problems(expired, patient, 70.0, TODAY) == [
        "Lot LOT-A1 expired on 2025-03-03; do not use it: take an in-date product."]
    today = dataclasses.replace(visit, readiness=dataclasses.replace(READY, lot_expiry=TODAY))
    assert wf.readiness_problems(today, patient, 70.0, TODAY) == []
    with pytest.raises(wf.WorkflowError, match="cannot start yet: Lot LOT-A1 expired"):
        wf.start_infusion(expired, patient, 70.0, NURSE, minutes(20))


@pytest.mark.parametrize(("today_kg", "previous_kg", "flagged"),
                         [(77.1, 70.0, True), (77.0, 70.0, False), (62.9, 70.0, True), (63.0, 70.0, False)])
def test_a_weight_change_over_10_percent_must_be_acknowledged(drug: Drug, patient: Patient, today_kg: float,
                                                               previous_kg: float, flagged: bool) -> None:
    visit = dataclasses.replace(ready(drug, patient), readiness=dataclasses.replace(READY, weight_kg_today=today_kg))
    problems = wf.readiness_problems(visit, patient, previous_kg, TODAY)
    assert bool(problems) is flagged
    if flagged:
        assert "differs from the last visit's 70 kg" in problems[0]
        acknowledged = dataclasses.replace(visit, readiness=dataclasses.replace(
            visit.readiness, weight_change_acknowledged=True))
        assert wf.readiness_problems(acknowledged, patient, previous_kg, TODAY) == []


def test_a_first_visit_has_no_weight_to_compare(drug: Drug, patient: Patient) -> None:
    visit = dataclasses.replace(ready(drug, patient), readiness=dataclasses.replace(READY, weight_kg_today=120))
    assert wf.readiness_problems(visit, patient, None, TODAY) == []


def test_baseline_vitals_are_charted_values_never_a_tick_box(drug: Drug, patient: Patient) -> None:
    ticked = dataclasses.replace(READY, baseline_vitals_done=True)
    visit = dataclasses.replace(_without_charted_vitals(ready(drug, patient)), readiness=ticked)
    assert any("Baseline vital signs are not charted" in p for p in wf.readiness_problems(visit, patient, 70.0, TODAY))
    charted = wf.record_vitals(visit, VitalSigns(minutes(15), heart_rate=70, phase="baseline"), NURSE)
    assert wf.readiness_problems(charted, patient, 70.0, TODAY) == []


def test_an_incomplete_iv_access_record_names_what_is_missing(drug: Drug, patient: Patient) -> None:
    access = IVAccess(site="right antecubital", gauge="", attempts=0, placed_by=" ")
    visit = dataclasses.replace(ready(drug, patient), readiness=dataclasses.replace(READY, iv_access=access))
    assert wf.readiness_problems(visit, patient, 70.0, TODAY) == [
        "IV access is missing: gauge, who placed it; complete the IV access record.",
        "IV access attempts must be 1 or more; enter how many attempts it took."]


def test_allergies_must_be_recorded_or_none_known(drug: Drug, patient: Patient) -> None:
    unknown = dataclasses.replace(patient, no_known_allergies=False)
    assert "no known allergies" in " ".join(wf.readiness_problems(ready(drug, patient), unknown, 70.0, TODAY))


def test_readiness_rules_are_cited_data() -> None:
    from infusiondesk.workflow.readiness import readiness_rules

    rules = readiness_rules()
    assert rules.weight_change_max_fraction == pytest.approx(0.10)
    assert rules.weight_change_source == "clinic-requirements"


def test_consent_missing_blocks_the_start(drug: Drug, patient: Patient) -> None:
    visit = dataclasses.replace(ready(drug, patient), readiness=Readiness(**{**READY.__dict__, "consent": False}))
    with pytest.raises(wf.WorkflowError, match="Consent is not recorded"):
        wf.start_infusion(visit, patient, 70.0, NURSE, minutes(20))


def _read_back(visit: Visit, rate: float | None, vtbi: float | None) -> Visit:
    return dataclasses.replace(visit, readiness=dataclasses.replace(
        visit.readiness, pump_rate_text=f"{rate} mL/h" if rate is not None else "",
        pump_vtbi_text=f"{vtbi} mL" if vtbi is not None else "", pump_rate_ml_h=rate, pump_vtbi_ml=vtbi))


def test_the_start_needs_the_pump_readback(drug: Drug, patient: Patient) -> None:
    for rate, vtbi in ((None, None), (100.0, None), (None, 50.0)):
        problems = wf.readiness_problems(_read_back(ready(drug, patient), rate, vtbi), patient, 70.0, TODAY)
        assert problems == ["The pump readback is not recorded; type the rate and the volume to be infused the pump "
                            "shows."]


def test_a_pump_readback_off_the_order_blocks_the_start(drug: Drug, patient: Patient) -> None:
    # 2 g of 2 g/50 mL over 30 min: 100 mL/h, 50 mL
    assert wf.readiness_problems(_read_back(ready(drug, patient), 100.04, 50.0), patient, 70.0, TODAY) == []
    off = wf.readiness_problems(_read_back(ready(drug, patient), 100.1, 50.0), patient, 70.0, TODAY)
    assert len(off) == 1 and "100.1 mL/h on the pump and 100 mL/h in the order" in off[0]
    slip = wf.readiness_problems(_read_back(ready(drug, patient), 50.0, 50.0), patient, 70.0, TODAY)
    assert len(slip) == 2 and "is the bag's volume (50 mL), not its rate" in slip[1]
    with pytest.raises(wf.WorkflowError, match="pump is not programmed as ordered"):
        wf.start_infusion(_read_back(ready(drug, patient), 50.0, 50.0), patient, 70.0, NURSE, minutes(20))
