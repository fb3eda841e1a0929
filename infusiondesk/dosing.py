"""The dosing engine: from a dose order to volume, rates, duration and the library's findings.

Pure functions over frozen values; no I/O. The UI, the CLI and the records store all call
`calculate` (or `calculate_from_text` for what was typed), so a rule exists in one place only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from infusiondesk import display
from infusiondesk.drugs.library import Drug, Limit, Product
from infusiondesk.drugs.vocabulary import RENAL_STATUSES
from infusiondesk.errors import InputError
from infusiondesk.records.computed import ComputedDose, ComputedFinding
from infusiondesk.records.computed import FindingLevel as KeptLevel
from infusiondesk.units import Kind, Q, Quantity, U, parse_age_years, parse_quantity

FindingLevel = Literal["hard", "soft", "info"]
PEDIATRIC_BELOW_AGE = 18.0
_REL_TOL = 1e-9  # a value equal to a limit (up to float noise) does not exceed it
_LEVEL_ORDER = {"hard": 0, "soft": 1, "info": 2}
# A mg/g slip is a factor of 1,000; a dose 100 times or more below the indication's lowest minimum is no
# intended dose but such a slip (units arithmetic, not a clinical threshold: the minimum itself is cited).
_SLIP_FACTOR = 100.0
# The pump shows the rate it will run to 0.1 mL/h; more than 5 % between the two is a different order.
PUMP_RATE_TOLERANCE = 0.05


@dataclass(frozen=True)
class Finding:
    """One result of checking an order: hard blocks, soft needs a written reason, info informs."""

    level: FindingLevel
    code: str
    message: str
    limit: Limit | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"level": self.level, "code": self.code, "message": self.message}
        if self.limit is not None:
            out["limit"] = {"value": f"{self.limit.value:~P}", "source": self.limit.source}
        return out


@dataclass(frozen=True)
class DoseOrder:
    """What was ordered, as quantities. Exactly one of duration and rate."""

    dose: Quantity
    concentration: Quantity | None = None
    duration: Quantity | None = None
    rate: Quantity | None = None
    weight: Quantity | None = None
    age_years: float | None = None
    indication: str | None = None
    given_last_24h: Quantity | None = None
    product_id: str | None = None
    renal_status: str | None = None  # a RenalStatus value; limits with a renal condition apply to it


@dataclass(frozen=True)
class DoseCalculation:
    """Everything the nurse needs to program the pump, and every finding against the library."""

    drug: Drug = field(repr=False)
    order: DoseOrder
    indication: str
    pediatric: bool
    product: Product | None
    dose_mass: Quantity
    dose_mmol: Quantity
    dose_meq: Quantity
    elemental_mass: Quantity
    weight_based_dose: Quantity | None
    concentration: Quantity
    volume: Quantity
    rate_volume: Quantity
    rate_mass: Quantity
    duration: Quantity
    total_24h: Quantity
    findings: tuple[Finding, ...]

    @property
    def rate_ml_per_h_pump(self) -> float:
        """The rate as the pump is programmed: 0.1 mL/h steps, rounded as `display.format_volume_rate` does."""
        return pump_rate_ml_per_h(self.rate_volume)

    @property
    def blocked(self) -> bool:
        return any(f.level == "hard" for f in self.findings)

    @property
    def soft_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "soft")

    @property
    def needs_reason(self) -> bool:
        return bool(self.soft_findings)

    def salt_and_elemental(self) -> str:
        """'2 g magnesium sulfate = 16.2 mEq = 8.1 mmol Mg', the line shown beside the dose."""
        return (f"{display.format_mass(self.dose_mass)} {self.drug.name} = "
                f"{display.format_meq(self.dose_meq)} = {display.format_mmol(self.dose_mmol)} "
                f"{self.drug.elemental_name}")

    def display(self) -> dict[str, str]:
        out = {
            "dose": display.format_mass(self.dose_mass),
            "dose_meq": display.format_meq(self.dose_meq),
            "dose_mmol": display.format_mmol(self.dose_mmol),
            "salt_and_elemental": self.salt_and_elemental(),
            "concentration": display.format_concentration(self.concentration),
            "volume": display.format_volume(self.volume),
            "rate": display.format_volume_rate(self.rate_volume),
            "dose_rate": display.format_mass_rate(self.rate_mass),
            "duration": display.format_duration(self.duration),
        }
        if self.weight_based_dose is not None:
            out["weight_based_dose"] = display.format_weight_based(self.weight_based_dose)
        return out

    def computed(self) -> ComputedDose:
        """What an order keeps of this calculation: the `as_dict` numbers as a typed value (same keys)."""
        out = self.as_dict()
        findings = tuple(ComputedFinding(KeptLevel(f["level"]), f["code"], f["message"], f.get("limit"))
                         for f in out.pop("findings"))
        return ComputedDose(findings=findings, **out)

    def as_dict(self) -> dict[str, Any]:
        """The `calc --json` contract: numeric keys other tools rely on, plus findings and display text."""
        return {
            "drug": self.drug.id,
            "indication": self.indication,
            "population": "pediatric" if self.pediatric else "adult",
            "renal_status": self.order.renal_status,
            "product": self.product.id if self.product else None,
            "bag_volume_ml": (_mag(self.product.volume, "mL")
                              if self.product is not None and self.product.volume is not None else None),
            "dose_mg": _mag(self.dose_mass, "mg"),
            "dose_mmol": _mag(self.dose_mmol, "mmol"),
            "dose_meq": _mag(self.dose_meq, "mEq"),
            "elemental_mg": _mag(self.elemental_mass, "mg"),
            "dose_mg_per_kg": _mag(self.weight_based_dose, "mg/kg") if self.weight_based_dose is not None else None,
            "concentration_mg_per_ml": _mag(self.concentration, "mg/mL"),
            "volume_ml": _mag(self.volume, "mL"),
            "rate_ml_per_h": _mag(self.rate_volume, "mL/h"),
            "rate_ml_per_h_pump": self.rate_ml_per_h_pump,
            "rate_mg_per_min": _mag(self.rate_mass, "mg/min"),
            "duration_min": _mag(self.duration, "min"),
            "total_24h_mg": _mag(self.total_24h, "mg"),
            "blocked": self.blocked,
            "needs_override_reason": self.needs_reason,
            "findings": [f.as_dict() for f in self.findings],
            "display": self.display(),
            "library": str(self.drug.path),
        }


def _mag(q: Quantity, unit: str) -> float:
    return float(q.to(U(unit)).magnitude)


def pump_rate_ml_per_h(rate: Quantity) -> float:
    """A rate rounded to the pump's 0.1 mL/h step, half up, exactly as it is displayed."""
    return float(display.format_number(_mag(rate, "mL/h"), 1).replace(",", ""))


def calculate(drug: Drug, order: DoseOrder) -> DoseCalculation:
    """Compute the pump program and check it against the drug library. Raises InputError for orders
    that cannot be computed at all (no concentration, both duration and rate, mg/kg without a weight)."""
    indication = drug.indication(order.indication)
    if order.renal_status is not None and order.renal_status not in RENAL_STATUSES:
        raise InputError("renal_status", f'Renal status "{order.renal_status}" is not one of '
                                         f'{", ".join(RENAL_STATUSES)}.')
    pediatric = order.age_years is not None and order.age_years < PEDIATRIC_BELOW_AGE
    product = drug.product(order.product_id) if order.product_id else None
    concentration = _concentration(drug, order, product)

    weight_based: Quantity | None = None
    if order.dose.check("[mass] / [mass]"):
        if order.weight is None:
            raise InputError("weight", 'Weight is needed for a dose in mg/kg; enter a weight such as "70 kg".')
        weight_based = order.dose.to(U("mg/kg"))
        dose_mass = (order.dose * order.weight).to(U("gram"))
    else:
        dose_mass = drug.to_mass(order.dose)
        if order.weight is not None:
            weight_based = (dose_mass / order.weight).to(U("mg/kg"))

    volume = (dose_mass / concentration).to(U("mL"))
    if order.duration is not None and order.rate is not None:
        raise InputError("rate", "Enter either a duration or a rate, not both; the other is calculated.")
    if order.duration is not None:
        duration = order.duration.to(U("min"))
        rate_volume = (volume / duration).to(U("mL/h"))
    elif order.rate is not None:
        if order.rate.check("[mass] / [time]"):
            rate_volume = (order.rate / concentration).to(U("mL/h"))
        else:
            rate_volume = order.rate.to(U("mL/h"))
        duration = (volume / rate_volume).to(U("min"))
    else:
        raise InputError("duration", 'Enter a duration such as "30 min" or a rate such as "100 mL/h".')
    rate_mass = (rate_volume * concentration).to(U("mg/min"))
    prior = order.given_last_24h.to(U("gram")) if order.given_last_24h is not None else Q(0, "gram")
    total_24h = (dose_mass + prior).to(U("gram"))

    findings: list[Finding] = []
    if pediatric and order.weight is None:
        findings.append(Finding("hard", "weight.required",
                                f"Weight is required for a patient under {PEDIATRIC_BELOW_AGE:g}: paediatric "
                                "limits are per kilogram; enter today's weight."))
    if product is not None and not product.iv_ready:
        findings.append(Finding("hard", "product.not_iv_ready",
                                f"{product.name}: this product must be diluted to 20 % or less before IV "
                                "use; choose a premixed bag or enter the diluted concentration."))
    measured = {
        "dose": dose_mass,
        "weight_based_dose": weight_based,
        "concentration": concentration,
        "dose_rate": rate_mass,
        "dose_24h": total_24h,
        "duration": duration,
        "volume": volume,
        "pump_rate": rate_volume,
    }
    who = f"{indication.id}, {'pediatric' if pediatric else 'adult'}"
    renal_who = who + (f", renal {order.renal_status.replace('_', ' ')}" if order.renal_status is not None else "")
    limits = drug.limits_for(indication.id, pediatric, order.renal_status)
    # Hard limits first, so a soft limit on the same bound is not reported on top of its hard stop.
    hard_hit: set[tuple[str, str]] = set()
    slip = _unit_slip(order, limits, measured, who)
    if slip is not None:
        findings.append(slip)
        hard_hit.update({("dose", "min"), ("weight_based_dose", "min")})
    findings.extend(_pump_display(rate_volume))
    for lim in sorted(limits, key=lambda x: _LEVEL_ORDER[x.level]):
        value = measured[lim.check]
        if value is None or (lim.check, lim.bound) in hard_hit or not _violates(value, lim):
            continue
        if lim.level == "hard":
            hard_hit.add((lim.check, lim.bound))
        findings.append(Finding(lim.level, f"{lim.check}.{lim.bound}.{lim.level}",
                                _limit_message(lim, value, renal_who if lim.renal else who, prior, dose_mass,
                                               duration), lim))
    findings.extend(_product_notes(drug, product, concentration, dose_mass, volume))
    if prior.magnitude > 0:
        findings.append(Finding("info", "dose_24h.prior",
                                f"{display.format_mass(prior)} already given in the last 24 h; "
                                f"{display.format_mass(total_24h)} with this dose."))
    findings.sort(key=lambda f: _LEVEL_ORDER[f.level])
    return DoseCalculation(
        drug=drug, order=order, indication=indication.id, pediatric=pediatric, product=product,
        dose_mass=dose_mass, dose_mmol=drug.mmol(dose_mass), dose_meq=drug.meq(dose_mass),
        elemental_mass=drug.elemental_mass(dose_mass), weight_based_dose=weight_based,
        concentration=concentration, volume=volume, rate_volume=rate_volume, rate_mass=rate_mass,
        duration=duration, total_24h=total_24h, findings=tuple(findings),
    )


def _concentration(drug: Drug, order: DoseOrder, product: Product | None) -> Quantity:
    if order.concentration is None:
        if product is None:
            raise InputError("concentration", 'Enter a concentration such as "2 g/50 mL" or "40 mg/mL", '
                                              "or choose a product.")
        return product.concentration
    conc = drug.to_mass_concentration(order.concentration)
    if product is not None and not math.isclose(_mag(conc, "mg/mL"), _mag(product.concentration, "mg/mL"),
                                                rel_tol=1e-3):
        raise InputError("concentration",
                         f"Concentration {display.format_concentration(conc)} does not match the chosen product "
                         f"({display.format_concentration(product.concentration)}); clear one of them.")
    return conc


def _violates(value: Quantity, lim: Limit) -> bool:
    v = float(value.to(lim.value.units).magnitude)
    limit = float(lim.value.magnitude)
    if lim.bound == "max":
        return v > limit * (1 + _REL_TOL)
    return v < limit * (1 - _REL_TOL)


_CHECK_WORDS = {
    "volume": "Volume to be infused",
    "pump_rate": "Pump rate",
    "dose": "Dose",
    "weight_based_dose": "Weight-based dose",
    "concentration": "Concentration",
    "dose_rate": "Dose rate",
    "dose_24h": "Total in 24 h",
    "duration": "Duration",
}


def _limit_message(lim: Limit, value: Quantity, who: str, prior: Quantity, dose: Quantity,
                   duration: Quantity) -> str:
    shown = display.format_quantity(value)
    limit = display.format_quantity(lim.value.to(value.units))
    what = _CHECK_WORDS[lim.check]
    if lim.check == "dose_rate":
        shown += f" ({display.format_mass(dose)} over {display.format_duration(duration)})"
    if lim.check == "dose_24h":
        shown += f" (this dose {display.format_mass(dose)} + {display.format_mass(prior)} already given)"
    side = "above" if lim.bound == "max" else "below"
    kind = "maximum" if lim.bound == "max" else "minimum"
    action = ("it cannot be given as ordered; change the order."
              if lim.level == "hard" else "a written reason is needed to continue.")
    return f"{what} {shown} is {side} the {lim.level} {kind} of {limit} ({who}); {action}"


def _unit_slip(order: DoseOrder, limits: tuple[Limit, ...], measured: dict[str, Quantity | None],
               who: str) -> Finding | None:
    """A dose so far below the indication's lowest minimum that it is a mg/g (or mcg/mg) slip."""
    for check in ("dose", "weight_based_dose"):
        value = measured[check]
        floors = [lim for lim in limits if lim.check == check and lim.bound == "min"]
        if value is None or not floors:
            continue
        floor = min(floors, key=lambda lim: lim.value.to_base_units().magnitude)
        if not float(value.to(floor.value.units).magnitude) * _SLIP_FACTOR < float(floor.value.magnitude):
            continue
        typed = order.dose
        if typed.check("[mass] / [mass]"):
            shown, meant = display.format_weight_based(typed), display.format_weight_based(typed * 1000)
        elif typed.check("[mass]"):
            shown, meant = display.format_mass(typed), display.format_mass(typed * 1000)
            if check == "weight_based_dose":
                shown += f" ({display.format_weight_based(value)})"
        else:  # mmol or mEq: say what it weighs, without guessing which unit was meant
            mass = measured["dose"]
            shown, meant = (display.format_mass(mass) if mass is not None else ""), ""
        lowest = display.format_quantity(floor.value)
        guess = f" Did you mean {meant}?" if meant else ""
        return Finding("hard", "dose.unit_slip",
                       f"Dose {shown} is far below the lowest usual dose of {lowest} ({who}): likely a mg/g "
                       f"slip.{guess} Re-enter the dose in the unit intended.", floor)
    return None


def _pump_display(rate: Quantity) -> list[Finding]:
    """A rate the pump cannot show as ordered: it would run at 0 mL/h, or more than 5 % off the order."""
    ordered = _mag(rate, "mL/h")
    pump = pump_rate_ml_per_h(rate)
    if pump > 0 and abs(pump - ordered) <= PUMP_RATE_TOLERANCE * ordered:
        return []
    shown = f"{display.format_number(pump, 1)} mL/h"
    exact = f"{display.format_number(ordered, 3)} mL/h" if display.format_number(ordered, 3) != "0" else \
        "less than 0.001 mL/h"
    return [Finding("hard", "pump.rate_display",
                    f"The rate {exact} cannot be programmed: the pump sets rates in 0.1 mL/h steps and would run "
                    f"at {shown}. Use a more concentrated product or a shorter duration so the rate is at least "
                    "1 mL/h.")]


def _product_notes(drug: Drug, product: Product | None, concentration: Quantity, dose: Quantity,
                   volume: Quantity) -> list[Finding]:
    notes: list[Finding] = []
    if product is None:
        match = next((p for p in drug.products
                      if math.isclose(_mag(p.concentration, "mg/mL"), _mag(concentration, "mg/mL"), rel_tol=1e-3)),
                     None)
        if match is None:
            notes.append(Finding("info", "concentration.nonstandard",
                                 f"{display.format_concentration(concentration)} is not a standard concentration "
                                 "in the library; premixed bags lower the risk of preparation errors."))
        return notes
    if product.volume is not None and product.amount is not None:
        bag_ml = _mag(product.volume, "mL")
        need_ml = _mag(volume, "mL")
        if need_ml > bag_ml * (1 + _REL_TOL):
            bags = math.ceil(need_ml / bag_ml - _REL_TOL)
            notes.append(Finding("info", "product.multiple_bags",
                                 f"This dose needs {bags} bags of {product.name}."))
        elif need_ml < bag_ml * (1 - _REL_TOL):
            notes.append(Finding("info", "product.partial_bag",
                                 f"Set the volume to be infused to {display.format_volume(volume)}: the dose is "
                                 f"part of the {display.format_volume(product.volume)} bag."))
    return notes


def calculate_from_text(
    drug: Drug,
    *,
    dose: str,
    concentration: str | None = None,
    product: str | None = None,
    duration: str | None = None,
    rate: str | None = None,
    weight: str | None = None,
    age: str | None = None,
    indication: str | None = None,
    given_last_24h: str | None = None,
    renal_status: str | None = None,
) -> DoseCalculation:
    """Parse what was typed (each field's errors name that field) and calculate."""
    def opt(text: str | None, kind: Kind, name: str) -> Quantity | None:
        return parse_quantity(text, kind, name) if text is not None and text.strip() else None

    order = DoseOrder(
        dose=parse_quantity(dose, Kind.DOSE, "dose"),
        concentration=opt(concentration, Kind.CONCENTRATION, "concentration"),
        duration=opt(duration, Kind.DURATION, "duration"),
        rate=opt(rate, Kind.RATE, "rate"),
        weight=opt(weight, Kind.WEIGHT, "weight"),
        age_years=parse_age_years(age) if age is not None and age.strip() else None,
        indication=indication,
        given_last_24h=opt(given_last_24h, Kind.DOSE, "given in the last 24 h"),
        product_id=product or None,
        renal_status=renal_status.strip() if renal_status and renal_status.strip() else None,
    )
    if order.given_last_24h is not None and not order.given_last_24h.check("[mass]"):
        order = DoseOrder(**{**order.__dict__, "given_last_24h": drug.to_mass(order.given_last_24h)})
    return calculate(drug, order)
