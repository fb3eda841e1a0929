"""The clinic's price list and the payment of each visit, in the store: admin-only prices, nurse/admin
payments, every change audited in the same transaction.

Prices are dated rows that are never updated: a visit is priced as on the day its infusion started, and a
recorded payment keeps the lines as priced then, so a later price change never alters an old receipt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from infusiondesk.billing.codes import billing_codes
from infusiondesk.billing.lines import BillingLine, billing_lines
from infusiondesk.billing.minutes import hour_sequence, infusion_minutes
from infusiondesk.billing.receipt import Payment, PaymentMethod, Receipt
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Role, UserSession, Visit
from infusiondesk.store import sessions, tables
from infusiondesk.store.audit import trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import RecordNotFound
from infusiondesk.store.part import StorePart
from infusiondesk.store.visit_tx import visit_from_row

PRICE_SETTERS = (Role.ADMIN,)
PAYMENT_TAKERS = (Role.NURSE, Role.ADMIN)
RECEIPT_READERS = (Role.NURSE, Role.CLINICIAN, Role.ADMIN)
_MAX_CENTS = 100_000_000  # $1,000,000: anything above is a typing slip


@dataclass(frozen=True)
class PriceEntry:
    code: str
    unit_price_cents: int
    effective_from: datetime
    set_by: int
    set_at: datetime


def _prices_at(conn: Connection, at: datetime) -> dict[str, int]:
    p = tables.prices.c
    out: dict[str, int] = {}
    rows = conn.execute(select(p.code, p.unit_price_cents).where(p.effective_from <= at)
                        .order_by(p.code, p.effective_from, p.id))
    for r in rows:
        out[r.code] = r.unit_price_cents  # the newest in force wins
    return out


def _visit(conn: Connection, visit_id: int) -> Visit:
    row = conn.execute(select(tables.visits).where(tables.visits.c.id == visit_id)).first()
    if row is None:
        raise RecordNotFound(f"There is no visit {visit_id}.")
    return visit_from_row(row)


def _priced(conn: Connection, visit: Visit) -> tuple[BillingLine, ...]:
    assert visit.started_at is not None
    return billing_lines(visit, billing_codes(), _prices_at(conn, visit.started_at))


def _lines_json(lines: tuple[BillingLine, ...]) -> str:
    return json.dumps([{"code": x.code, "description": x.description, "units": x.units,
                        "unit_price_cents": x.unit_price_cents} for x in lines], sort_keys=True)


def _lines_from_json(text: str) -> tuple[BillingLine, ...]:
    return tuple(BillingLine(d["code"], d["description"], int(d["units"]), int(d["unit_price_cents"]))
                 for d in json.loads(text))


def _payment(row: Any) -> Payment:
    return Payment(row.visit_id, PaymentMethod(row.method), row.amount_cents, row.paid_at, row.recorded_by,
                   _lines_from_json(row.lines))


class Billing(StorePart):
    """`store.billing`: the clinic's price list (admin; dated rows, never updated) and each visit's payment and
    receipt."""

    def set_price(self, code: str, unit_price_cents: int, effective_from: datetime, *,
                  by: UserSession) -> PriceEntry:
        """An admin prices a billed code from `effective_from` on (audited). Visits that started before keep their
        old price; a price cannot be backdated before the newest one for its code."""
        codes = billing_codes()
        code = code.strip().upper()
        if code not in codes.procedures:
            raise DomainError(f"{code!r} is not a code the clinic bills; price one of {', '.join(codes.procedures)}.")
        if isinstance(unit_price_cents, bool) or not isinstance(unit_price_cents, int) or not \
                0 <= unit_price_cents <= _MAX_CENTS:
            raise DomainError("A price must be a whole number of cents from $0.00 to $1,000,000.00.")
        if effective_from.tzinfo is None:
            raise DomainError("The date a price takes effect must be timezone-aware.")
        p = tables.prices.c
        with self._write() as conn:
            actor = sessions.acting(conn, by, PRICE_SETTERS, "change the price list")
            newest = conn.execute(select(func.max(p.effective_from)).where(p.code == code)).scalar()
            if newest is not None and effective_from < newest:
                raise DomainError(f"{code} already has a price from {newest:%Y-%m-%d %H:%M} UTC; a new price takes "
                                  "effect at that time or later (old visits keep the price they were given).")
            now = self._now()
            result = conn.execute(insert(tables.prices).values(
                code=code, unit_price_cents=unit_price_cents, effective_from=effective_from, set_by=actor.id,
                set_at=now))
            key = result.inserted_primary_key
            assert key is not None
            trail.record_change(conn, at=now, by=actor, event=AuditEvent.CREATE, table=tables.prices,
                                record_id=int(key[0]), before=None,
                                extra={"code": code, "unit_price_cents": unit_price_cents})
        return PriceEntry(code, unit_price_cents, effective_from, actor.id, now)

    def prices_at(self, at: datetime, *, by: UserSession) -> dict[str, int]:
        """Code -> unit price (cents) in force at `at`."""
        with self._read() as conn:
            sessions.acting(conn, by, RECEIPT_READERS, "see the price list")
            return _prices_at(conn, at)

    def price_history(self, *, by: UserSession) -> list[PriceEntry]:
        """Every price ever set, oldest first (the admin's price list screen and the audit)."""
        p = tables.prices.c
        with self._read() as conn:
            sessions.acting(conn, by, RECEIPT_READERS, "see the price list")
            rows = conn.execute(select(tables.prices).order_by(p.code, p.effective_from, p.id)).all()
        return [PriceEntry(r.code, r.unit_price_cents, r.effective_from, r.set_by, r.set_at) for r in rows]

    def record_payment(self, visit_id: int, method: PaymentMethod | str, amount_cents: int, paid_at: datetime, *,
                       by: UserSession) -> Payment:
        """A nurse or admin records what the patient paid for a visit whose infusion has stopped: the lines are
        priced now (as on the visit's day) and kept with the payment. Recording again corrects it (audited)."""
        try:
            method = PaymentMethod(method)
        except ValueError:
            raise DomainError(f"Payment method {method!r} is not one the clinic takes: cash, card or HSA/FSA card.") \
                from None
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or not 0 < amount_cents <= _MAX_CENTS:
            raise DomainError("The amount paid must be more than $0.00 (and at most $1,000,000.00).")
        if paid_at.tzinfo is None:
            raise DomainError("The time of a payment must be timezone-aware.")
        t = tables.visit_payments
        with self._write() as conn:
            actor = sessions.acting(conn, by, PAYMENT_TAKERS, "record a payment")
            lines = _priced(conn, _visit(conn, visit_id))
            values = {"method": method.value, "amount_cents": amount_cents, "paid_at": paid_at,
                      "recorded_by": actor.id, "lines": _lines_json(lines)}
            before = conn.execute(select(t).where(t.c.visit_id == visit_id)).first()
            if before is None:
                key = conn.execute(insert(t).values(visit_id=visit_id, **values)).inserted_primary_key
                assert key is not None
                record_id = int(key[0])
            else:
                record_id = before.id
                conn.execute(update(t).where(t.c.id == record_id).values(**values))
            event = AuditEvent.CREATE if before is None else AuditEvent.UPDATE
            trail.record_change(conn, at=self._now(), by=actor, event=event, table=t, record_id=record_id,
                                before=before._mapping if before is not None else None,
                                extra={"visit_id": visit_id})
        return Payment(visit_id, method, amount_cents, paid_at, actor.id, lines)

    def get_payment(self, visit_id: int, *, by: UserSession) -> Payment | None:
        t = tables.visit_payments
        with self._read() as conn:
            sessions.acting(conn, by, RECEIPT_READERS, "see payments")
            row = conn.execute(select(t).where(t.c.visit_id == visit_id)).first()
        return _payment(row) if row is not None else None

    def receipt_for(self, visit_id: int, *, by: UserSession) -> Receipt:
        """What the receipt of a visit says: its infusion time and sequence, diagnosis, lines (as paid when a
        payment was recorded, else priced as on the visit's day) and payment."""
        codes = billing_codes()
        t = tables.visit_payments
        with self._read() as conn:
            sessions.acting(conn, by, RECEIPT_READERS, "make a receipt")
            visit = _visit(conn, visit_id)
            row = conn.execute(select(t).where(t.c.visit_id == visit_id)).first()
            payment = _payment(row) if row is not None else None
            lines = payment.lines if payment is not None else _priced(conn, visit)
        minutes = infusion_minutes(visit)
        code = visit.assessment.diagnosis_code
        description = codes.diagnoses[code].description if code in codes.diagnoses else ""
        return Receipt(visit_id, minutes, hour_sequence(minutes.running_minutes, codes.hours), code, description,
                       lines, payment)
