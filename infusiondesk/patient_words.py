"""A patient's fields and values in the words the screens and refusals use ("Weight (kg)", "(empty)"), shared by
the mobile conflicts screen and the store's refusal of an edit that crossed another workstation's."""

from __future__ import annotations

from typing import Any

_FIELD_NAMES = {"mrn": "MRN", "family_name": "Family name", "given_name": "Given name",
                "date_of_birth": "Date of birth", "weight_kg": "Weight (kg)", "egfr_ml_min": "eGFR (mL/min)"}


def field_name(key: str) -> str:
    """"weight_kg" -> "Weight (kg)"; a field without a special name: "no_known_allergies" -> "No known allergies"."""
    return _FIELD_NAMES.get(key, key.replace("_", " ").capitalize())


def shown(value: Any) -> str:
    """A stored (plain JSON) value as a person reads it: "(empty)", "yes"/"no", 66 (not 66.0), a list joined by "; "."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"  # 66 kg, not 66.0 kg (no trailing zero)
    if isinstance(value, list):
        return "; ".join(", ".join(f"{v}" for v in item.values() if v) if isinstance(item, dict) else str(item)
                         for item in value)
    return str(value)
