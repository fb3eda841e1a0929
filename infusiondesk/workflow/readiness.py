"""What must be true before an infusion starts; each problem is a sentence naming what to do."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from infusiondesk.display import format_weight
from infusiondesk.errors import LibraryError
from infusiondesk.pump_check import PumpReadback, pump_findings
from infusiondesk.records.location import MobileCover
from infusiondesk.records.models import Patient, Visit, VisitStatus
from infusiondesk.resources import bundled
from infusiondesk.units import Q
from infusiondesk.workflow.mobile import mobile_problems

READINESS_FILE = bundled("infusiondesk.workflow", "readiness.toml")


@dataclass(frozen=True)
class ReadinessRules:
    weight_change_max_fraction: float
    weight_change_source: str


@lru_cache(maxsize=1)
def readiness_rules() -> ReadinessRules:
    """The readiness numbers from readiness.toml (cited data, like the drug library)."""
    try:
        data = tomllib.loads(READINESS_FILE.read_text(encoding="utf-8"))
        wc = data["weight_change"]
        fraction = wc["max_fraction"]
        source = wc["source"]
        if source not in data.get("sources", {}):
            raise KeyError(source)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise LibraryError(f"Readiness rules {READINESS_FILE} are missing or malformed ({exc}).") from None
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction < 1:
        raise LibraryError(f"Readiness rules {READINESS_FILE}: weight_change.max_fraction must be between 0 and 1.")
    return ReadinessRules(float(fraction), str(source))


def weight_change_fraction(today_kg: float, previous_kg: float) -> float:
    return abs(today_kg - previous_kg) / previous_kg


def readiness_problems(visit: Visit, patient: Patient, previous_weight_kg: float | None, today: date, *,
                       double_check_required: bool = True,
                       mobile_cover: MobileCover = MobileCover.EITHER) -> list[str]:
    """Everything that stops the infusion from starting now; an empty list means ready.

    `previous_weight_kg` is the weight recorded at the patient's previous visit (None for a first visit);
    `today` is the clinic's local date, compared with the lot's expiry date (usable through its expiry date);
    `mobile_cover` is the clinic's policy for a mobile visit (workflow/mobile.py adds that visit's items).
    """
    problems: list[str] = []
    suitability = visit.assessment.suitability
    if visit.status is VisitStatus.SIGNED:
        problems.append("This visit is signed; it cannot be started.")
    elif visit.status is not VisitStatus.ASSESSED:
        if suitability is None or not suitability.suitable:
            problems.append("A clinician has not yet decided the patient is suitable for the infusion.")
        else:
            problems.append(f"The visit is {visit.status.value}; only an assessed visit can be started.")
    order = visit.dose_order
    if order is None:
        problems.append("There is no dose order yet; a clinician must order the dose.")
    elif order.computed is None or order.computed.blocked:
        problems.append("The dose order breaks a hard limit; a clinician must change the order.")
    elif order.approved_by is None:
        problems.append("The dose order was entered by a nurse and waits for a clinician's approval.")
    elif double_check_required and order.double_check is None:
        problems.append("The dose order has not been independently double-checked; a second person must check it.")
    r = visit.readiness
    if not r.consent:
        problems.append("Consent is not recorded; record the patient's consent.")
    if not r.allergies_reviewed:
        problems.append("Allergies have not been reviewed with the patient; review and confirm them.")
    elif not patient.allergies and not patient.no_known_allergies:
        problems.append("The patient's record lists no allergies and does not say \"no known allergies\"; "
                        "record one or the other.")
    if r.weight_kg_today is None:
        problems.append("Today's weight is not recorded; weigh the patient.")
    elif r.weight_kg_today <= 0:
        problems.append("Today's weight must be more than zero; re-enter it.")
    elif previous_weight_kg is not None and previous_weight_kg > 0 and not r.weight_change_acknowledged:
        change = weight_change_fraction(r.weight_kg_today, previous_weight_kg)
        limit = readiness_rules().weight_change_max_fraction
        if change > limit:
            problems.append(
                f"Today's weight {format_weight(Q(r.weight_kg_today, 'kg'))} differs from the last visit's "
                f"{format_weight(Q(previous_weight_kg, 'kg'))} by {change * 100:.0f} % (more than "
                f"{limit * 100:.0f} %); re-weigh the patient and acknowledge the change.")
    baseline_charted = visit.assessment.vitals is not None or any(v.phase == "baseline" for v in visit.vitals)
    if not baseline_charted:  # charted values, never a tick box
        problems.append("Baseline vital signs are not charted; take and chart them before the start.")
    access = r.iv_access
    if access is None:
        problems.append("IV access is not recorded; record the site, gauge, attempts and who placed it.")
    else:
        missing = [name for name, ok in (("site", access.site.strip()), ("gauge", access.gauge.strip()),
                                         ("who placed it", access.placed_by.strip())) if not ok]
        if missing:
            problems.append(f"IV access is missing: {', '.join(missing)}; complete the IV access record.")
        if access.attempts < 1:
            problems.append("IV access attempts must be 1 or more; enter how many attempts it took.")
    if not r.lot_number.strip():
        problems.append("The product lot number is not recorded; copy it from the bag.")
    if r.lot_expiry is None:
        problems.append("The product expiry date is not recorded; copy it from the bag.")
    elif r.lot_expiry < today:
        problems.append(f"Lot {r.lot_number.strip() or '(no number)'} expired on {r.lot_expiry.isoformat()}; "
                        "do not use it: take an in-date product.")
    problems.extend(scan_problems(visit))
    problems.extend(pump_problems(visit))
    if visit.location.mobile:  # the antidote in the kit instead of at the chair, and the home-visit items
        problems.extend(mobile_problems(visit, mobile_cover))
    elif not r.calcium_gluconate_available:
        problems.append("Calcium gluconate 10 % (the antidote) must be immediately available; confirm it is at "
                        "the chair.")
    return problems


def pump_problems(visit: Visit) -> list[str]:
    """The pump readback (rate and volume to be infused as the pump shows them) against the order as computed:
    missing, or different on the pump's display (pump_check)."""
    r = visit.readiness
    if r.pump_rate_ml_h is None or r.pump_vtbi_ml is None:
        return ["The pump readback is not recorded; type the rate and the volume to be infused the pump shows."]
    order = visit.dose_order
    computed = order.computed if order is not None else None
    if computed is None or computed.rate_ml_per_h_pump is None:
        return []  # no computed order: the order's own problem says so
    readback = PumpReadback(r.pump_rate_text, r.pump_vtbi_text, r.pump_rate_ml_h, r.pump_vtbi_ml)
    return [f.message for f in pump_findings(computed.rate_ml_per_h_pump, computed.volume_ml, readback,
                                             computed.bag_volume_ml)]


def scan_problems(visit: Visit) -> list[str]:
    """A scanned product that is not in the library, or not the product the order names (an order by
    concentration names none; its lot and expiry are still checked above)."""
    r = visit.readiness
    if not r.scanned_gtin:
        return []
    if not r.scanned_product_id:
        return [f"The scanned product (GTIN {r.scanned_gtin}) is not in the drug library: it is not a magnesium "
                "sulfate product this clinic stocks. Do not use it; take the ordered product and scan it."]
    order = visit.dose_order
    if order is not None and order.product_id and order.product_id != r.scanned_product_id:
        return [f"The scanned product is {r.scanned_product_name}, not the ordered product ({order.product_id}). "
                "Do not use it; take the ordered product and scan it."]
    return []
