"""Load and validate a drug library file (TOML) into frozen values.

A malformed or self-contradictory file is a LibraryError naming the file and the entry, raised at
start-up rather than as a crash in the middle of a visit.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from infusiondesk.drugs.monitoring import NO_MONITORING, Monitoring, ToxicitySign, parse_monitoring
from infusiondesk.drugs.reading import (
    MAX_QUANTITY_CHARS,
    magnitude_problem,
    parse_toml,
    quantity_text_problem,
    read_library_text,
)
from infusiondesk.errors import InputError, LibraryError
from infusiondesk.resources import bundled
from infusiondesk.units import Q, Quantity, U, registry

Check = Literal["dose", "weight_based_dose", "concentration", "dose_rate", "dose_24h", "duration", "volume",
                "pump_rate"]
Bound = Literal["max", "min"]
Level = Literal["hard", "soft"]
Population = Literal["adult", "pediatric", "all"]

__all__ = ["Drug", "Indication", "Limit", "Monitoring", "Product", "ScreeningRule", "Source", "ToxicitySign",
           "load_drug", "parse_library"]

BUNDLED_DIR = bundled("infusiondesk.drugs")
ENV_VAR = "INFUSIONDESK_DRUG_LIBRARY"

# The dimension each check's value must have.
_CHECK_DIMENSIONS: dict[str, str] = {
    "dose": "[mass]",
    "weight_based_dose": "[mass] / [mass]",
    "concentration": "[mass] / [length] ** 3",
    "dose_rate": "[mass] / [time]",
    "dose_24h": "[mass]",
    "duration": "[time]",
    "volume": "[length] ** 3",
    "pump_rate": "[length] ** 3 / [time]",
}
_LEVELS = ("hard", "soft")
_BOUNDS = ("max", "min")
_POPULATIONS = ("adult", "pediatric", "all")
# The values of infusiondesk.records.models.RenalStatus (a test keeps them equal): a limit with `renal` applies
# only to an order whose patient has one of the statuses listed.
# An NDC as printed: 10 digits in the 4-4-2, 5-3-2 or 5-4-1 configuration.
_NDC = re.compile(r"^(?=[\d-]{12}$)(\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1})$")
RENAL_STATUSES = ("normal", "moderate", "severe", "failure_or_dialysis", "unknown")

# Screening rules (`[[screening]]`) test facts about the patient. Each fact has a kind, which decides the
# tests a condition may use; the workflow's screening module derives the facts from the patient record and
# the assessment answers.
SCREENING_FACTS: dict[str, str] = {
    "heart_block": "bool",
    "myocardial_damage": "bool",
    "renal_status": "text",
    "egfr_ml_min": "number",
    "myasthenia_gravis": "bool",
    "pregnancy": "text",
    "sex": "text",
    "hypermagnesemia": "bool",
    "serum_magnesium_mmol_l": "number",
    "medicines": "list",
    "allergies": "list",
    "resp_rate": "number",
    "patellar_reflex": "text",
    "systolic": "number",  # the newest charted systolic blood pressure, mmHg
}
# "absolute": no written reason can pass it; "contraindication": the clinician may still judge the patient
# suitable, with a written reason.
SCREENING_LEVELS = ("absolute", "contraindication", "caution", "info")
_TESTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "bool": ("is", "missing"),
    "text": ("is", "in", "missing"),
    "number": ("below", "at_least", "above", "missing"),
    "list": ("matches_any",),
}


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
    check: Check
    bound: Bound
    level: Level
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
    level: str  # contraindication | caution | info
    message: str
    sources: tuple[str, ...]
    basis: str
    conditions: tuple[Condition, ...]
    match: str = "any"  # any | all


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


def library_path(drug_file: str = "magnesium_sulfate.toml") -> tuple[Path, str]:
    """Which library file is in force, and why: the env var, the clinic's own file, or the bundled one."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env), f"{ENV_VAR}"
    from platformdirs import user_config_path

    clinic = user_config_path("InfusionDesk", appauthor=False) / "drugs" / drug_file
    if clinic.exists():
        return clinic, "clinic library"
    return BUNDLED_DIR / drug_file, "bundled"


@lru_cache(maxsize=8)
def _load_cached(path: Path, provenance: str, mtime: float) -> Drug:
    return parse_library(path, provenance)


def load_drug(path: Path | str | None = None) -> Drug:
    """Load (cached while the file is unchanged) and validate a drug library file."""
    if path is None:
        p, provenance = library_path()
    else:
        p, provenance = Path(path), "given path"
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise LibraryError(f"Drug library {p} cannot be read: {exc.strerror or exc}.") from None
    return _load_cached(p.resolve(), provenance, mtime)


def parse_library(path: Path, provenance: str = "given path") -> Drug:
    """Read (size-limited, UTF-8, depth-limited, finite numbers only) and validate one library file."""
    data = parse_toml(path, read_library_text(path))
    return _Validator(path, provenance).drug(data)


class _Validator:
    def __init__(self, path: Path, provenance: str) -> None:
        self.path = path
        self.provenance = provenance

    def error(self, where: str, what: str) -> LibraryError:
        return LibraryError(f"Drug library {self.path}: {where}: {what}")

    def need(self, table: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
        if key not in table:
            raise self.error(where, f'"{key}" is missing.')
        value = table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(where, f'"{key}" has the wrong type ({type(value).__name__}).')
        return value

    def quantity(self, text: Any, dim: str, where: str) -> Quantity:
        if not isinstance(text, str):
            raise self.error(where, f"{text!r} must be a quantity written as text, e.g. \"2 g\".")
        problem = quantity_text_problem(text)
        if problem:
            raise self.error(where, f'"{text[:MAX_QUANTITY_CHARS]}" {problem}')
        try:
            q = registry().Quantity(text)
        except Exception:
            raise self.error(where, f'"{text}" is not a quantity.') from None
        if not hasattr(q, "check") or not q.check(dim):
            raise self.error(where, f'"{text}" does not have the dimension {dim}.')
        problem = magnitude_problem(float(q.magnitude))
        if problem:
            raise self.error(where, f'"{text}" {problem}')
        if not float(q.magnitude) > 0:
            raise self.error(where, f'"{text}" must be more than zero.')
        return q

    def drug(self, data: Mapping[str, Any]) -> Drug:
        if data.get("schema") != 1:
            raise self.error("schema", "this file needs `schema = 1`.")
        sources = self.sources(data.get("sources", {}))
        d = self.need(data, "drug", "[drug]", dict)
        for key in ("molar_mass_source", "valence_source", "elemental_molar_mass_source"):
            self.source_ref(sources, self.need(d, key, "[drug]", str), "[drug]")
        indications = self.indications(data.get("indications", {}))
        products = tuple(self.product(p, i, sources) for i, p in enumerate(data.get("products", [])))
        if not products:
            raise self.error("[[products]]", "the library lists no product.")
        ids = [p.id for p in products]
        if len(set(ids)) != len(ids):
            raise self.error("[[products]]", "two products share an id.")
        limits = tuple(self.limit(x, i, sources, indications) for i, x in enumerate(data.get("limits", [])))
        screening = tuple(self.screening_rule(x, i, sources) for i, x in enumerate(data.get("screening", [])))
        codes = [r.code for r in screening]
        if len(set(codes)) != len(codes):
            raise self.error("[[screening]]", "two screening rules share a code.")
        monitoring = parse_monitoring(data.get("monitoring"), sources, self.error)
        drug = Drug(
            id=self.need(d, "id", "[drug]", str),
            name=self.need(d, "name", "[drug]", str),
            salt=self.need(d, "salt", "[drug]", str),
            molar_mass=self.quantity(self.need(d, "molar_mass", "[drug]", str), "[mass] / [substance]",
                                     "[drug] molar_mass"),
            valence=self.need(d, "valence", "[drug]", int),
            elemental_name=self.need(d, "elemental_name", "[drug]", str),
            elemental_molar_mass=self.quantity(self.need(d, "elemental_molar_mass", "[drug]", str),
                                               "[mass] / [substance]", "[drug] elemental_molar_mass"),
            products=products,
            limits=limits,
            indications=indications,
            sources=sources,
            path=self.path,
            provenance=self.provenance,
            screening=screening,
            monitoring=monitoring,
        )
        if drug.valence < 1:
            raise self.error("[drug]", "valence must be 1 or more.")
        self.consistency(drug)
        return drug

    def sources(self, table: Any) -> dict[str, Source]:
        if not isinstance(table, dict) or not table:
            raise self.error("[sources]", "the library cites no sources; every number needs one.")
        out = {}
        for sid, s in table.items():
            where = f"[sources.{sid}]"
            if not isinstance(s, dict):
                raise self.error(where, "must be a table with title and url.")
            out[sid] = Source(sid, self.need(s, "title", where, str), self.need(s, "url", where, str))
        return out

    def source_ref(self, sources: Mapping[str, Source], sid: str, where: str) -> str:
        if sid not in sources:
            raise self.error(where, f'cites source "{sid}", which is not in [sources].')
        return sid

    def indications(self, table: Any) -> tuple[Indication, ...]:
        if not isinstance(table, dict) or not table:
            raise self.error("[indications]", "the library lists no indication.")
        out = tuple(
            Indication(iid, self.need(t, "name", f"[indications.{iid}]", str), bool(t.get("default", False)),
                       str(t.get("note", "")))
            for iid, t in table.items()
        )
        if sum(i.default for i in out) != 1:
            raise self.error("[indications]", "exactly one indication must have `default = true`.")
        return out

    def product(self, p: Any, i: int, sources: Mapping[str, Source]) -> Product:
        where = f"products[{i}]"
        if not isinstance(p, dict):
            raise self.error(where, "must be a table.")
        pid = self.need(p, "id", where, str)
        where = f"products[{i}] ({pid})"
        amount = volume = None
        if "concentration" in p:
            if "amount" in p or "volume" in p:
                raise self.error(where, "give either concentration, or amount and volume, not both.")
            conc = self.quantity(p["concentration"], "[mass] / [length] ** 3", where).to(U("mg/mL"))
        else:
            amount = self.quantity(self.need(p, "amount", where, str), "[mass]", where)
            volume = self.quantity(self.need(p, "volume", where, str), "[length] ** 3", where)
            conc = (amount / volume).to(U("mg/mL"))
        ndcs = p.get("ndc", [])
        if not isinstance(ndcs, list) or not all(isinstance(n, str) and _NDC.match(n) for n in ndcs):
            raise self.error(where, 'ndc must be a list of 10-digit NDCs written with hyphens, e.g. '
                                    '["0409-6729-24"].')
        ndc_source = ""
        if ndcs:
            ndc_source = self.source_ref(sources, self.need(p, "ndc_source", where, str), where)
        ndc_basis = p.get("ndc_basis", "")
        if not isinstance(ndc_basis, str):
            raise self.error(where, "ndc_basis must be text.")
        return Product(
            id=pid, name=self.need(p, "name", where, str), concentration=conc,
            iv_ready=self.need(p, "iv_ready", where, bool),
            source=self.source_ref(sources, self.need(p, "source", where, str), where),
            amount=amount, volume=volume, ndcs=tuple(ndcs), ndc_source=ndc_source, ndc_basis=ndc_basis,
        )

    def limit(self, x: Any, i: int, sources: Mapping[str, Source], indications: tuple[Indication, ...]) -> Limit:
        where = f"limits[{i}]"
        if not isinstance(x, dict):
            raise self.error(where, "must be a table.")
        check = self.need(x, "check", where, str)
        if check not in _CHECK_DIMENSIONS:
            raise self.error(where, f'check "{check}" is not one of {", ".join(_CHECK_DIMENSIONS)}.')
        bound = self.need(x, "bound", where, str)
        if bound not in _BOUNDS:
            raise self.error(where, f'bound "{bound}" must be max or min.')
        level = self.need(x, "level", where, str)
        if level not in _LEVELS:
            raise self.error(where, f'level "{level}" must be hard or soft.')
        population = self.need(x, "population", where, str)
        if population not in _POPULATIONS:
            raise self.error(where, f'population "{population}" must be adult, pediatric or all.')
        indication = self.need(x, "indication", where, str)
        if indication != "*" and indication not in {i.id for i in indications}:
            raise self.error(where, f'indication "{indication}" is not in [indications].')
        where = f"limits[{i}] ({check} {bound} {level}, {indication}, {population})"
        value = self.quantity(self.need(x, "value", where, str), _CHECK_DIMENSIONS[check], where)
        renal: tuple[str, ...] | None = None
        if "renal" in x:
            given = x["renal"]
            if (not isinstance(given, list) or not given
                    or not all(isinstance(r, str) and r in RENAL_STATUSES for r in given)):
                raise self.error(where, f'renal must be a non-empty list of {", ".join(RENAL_STATUSES)}.')
            renal = tuple(given)
        return Limit(check, bound, level, value, indication, population,
                     self.source_ref(sources, self.need(x, "source", where, str), where),
                     self.need(x, "basis", where, str), renal)

    def screening_rule(self, x: Any, i: int, sources: Mapping[str, Source]) -> ScreeningRule:
        where = f"screening[{i}]"
        if not isinstance(x, dict):
            raise self.error(where, "must be a table.")
        code = self.need(x, "code", where, str)
        where = f"screening[{i}] ({code})"
        level = self.need(x, "level", where, str)
        if level not in SCREENING_LEVELS:
            raise self.error(where, f'level "{level}" must be one of {", ".join(SCREENING_LEVELS)}.')
        message = self.need(x, "message", where, str)
        if not message.strip():
            raise self.error(where, "the message is empty.")
        cited = self.need(x, "source", where, (str, list))
        ids = (cited,) if isinstance(cited, str) else tuple(cited)
        if not ids or not all(isinstance(sid, str) for sid in ids):
            raise self.error(where, "source must name one source id or a list of them.")
        for sid in ids:
            self.source_ref(sources, sid, where)
        match = x.get("match", "any")
        if match not in ("any", "all"):
            raise self.error(where, f'match "{match}" must be any or all.')
        when = self.need(x, "when", where, list)
        if not when:
            raise self.error(where, "has no condition in [[screening.when]].")
        conditions = tuple(self.condition(c, f"{where} when[{j}]") for j, c in enumerate(when))
        return ScreeningRule(code, level, message, ids, str(x.get("basis", "")), conditions, match)

    def condition(self, c: Any, where: str) -> Condition:
        if not isinstance(c, dict):
            raise self.error(where, "must be a table.")
        fact = self.need(c, "fact", where, str)
        kind = SCREENING_FACTS.get(fact)
        if kind is None:
            raise self.error(where, f'fact "{fact}" is not one of {", ".join(SCREENING_FACTS)}.')
        tests = [k for k in c if k != "fact"]
        if not tests:
            raise self.error(where, "names a fact but no test (is, in, below, at_least, above, matches_any, missing).")
        allowed = _TESTS_BY_KIND[kind]
        for t in tests:
            if t not in allowed:
                raise self.error(where, f'"{t}" cannot test the {kind} fact "{fact}"; use {", ".join(allowed)}.')

        def number(key: str) -> float | None:
            if key not in c:
                return None
            v = c[key]
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise self.error(where, f'"{key}" must be a number.')
            return float(v)

        def words(key: str) -> tuple[str, ...] | None:
            if key not in c:
                return None
            v = c[key]
            if not isinstance(v, list) or not v or not all(isinstance(w, str) and w.strip() for w in v):
                raise self.error(where, f'"{key}" must be a non-empty list of words.')
            return tuple(v)

        is_ = c.get("is")
        if is_ is not None and not isinstance(is_, bool if kind == "bool" else str):
            raise self.error(where, f'"is" must be {"true or false" if kind == "bool" else "text"} for "{fact}".')
        missing = c.get("missing")
        if missing is not None and missing is not True:
            raise self.error(where, '"missing" can only be true.')
        return Condition(fact, is_, words("in"), number("below"), number("at_least"), number("above"),
                         words("matches_any"), missing)

    def consistency(self, drug: Drug) -> None:
        """Refuse limits that can never fire or contradict each other, and unsafe 'IV-ready' products."""
        # Every scenario a limit can meet: indication x population x renal status.
        for ind, pediatric, renal in itertools.product(drug.indications, (False, True), (None, *RENAL_STATUSES)):
            lims = drug.limits_for(ind.id, pediatric, renal)
            who = f"{ind.id}, {'pediatric' if pediatric else 'adult'}" + (f", renal {renal}" if renal else "")

            def strictest(check: str, bound: str, level: str, lims: tuple[Limit, ...] = lims) -> Limit | None:
                found = [x for x in lims if (x.check, x.bound, x.level) == (check, bound, level)]
                if not found:
                    return None
                pick = min if bound == "max" else max
                return pick(found, key=lambda x: x.value.to_base_units().magnitude)

            for check in _CHECK_DIMENSIONS:
                hmax, smax = strictest(check, "max", "hard"), strictest(check, "max", "soft")
                hmin, smin = strictest(check, "min", "hard"), strictest(check, "min", "soft")
                # A renal stop below a general warning is legitimate: the warning still serves other patients.
                if hmax and smax and not smax.value < hmax.value and hmax.renal == smax.renal:
                    raise self.error(f"limits ({who}, {check})",
                                     f"the soft maximum {smax.value:~P} is not below the hard maximum "
                                     f"{hmax.value:~P}, so it could never warn.")
                if hmin and smin and not smin.value > hmin.value and hmin.renal == smin.renal:
                    raise self.error(f"limits ({who}, {check})",
                                     f"the soft minimum {smin.value:~P} is not above the hard minimum "
                                     f"{hmin.value:~P}.")
                lows = [x for x in (hmin, smin) if x]
                highs = [x for x in (hmax, smax) if x]
                for lo in lows:
                    for hi in highs:
                        if not lo.value < hi.value:
                            raise self.error(f"limits ({who}, {check})",
                                             f"the minimum {lo.value:~P} is not below the maximum "
                                             f"{hi.value:~P}.")
            conc_max = strictest("concentration", "max", "hard")
            for p in drug.products:
                if p.iv_ready and conc_max and p.concentration > conc_max.value:
                    raise self.error(f"products ({p.id})",
                                     f"is marked iv_ready but its concentration is above the hard "
                                     f"maximum {conc_max.value:~P}.")
