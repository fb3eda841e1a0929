"""Contraindication screening: the drug library's `[[screening]]` rules applied to one patient.

The rules are data (each with its source); this module only derives the facts they test from the patient
record and the assessment answers, and evaluates the conditions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infusiondesk.drugs.library import Condition, Drug, ScreeningRule
from infusiondesk.drugs.vocabulary import PATELLAR_REFLEX_VALUES, SCREENING_FACTS, SCREENING_LEVELS, FactKind
from infusiondesk.records.models import Patient, Screening, ScreeningLevel
from infusiondesk.workflow.errors import WorkflowError

_LEVEL_ORDER: dict[str, int] = {level: i for i, level in enumerate(SCREENING_LEVELS)}


@dataclass(frozen=True)
class ScreeningQuestion:
    """A question the assessment asks because the patient record does not hold the answer."""

    key: str  # a screening fact (drugs/vocabulary.py)
    text: str
    choices: tuple[str, ...] = ()

    @property
    def kind(self) -> FactKind:
        return SCREENING_FACTS[self.key]


SCREENING_QUESTIONS: tuple[ScreeningQuestion, ...] = (
    ScreeningQuestion("heart_block", "Heart block or other cardiac conduction disease?"),
    ScreeningQuestion("myocardial_damage", "Myocardial damage (previous heart attack, cardiomyopathy)?"),
    ScreeningQuestion("myasthenia_gravis", "Myasthenia gravis or another neuromuscular disease?"),
    ScreeningQuestion("hypermagnesemia", "Known high magnesium level (hypermagnesemia)?"),
    ScreeningQuestion("serum_magnesium_mmol_l", "Latest serum magnesium, if known (mmol/L)"),
    ScreeningQuestion("resp_rate", "Respiratory rate now (breaths/min)"),
    ScreeningQuestion("patellar_reflex", "Patellar reflex", PATELLAR_REFLEX_VALUES),
)


def patient_facts(patient: Patient, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The facts screening rules test: the patient record, completed by the assessment answers.

    A yes in either the record or the answers counts; lists are joined; any other answer given replaces
    the record's value. Answers that are not screening facts are ignored.
    """
    facts: dict[str, Any] = dict.fromkeys(SCREENING_FACTS)  # every declared fact; unknown until given
    facts.update(record_facts(patient))
    for key, value in answers.items():
        kind = SCREENING_FACTS.get(key)
        if kind is None or value is None:
            continue
        if kind == "bool":
            if not isinstance(value, bool):
                raise WorkflowError(f'Screening answer "{key}" must be yes or no.')
            facts[key] = bool(facts[key]) or value
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise WorkflowError(f'Screening answer "{key}" must be a number.')
            facts[key] = float(value)
        elif kind == "list":
            items = (value,) if isinstance(value, str) else tuple(value)
            facts[key] = tuple(facts[key]) + tuple(str(i) for i in items)
        else:
            facts[key] = str(value).strip().lower()
    return facts


def record_facts(patient: Patient) -> dict[str, Any]:
    """The screening facts the patient record holds (the others come from the assessment)."""
    return {
        "heart_block": patient.heart_block,
        "renal_status": patient.renal_status.value,
        "egfr_ml_min": patient.egfr_ml_min,
        "myasthenia_gravis": patient.myasthenia_gravis,
        "pregnancy": patient.pregnancy.value,
        "sex": patient.sex,
        "medicines": tuple(patient.medicines),
        "allergies": tuple(a.substance for a in patient.allergies),
    }


def _holds(cond: Condition, value: Any) -> bool:
    if cond.missing:
        return value is None
    if value is None:
        return False
    if cond.is_ is not None and value != cond.is_:
        return False
    if cond.in_ is not None and value not in cond.in_:
        return False
    if cond.below is not None and not value < cond.below:
        return False
    if cond.at_least is not None and not value >= cond.at_least:
        return False
    if cond.above is not None and not value > cond.above:
        return False
    if cond.matches_any is not None:
        words = [w.lower() for w in cond.matches_any]
        if not any(w in str(item).lower() for item in value for w in words):
            return False
    return True


def rule_fires(rule: ScreeningRule, facts: Mapping[str, Any]) -> bool:
    results = (_holds(c, facts.get(c.fact)) for c in rule.conditions)
    return all(results) if rule.match == "all" else any(results)


def screen(patient: Patient, answers: Mapping[str, Any], drug: Drug) -> tuple[Screening, ...]:
    """Every screening rule of the drug that fires for this patient: absolute contraindications first, then
    contraindications, cautions and notes."""
    facts = patient_facts(patient, answers)
    found = [Screening(r.code, ScreeningLevel(r.level), r.message, ", ".join(r.sources))
             for r in drug.screening if rule_fires(r, facts)]
    found.sort(key=lambda s: _LEVEL_ORDER.get(s.level, len(_LEVEL_ORDER)))
    return tuple(found)


def contraindications(screenings: tuple[Screening, ...]) -> tuple[Screening, ...]:
    """Absolute contraindications and contraindications: each stops a "suitable" decision without more."""
    return tuple(s for s in screenings if s.level.stops_the_visit)


def absolute_contraindications(screenings: tuple[Screening, ...]) -> tuple[Screening, ...]:
    """The findings no written reason can pass: the patient cannot be judged suitable while they stand."""
    return tuple(s for s in screenings if s.level is ScreeningLevel.ABSOLUTE)
