"""Billing lines of one visit: the infusion hours and the drug units, each priced from the clinic's price list."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from infusiondesk.billing.codes import BillingCodes, DrugUnitRule
from infusiondesk.billing.minutes import hour_sequence, infusion_minutes
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Visit
from infusiondesk.workflow.clock import dose_given_g


@dataclass(frozen=True)
class BillingLine:
    code: str
    description: str
    units: int
    unit_price_cents: int

    @property
    def amount_cents(self) -> int:
        return self.units * self.unit_price_cents


def drug_units(dose_mg: Decimal, rule: DrugUnitRule) -> int:
    """HCPCS units for the amount given: a part unit is billed as the next whole unit (CMS MCPM ch. 17 §10);
    2 g of J3475 (per 500 mg) is 4 units, 2.5 g is 5, 1.2 g is 3."""
    if dose_mg <= 0:
        return 0
    return math.ceil(dose_mg / Decimal(rule.mg_per_unit))


def given_mg(visit: Visit) -> Decimal:
    """Milligrams given in this visit (the dose the note shows), to the milligram so float noise (1999.9999 mg)
    never adds a unit."""
    return Decimal(repr(dose_given_g(visit) * 1000)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def billing_lines(visit: Visit, codes: BillingCodes, prices: Mapping[str, int]) -> tuple[BillingLine, ...]:
    """The procedure lines (initial hour, each additional hour) and the drug line of a stopped infusion, priced
    in cents from `prices` (code -> unit price). A code without a price is refused with a sentence: a receipt
    never shows an unpriced line as free."""
    minutes = infusion_minutes(visit)
    wanted = [(u.code, u.units) for u in hour_sequence(minutes.running_minutes, codes.hours)]
    units = drug_units(given_mg(visit), codes.drug_units)
    if units:
        wanted.append((codes.drug_units.code, units))
    missing = [code for code, _ in wanted if code not in prices]
    if missing:
        raise DomainError(f"The price list has no price for {', '.join(missing)}; an admin sets it under "
                          "InfusionDesk → Price list, Ctrl+Shift+L (or `infusiondesk billing price`).")
    return tuple(BillingLine(code, codes.procedure(code).description, n, prices[code]) for code, n in wanted)


def total_cents(lines: tuple[BillingLine, ...]) -> int:
    return sum(line.amount_cents for line in lines)


def money(cents: int) -> str:
    """"$1,234.50": how amounts are shown on receipts and screens."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"
