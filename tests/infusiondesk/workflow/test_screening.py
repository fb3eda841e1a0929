"""Contraindication screening: rules from the drug library, each with its source, both sides of each rule."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from infusiondesk.drugs import Drug
from infusiondesk.drugs.vocabulary import SCREENING_LEVELS
from infusiondesk.records.models import Allergy, Patient, PregnancyStatus, RenalStatus
from infusiondesk.workflow import SCREENING_QUESTIONS, WorkflowError, screen
from infusiondesk.workflow.screening import absolute_contraindications, contraindications


def codes(patient: Patient, drug: Drug, **answers: Any) -> dict[str, str]:
    return {s.code: s.level for s in screen(patient, answers, drug)}


def test_a_healthy_migraine_patient_screens_clear(patient: Patient, drug: Drug) -> None:
    assert screen(patient, {"resp_rate": 16, "patellar_reflex": "present"}, drug) == ()


def test_every_finding_names_its_sources_from_the_library(drug: Drug) -> None:
    for rule in drug.screening:
        assert rule.sources and all(s in drug.sources for s in rule.sources), rule.code
        assert rule.message.strip() and rule.level in ("absolute", "contraindication", "caution", "info")


def test_heart_block_on_the_record_or_myocardial_damage_in_the_answers_is_a_contraindication(
        patient: Patient, drug: Drug) -> None:
    assert codes(dataclasses.replace(patient, heart_block=True), drug)["cardiac.heart_block"] == "contraindication"
    assert codes(patient, drug, myocardial_damage=True)["cardiac.heart_block"] == "contraindication"
    assert "cardiac.heart_block" not in codes(patient, drug, myocardial_damage=False)


def test_a_screening_result_carries_the_label_source(patient: Patient, drug: Drug) -> None:
    (found,) = screen(dataclasses.replace(patient, heart_block=True), {}, drug)
    assert "fda-50pct-contraindications" in found.source
    assert "Heart block" in found.message


@pytest.mark.parametrize(
    ("status", "egfr", "expected"),
    [
        (RenalStatus.FAILURE_OR_DIALYSIS, None, {"renal.failure_or_dialysis": "absolute"}),
        (RenalStatus.SEVERE, None, {"renal.severe": "contraindication"}),
        (RenalStatus.UNKNOWN, 29.9, {"renal.severe": "contraindication"}),
        (RenalStatus.UNKNOWN, 30, {"renal.moderate": "caution"}),
        (RenalStatus.MODERATE, None, {"renal.moderate": "caution"}),
        (RenalStatus.UNKNOWN, 59.9, {"renal.moderate": "caution"}),
        (RenalStatus.UNKNOWN, 60, {}),
        (RenalStatus.NORMAL, None, {}),
        (RenalStatus.UNKNOWN, None, {"renal.unknown": "info"}),
    ],
)
def test_renal_tiers_follow_the_sources_encoding_proposal(patient: Patient, drug: Drug, status: RenalStatus,
                                                          egfr: float | None, expected: dict[str, str]) -> None:
    found = codes(dataclasses.replace(patient, renal_status=status, egfr_ml_min=egfr), drug)
    assert {k: v for k, v in found.items() if k.startswith("renal.")} == expected


def test_myasthenia_gravis_is_a_contraindication_and_the_message_names_the_uk_disagreement(
        patient: Patient, drug: Drug) -> None:
    (found,) = screen(dataclasses.replace(patient, myasthenia_gravis=True), {}, drug)
    assert found.level == "contraindication"
    assert "UK" in found.message and "uk-smpc-10pct" in found.source


def test_pregnancy_is_a_caution_and_an_unknown_status_in_a_woman_is_a_note(patient: Patient, drug: Drug) -> None:
    assert codes(dataclasses.replace(patient, pregnancy=PregnancyStatus.PREGNANT), drug) == {"pregnancy": "caution"}
    assert codes(dataclasses.replace(patient, pregnancy=PregnancyStatus.UNKNOWN), drug) == {
        "pregnancy.unknown": "info"}
    man = dataclasses.replace(patient, sex="male", pregnancy=PregnancyStatus.UNKNOWN)
    assert codes(man, drug) == {}


def test_known_hypermagnesemia_or_a_high_level_is_a_contraindication(patient: Patient, drug: Drug) -> None:
    assert codes(patient, drug, hypermagnesemia=True) == {"metabolic.hypermagnesemia": "contraindication"}
    assert codes(patient, drug, serum_magnesium_mmol_l=1.3) == {"metabolic.hypermagnesemia": "contraindication"}
    assert codes(patient, drug, serum_magnesium_mmol_l=1.25) == {}


@pytest.mark.parametrize(
    ("medicine", "code"),
    [
        ("Oxycodone 5 mg PRN", "interaction.cns_depressants"),
        ("LORAZEPAM", "interaction.cns_depressants"),
        ("diphenhydramine (in the migraine cocktail)", "interaction.cns_depressants"),
        ("rocuronium", "interaction.neuromuscular_blockers"),
        ("gentamicin", "interaction.neuromuscular_blockers"),
        ("nifedipine XL 30 mg", "interaction.calcium_channel_blockers"),
        ("verapamil", "interaction.calcium_channel_blockers"),
        ("Digoxin 125 mcg", "interaction.digoxin"),
    ],
)
def test_current_medicines_that_interact_are_cautions(patient: Patient, drug: Drug, medicine: str,
                                                      code: str) -> None:
    assert codes(dataclasses.replace(patient, medicines=(medicine,)), drug) == {code: "caution"}


def test_medicines_that_do_not_interact_raise_nothing(patient: Patient, drug: Drug) -> None:
    assert codes(dataclasses.replace(patient, medicines=("sumatriptan", "propranolol", "topiramate")), drug) == {}


def test_medicines_named_only_in_the_answers_are_screened_too(patient: Patient, drug: Drug) -> None:
    assert codes(patient, drug, medicines=["amlodipine"]) == {"interaction.calcium_channel_blockers": "caution"}


def test_an_allergy_to_magnesium_sulfate_is_a_contraindication(patient: Patient, drug: Drug) -> None:
    allergic = dataclasses.replace(patient, allergies=(Allergy("Magnesium sulfate", "rash"),),
                                   no_known_allergies=False)
    assert codes(allergic, drug) == {"allergy.magnesium_sulfate": "contraindication"}
    other = dataclasses.replace(patient, allergies=(Allergy("penicillin"),), no_known_allergies=False)
    assert codes(other, drug) == {}


@pytest.mark.parametrize(
    ("rr", "expected"),
    [(11, {"monitoring.respiratory_rate_low": "contraindication"}),
     (12, {"monitoring.respiratory_rate_borderline": "caution"}),
     (15, {"monitoring.respiratory_rate_borderline": "caution"}),
     (16, {}), (20, {})],
)
def test_respiratory_rate_below_12_stops_and_12_to_15_warns(patient: Patient, drug: Drug, rr: int,
                                                            expected: dict[str, str]) -> None:
    assert codes(patient, drug, resp_rate=rr) == expected


def test_an_absent_patellar_reflex_is_absolute_and_a_diminished_one_a_caution(
        patient: Patient, drug: Drug) -> None:
    assert codes(patient, drug, patellar_reflex="absent") == {"monitoring.patellar_reflex_absent": "absolute"}
    assert codes(patient, drug, patellar_reflex="Diminished") == {
        "monitoring.patellar_reflex_diminished": "caution"}
    assert codes(patient, drug, patellar_reflex="present") == {}


def test_absolute_findings_come_first_then_contraindications(patient: Patient, drug: Drug) -> None:
    levels = [s.level for s in screen(dataclasses.replace(patient, pregnancy=PregnancyStatus.PREGNANT,
                                                          heart_block=True), {"resp_rate": 14}, drug)]
    assert levels == sorted(levels, key=["contraindication", "caution", "info"].index)
    assert levels[0] == "contraindication"
    found = screen(dataclasses.replace(patient, pregnancy=PregnancyStatus.PREGNANT, heart_block=True,
                                       renal_status=RenalStatus.FAILURE_OR_DIALYSIS),
                   {"resp_rate": 14, "patellar_reflex": "absent"}, drug)
    levels = [s.level for s in found]
    assert levels == sorted(levels, key=list(SCREENING_LEVELS).index)
    assert levels[:3] == ["absolute", "absolute", "contraindication"]


def test_contraindications_include_the_absolute_ones_and_absolute_lists_only_those(patient: Patient,
                                                                                   drug: Drug) -> None:
    found = screen(dataclasses.replace(patient, heart_block=True, renal_status=RenalStatus.FAILURE_OR_DIALYSIS),
                   {"resp_rate": 14}, drug)
    assert {s.code for s in contraindications(found)} == {"renal.failure_or_dialysis", "cardiac.heart_block"}
    assert [s.code for s in absolute_contraindications(found)] == ["renal.failure_or_dialysis"]
    assert absolute_contraindications(screen(patient, {"resp_rate": 16}, drug)) == ()


def test_a_malformed_answer_is_refused_with_the_question_named(patient: Patient, drug: Drug) -> None:
    with pytest.raises(WorkflowError, match='"resp_rate" must be a number'):
        screen(patient, {"resp_rate": "sixteen"}, drug)
    with pytest.raises(WorkflowError, match='"heart_block" must be yes or no'):
        screen(patient, {"heart_block": "yes"}, drug)


def test_every_screening_question_is_a_fact_the_rules_can_test() -> None:
    from infusiondesk.drugs.library import SCREENING_FACTS

    assert all(q.key in SCREENING_FACTS for q in SCREENING_QUESTIONS)


def test_a_systolic_below_90_before_the_start_is_a_contraindication_and_90_is_not(drug: Drug,
                                                                                   patient: Patient) -> None:
    """BP 78/40 charted before the start: magnesium lowers blood pressure (cited in the library)."""
    low = [s.code for s in screen(patient, {"systolic": 89}, drug)]
    assert "monitoring.hypotension" in low
    assert "monitoring.hypotension" not in [s.code for s in screen(patient, {"systolic": 90}, drug)]
