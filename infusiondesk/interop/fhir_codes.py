"""The FHIR export's codes (LOINC, UCUM, code systems, the status and grade mappings), read from
data/fhir_codes.toml so that every code lives in one cited place, like the drug library's numbers."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from infusiondesk.errors import LibraryError
from infusiondesk.resources import bundled

FHIR_CODES_FILE = bundled("infusiondesk", "data", "fhir_codes.toml")
_VITAL_FIELDS = ("systolic", "diastolic", "heart_rate", "resp_rate", "spo2", "temperature_c", "pain_score")
_SYSTEMS = ("ucum", "loinc", "ndc", "observation_category", "identifier_type", "encounter_class",
            "adverse_event_severity", "adverse_event_outcome", "mrn", "visit", "ctcae_grade", "side_effect",
            "note_status")
_OUTCOMES = ("resolved", "resolving", "ongoing", "escalated", "fatal")


@dataclass(frozen=True)
class VitalCode:
    """One charted vital sign as a LOINC-coded Observation with a UCUM unit."""

    field: str  # the VitalSigns attribute
    code: str
    display: str
    unit: str
    unit_display: str
    category: str


@dataclass(frozen=True)
class FhirCodes:
    systems: Mapping[str, str]
    mrn_type: tuple[str, str]  # code, display
    encounter_class: tuple[str, str]
    vitals: tuple[VitalCode, ...]
    medication_text: str
    dose_unit: str
    rate_unit: str
    strength_units: tuple[str, str]
    severity: Mapping[int, str]  # CTCAE grade -> FHIR severity code
    outcome: Mapping[str, str]  # SideEffectOutcome value -> FHIR outcome code
    sources: Mapping[str, tuple[str, str]]


def _fail(what: str) -> LibraryError:
    return LibraryError(f"FHIR codes {FHIR_CODES_FILE}: {what}")


def _cited(section: Mapping[str, Any], sources: Mapping[str, Any], where: str) -> None:
    cited = section.get("sources", [section.get("source")])
    if not cited or any(s not in sources for s in cited):
        raise _fail(f"{where} must cite a source listed under [sources] (has {cited!r}).")


def parse_codes(data: Mapping[str, Any]) -> FhirCodes:
    """Check the file's shape and citations; every problem is a LibraryError naming the file."""
    try:
        sources = data["sources"]
        systems = data["systems"]
        for name in ("systems", "mrn_type", "encounter_class", "medication", "severity", "outcome"):
            _cited(data[name], sources, f"[{name}]")
        missing = [s for s in _SYSTEMS if s not in systems]
        if missing:
            raise _fail(f"[systems] lacks {', '.join(missing)}.")
        vitals = []
        for v in data["vitals"]:
            _cited(v, sources, f"vital {v.get('field')!r}")
            vitals.append(VitalCode(v["field"], v["code"], v["display"], v["unit"], v["unit_display"],
                                    v["category"]))
        if tuple(v.field for v in vitals) != _VITAL_FIELDS:
            raise _fail(f"[[vitals]] must be, in order: {', '.join(_VITAL_FIELDS)}.")
        severity = {int(k): str(v) for k, v in data["severity"].items() if k != "source"}
        if sorted(severity) != [1, 2, 3, 4, 5]:
            raise _fail("[severity] must map each CTCAE grade 1-5.")
        outcome = {k: str(v) for k, v in data["outcome"].items() if k != "source"}
        if sorted(outcome) != sorted(_OUTCOMES):
            raise _fail(f"[outcome] must map each of {', '.join(_OUTCOMES)}.")
        med = data["medication"]
        return FhirCodes(
            systems={k: str(v) for k, v in systems.items() if k != "sources"},
            mrn_type=(data["mrn_type"]["code"], data["mrn_type"]["display"]),
            encounter_class=(data["encounter_class"]["code"], data["encounter_class"]["display"]),
            vitals=tuple(vitals), medication_text=med["text"], dose_unit=med["dose_unit"],
            rate_unit=med["rate_unit"],
            strength_units=(med["strength_numerator_unit"], med["strength_denominator_unit"]),
            severity=severity, outcome=outcome,
            sources={k: (v["title"], v.get("url", "")) for k, v in sources.items()})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _fail(f"missing or malformed entry ({exc}).") from None


@lru_cache(maxsize=1)
def fhir_codes() -> FhirCodes:
    try:
        data = tomllib.loads(FHIR_CODES_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _fail(f"cannot be read ({exc}).") from None
    return parse_codes(data)
