"""The drug's monitoring data: the charted values at which its toxicity signs are present, how long the
patient is observed after the infusion stops, and the side-effect grade that raises an alert.

Declared in the library's `[monitoring]` table (with `[[monitoring.toxicity]]` entries) so each threshold
carries its source, and a clinic can change a number through its P&T process without a code change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infusiondesk.drugs.problems import Problems, did_you_mean
from infusiondesk.drugs.vocabulary import PATELLAR_REFLEX_VALUES, TOXICITY_VITALS

if TYPE_CHECKING:  # the schema imports pydantic, needed only when a library file is read
    from infusiondesk.drugs.schema import MonitoringEntry, ToxicityEntry


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

Cite = Callable[[str, str], str | None]  # (source id, where) -> the id, or None after adding the problem


def monitoring_from(entry: MonitoringEntry | None, given: bool, cite: Cite, problems: Problems) -> Monitoring | None:
    """The checks the schema cannot say: a table at all, one test per sign fitting its vital, plausible
    thresholds, cited sources. None when a problem was found (each one is added to `problems`)."""
    where = "[monitoring]"
    if entry is None:
        if not given:
            problems.add(where, "the library declares no monitoring (toxicity signs and the observation period); "
                                "without it no toxicity alert could fire.")
        return None
    before = len(problems.found)
    signs = [_sign(x, i, cite, problems) for i, x in enumerate(entry.toxicity)]
    codes = [x.code for x in entry.toxicity]
    if len(set(codes)) != len(codes):
        problems.add("[[monitoring.toxicity]]", "two toxicity signs share a code.")
    observation_source = cite(entry.observation_source, where)
    alert_source = cite(entry.side_effect_alert_source, where)
    if len(problems.found) != before or observation_source is None or alert_source is None:
        return None
    return Monitoring(
        toxicity_signs=tuple(s for s in signs if s is not None),
        observation_after_min=entry.observation_after_min,
        observation_source=observation_source,
        side_effect_alert_grade=entry.side_effect_alert_grade,
        side_effect_alert_source=alert_source,
        observation_basis=entry.observation_basis,
    )


def _sign(x: ToxicityEntry, i: int, cite: Cite, problems: Problems) -> ToxicitySign | None:
    where = f"[monitoring] toxicity[{i}] ({x.code})"
    before = len(problems.found)
    if not x.code.strip():
        problems.add(f"[monitoring] toxicity[{i}]", '"code" is empty.')
    kind = TOXICITY_VITALS.get(x.vital)
    if kind is None:
        problems.add(where, f'vital "{x.vital}" is not one of {", ".join(TOXICITY_VITALS)}'
                            f'{did_you_mean(x.vital, TOXICITY_VITALS) or "."}')
    tests = [name for name, value in (("below", x.below), ("above", x.above), ("is", x.is_)) if value is not None]
    if len(tests) != 1:
        problems.add(where, f"needs exactly one test (below, above or is); it has {len(tests)}.")
    elif kind is not None and tests == ["is"] and kind != "text":
        problems.add(where, f'"is" cannot test the number "{x.vital}"; use below or above.')
    elif kind == "text" and tests != ["is"]:
        problems.add(where, f'"{tests[0]}" cannot test "{x.vital}"; use is = "absent".')
    if x.is_ is not None and kind == "text" and x.is_ not in PATELLAR_REFLEX_VALUES:
        problems.add(where, f'"is" must be one of {", ".join(PATELLAR_REFLEX_VALUES)}.')
    for v in (x.below, x.above):
        if v is not None and not 0 < v < 1000:
            problems.add(where, f"the threshold {v:g} is not a plausible {x.vital} (more than 0, below 1,000).")
    if not x.message.strip():
        problems.add(where, "the message is empty.")
    if not x.basis.strip():
        problems.add(where, '"basis" is missing: say where the threshold comes from.')
    sources = tuple(cite(s, where) for s in x.source)
    if len(problems.found) != before:
        return None
    return ToxicitySign(code=x.code, vital=x.vital, below=x.below, above=x.above, is_=x.is_, message=x.message,
                        sources=tuple(s for s in sources if s is not None), basis=x.basis)
