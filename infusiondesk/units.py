"""One pharmacy unit registry and a strict parser for what people type into dose fields (and date fields).

The parser never evaluates input: it matches `number unit` or `number unit / number unit` with a
regular expression and looks each unit up in a closed list of accepted spellings.
Drug-specific conversions (mass <-> mmol <-> mEq) are not here; they live with the drug
(`infusiondesk.drugs`).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import threading
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import pint

from infusiondesk.errors import InputError

Quantity = Any  # pint.Quantity; pint's typing is too dynamic to be useful to mypy here.


def _cache_folder() -> Path | None:
    """pint's cache of its parsed unit definitions, in the user cache folder: the registry then builds in ~35 ms
    instead of ~340 ms (most of `infusiondesk calc` and of the app's start). None (no cache) when the folder
    cannot be written; INFUSIONDESK_CACHE_DIR overrides the folder.

    One folder per pint installation, not per version: the cache records the absolute paths of pint's definition
    files, so a cache written by another copy (another virtualenv, an older copy of the app) failed to load in this
    one, and every start parsed the definitions from scratch again."""
    from platformdirs import user_cache_path

    base = os.environ.get("INFUSIONDESK_CACHE_DIR", "").strip()
    installed = hashlib.sha256(str(Path(pint.__file__).resolve().parent).encode()).hexdigest()[:12]
    folder = (Path(base).expanduser() if base else user_cache_path("InfusionDesk", appauthor=False)) / (
        f"pint-{pint.__version__}-{installed}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


_REGISTRY_BUILT_ONCE = threading.Lock()


def registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """The pharmacy registry (built once, `_pharmacy_registry`). The first call may come from two threads at once
    (the app loads the drug library in the background while another thread may also need units): without the
    lock each built its own registry, and a quantity of one cannot meet a quantity of the other ("different
    registries", a start-up failure seen in the app's tests)."""
    with _REGISTRY_BUILT_ONCE:
        return _pharmacy_registry()


@lru_cache(maxsize=1)
def _pharmacy_registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """The pharmacy registry, built once.

    Adds an `equivalent` dimension (mEq is not a fixed multiple of mol: it depends on the ion's
    valence, which belongs to the drug) and a w/v percent unit (1 % = 1 g/100 mL = 10 mg/mL).
    """
    folder = _cache_folder()
    try:
        ureg: pint.UnitRegistry = pint.UnitRegistry(  # type: ignore[type-arg]
            autoconvert_offset_to_baseunit=False, cache_folder=folder)
    except Exception:  # a damaged cache: the registry built without it is the same registry
        if folder is not None:  # and the next start writes a new cache instead of failing on this one for ever
            shutil.rmtree(folder, ignore_errors=True)
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=False, cache_folder=None)
    ureg.define("equivalent = [charge_amount] = eq")
    ureg.define("milliequivalent = 1e-3 * equivalent = mEq")
    ureg.define("percent_wv = 10 * milligram / milliliter = pct_wv")
    return ureg


@lru_cache(maxsize=512)
def U(unit: str) -> Any:
    """A unit of the pharmacy registry, parsed once (parsing unit strings dominates pint's cost)."""
    return registry().Unit(unit)


def Q(value: float, unit: str) -> Quantity:
    """A quantity in the pharmacy registry."""
    return registry().Quantity(value, U(unit))


# Every spelling we accept, in lower case, mapped to the pint unit it means. A closed list: anything
# else is an "unknown unit" with a list of what is accepted.
_UNIT_ALIASES: dict[str, str] = {
    "g": "gram", "gram": "gram", "grams": "gram", "gm": "gram",
    "mg": "milligram", "milligram": "milligram", "milligrams": "milligram",
    "mcg": "microgram", "microgram": "microgram", "micrograms": "microgram",
    "kg": "kilogram", "kilogram": "kilogram", "kilograms": "kilogram", "kgs": "kilogram",
    "lb": "pound", "lbs": "pound", "pound": "pound", "pounds": "pound",
    "ml": "milliliter", "millilitre": "milliliter", "milliliter": "milliliter",
    "millilitres": "milliliter", "milliliters": "milliliter",
    "l": "liter", "litre": "liter", "liter": "liter", "litres": "liter", "liters": "liter",
    "s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
    "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "mmol": "millimole", "millimole": "millimole", "millimoles": "millimole", "mol": "mole",
    "meq": "milliequivalent", "milliequivalent": "milliequivalent", "milliequivalents": "milliequivalent",
    "eq": "equivalent",
    "%": "percent_wv", "percent": "percent_wv",
}

# Spellings that are on the do-not-use lists: refused with the safe spelling named.
_UNSAFE_UNITS: dict[str, str] = {
    "cc": 'write "mL" (cc is read as "u" or "00")',
    "µg": 'write "mcg" (µg is misread as mg)',
    "ug": 'write "mcg" (ug is misread as mg)',
    "iu": "magnesium is not dosed in international units",
    "u": "magnesium is not dosed in units",
}

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_UNIT = r"[A-Za-zµ%]+"
_SIMPLE_RE = re.compile(rf"^({_NUMBER})\s*({_UNIT}(?:\s*/\s*{_UNIT})?)?$")
_RATIO_RE = re.compile(rf"^({_NUMBER})\s*({_UNIT})\s*/\s*({_NUMBER})\s*({_UNIT})$")
_PLAIN_NUMBER_RE = re.compile(rf"^{_NUMBER}$")
# The app's own duration display ("1 h 30 min", display.format_duration): whole hours, then whole minutes.
_HOURS_MINUTES_RE = re.compile(r"^([0-9]+)\s*(h|hr|hrs|hour|hours)\s+([0-9]+)\s*(min|mins|minute|minutes)$",
                               re.IGNORECASE)


class Kind(Enum):
    """What a field holds: the dimensions it accepts, an example, and a sanity range.

    The ranges catch typing slips (an extra zero, a unit mix-up) and impossible numbers; they are
    not clinical limits, which live in the drug library with their sources.
    """

    DOSE = "dose"
    CONCENTRATION = "concentration"
    DURATION = "duration"
    RATE = "rate"
    WEIGHT = "weight"
    VOLUME = "volume"
    AGE = "age"


@dataclass(frozen=True)
class _FieldSpec:
    accepts: tuple[str, ...]  # names in _DIMENSIONS
    examples: str
    expected: str  # "a mass", "a time" ...
    upper: Quantity | None = None
    lower: Quantity | None = None


_DIMENSIONS: dict[str, str] = {
    "mass": "[mass]",
    "substance": "[substance]",
    "equivalents": "[charge_amount]",
    "mass per body mass": "[mass] / [mass]",
    "volume": "[length] ** 3",
    "time": "[time]",
    "mass per volume": "[mass] / [length] ** 3",
    "substance per volume": "[substance] / [length] ** 3",
    "equivalents per volume": "[charge_amount] / [length] ** 3",
    "volume per time": "[length] ** 3 / [time]",
    "mass per time": "[mass] / [time]",
}

_DESCRIPTIONS: dict[str, str] = {
    "mass": "a mass",
    "substance": "an amount in mmol",
    "equivalents": "an amount in mEq",
    "mass per body mass": "a weight-based dose",
    "volume": "a volume",
    "time": "a time",
    "mass per volume": "a concentration",
    "substance per volume": "a concentration",
    "equivalents per volume": "a concentration",
    "volume per time": "a rate",
    "mass per time": "a dose rate",
}


def _spec(kind: Kind) -> _FieldSpec:
    return _SPECS[kind]


_SPECS: dict[Kind, _FieldSpec] = {}


def _init_specs() -> None:
    if _SPECS:
        return
    _SPECS.update(
        {
            Kind.DOSE: _FieldSpec(
                ("mass", "substance", "equivalents", "mass per body mass"),
                '"2 g", "2000 mg", "16 mEq" or "25 mg/kg"', "a dose",
                upper=Q(1, "kilogram")),
            Kind.CONCENTRATION: _FieldSpec(
                ("mass per volume", "substance per volume", "equivalents per volume"),
                '"2 g/50 mL", "40 mg/mL" or "20 %"', "a concentration",
                upper=Q(1000, "mg/mL")),
            Kind.DURATION: _FieldSpec(("time",), '"30 min" or "1.5 h"', "a time",
                                      upper=Q(7, "day"), lower=Q(1, "second")),
            Kind.RATE: _FieldSpec(("volume per time", "mass per time"), '"100 mL/h" or "67 mg/min"',
                                  "a rate", upper=Q(10_000, "mL/h")),
            Kind.WEIGHT: _FieldSpec(("mass",), '"70 kg" or "154 lb"', "a body weight",
                                    upper=Q(700, "kg"), lower=Q(0.2, "kg")),
            Kind.VOLUME: _FieldSpec(("volume",), '"50 mL" or "1 L"', "a volume", upper=Q(10, "L")),
        }
    )


def dimension_name(q: Quantity) -> str | None:
    """Which of our named dimensions a quantity has, or None."""
    for name, dim in _DIMENSIONS.items():
        if q.check(dim):
            return name
    return None


def _field_label(field: str) -> str:
    return field[:1].upper() + field[1:]


def parse_quantity(text: str, kind: Kind, field: str | None = None) -> Quantity:
    """Parse what a person typed into a field of the given kind, or raise InputError.

    Accepts "2 g", "2g", "2000 mg", "0.5 g", "2 g/50 mL", "40 mg/mL", "20 %", "30 min", "1.5 h",
    "100 mL/h", "70 kg", "154 lb", and for a duration the app's own display "1 h 30 min". The message of
    every rejection names the field, what was wrong and what is accepted.
    """
    _init_specs()
    spec = _spec(kind)
    label = _field_label(field or kind.value)
    raw = text if isinstance(text, str) else str(text)
    shown = raw.strip()
    accepted = f"enter {spec.expected} such as {spec.examples}."

    def fail(what: str, instead: str | None = None) -> InputError:
        return InputError(field or kind.value, f"{label} {what}; {instead or accepted}")

    if not shown:
        raise fail("is empty")
    s = " ".join(shown.split())
    if "," in s:
        if re.search(r"\d,\d{3}(?!\d)", s) and not re.search(r"\d,\d{1,2}(?!\d)", s):
            raise fail(f'"{shown}" has a thousands comma', "write the number without it, as in 2000 mg.")
        raise fail(f'"{shown}" has a decimal comma', 'use a decimal point, as in "2.5 g".')
    if re.match(r"^\.\d", s) or re.search(r"[\s/]\.\d", s):
        raise fail(f'"{shown}" has no leading zero', 'write "0.5", not ".5".')
    if re.search(r"\d\.(?!\d)", s):
        raise fail(f'"{shown}" ends a number with a point', 'write "2", not "2.".')
    if s.startswith("-") or s.startswith("−"):
        raise fail(f'"{shown}" is negative')
    if re.search(r"\d\s*[eE][+-]?\d", s):
        raise fail(f'"{shown}" uses exponent notation')
    if _PLAIN_NUMBER_RE.match(s):
        raise fail(f'"{shown}" has no unit')
    m_hm = _HOURS_MINUTES_RE.match(s) if kind is Kind.DURATION else None
    if m_hm:
        hours, minutes = int(m_hm.group(1)), int(m_hm.group(3))
        if minutes >= 60:
            raise fail(f'"{shown}" has {minutes} minutes after the hours',
                       'write minutes below 60, as in "1 h 30 min".')
        s = f"{hours * 60 + minutes} min"
    m_ratio = _RATIO_RE.match(s)
    if m_ratio:
        num, num_unit, den, den_unit = m_ratio.groups()
        top = float(num) * _unit(num_unit, shown, fail)
        bottom_value = float(den)
        if bottom_value == 0:
            raise fail(f'"{shown}" divides by zero')
        q = top / (bottom_value * _unit(den_unit, shown, fail))
    else:
        m = _SIMPLE_RE.match(s)
        if not m:
            if not re.search(r"\d", s):
                raise fail(f'"{shown}" is not a number with a unit')
            raise fail(f'"{shown}" is not understood')
        value, unit_text = m.groups()
        if unit_text is None:
            raise fail(f'"{shown}" has no unit')
        parts = [p.strip() for p in unit_text.split("/")]
        unit = _unit(parts[0], shown, fail)
        for p in parts[1:]:
            unit = unit / _unit(p, shown, fail)
        q = float(value) * unit
    magnitude = float(q.magnitude)
    if math.isnan(magnitude) or math.isinf(magnitude):
        raise fail(f'"{shown}" is not a finite number')
    dim = dimension_name(q)
    if dim not in spec.accepts:
        what = _DESCRIPTIONS.get(dim or "", "not a quantity this field takes")
        raise fail(f'"{shown}" is {what}')
    if magnitude <= 0:
        raise fail(f'"{shown}" must be more than zero')
    base = q
    if spec.upper is not None and base.check(spec.upper.dimensionality) and base > spec.upper:
        raise fail(f'"{shown}" is implausibly large (check for an extra zero or the wrong unit)')
    if spec.lower is not None and base.check(spec.lower.dimensionality) and base < spec.lower:
        raise fail(f'"{shown}" is implausibly small (check the unit)')
    if kind is Kind.DOSE and dim == "mass per body mass" and q.to("mg/kg").magnitude > 1000:
        raise fail(f'"{shown}" is implausibly large (check for an extra zero or the wrong unit)')
    return q


def _unit(token: str, shown: str, fail: Any) -> Quantity:
    key = token.strip().lower()
    if key in _UNSAFE_UNITS:
        raise fail(f'"{shown}" uses "{token}"', f"{_UNSAFE_UNITS[key]}.")
    if token.strip() == "Mg":
        raise fail(f'"{shown}" uses "Mg" (megagram, or magnesium)', 'write milligrams as "mg".')
    name = _UNIT_ALIASES.get(key)
    if name is None:
        raise fail(f'"{shown}" has an unknown unit "{token}" (accepted: g, mg, mcg, kg, lb, mL, L, '
                   "min, h, s, mmol, mEq, %)")
    return registry().Quantity(1, U(name))


def parse_age_years(text: str, field: str = "age") -> float:
    """Age in years, a plain number ("42") or with a unit ("42 y")."""
    s = text.strip().lower()
    m = re.match(r"^([0-9]+(?:\.[0-9]+)?)\s*(y|yr|yrs|year|years)?$", s)
    label = _field_label(field)
    if not m:
        raise InputError(field, f'{label} "{text.strip()}" is not understood; enter years such as "42".')
    years = float(m.group(1))
    if years > 130:
        raise InputError(field, f'{label} "{text.strip()}" is implausible; enter years such as "42".')
    return years


_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LOCAL_DATE_RE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d+)$")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def date_rule(day_first: bool) -> str:
    """The rule a date field states: the clinic's order of day and month, or year-month-day."""
    return ("day/month/year (14/02/1979) or year-month-day (1979-02-14)" if day_first
            else "month/day/year (02/14/1979) or year-month-day (1979-02-14)")


def parse_date(text: str, field: str, *, day_first: bool) -> date:
    """A date typed as year-month-day, or in the clinic's local order (day/month/year when the clinic's locale
    is day-first, else month/day/year) with "/", "." or "-" and a four-digit year. The rule is fixed by the
    locale, never guessed from the numbers; a two-digit year, or numbers that are no date in that order, are
    refused with a sentence that names the rule."""
    label = _field_label(field)
    shown = text.strip()
    rule = date_rule(day_first)
    if not shown:
        raise InputError(field, f"{label} is empty; enter {rule}.")
    iso = _ISO_DATE_RE.match(shown)
    local = _LOCAL_DATE_RE.match(shown)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    elif local:
        first, second, year_text = int(local[1]), int(local[3]), local[4]
        if len(year_text) != 4:
            raise InputError(field, f'{label} "{shown}" does not have a four-digit year; type the whole year, '
                                    f"as in {rule}.")
        year = int(year_text)
        day, month = (first, second) if day_first else (second, first)
    else:
        raise InputError(field, f'{label} "{shown}" is not a date; enter {rule}.')
    if not 1 <= month <= 12:
        order = "day/month/year" if day_first and local else "month/day/year" if local else "year-month-day"
        raise InputError(field, f'{label} "{shown}" has no month {month} when read as {order}; enter {rule}.')
    try:
        return date(year, month, day)
    except ValueError:
        raise InputError(field, f'{label} "{shown}": {_MONTHS[month - 1]} {year} has no day {day}; '
                                f"enter {rule}.") from None
