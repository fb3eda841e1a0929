"""What a receipt or superbill says about a visit: its lines, diagnosis and payment. Values only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from infusiondesk.billing.lines import BillingLine, total_cents
from infusiondesk.billing.minutes import HourUnit, InfusionMinutes


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    HSA_FSA_CARD = "hsa_fsa_card"

    @property
    def label(self) -> str:
        return {"cash": "Cash", "card": "Card", "hsa_fsa_card": "HSA/FSA card"}[self.value]


@dataclass(frozen=True)
class Payment:
    """A payment recorded for a visit, with the lines as priced when it was recorded (so a later price change
    never alters what the patient paid for)."""

    visit_id: int
    method: PaymentMethod
    amount_cents: int
    paid_at: datetime
    recorded_by: int
    lines: tuple[BillingLine, ...]


@dataclass(frozen=True)
class Receipt:
    visit_id: int
    minutes: InfusionMinutes
    sequence: tuple[HourUnit, ...]
    diagnosis_code: str
    diagnosis_description: str
    lines: tuple[BillingLine, ...]
    payment: Payment | None

    @property
    def total_cents(self) -> int:
        return total_cents(self.lines)

    @property
    def paid(self) -> bool:
        return self.payment is not None and self.payment.amount_cents >= self.total_cents

    @property
    def balance_cents(self) -> int:
        return self.total_cents - (self.payment.amount_cents if self.payment is not None else 0)
