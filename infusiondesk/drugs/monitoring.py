"""The drug's monitoring data: the charted values at which its toxicity signs are present, how long the
patient is observed after the infusion stops, and the side-effect grade that raises an alert.

Declared in the library's `[monitoring]` table (with `[[monitoring.toxicity]]` entries) so each threshold
carries its source, and a clinic can change a number through its P&T process without a code change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# The VitalSigns fields a toxicity sign may test, and whether each is a number or a word.
TOXICITY_VITALS: dict[str, str] = {
    "resp_rate": "number",
    "patellar_reflex": "text",
    "systolic": "number",
    "diastolic": "number",
    "heart_rate": "number",
    "spo2": "number",
}
PATELLAR_REFLEX_VALUES = ("present", "diminished", "absent")
MAX_ALERT_GRADE = 5  # CTCAE grades run 1 (mild) to 5 (death)


@dataclass(frozen=True)
class ToxicitySign:
    """A charted value at which the label's signs of magnesium toxicity are present."""

    code: str                 # e.g. "toxicity.resp_rate_low"
    vital: str                # a VitalSigns field: resp_rate|patellar_reflex|systolic|diastolic|heart_rate|spo2
    below: float | None       # fires when the charted value < below
    above: float | None       # fires when the charted value > above
    is_: str | None           # for patellar_reflex: fires when the value equals it ("absent")
    message: str              # a sentence for the nurse: what was seen and what to do
    sources: tuple[str, ...]
    basis: str

    def fires(self, value: Any) -> bool:
        """Whether this charted value shows the sign. A value not charted (None) never fires: the
        workflow decides separately whether a missing observation is itself a problem."""
        if value is None:
            return False
        if self.is_ is not None:
            return str(value).strip().lower() == self.is_
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return False
        if self.below is not None:
            return value < self.below
        return self.above is not None and value > self.above


@dataclass(frozen=True)
class Monitoring:
    toxicity_signs: tuple[ToxicitySign, ...]
    observation_after_min: float     # minimum observation after the infusion stops before the visit completes
    observation_source: str
    side_effect_alert_grade: int     # a side effect of this grade or more raises an alert (3: CTCAE severe)
    side_effect_alert_source: str
    observation_basis: str = ""

    def toxicity_in(self, vitals: object) -> tuple[ToxicitySign, ...]:
        """The toxicity signs one set of vital signs shows (any object with VitalSigns' field names, or a
        mapping of them), in library order."""
        def get(name: str) -> Any:
            if isinstance(vitals, Mapping):
                return vitals.get(name)
            return getattr(vitals, name, None)

        return tuple(s for s in self.toxicity_signs if s.fires(get(s.vital)))

    def side_effect_alerts(self, grade: int) -> bool:
        return grade >= self.side_effect_alert_grade


NO_MONITORING = Monitoring(toxicity_signs=(), observation_after_min=0.0, observation_source="",
                           side_effect_alert_grade=3, side_effect_alert_source="")

ErrorFactory = Callable[[str, str], Exception]


def parse_monitoring(table: Any, sources: Mapping[str, object], error: ErrorFactory) -> Monitoring:
    """Validate the `[monitoring]` table: known vitals, exactly one test per sign, finite numbers, cited
    sources. `error(where, what)` builds the library's one error type."""
    where = "[monitoring]"
    if table is None:
        raise error(where, "the library declares no monitoring (toxicity signs and the observation period); "
                           "without it no toxicity alert could fire.")
    if not isinstance(table, dict):
        raise error(where, "must be a table.")
    known = {"observation_after_min", "observation_source", "observation_basis", "side_effect_alert_grade",
             "side_effect_alert_source", "toxicity"}
    for key in table:
        if key not in known:
            raise error(where, f'"{key}" is not a monitoring setting; use one of {", ".join(sorted(known))}.')

    def cite(sid: Any, at: str) -> str:
        if not isinstance(sid, str) or sid not in sources:
            raise error(at, f'cites source "{sid}", which is not in [sources].')
        return sid

    observe = _number(table, "observation_after_min", where, error, required=True)
    assert observe is not None
    if observe < 0 or observe > 24 * 60:
        raise error(where, f"observation_after_min {observe:g} must be between 0 and 1,440 minutes.")
    grade = table.get("side_effect_alert_grade")
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= MAX_ALERT_GRADE:
        raise error(where, "side_effect_alert_grade must be a whole number from 1 to 5 (CTCAE grades).")
    signs_table = table.get("toxicity")
    if not isinstance(signs_table, list) or not signs_table:
        raise error(where, "lists no toxicity sign in [[monitoring.toxicity]].")
    signs = tuple(_sign(x, i, cite, error) for i, x in enumerate(signs_table))
    codes = [s.code for s in signs]
    if len(set(codes)) != len(codes):
        raise error("[[monitoring.toxicity]]", "two toxicity signs share a code.")
    basis = table.get("observation_basis", "")
    if not isinstance(basis, str):
        raise error(where, '"observation_basis" must be text.')
    return Monitoring(
        toxicity_signs=signs,
        observation_after_min=observe,
        observation_source=cite(table.get("observation_source"), where),
        side_effect_alert_grade=grade,
        side_effect_alert_source=cite(table.get("side_effect_alert_source"), where),
        observation_basis=basis,
    )


def _number(table: Mapping[str, Any], key: str, where: str, error: ErrorFactory,
            required: bool = False) -> float | None:
    if key not in table:
        if required:
            raise error(where, f'"{key}" is missing.')
        return None
    v = table[key]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise error(where, f'"{key}" must be a number.')
    if not math.isfinite(v):
        raise error(where, f'"{key}" must be a finite number, not {v!r}.')
    return float(v)


def _sign(x: Any, i: int, cite: Callable[[Any, str], str], error: ErrorFactory) -> ToxicitySign:
    where = f"monitoring.toxicity[{i}]"
    if not isinstance(x, dict):
        raise error(where, "must be a table.")
    code = x.get("code")
    if not isinstance(code, str) or not code.strip():
        raise error(where, '"code" is missing or empty.')
    where = f"monitoring.toxicity[{i}] ({code})"
    known = {"code", "vital", "below", "above", "is", "message", "source", "basis"}
    for key in x:
        if key not in known:
            raise error(where, f'"{key}" is not a toxicity-sign setting; use one of {", ".join(sorted(known))}.')
    vital = x.get("vital")
    if vital not in TOXICITY_VITALS:
        raise error(where, f'vital "{vital}" is not one of {", ".join(TOXICITY_VITALS)}.')
    tests = [t for t in ("below", "above", "is") if t in x]
    if len(tests) != 1:
        raise error(where, f"needs exactly one test (below, above or is); it has {len(tests)}.")
    kind = TOXICITY_VITALS[vital]
    is_: str | None = None
    if tests == ["is"]:
        if kind != "text":
            raise error(where, f'"is" cannot test the number "{vital}"; use below or above.')
        is_ = x["is"]
        if is_ not in PATELLAR_REFLEX_VALUES:
            raise error(where, f'"is" must be one of {", ".join(PATELLAR_REFLEX_VALUES)}.')
    elif kind == "text":
        raise error(where, f'"{tests[0]}" cannot test "{vital}"; use is = "absent".')
    below = _number(x, "below", where, error)
    above = _number(x, "above", where, error)
    for v in (below, above):
        if v is not None and not 0 < v < 1000:
            raise error(where, f"the threshold {v:g} is not a plausible {vital} (more than 0, below 1,000).")
    message = x.get("message")
    if not isinstance(message, str) or not message.strip():
        raise error(where, "the message is empty.")
    cited = x.get("source")
    ids = (cited,) if isinstance(cited, str) else tuple(cited) if isinstance(cited, list) else ()
    if not ids:
        raise error(where, "source must name one source id or a list of them.")
    basis = x.get("basis")
    if not isinstance(basis, str) or not basis.strip():
        raise error(where, '"basis" is missing: say where the threshold comes from.')
    return ToxicitySign(code=code, vital=vital, below=below, above=above, is_=is_, message=message,
                        sources=tuple(cite(s, where) for s in ids), basis=basis)
