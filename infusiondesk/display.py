"""Numbers and quantities written the ISMP way: leading zero, no trailing zero, units always shown.

"2 g" not "2.0 g", "0.5 mL" not ".5 mL", "1,000 mL" with a thousands comma, a space between number
and unit, "mcg" never "µg", and the drug always named in full ("magnesium sulfate").
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from infusiondesk.units import Quantity, U


def format_number(value: float, decimals: int) -> str:
    """Round to `decimals`, drop trailing zeros and a bare point, keep the leading zero, comma thousands."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError("cannot display a non-finite number")
    # Half up, as people round (Python's round() rounds 0.25 to 0.2); repr() gives the shortest decimal.
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = Decimal(0)  # no "-0"
    text = f"{rounded:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _fmt(q: Quantity, unit: str, symbol: str, decimals: int) -> str:
    return f"{format_number(float(q.to(U(unit)).magnitude), decimals)} {symbol}"


def format_mass(q: Quantity) -> str:
    """A dose mass: grams from 1 g up, else milligrams, else micrograms ("mcg")."""
    grams = float(q.to(U("gram")).magnitude)
    # Decide the unit on the rounded value, so 0.99999 g reads "1 g" rather than "1,000 mg".
    if grams == 0 or float(format_number(grams * 1000, 1).replace(",", "")) >= 1000:
        return _fmt(q, "gram", "g", 2)
    if float(format_number(grams * 1e6, 1).replace(",", "")) >= 1000:
        return _fmt(q, "milligram", "mg", 1)
    return _fmt(q, "microgram", "mcg", 1)


def format_mmol(q: Quantity) -> str:
    return _fmt(q, "millimole", "mmol", 1)


def format_meq(q: Quantity) -> str:
    return _fmt(q, "milliequivalent", "mEq", 1)


def format_volume(q: Quantity) -> str:
    if q.to(U("mL")).magnitude >= 1000 * 10:
        return _fmt(q, "liter", "L", 2)
    return _fmt(q, "milliliter", "mL", 1)


def format_volume_rate(q: Quantity) -> str:
    """Pump rates to 0.1 mL/h. A positive rate below the pump's step never reads "0 mL/h"."""
    ml_h = float(q.to(U("milliliter / hour")).magnitude)
    if ml_h > 0 and format_number(ml_h, 1) == "0":
        return "less than 0.1 mL/h"
    return _fmt(q, "milliliter / hour", "mL/h", 1)


def format_mass_rate(q: Quantity) -> str:
    return _fmt(q, "milligram / minute", "mg/min", 1)


def format_concentration(q: Quantity) -> str:
    """mg/mL with the w/v percent beside it: "40 mg/mL (4 %)"."""
    mg_per_ml = float(q.to(U("mg/mL")).magnitude)
    percent = format_number(mg_per_ml / 10, 2)
    if percent == "0" and mg_per_ml > 0:
        percent = "less than 0.01"  # never "0 %" for a solution that holds drug
    return f"{format_number(mg_per_ml, 2)} mg/mL ({percent} %)"


def format_weight(q: Quantity) -> str:
    return _fmt(q, "kilogram", "kg", 1)


def format_weight_based(q: Quantity) -> str:
    return _fmt(q, "mg/kg", "mg/kg", 1)


def format_duration(q: Quantity) -> str:
    """Minutes below an hour ("30 min"), else hours and minutes ("1 h 30 min")."""
    minutes = float(q.to(U("minute")).magnitude)
    if minutes < 60:
        return f"{format_number(minutes, 1)} min"
    whole = round(minutes)
    hours, rest = divmod(whole, 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest} min"


def format_quantity(q: Quantity) -> str:
    """Any quantity the app shows, chosen by its dimension."""
    from infusiondesk.units import dimension_name

    formatter = {
        "mass": format_mass,
        "substance": format_mmol,
        "equivalents": format_meq,
        "volume": format_volume,
        "time": format_duration,
        "mass per volume": format_concentration,
        "volume per time": format_volume_rate,
        "mass per time": format_mass_rate,
        "mass per body mass": format_weight_based,
    }.get(dimension_name(q) or "")
    if formatter is None:
        raise ValueError(f"no display rule for {q.dimensionality}")
    return formatter(q)
