"""The billing codes file's schema, declared (like the drug library's): unknown keys and wrong types refused,
every error of the file reported at once, and every `source` must name a listed source."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


class Entry(BaseModel):
    """A table of the codes file: unknown keys refused, no coercion ("30" is not a number), immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


SourceIds = Annotated[list[str], BeforeValidator(_one_or_many), Field(min_length=1)]


class SourceEntry(Entry):
    title: str
    url: str


class InfusionTimeEntry(Entry):
    """`[infusion_time]`: the CPT time rule for the initial hour and each additional hour."""

    initial_code: str
    additional_code: str
    push_code: str
    push_max_minutes: int = Field(ge=0)
    initial_hour_minutes: int = Field(gt=0)
    additional_hour_minutes: int = Field(gt=0)
    additional_more_than_minutes: int = Field(ge=0)
    source: SourceIds


class DrugUnitsEntry(Entry):
    """`[drug_units]`: the drug's HCPCS code, the amount one unit stands for, and how part units round."""

    code: str
    mg_per_unit: int = Field(gt=0)
    rounding: Literal["up"]
    source: SourceIds


class CodeEntry(Entry):
    code: str = Field(min_length=1)
    description: str = Field(min_length=1)
    source: SourceIds


class CodesFile(Entry):
    sources: dict[str, SourceEntry]
    infusion_time: InfusionTimeEntry
    drug_units: DrugUnitsEntry
    procedure: list[CodeEntry]
    diagnosis: list[CodeEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_and_codes_exist(self) -> CodesFile:
        problems: list[str] = []
        cited = [(f"procedure {p.code}", p.source) for p in self.procedure]
        cited += [(f"diagnosis {d.code}", d.source) for d in self.diagnosis]
        cited += [("infusion_time", self.infusion_time.source), ("drug_units", self.drug_units.source)]
        for where, ids in cited:
            problems += [f"{where} cites source {s!r}, which is not in [sources]" for s in ids if s not in self.sources]
        known = {p.code for p in self.procedure}
        t = self.infusion_time
        for code in (t.initial_code, t.additional_code, t.push_code, self.drug_units.code):
            if code not in known:
                problems.append(f"code {code!r} is used by a rule but has no [[procedure]] entry")
        for kind, entries in (("procedure", self.procedure), ("diagnosis", self.diagnosis)):
            codes = [e.code for e in entries]
            problems += [f"{kind} {c} is listed twice" for c in sorted({c for c in codes if codes.count(c) > 1})]
        if problems:
            raise ValueError("; ".join(problems))
        return self
