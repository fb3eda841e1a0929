"""The drug library's words, each declared once: the allowed values of its fields (Literal types, from which the
tuples are derived) and the screening facts a rule may test (one frozen table).

The library schema (drugs/schema.py), the screening of a patient (workflow/screening.py), the assessment
(workflow/assessment.py) and the scenario files (scenario/fields.py) all read these, so a word added here is
known everywhere and a word misspelt anywhere is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal, get_args

from infusiondesk.records.statuses import PregnancyStatus, RenalStatus

# --- limits ([[limits]])
LimitCheck = Literal["dose", "weight_based_dose", "concentration", "dose_rate", "dose_24h", "duration", "volume",
                     "pump_rate"]
LimitBound = Literal["max", "min"]
LimitLevel = Literal["hard", "soft"]  # hard: cannot proceed; soft: a written reason is needed
Population = Literal["adult", "pediatric", "all"]  # pediatric: age < 18

LIMIT_CHECKS: Final[tuple[LimitCheck, ...]] = get_args(LimitCheck)
LIMIT_BOUNDS: Final[tuple[LimitBound, ...]] = get_args(LimitBound)
LIMIT_LEVELS: Final[tuple[LimitLevel, ...]] = get_args(LimitLevel)
POPULATIONS: Final[tuple[Population, ...]] = get_args(Population)

# The dimension each check's value must have (pint dimensionality strings).
CHECK_DIMENSIONS: Final[Mapping[LimitCheck, str]] = MappingProxyType({
    "dose": "[mass]",
    "weight_based_dose": "[mass] / [mass]",
    "concentration": "[mass] / [length] ** 3",
    "dose_rate": "[mass] / [time]",
    "dose_24h": "[mass]",
    "duration": "[time]",
    "volume": "[length] ** 3",
    "pump_rate": "[length] ** 3 / [time]",
})

# A limit with `renal` applies only to a patient whose recorded renal status is one of these: the record's values.
RENAL_STATUSES: Final[tuple[str, ...]] = tuple(s.value for s in RenalStatus)
PREGNANCY_STATUSES: Final[tuple[str, ...]] = tuple(s.value for s in PregnancyStatus)

# --- screening ([[screening]])
# "absolute": no written reason can pass it; "contraindication": the clinician may still judge the patient
# suitable, with a written reason. In this order of severity (findings are listed in it).
ScreeningLevel = Literal["absolute", "contraindication", "caution", "info"]
Match = Literal["any", "all"]  # a rule fires when any of its conditions holds, or only when all do
FactKind = Literal["bool", "text", "number", "list"]
ConditionTest = Literal["is", "in", "below", "at_least", "above", "matches_any", "missing"]

SCREENING_LEVELS: Final[tuple[ScreeningLevel, ...]] = get_args(ScreeningLevel)
MATCHES: Final[tuple[Match, ...]] = get_args(Match)
CONDITION_TESTS: Final[tuple[ConditionTest, ...]] = get_args(ConditionTest)

# The facts about the patient a screening rule may test, and the kind of each (which decides its tests). The
# record and the assessment answers supply them (workflow/screening.py); scenario files answer them by name.
SCREENING_FACTS: Final[Mapping[str, FactKind]] = MappingProxyType({
    "heart_block": "bool",
    "myocardial_damage": "bool",
    "renal_status": "text",
    "egfr_ml_min": "number",
    "myasthenia_gravis": "bool",
    "pregnancy": "text",
    "sex": "text",
    "hypermagnesemia": "bool",
    "serum_magnesium_mmol_l": "number",
    "medicines": "list",
    "allergies": "list",
    "resp_rate": "number",
    "patellar_reflex": "text",
    "systolic": "number",  # the newest charted systolic blood pressure, mmHg
})

TESTS_BY_KIND: Final[Mapping[FactKind, tuple[ConditionTest, ...]]] = MappingProxyType({
    "bool": ("is", "missing"),
    "text": ("is", "in", "missing"),
    "number": ("below", "at_least", "above", "missing"),
    "list": ("matches_any",),
})

# The facts the charted vital signs answer (the VitalSigns field of the same name), unless answered directly.
FACTS_FROM_VITALS: Final[tuple[str, ...]] = ("resp_rate", "patellar_reflex", "systolic")

# --- charted observations
PatellarReflex = Literal["present", "diminished", "absent"]
PATELLAR_REFLEX_VALUES: Final[tuple[PatellarReflex, ...]] = get_args(PatellarReflex)

# The VitalSigns fields a toxicity sign ([[monitoring.toxicity]]) may test, and whether each is a number or a word.
TOXICITY_VITALS: Final[Mapping[str, FactKind]] = MappingProxyType({
    "resp_rate": "number",
    "patellar_reflex": "text",
    "systolic": "number",
    "diastolic": "number",
    "heart_rate": "number",
    "spo2": "number",
})


def either(words: tuple[str, ...]) -> str:
    """'a or b', 'a, b or c': the allowed values in a sentence."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
