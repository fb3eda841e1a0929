"""The billing codes and rules, read once from infusiondesk/data/billing_codes.toml (see that file's sources)."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from infusiondesk.errors import DomainError
from infusiondesk.resources import bundled


class BillingCodesError(DomainError):
    """The billing codes file is missing or wrong: every problem in one sentence."""


@dataclass(frozen=True)
class Code:
    code: str
    description: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class HourRule:
    """CPT's infusion time rule: up to `push_max` minutes is a push; then the initial code covers the first
    `initial_hour` minutes; each further `additional_hour` is billed when more than `more_than` minutes of it ran."""

    initial_code: str
    additional_code: str
    push_code: str
    push_max: int
    initial_hour: int
    additional_hour: int
    more_than: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DrugUnitRule:
    code: str
    mg_per_unit: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class BillingCodes:
    procedures: dict[str, Code]
    diagnoses: dict[str, Code]  # in the order the assessment offers them
    hours: HourRule
    drug_units: DrugUnitRule
    sources: dict[str, tuple[str, str]]  # id -> (title, url)

    def procedure(self, code: str) -> Code:
        return self.procedures[code]

    def diagnosis(self, code: str) -> Code:
        """The listed diagnosis, or one sentence naming the choices."""
        found = self.diagnoses.get(code.strip().upper())
        if found is None:
            raise DomainError(f"Diagnosis code {code!r} is not one the clinic bills; choose one of "
                              f"{', '.join(self.diagnoses)}.")
        return found


def default_path() -> Path:
    return bundled("infusiondesk", "data", "billing_codes.toml")


def read_billing_codes(path: Path) -> BillingCodes:
    """Decode and check a codes file; every problem reported at once in a BillingCodesError."""
    from pydantic import ValidationError

    from infusiondesk.billing.schema import CodesFile

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BillingCodesError(f"The billing codes file {path} cannot be read ({exc}).") from None
    try:
        f = CodesFile.model_validate(raw)
    except ValidationError as exc:
        found = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors())
        raise BillingCodesError(f"The billing codes file {path} has problems: {found}.") from None

    def code(e: object) -> Code:
        assert hasattr(e, "code") and hasattr(e, "description") and hasattr(e, "source")
        return Code(e.code, e.description, tuple(e.source))

    t, u = f.infusion_time, f.drug_units
    return BillingCodes(
        procedures={p.code: code(p) for p in f.procedure},
        diagnoses={d.code: code(d) for d in f.diagnosis},
        hours=HourRule(t.initial_code, t.additional_code, t.push_code, t.push_max_minutes, t.initial_hour_minutes,
                       t.additional_hour_minutes, t.additional_more_than_minutes, tuple(t.source)),
        drug_units=DrugUnitRule(u.code, u.mg_per_unit, tuple(u.source)),
        sources={k: (s.title, s.url) for k, s in f.sources.items()},
    )


@functools.cache
def billing_codes() -> BillingCodes:
    """The shipped codes file, read once."""
    return read_billing_codes(default_path())
