"""The dose order: a prescriber's act. A clinician orders (and so approves); a nurse may enter an order, which
waits for a clinician's approval before the start. Soft-limit overrides are the approving clinician's; an
independent double check by someone other than the prescriber follows the approval.

The calculation handed in is made by the visit service from what was typed and from facts it read at that
moment (age, today's weight, the 24 h total); these functions never compute or trust one of their own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime

from infusiondesk.dosing import DoseCalculation
from infusiondesk.records.models import DoseOrderRecord, DoubleCheck, Override, Role, User, Visit, VisitStatus
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.guards import require_aware, require_charting, require_clinician, require_status


def _refuse_hard(calc: DoseCalculation) -> None:
    if calc.blocked:
        hard = " ".join(f.message for f in calc.findings if f.level == "hard")
        raise WorkflowError(f"This dose cannot be ordered: {hard}")


def _overrides(calc: DoseCalculation, reasons: Mapping[str, str], by: int, now: datetime,
               required: bool) -> tuple[Override, ...]:
    missing = [f for f in calc.soft_findings if not reasons.get(f.code, "").strip()]
    if missing and required:
        listed = " ".join(f.message for f in missing)
        raise WorkflowError(f"Write a reason for each warning before ordering: {listed}")
    return tuple(Override(code=f.code, message=f.message, reason=reasons[f.code].strip(), by=by, at=now)
                 for f in calc.soft_findings if reasons.get(f.code, "").strip())


def order_dose(visit: Visit, order: DoseOrderRecord, calc: DoseCalculation, reasons: Mapping[str, str],
               user: User, now: datetime) -> Visit:
    """Record the order. A hard finding cannot be ordered. A clinician's order is approved at once and needs a
    written reason for every soft finding; a nurse's entry waits for approval and her reasons are proposals.
    Re-ordering replaces the order, its approval and its double check."""
    require_status(visit, (VisitStatus.ASSESSED,), "order the dose")
    by = require_charting(user, "enter the dose")
    require_aware(now)
    _refuse_hard(calc)
    prescriber = user.role is Role.CLINICIAN
    overrides = _overrides(calc, reasons, by, now, required=prescriber)
    recorded = dataclasses.replace(order, computed=calc.computed(), overrides=overrides, double_check=None,
                                   ordered_by=by, ordered_at=now, approved_by=by if prescriber else None,
                                   approved_at=now if prescriber else None)
    return dataclasses.replace(visit, dose_order=recorded)


def approve_order(visit: Visit, calc: DoseCalculation, reasons: Mapping[str, str], user: User,
                  now: datetime) -> Visit:
    """A clinician approves an order a nurse entered, on a calculation re-made now. Each soft finding needs a
    reason: the clinician's own, or the nurse's proposal, which becomes the clinician's by approving it."""
    require_status(visit, (VisitStatus.ASSESSED,), "approve the order")
    by = require_clinician(user, "approve a dose order")
    require_aware(now)
    order = visit.dose_order
    if order is None:
        raise WorkflowError("There is no dose order to approve yet.")
    if order.approved_by is not None:
        raise WorkflowError("This dose order is already approved.")
    _refuse_hard(calc)
    proposed = {o.code: o.reason for o in order.overrides}
    merged = {**proposed, **{k: v for k, v in reasons.items() if v.strip()}}
    overrides = _overrides(calc, merged, by, now, required=True)
    approved = dataclasses.replace(order, computed=calc.computed(), overrides=overrides, double_check=None,
                                   approved_by=by, approved_at=now)
    return dataclasses.replace(visit, dose_order=approved)


def amend_order(visit: Visit, order: DoseOrderRecord, calc: DoseCalculation, reasons: Mapping[str, str],
                user: User, now: datetime, volume_infused_ml: float) -> Visit:
    """A clinician's amended order while the infusion runs (a new rate or dose from the same bag). The old order
    is kept; the new one must cover what has already run."""
    require_status(visit, (VisitStatus.INFUSING,), "amend the order")
    by = require_clinician(user, "amend the order while the infusion runs")
    require_aware(now)
    old = visit.dose_order
    if old is None:
        raise WorkflowError("There is no order to amend.")
    _refuse_hard(calc)
    computed = calc.computed()
    running = old.computed_dose.concentration_mg_per_ml
    if abs(computed.concentration_mg_per_ml - running) > 1e-6 * running:
        raise WorkflowError("An amended order keeps the running bag's concentration; stop the infusion and order "
                            "the new product as a new visit.")
    if computed.volume_ml < volume_infused_ml:
        raise WorkflowError("The amended order is less than the volume already infused; stop the infusion instead.")
    overrides = _overrides(calc, reasons, by, now, required=True)
    amended = dataclasses.replace(order, computed=computed, overrides=overrides, double_check=None,
                                  ordered_by=by, ordered_at=now, approved_by=by, approved_at=now)
    return dataclasses.replace(visit, dose_order=amended, superseded_orders=(*visit.superseded_orders, old))


def double_check(visit: Visit, user: User, now: datetime) -> Visit:
    """An independent double check of the approved order, by a second person: never the one who entered it
    nor the clinician who approved it."""
    require_status(visit, (VisitStatus.ASSESSED,), "double-check the dose")
    by = require_charting(user, "double-check the dose")
    require_aware(now)
    order = visit.dose_order
    if order is None:
        raise WorkflowError("There is no dose order to double-check yet.")
    if order.approved_by is None:
        raise WorkflowError("A clinician must approve this order before it is double-checked.")
    if by in (order.ordered_by, order.approved_by):
        raise WorkflowError("The independent double check must be done by someone other than the person who "
                            "entered or approved the dose.")
    if order.double_check is not None:
        raise WorkflowError("This dose order has already been double-checked.")
    checked = dataclasses.replace(order, double_check=DoubleCheck(by=by, at=now))
    return dataclasses.replace(visit, dose_order=checked)
