"""What the dose engine computed for an order, as a frozen value kept with the order.

The service makes it from `DoseCalculation.computed()` and nothing a caller sends is trusted. It is stored
inside the visit's JSON under the same keys as the `calc --json` contract (`DoseCalculation.as_dict()`), so
rows saved while it was a plain dict read back unchanged: keys added later (`rate_ml_per_h_pump`,
`bag_volume_ml`, `renal_status`) take their defaults, and an order saved with nothing computed (`{}`) reads
as no computation (`DoseOrderRecord.computed is None`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FindingLevel(StrEnum):
    """A finding of the dose check: hard blocks, soft needs a written reason, info informs."""

    HARD = "hard"
    SOFT = "soft"
    INFO = "info"


@dataclass(frozen=True)
class ComputedFinding:
    """One finding of the dose check as the order keeps it (the limit's value and source as shown)."""

    level: FindingLevel
    code: str
    message: str
    limit: dict[str, str] | None = None  # {"value": "4 g", "source": "..."} when a library limit fired


@dataclass(frozen=True)
class ComputedDose:
    """The numbers the pump is programmed from, in canonical units (mg, mmol, mEq, mL, mL/h, min), with the
    findings and the display text the nurse saw."""

    dose_mg: float
    dose_mmol: float
    dose_meq: float
    concentration_mg_per_ml: float
    volume_ml: float
    rate_ml_per_h: float
    duration_min: float
    elemental_mg: float = 0.0
    rate_mg_per_min: float = 0.0
    total_24h_mg: float = 0.0
    dose_mg_per_kg: float | None = None
    rate_ml_per_h_pump: float | None = None  # the rate rounded to the pump's 0.1 mL/h step (older rows: absent)
    bag_volume_ml: float | None = None  # the chosen product's bag, when it has one
    drug: str = ""
    indication: str = ""
    population: str = ""
    renal_status: str | None = None
    product: str | None = None
    blocked: bool = False
    needs_override_reason: bool = False
    findings: tuple[ComputedFinding, ...] = ()
    display: dict[str, str] = field(default_factory=dict)  # "dose", "volume", "rate", "duration", ... as shown
    library: str = ""

    @property
    def pump_rate_ml_per_h(self) -> float:
        """The rate the pump is set to: the stored pump rate, or (rows from before it was kept) the exact rate."""
        return self.rate_ml_per_h_pump if self.rate_ml_per_h_pump is not None else self.rate_ml_per_h

    def shown(self, key: str) -> str:
        """A display text ("dose", "volume", ...), or "" when this order has none for it."""
        return self.display.get(key, "")
