"""The drug library file's schema, declared: every table and key a library file may hold, with its type.

pydantic decodes the TOML into these frozen models (drugs/decoding.py), refusing unknown keys and wrong types
and reporting every such error of the file at once. Rules a schema cannot say (quantities and their units,
cited sources that exist, limits that contradict each other) run afterwards on the decoded entries
(drugs/checks.py). The allowed words come from drugs/vocabulary.py.

A key's `description`, where given, completes the sentence '"key" must be ...' for a value of the wrong type or
out of range.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from infusiondesk.drugs.vocabulary import LimitBound, LimitCheck, LimitLevel, Match, Population, ScreeningLevel


class Entry(BaseModel):
    """A table of the library file: unknown keys refused, no coercion ("30" is not a number), immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# `source = "id"` or `source = ["id", "id"]`
SourceIds = Annotated[list[str], BeforeValidator(_one_or_many),
                      Field(min_length=1, description="one source id or a list of them")]


class SourceEntry(Entry):
    """`[sources.<id>]`: what a `source` names."""

    title: str
    url: str


class DrugEntry(Entry):
    """`[drug]`: the salt, its molar mass and valence (for mass, mmol and mEq), each with its source."""

    id: str
    name: str
    salt: str
    route: str = "IV"
    high_alert: bool = False
    high_alert_source: str | None = None
    molar_mass: str
    molar_mass_source: str
    valence: int = Field(ge=1, description="a whole number, 1 or more")
    valence_source: str
    elemental_name: str
    elemental_molar_mass: str
    elemental_molar_mass_source: str


class IndicationEntry(Entry):
    """`[indications.<id>]`: rate rules differ by indication, so every limit names one (or "*")."""

    name: str
    default: bool = False
    note: str = ""


class ProductEntry(Entry):
    """`[[products]]`: a premixed bag (amount and volume) or a vial (concentration)."""

    id: str
    name: str
    iv_ready: bool
    source: str
    concentration: str | None = None
    amount: str | None = None
    volume: str | None = None
    ndc: list[str] = Field(default_factory=list,
                           description='a list of 10-digit NDCs written with hyphens, e.g. ["0409-6729-24"]')
    ndc_source: str | None = None
    ndc_basis: str = ""


class LimitEntry(Entry):
    """`[[limits]]`: one bound on one check, for an indication and a population (and optionally renal statuses)."""

    check: LimitCheck
    bound: LimitBound
    level: LimitLevel
    value: str
    indication: str
    population: Population
    source: str
    basis: str
    renal: list[str] | None = None


class ConditionEntry(Entry):
    """`[[screening.when]]`: one fact and the tests it must pass (the tests allowed depend on the fact's kind)."""

    fact: str
    is_: bool | str | None = Field(None, alias="is")
    in_: list[str] | None = Field(None, alias="in")
    below: float | None = None
    at_least: float | None = None
    above: float | None = None
    matches_any: list[str] | None = None
    missing: bool | None = None


class ScreeningEntry(Entry):
    """`[[screening]]`: a contraindication, caution or note, found when its conditions hold."""

    code: str
    level: ScreeningLevel
    message: str
    source: SourceIds
    basis: str = ""
    match: Match = "any"
    when: list[ConditionEntry] = Field(min_length=1, description="a list of [[screening.when]] conditions")


class ToxicityEntry(Entry):
    """`[[monitoring.toxicity]]`: a charted value at which a sign of toxicity is present; exactly one test."""

    code: str
    vital: str
    below: float | None = None
    above: float | None = None
    is_: str | None = Field(None, alias="is")
    message: str
    source: SourceIds
    basis: str


class MonitoringEntry(Entry):
    """`[monitoring]`: the toxicity signs checked on every set of vital signs, the observation after the stop."""

    observation_after_min: float = Field(ge=0, le=24 * 60, description="a number of minutes between 0 and 1,440")
    observation_source: str
    observation_basis: str = ""
    side_effect_alert_grade: int = Field(ge=1, le=5, description="a whole number from 1 to 5 (CTCAE grades)")
    side_effect_alert_source: str
    toxicity: list[ToxicityEntry] = Field(min_length=1, description="a list of [[monitoring.toxicity]] signs")


class LibraryFile(Entry):
    """The whole file: its top-level keys. Each section is decoded entry by entry (drugs/decoding.py), so a bad
    entry is reported without hiding the others."""

    schema_: Literal[1] = Field(alias="schema")
    drug: DrugEntry
    indications: dict[str, IndicationEntry]
    products: list[ProductEntry]
    limits: list[LimitEntry] = Field(default_factory=list)
    monitoring: MonitoringEntry | None = None
    screening: list[ScreeningEntry] = Field(default_factory=list)
    sources: dict[str, SourceEntry]
