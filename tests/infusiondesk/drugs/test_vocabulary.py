"""One vocabulary: the screening facts, tests and allowed values are declared once (drugs/vocabulary.py) and every
reader agrees with it, so a fact added there is screened, answered and accepted in scenario files alike."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import get_args

import pytest

from infusiondesk.drugs.schema import ConditionEntry, LimitEntry, ScreeningEntry
from infusiondesk.drugs.vocabulary import (
    CHECK_DIMENSIONS,
    CONDITION_TESTS,
    FACTS_FROM_VITALS,
    LIMIT_CHECKS,
    LIMIT_LEVELS,
    MATCHES,
    RENAL_STATUSES,
    SCREENING_FACTS,
    SCREENING_LEVELS,
    TESTS_BY_KIND,
    TOXICITY_VITALS,
    FactKind,
)
from infusiondesk.records.models import PatientDetails, RenalStatus, VitalSigns
from infusiondesk.scenario import fields
from infusiondesk.workflow.screening import SCREENING_QUESTIONS, patient_facts, record_facts


def test_allowed_values_are_the_literals_the_schema_declares() -> None:
    assert LIMIT_LEVELS == ("hard", "soft") == get_args(LimitEntry.model_fields["level"].annotation)
    assert MATCHES == ("any", "all") == get_args(ScreeningEntry.model_fields["match"].annotation)
    assert get_args(ScreeningEntry.model_fields["level"].annotation) == SCREENING_LEVELS
    assert set(CHECK_DIMENSIONS) == set(LIMIT_CHECKS)
    assert tuple(s.value for s in RenalStatus) == RENAL_STATUSES


def test_a_condition_declares_exactly_the_tests_the_vocabulary_names() -> None:
    declared = {info.alias or name for name, info in ConditionEntry.model_fields.items()} - {"fact"}
    assert declared == set(CONDITION_TESTS)
    assert set(TESTS_BY_KIND) == set(get_args(FactKind))
    assert {t for tests in TESTS_BY_KIND.values() for t in tests} <= set(CONDITION_TESTS)


def test_every_fact_the_record_or_the_vital_signs_supply_is_a_declared_fact() -> None:
    patient = PatientDetails("MRN1", "Doe", "Ann", date(1980, 1, 1), "female")
    assert set(record_facts(patient)) <= set(SCREENING_FACTS)
    assert set(patient_facts(patient, {})) == set(SCREENING_FACTS)
    vital_fields = {f.name for f in dataclasses.fields(VitalSigns)}
    assert set(FACTS_FROM_VITALS) <= set(SCREENING_FACTS) & vital_fields
    assert set(TOXICITY_VITALS) <= vital_fields
    assert {q.key for q in SCREENING_QUESTIONS} <= set(SCREENING_FACTS)


def test_scenario_answers_accept_every_declared_fact_and_refuse_a_misspelt_one() -> None:
    assert fields.answers(dict.fromkeys(SCREENING_FACTS, True)) == dict.fromkeys(SCREENING_FACTS, True)
    with pytest.raises(fields.Bad, match='"heartblock" is not a screening fact; did you mean "heart_block"'):
        fields.answers({"heartblock": True})
