"""The scenario file's vocabulary: which keys each step takes, and how one value is read and checked.

Declared as data (like the drug library's schema) so the loader can refuse an unknown key with a suggestion
and report every problem of a file at once. A reader returns the value as the runner wants it or raises
`Bad` with what is wrong, in words a clinic's tester can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from infusiondesk.drugs.vocabulary import PATELLAR_REFLEX_VALUES, SCREENING_FACTS
from infusiondesk.records.models import (
    Allergy,
    PregnancyStatus,
    RenalStatus,
    SideEffectAction,
    SideEffectOutcome,
)
from infusiondesk.units import Kind, parse_quantity


class Bad(Exception):
    """One value that cannot be used; the message completes 'KEY: ...'."""


Reader = Callable[[Any], Any]


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Bad(f"must be text in quotes, not {json_type(value)}")
    return value


def nonempty_text(value: Any) -> str:
    if not text(value).strip():
        raise Bad("is empty")
    return str(value).strip()


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Bad(f"must be true or false, not {json_type(value)}")
    return value


def whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Bad(f"must be a whole number, not {json_type(value)}")
    return value


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Bad(f"must be a number, not {json_type(value)}")
    return float(value)


def volume_ml(value: Any) -> float:
    """A pump reading: a number of mL, or text with its unit ("60 mL")."""
    if isinstance(value, str):
        try:
            return float(parse_quantity(value, Kind.VOLUME, "volume").to("mL").magnitude)
        except Exception as exc:  # InputError's sentence, or pint's
            raise Bad(f'"{value}" is not a volume ({getattr(exc, "message", exc)})') from None
    return number(value)


def weight_kg(value: Any) -> float:
    try:
        return float(parse_quantity(text(value), Kind.WEIGHT, "weight").to("kg").magnitude)
    except Bad:
        raise
    except Exception as exc:
        raise Bad(f'"{value}" is not a weight such as "64 kg" ({getattr(exc, "message", exc)})') from None


def iso_date(value: Any) -> date:
    try:
        return date.fromisoformat(text(value))
    except ValueError:
        raise Bad(f'"{value}" is not a date written YYYY-MM-DD') from None


def aware_time(value: Any) -> datetime:
    """An ISO time with its offset ("2026-03-02T09:35:00+00:00")."""
    try:
        at = datetime.fromisoformat(text(value))
    except ValueError:
        raise Bad(f'"{value}" is not a time such as "2026-03-02T09:35:00+00:00"') from None
    if at.tzinfo is None:
        raise Bad(f'"{value}" has no offset; write it with one, such as "+00:00"')
    return at


def choice(*allowed: str) -> Reader:
    def read(value: Any) -> str:
        if text(value) not in allowed:
            raise Bad(f'"{value}" is not one of {", ".join(allowed)}')
        return str(value)
    return read


def text_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Bad("must be a list of texts")
    return tuple(value)


def reasons(value: Any) -> dict[str, str]:
    """{finding code: the written reason}."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Bad('must be an object of finding code to reason, such as {"dose.max.soft": "why"}')
    return dict(value)


def allergies(value: Any) -> tuple[Allergy, ...]:
    if not isinstance(value, list):
        raise Bad('must be a list of substances ("penicillin") or {"substance", "reaction"} objects')
    out = []
    for item in value:
        if isinstance(item, str) and item.strip():
            out.append(Allergy(item.strip()))
        elif isinstance(item, dict) and set(item) <= {"substance", "reaction"} and isinstance(
                item.get("substance"), str) and isinstance(item.get("reaction", ""), str):
            out.append(Allergy(item["substance"].strip(), item.get("reaction", "").strip()))
        else:
            raise Bad(f"{item!r} is not a substance or a {{\"substance\", \"reaction\"}} object")
    return tuple(out)


CONDITIONS = {"heart_block": "heart_block", "myasthenia_gravis": "myasthenia_gravis",
              "migraine": "migraine_diagnosis"}


def conditions(value: Any) -> tuple[str, ...]:
    names = text_list(value)
    for name in names:
        if name not in CONDITIONS:
            raise Bad(f'"{name}" is not a condition the record holds; use {", ".join(CONDITIONS)}'
                      f"{suggest(name, CONDITIONS)}")
    return names


def enum_reader(kind: Any) -> Reader:
    return choice(*(m.value for m in kind))


def answers(value: Any) -> dict[str, Any]:
    """Screening answers by the drug library's fact names (checked against the names, not the values: the
    service refuses a wrong value with the sentence the app shows)."""
    if not isinstance(value, dict):
        raise Bad("must be an object of screening fact name to answer")
    unknown = [k for k in value if k not in SCREENING_FACTS]
    if unknown:
        k = unknown[0]
        raise Bad(f'"{k}" is not a screening fact{suggest(k, SCREENING_FACTS)}; the facts are '
                  f'{", ".join(SCREENING_FACTS)}')
    return dict(value)


REFLEXES: dict[str, str | None] = {**{r: r for r in PATELLAR_REFLEX_VALUES}, "not checked": None}
VITALS: dict[str, Reader] = {
    "systolic": whole, "diastolic": whole, "heart_rate": whole, "resp_rate": whole, "spo2": whole,
    "temperature": number, "pain": whole, "patellar_reflex": choice(*REFLEXES),
}


def vitals(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Bad("must be an object such as {\"systolic\": 120, \"diastolic\": 80, \"resp_rate\": 16}")
    out: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in VITALS:
            raise Bad(f'"{key}" is not a vital sign{suggest(key, VITALS)}; use {", ".join(VITALS)}')
        try:
            out[key] = VITALS[key](raw)
        except Bad as exc:
            raise Bad(f"{key} {exc}") from None
    return out


IV = {"site": nonempty_text, "gauge": nonempty_text, "attempts": whole, "placed_by": nonempty_text}


def iv(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Bad('must be an object {"site", "gauge", "attempts", "placed_by"}')
    missing = [k for k in IV if k not in value]
    unknown = [k for k in value if k not in IV]
    if unknown:
        raise Bad(f'"{unknown[0]}" is not an IV access field{suggest(unknown[0], IV)}')
    if missing:
        raise Bad(f"is missing {', '.join(missing)}")
    out = {}
    for key, raw in value.items():
        try:
            out[key] = IV[key](raw)
        except Bad as exc:
            raise Bad(f"{key} {exc}") from None
    return out


# Patient fields in the file -> reader; the runner maps them onto the Patient record.
PATIENT_FIELDS: dict[str, Reader] = {
    "mrn": nonempty_text, "family": nonempty_text, "given": nonempty_text, "born": iso_date,
    "sex": choice("female", "male", "other", "unknown"), "weight": weight_kg, "allergies": allergies,
    "medicines": text_list, "renal_status": enum_reader(RenalStatus), "egfr": number,
    "conditions": conditions, "pregnancy": enum_reader(PregnancyStatus), "history": text,
}
PATIENT_REQUIRED = ("mrn", "family", "given", "born")

ORDER = {"dose": nonempty_text, "product": nonempty_text, "concentration": nonempty_text, "duration": nonempty_text,
         "rate": nonempty_text, "indication": nonempty_text, "weight": nonempty_text, "reasons": reasons}

# step name -> (required keys, optional keys) beyond the common do / at / as / visit / comment.
STEPS: dict[str, tuple[dict[str, Reader], dict[str, Reader]]] = {
    "new_visit": ({"patient": nonempty_text}, {}),
    "update_patient": ({"patient": nonempty_text}, {k: v for k, v in PATIENT_FIELDS.items() if k != "mrn"}),
    "assess": ({}, {"vitals": vitals, "answers": answers, "pain": whole}),
    "decide": ({"suitable": boolean}, {"reason": text}),
    "order": ({"dose": nonempty_text}, {k: v for k, v in ORDER.items() if k != "dose"}),
    "amend": ({"dose": nonempty_text}, {k: v for k, v in ORDER.items() if k != "dose"}),
    "approve_order": ({}, {"reasons": reasons}),
    "double_check": ({}, {}),
    "prepare": ({}, {"consent": boolean, "allergies_reviewed": boolean, "weight": nonempty_text,
                     "weight_change_acknowledged": boolean, "iv": iv, "lot": text, "expiry": iso_date,
                     "calcium_gluconate_at_chair": boolean, "pump_rate": text, "pump_vtbi": text,
                     "scan": text, "emergency_plan_reviewed": boolean, "calcium_gluconate_in_kit": boolean,
                     "second_person_present": boolean, "phone_check_in_arranged": boolean}),
    "location": ({"setting": choice("clinic", "home", "office")},
                 {"address": text, "departed": aware_time, "arrived": aware_time}),
    "start": ({}, {}),
    "vitals": ({"vitals": vitals}, {}),
    "side_effect": ({"code": nonempty_text, "grade": whole},
                    {"action": enum_reader(SideEffectAction), "outcome": enum_reader(SideEffectOutcome),
                     "notes": text, "onset": aware_time}),
    "acknowledge": ({"action": nonempty_text}, {"note": text}),
    "pause": ({"volume": volume_ml}, {"reason": text, "confirm": boolean}),
    "resume": ({}, {}),
    "change_rate": ({"rate": nonempty_text}, {"reason": text}),
    "stop": ({"volume": volume_ml}, {"reason": text, "confirm": boolean}),
    "complete": ({}, {"pain_after": whole, "notes": text}),
    "sign": ({}, {"meaning": choice("administered", "approved")}),
    "addendum": ({"text": nonempty_text}, {}),
    "sign_addendum": ({}, {"index": whole}),
    "policy": ({}, {"double_check_required": boolean,
                    "mobile_cover": choice("second_person", "phone_check_in", "either"),
                    "mobile_remote_approval": choice("allowed", "at_sync")}),
}
NO_VISIT = ("update_patient", "policy")  # steps that act on the patient or the clinic, not a visit
ADMIN_STEPS = ("policy",)  # `as` may be left out: the clinic admin the runner creates
COMMON = ("do", "at", "as", "visit", "comment")


def allowed_keys(step: str) -> tuple[str, ...]:
    required, optional = STEPS[step]
    common = tuple(k for k in COMMON if not (k == "visit" and step in NO_VISIT))
    return (*common, *required, *optional)


def suggest(word: str, known: Mapping[str, Any] | tuple[str, ...] | list[str]) -> str:
    """'; did you mean "x"' when a known name is close, else nothing."""
    import difflib

    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)
