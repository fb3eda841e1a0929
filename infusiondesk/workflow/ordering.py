"""The dose order: the engine's calculation accepted by the nurse or clinician who enters it at the chair,
soft findings each with a reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime

from infusiondesk.dosing import DoseCalculation
from infusiondesk.records.models import DoseOrderRecord, DoubleCheck, Override, User, Visit, VisitStatus
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.guards import require_aware, require_charting, require_status


def order_dose(visit: Visit, order: DoseOrderRecord, calc: DoseCalculation, reasons: Mapping[str, str],
               user: User, now: datetime) -> Visit:
    """Record the order. A hard finding cannot be ordered; every soft finding needs a written reason,
    kept as an Override (code, message, reason, who, when). Re-ordering replaces the order and its check."""
    require_status(visit, (VisitStatus.ASSESSED,), "order the dose")
    # The nurse at the chair enters the chosen dose (the product brief); admin accounts never chart.
    by = require_charting(user, "enter the dose")
    require_aware(now)
    if calc.blocked:
        hard = " ".join(f.message for f in calc.findings if f.level == "hard")
        raise WorkflowError(f"This dose cannot be ordered: {hard}")
    missing = [f for f in calc.soft_findings if not reasons.get(f.code, "").strip()]
    if missing:
        listed = " ".join(f.message for f in missing)
        raise WorkflowError(f"Write a reason for each warning before ordering: {listed}")
    overrides = tuple(Override(code=f.code, message=f.message, reason=reasons[f.code].strip(), by=by, at=now)
                      for f in calc.soft_findings)
    recorded = dataclasses.replace(order, computed=calc.as_dict(), overrides=overrides, double_check=None,
                                   ordered_by=by, ordered_at=now)
    return dataclasses.replace(visit, dose_order=recorded)


def double_check(visit: Visit, user: User, now: datetime) -> Visit:
    """An independent double check of the order, by a second person (never the one who ordered it)."""
    require_status(visit, (VisitStatus.ASSESSED,), "double-check the dose")
    by = require_charting(user, "double-check the dose")
    require_aware(now)
    order = visit.dose_order
    if order is None:
        raise WorkflowError("There is no dose order to double-check yet.")
    if order.ordered_by == by:
        raise WorkflowError("The independent double check must be done by someone other than the person who "
                            "ordered the dose.")
    if order.double_check is not None:
        raise WorkflowError("This dose order has already been double-checked.")
    checked = dataclasses.replace(order, double_check=DoubleCheck(by=by, at=now))
    return dataclasses.replace(visit, dose_order=checked)
