"""The drug library's values: what a validated library file becomes (frozen, quantities as pint quantities).

The Drug owns its conversions between mass, mmol and mEq (its molar mass and valence), not the global units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from infusiondesk.drugs.monitoring import NO_MONITORING, Monitoring
from infusiondesk.drugs.vocabulary import LimitBound, LimitCheck, LimitLevel, Match, Population, ScreeningLevel
from infusiondesk.errors import InputError
from infusiondesk.units import Q, Quantity, U


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str


@dataclass(frozen=True)
class Product:
    """A standard concentration: a premixed bag (amount in volume) or a vial (concentration)."""

    id: str
    name: str
    concentration: Quantity
    iv_ready: bool
    source: str
    amount: Quantity | None = None
    volume: Quantity | None = None
    ndcs: tuple[str, ...] = ()  # the NDCs printed on it (cited in ndc_source); a barcode's GTIN derives from one
    ndc_source: str = ""
    ndc_basis: str = ""  # which package the NDC is, or why there is none


@dataclass(frozen=True)
class Limit:
    check: LimitCheck
    bound: LimitBound
    level: LimitLevel
    value: Quantity
    indication: str
    population: Population
    source: str
    basis: str
    renal: tuple[str, ...] | None = None  # applies only to these renal statuses (None: whatever the kidneys)

    def applies_to(self, indication: str, pediatric: bool, renal_status: str | None = None) -> bool:
        if self.indication not in ("*", indication):
            return False
        if self.renal is not None and renal_status not in self.renal:
            return False
        return self.population == "all" or (self.population == "pediatric") == pediatric


@dataclass(frozen=True)
class Condition:
    """One test on one fact; every test given must hold. A missing fact fails every test but `missing`."""

    fact: str
    is_: bool | str | None = None
    in_: tuple[str, ...] | None = None
    below: float | None = None
    at_least: float | None = None
    above: float | None = None
    matches_any: tuple[str, ...] | None = None
    missing: bool | None = None


@dataclass(frozen=True)
class ScreeningRule:
    """A contraindication, caution or note, found when its conditions hold (any of them, or all)."""

    code: str
    level: ScreeningLevel
    message: str
    sources: tuple[str, ...]
    basis: str
    conditions: tuple[Condition, ...]
    match: Match = "any"


@dataclass(frozen=True)
class Indication:
    id: str
    name: str
    default: bool
    note: str


@dataclass(frozen=True)
class Drug:
    """One drug's library entry; owns its conversions between mass, mmol and mEq."""

    id: str
    name: str
    salt: str
    molar_mass: Quantity
    valence: int
    elemental_name: str
    elemental_molar_mass: Quantity
    products: tuple[Product, ...]
    limits: tuple[Limit, ...]
    indications: tuple[Indication, ...]
    sources: Mapping[str, Source]
    path: Path
    provenance: str = field(default="bundled")
    screening: tuple[ScreeningRule, ...] = ()
    monitoring: Monitoring = NO_MONITORING

    # --- conversions: they belong to the drug (its molar mass and valence), not to global units.
    def to_mass(self, amount: Quantity) -> Quantity:
        """A dose in g, mmol or mEq as a mass of the salt."""
        if amount.check("[mass]"):
            return amount.to(U("gram"))
        if amount.check("[substance]"):
            return (amount * self.molar_mass).to(U("gram"))
        if amount.check("[charge_amount]"):
            mmol = amount.to(U("milliequivalent")).magnitude / self.valence
            return (Q(mmol, "millimole") * self.molar_mass).to(U("gram"))
        raise ValueError(f"not an amount of drug: {amount.dimensionality}")

    def mmol(self, mass: Quantity) -> Quantity:
        return (mass / self.molar_mass).to(U("millimole"))

    def meq(self, mass: Quantity) -> Quantity:
        return Q(self.mmol(mass).magnitude * self.valence, "milliequivalent")

    def elemental_mass(self, mass: Quantity) -> Quantity:
        return (self.mmol(mass) * self.elemental_molar_mass).to(U("milligram"))

    def to_mass_concentration(self, conc: Quantity) -> Quantity:
        """A concentration in mg/mL, mmol/mL or mEq/mL as mg/mL of the salt."""
        amount_in_one_ml = (conc * Q(1, "mL")).to_reduced_units()
        return (self.to_mass(amount_in_one_ml) / Q(1, "mL")).to(U("mg/mL"))

    def product(self, product_id: str) -> Product:
        for p in self.products:
            if p.id == product_id:
                return p
        known = ", ".join(p.id for p in self.products)
        raise InputError("product", f'Product "{product_id}" is not in the library; choose one of: {known}.')

    def indication(self, indication_id: str | None) -> Indication:
        if indication_id is None:
            return next(i for i in self.indications if i.default)
        for i in self.indications:
            if i.id == indication_id:
                return i
        known = ", ".join(i.id for i in self.indications)
        raise InputError("indication", f'Indication "{indication_id}" is not in the library; choose one of: '
                                       f"{known}.")

    def limits_for(self, indication: str, pediatric: bool, renal_status: str | None = None) -> tuple[Limit, ...]:
        return tuple(lim for lim in self.limits if lim.applies_to(indication, pediatric, renal_status))
