"""The rules a schema cannot say, run on the decoded library (drugs/decoding.py): quantities parse with pint and
have the right dimension, every cited source exists, screening tests fit their fact, limits do not contradict
each other. Every problem is collected; the Drug is built only from a file without any."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from pathlib import Path

from infusiondesk.drugs.decoding import DecodedLibrary, entry_label
from infusiondesk.drugs.monitoring import monitoring_from
from infusiondesk.drugs.problems import Problems, did_you_mean
from infusiondesk.drugs.reading import MAX_QUANTITY_CHARS, magnitude_problem, quantity_text_problem
from infusiondesk.drugs.schema import ConditionEntry, IndicationEntry, LimitEntry, ProductEntry, ScreeningEntry
from infusiondesk.drugs.values import Condition, Drug, Indication, Limit, Product, ScreeningRule, Source
from infusiondesk.drugs.vocabulary import (
    CHECK_DIMENSIONS,
    LIMIT_CHECKS,
    RENAL_STATUSES,
    SCREENING_FACTS,
    TESTS_BY_KIND,
)
from infusiondesk.units import Quantity, U, registry

# An NDC as printed: 10 digits in the 4-4-2, 5-3-2 or 5-4-1 configuration.
_NDC = re.compile(r"^(?=[\d-]{12}$)(\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1})$")


class LibraryChecks:
    """Builds the Drug from decoded entries, adding a problem for each rule broken."""

    def __init__(self, decoded: DecodedLibrary, raw: Mapping[str, object], problems: Problems) -> None:
        self.decoded = decoded
        self.raw = raw
        self.problems = problems
        self.sources = {sid: Source(sid, s.title, s.url) for sid, s in decoded.sources.items()}
        # A citation is checked only when [sources] decoded whole (else a missing id may be a bad entry's).
        raw_sources = self._raw_table("sources")
        self.sources_known = bool(raw_sources) and len(decoded.sources) == len(raw_sources)

    def _raw_table(self, key: str) -> Mapping[str, object]:
        table = self.raw.get(key)
        return table if isinstance(table, dict) else {}

    def add(self, where: str, message: str) -> None:
        self.problems.add(where, message)

    def cite(self, sid: str, where: str) -> str | None:
        if self.sources_known and sid not in self.sources:
            self.add(where, f'cites source "{sid}", which is not in [sources]{did_you_mean(sid, self.sources) or "."}')
            return None
        return sid

    def quantity(self, text: str, dim: str, where: str) -> Quantity | None:
        problem = quantity_text_problem(text)
        if problem:
            self.add(where, f'"{text[:MAX_QUANTITY_CHARS]}" {problem}')
            return None
        try:
            q = registry().Quantity(text)
        except Exception:
            self.add(where, f'"{text}" is not a quantity.')
            return None
        if not hasattr(q, "check") or not q.check(dim):
            self.add(where, f'"{text}" does not have the dimension {dim}.')
            return None
        problem = magnitude_problem(float(q.magnitude))
        if problem:
            self.add(where, f'"{text}" {problem}')
            return None
        if not float(q.magnitude) > 0:
            self.add(where, f'"{text}" must be more than zero.')
            return None
        return q

    def drug(self, path: Path, provenance: str) -> Drug | None:
        d = self.decoded
        if not self.raw.get("sources"):
            self.add("[sources]", "the library cites no sources; every number needs one.")
        if "drug" not in self.raw:
            self.add("[drug]", '"drug" is missing.')
        indications = self.indications(d.indications)
        products = {i: self.product(p, i) for i, p in d.products.items()}
        if not self.raw.get("products"):
            self.add("[[products]]", "the library lists no product.")
        ids = [p.id for p in d.products.values()]
        if len(set(ids)) != len(ids):
            self.add("[[products]]", "two products share an id.")
        known_indications = set(self._raw_table("indications"))
        limits = {i: self.limit(x, i, known_indications) for i, x in d.limits.items()}
        screening = {i: self.screening_rule(x, i) for i, x in d.screening.items()}
        codes = [r.code for r in d.screening.values()]
        if len(set(codes)) != len(codes):
            self.add("[[screening]]", "two screening rules share a code.")
        monitoring = monitoring_from(d.monitoring, "monitoring" in self.raw, self.cite, self.problems)
        molar_mass = elemental = None
        if d.drug is not None:
            for key in ("molar_mass_source", "valence_source", "elemental_molar_mass_source", "high_alert_source"):
                sid = getattr(d.drug, key)
                if sid is not None:
                    self.cite(sid, "[drug]")
            molar_mass = self.quantity(d.drug.molar_mass, "[mass] / [substance]", "[drug] molar_mass")
            elemental = self.quantity(d.drug.elemental_molar_mass, "[mass] / [substance]",
                                      "[drug] elemental_molar_mass")
        if self.problems or not d.complete or d.drug is None or molar_mass is None or elemental is None \
                or monitoring is None:
            return None
        drug = Drug(
            id=d.drug.id, name=d.drug.name, salt=d.drug.salt, molar_mass=molar_mass, valence=d.drug.valence,
            elemental_name=d.drug.elemental_name, elemental_molar_mass=elemental,
            products=tuple(p for p in products.values() if p is not None),
            limits=tuple(x for x in limits.values() if x is not None),
            indications=indications, sources=self.sources, path=path, provenance=provenance,
            screening=tuple(r for r in screening.values() if r is not None), monitoring=monitoring,
        )
        self.consistency(drug)
        return None if self.problems else drug

    def indications(self, table: Mapping[str, IndicationEntry]) -> tuple[Indication, ...]:
        if not self._raw_table("indications"):
            self.add("[indications]", "the library lists no indication.")
            return ()
        out = tuple(Indication(iid, t.name, t.default, t.note) for iid, t in table.items())
        if len(out) == len(self._raw_table("indications")) and sum(i.default for i in out) != 1:
            self.add("[indications]", "exactly one indication must have `default = true`.")
        return out

    def product(self, p: ProductEntry, i: int) -> Product | None:
        where = f"products[{i}] ({p.id})"
        before = len(self.problems.found)
        amount = volume = conc = None
        if p.concentration is not None:
            if p.amount is not None or p.volume is not None:
                self.add(where, "give either concentration, or amount and volume, not both.")
            conc = self.quantity(p.concentration, "[mass] / [length] ** 3", where)
            conc = conc.to(U("mg/mL")) if conc is not None else None
        elif p.amount is None or p.volume is None:
            self.add(where, "give either concentration, or amount and volume.")
        else:
            amount = self.quantity(p.amount, "[mass]", where)
            volume = self.quantity(p.volume, "[length] ** 3", where)
            conc = (amount / volume).to(U("mg/mL")) if amount is not None and volume is not None else None
        if not all(_NDC.match(n) for n in p.ndc):
            self.add(where, 'ndc must be a list of 10-digit NDCs written with hyphens, e.g. ["0409-6729-24"].')
        if p.ndc and p.ndc_source is None:
            self.add(where, '"ndc_source" is missing.')
        if p.ndc_source is not None:
            self.cite(p.ndc_source, where)
        self.cite(p.source, where)
        if len(self.problems.found) != before or conc is None:
            return None
        return Product(id=p.id, name=p.name, concentration=conc, iv_ready=p.iv_ready, source=p.source,
                       amount=amount, volume=volume, ndcs=tuple(p.ndc), ndc_source=p.ndc_source or "",
                       ndc_basis=p.ndc_basis)

    def limit(self, x: LimitEntry, i: int, indications: set[str]) -> Limit | None:
        where = entry_label("limits", i, x.model_dump())
        before = len(self.problems.found)
        if indications and x.indication != "*" and x.indication not in indications:
            self.add(where, f'indication "{x.indication}" is not in [indications]'
                            f'{did_you_mean(x.indication, indications) or "."}')
        value = self.quantity(x.value, CHECK_DIMENSIONS[x.check], where)
        if x.renal is not None and (not x.renal or not all(r in RENAL_STATUSES for r in x.renal)):
            self.add(where, f'renal must be a non-empty list of {", ".join(RENAL_STATUSES)}.')
        self.cite(x.source, where)
        if len(self.problems.found) != before or value is None:
            return None
        return Limit(x.check, x.bound, x.level, value, x.indication, x.population, x.source, x.basis,
                     tuple(x.renal) if x.renal is not None else None)

    def screening_rule(self, x: ScreeningEntry, i: int) -> ScreeningRule | None:
        where = f"screening[{i}] ({x.code})"
        before = len(self.problems.found)
        if not x.message.strip():
            self.add(where, "the message is empty.")
        for sid in x.source:
            self.cite(sid, where)
        conditions = tuple(self.condition(c, f"{where} when[{j}]") for j, c in enumerate(x.when))
        if len(self.problems.found) != before:
            return None
        return ScreeningRule(x.code, x.level, x.message, tuple(x.source), x.basis,
                             tuple(c for c in conditions if c is not None), x.match)

    def condition(self, c: ConditionEntry, where: str) -> Condition | None:
        kind = SCREENING_FACTS.get(c.fact)
        if kind is None:
            self.add(where, f'fact "{c.fact}" is not one of {", ".join(SCREENING_FACTS)}'
                            f'{did_you_mean(c.fact, SCREENING_FACTS) or "."}')
            return None
        given = {"is": c.is_, "in": c.in_, "below": c.below, "at_least": c.at_least, "above": c.above,
                 "matches_any": c.matches_any, "missing": c.missing}
        tests = [t for t, v in given.items() if v is not None]
        if not tests:
            self.add(where, "names a fact but no test (is, in, below, at_least, above, matches_any, missing).")
            return None
        allowed = TESTS_BY_KIND[kind]
        bad = [t for t in tests if t not in allowed]
        for t in bad:
            self.add(where, f'"{t}" cannot test the {kind} fact "{c.fact}"; use {", ".join(allowed)}.')
        for key, words in (("in", c.in_), ("matches_any", c.matches_any)):
            if words is not None and (not words or not all(w.strip() for w in words)):
                self.add(where, f'"{key}" must be a non-empty list of words.')
                bad.append(key)
        if c.is_ is not None and isinstance(c.is_, bool) != (kind == "bool"):
            self.add(where, f'"is" must be {"true or false" if kind == "bool" else "text"} for "{c.fact}".')
            bad.append("is")
        if c.missing is False:
            self.add(where, '"missing" can only be true.')
            bad.append("missing")
        if bad:
            return None
        return Condition(c.fact, c.is_, tuple(c.in_) if c.in_ is not None else None, c.below, c.at_least, c.above,
                         tuple(c.matches_any) if c.matches_any is not None else None, c.missing)

    def consistency(self, drug: Drug) -> None:
        """Refuse limits that can never fire or contradict each other, and unsafe 'IV-ready' products."""
        base: dict[int, float] = {}  # each limit's value in base units, converted once (not once per comparison)

        def in_base_units(x: Limit) -> float:
            if id(x) not in base:
                base[id(x)] = float(x.value.to_base_units().magnitude)
            return base[id(x)]

        # Every scenario a limit can meet: indication x population x renal status.
        for ind, pediatric, renal in itertools.product(drug.indications, (False, True), (None, *RENAL_STATUSES)):
            lims = drug.limits_for(ind.id, pediatric, renal)
            who = f"{ind.id}, {'pediatric' if pediatric else 'adult'}" + (f", renal {renal}" if renal else "")

            def strictest(check: str, bound: str, level: str, lims: tuple[Limit, ...] = lims) -> Limit | None:
                found = [x for x in lims if (x.check, x.bound, x.level) == (check, bound, level)]
                if not found:
                    return None
                pick = min if bound == "max" else max
                return pick(found, key=in_base_units)

            for check in LIMIT_CHECKS:
                where = f"limits ({who}, {check})"
                hmax, smax = strictest(check, "max", "hard"), strictest(check, "max", "soft")
                hmin, smin = strictest(check, "min", "hard"), strictest(check, "min", "soft")
                # A renal stop below a general warning is legitimate: the warning still serves other patients.
                if hmax and smax and not smax.value < hmax.value and hmax.renal == smax.renal:
                    self.add(where, f"the soft maximum {smax.value:~P} is not below the hard maximum "
                                    f"{hmax.value:~P}, so it could never warn.")
                if hmin and smin and not smin.value > hmin.value and hmin.renal == smin.renal:
                    self.add(where, f"the soft minimum {smin.value:~P} is not above the hard minimum "
                                    f"{hmin.value:~P}.")
                for lo in (x for x in (hmin, smin) if x):
                    for hi in (x for x in (hmax, smax) if x):
                        if not lo.value < hi.value:
                            self.add(where, f"the minimum {lo.value:~P} is not below the maximum {hi.value:~P}.")
            conc_max = strictest("concentration", "max", "hard")
            for p in drug.products:
                if p.iv_ready and conc_max and p.concentration > conc_max.value:
                    self.add(f"products ({p.id})", f"is marked iv_ready but its concentration is above the hard "
                                                   f"maximum {conc_max.value:~P}.")
