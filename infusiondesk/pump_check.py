"""The pump programming cross-check: what the nurse reads off the pump before the start, against the order.

ISMP reports the volume to be infused keyed as the rate as a classic magnesium error (a 50 mL bag run at
50 mL/h instead of 100 mL/h, or 310 mL/h instead of 30 mL/h), so a readback that differs from the order beyond
what the pump displays is a hard stop naming both numbers, and the bag volume keyed as the rate says so in its
own sentence. Pure functions; the display steps and sources are in data/pump_check.toml.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from infusiondesk import display
from infusiondesk.dosing import DoseCalculation, Finding
from infusiondesk.errors import InputError, LibraryError
from infusiondesk.resources import bundled
from infusiondesk.units import Kind, Q, parse_quantity

PUMP_CHECK_FILE = bundled("infusiondesk", "data", "pump_check.toml")
MISMATCH = "pump.mismatch"
BAG_VOLUME_AS_RATE = "pump.bag_volume_as_rate"


@dataclass(frozen=True)
class PumpDisplay:
    """How finely the pump shows what it was programmed with; equal on the display is equal."""

    rate_step_ml_h: float
    vtbi_step_ml: float
    source: str
    slip_source: str


@lru_cache(maxsize=1)
def pump_display() -> PumpDisplay:
    """The display steps from pump_check.toml (cited data, like the drug library)."""
    try:
        data = tomllib.loads(PUMP_CHECK_FILE.read_text(encoding="utf-8"))
        shown, slip, sources = data["display"], data["bag_volume_as_rate"], data["sources"]
        steps = (shown["rate_step_ml_h"], shown["vtbi_step_ml"])
        for sid in (shown["source"], slip["source"]):
            if sid not in sources:
                raise KeyError(sid)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise LibraryError(f"Pump check rules {PUMP_CHECK_FILE} are missing or malformed ({exc}).") from None
    if any(isinstance(s, bool) or not isinstance(s, int | float) or not 0 < s <= 10 for s in steps):
        raise LibraryError(f"Pump check rules {PUMP_CHECK_FILE}: the display steps must be between 0 and 10.")
    return PumpDisplay(float(steps[0]), float(steps[1]), str(shown["source"]), str(slip["source"]))


@dataclass(frozen=True)
class PumpReadback:
    """What the pump shows, as typed ("100 mL/h", "50 mL") and in mL/h and mL; None where nothing was typed."""

    rate_text: str = ""
    vtbi_text: str = ""
    rate_ml_h: float | None = None
    vtbi_ml: float | None = None

    @property
    def complete(self) -> bool:
        return self.rate_ml_h is not None and self.vtbi_ml is not None


def parse_readback(rate: str, vtbi: str) -> PumpReadback:
    """The readback as typed; an error names the field ("pump rate", "pump VTBI") and what is accepted."""
    rate_ml_h = vtbi_ml = None
    if rate.strip():
        q = parse_quantity(rate, Kind.RATE, "pump rate")
        if not q.check("[length] ** 3 / [time]"):
            raise InputError("pump rate", f'Pump rate "{rate.strip()}" is a dose rate; type the rate the pump '
                                          'shows in mL/h, such as "100 mL/h".')
        rate_ml_h = float(q.to("mL/h").magnitude)
    if vtbi.strip():
        vtbi_ml = float(parse_quantity(vtbi, Kind.VOLUME, "pump VTBI").to("mL").magnitude)
    return PumpReadback(rate.strip(), vtbi.strip(), rate_ml_h, vtbi_ml)


def _steps(value: float, step: float) -> int:
    """How many display steps a value shows as, rounded half up as the app displays numbers."""
    return int((Decimal(repr(value)) / Decimal(repr(step))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rate(ml_h: float) -> str:
    return display.format_volume_rate(Q(ml_h, "mL/h"))


def _volume(ml: float) -> str:
    return display.format_volume(Q(ml, "mL"))


def pump_findings(ordered_rate_ml_h: float, ordered_vtbi_ml: float, readback: PumpReadback,
                  bag_volume_ml: float | None = None) -> tuple[Finding, ...]:
    """Hard findings for a readback that differs from the order on the pump's display; nothing for a part
    not typed (the readiness rule says a missing readback stops the start).

    `bag_volume_ml` is the product's bag, when it differs from the volume to be infused (a partial bag)."""
    steps = pump_display()
    wrong: list[str] = []
    rate, vtbi = readback.rate_ml_h, readback.vtbi_ml
    rate_wrong = rate is not None and _steps(rate, steps.rate_step_ml_h) != _steps(ordered_rate_ml_h,
                                                                                   steps.rate_step_ml_h)
    if rate is not None and rate_wrong:
        wrong.append(f"the rate is {_rate(rate)} on the pump and {_rate(ordered_rate_ml_h)} in the order")
    if vtbi is not None and _steps(vtbi, steps.vtbi_step_ml) != _steps(ordered_vtbi_ml, steps.vtbi_step_ml):
        wrong.append(f"the volume to be infused is {_volume(vtbi)} on the pump and {_volume(ordered_vtbi_ml)} in "
                     "the order")
    if not wrong:
        return ()
    found = [Finding("hard", MISMATCH, "The pump is not programmed as ordered: " + "; ".join(wrong) +
                     ". Reprogram the pump to the order and read it back again before the start.")]
    if rate is not None and rate_wrong:
        volumes = {_steps(v, steps.rate_step_ml_h): v for v in (ordered_vtbi_ml, bag_volume_ml) if v is not None}
        keyed = volumes.get(_steps(rate, steps.rate_step_ml_h))
        if keyed is not None:
            minutes = ordered_vtbi_ml / ordered_rate_ml_h * 60
            found.append(Finding(
                "hard", BAG_VOLUME_AS_RATE,
                f"The rate keyed, {_rate(rate)}, is the bag's volume ({_volume(keyed)}), not its rate: the order "
                f"runs {_volume(ordered_vtbi_ml)} at {_rate(ordered_rate_ml_h)} over "
                f"{display.format_duration(Q(minutes, 'min'))}. The volume keyed as the rate is a known magnesium "
                f"error; key the ordered rate, {_rate(ordered_rate_ml_h)}."))
    return tuple(found)


def calc_pump_findings(calc: DoseCalculation, readback: PumpReadback) -> tuple[Finding, ...]:
    """The cross-check against a calculation: the rate as the pump is programmed, the volume to be infused."""
    bag = float(calc.product.volume.to("mL").magnitude) if calc.product and calc.product.volume is not None \
        else None
    return pump_findings(calc.rate_ml_per_h_pump, float(calc.volume.to("mL").magnitude), readback, bag)
