"""The side-effect catalogue: coded types with CTCAE v5-style grades 1-5, loaded from cited data."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from infusiondesk.errors import LibraryError
from infusiondesk.resources import bundled

CATALOGUE_FILE = bundled("infusiondesk.workflow", "side_effects.toml")


@dataclass(frozen=True)
class SideEffectType:
    code: str
    name: str
    ctcae_term: str
    grades: tuple[int, ...]  # the grades this term allows
    definitions: Mapping[int, str]  # grade -> the definition shown to the user
    grading: str  # "term" (term-specific wording) | "generic" (CTCAE general grade definitions)
    source: str
    note: str = ""
    needs_description: bool = False  # "other": the notes must say what it was


@dataclass(frozen=True)
class SideEffectCatalogue:
    ctcae_version: str
    generic: Mapping[int, str]
    types: tuple[SideEffectType, ...]
    sources: Mapping[str, tuple[str, str]]  # id -> (title, url)

    def type(self, code: str) -> SideEffectType:
        for t in self.types:
            if t.code == code:
                return t
        known = ", ".join(t.code for t in self.types)
        from infusiondesk.workflow.errors import WorkflowError

        raise WorkflowError(f'Side effect "{code}" is not in the catalogue; choose one of: {known}.')

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.types)

    def definition(self, code: str, grade: int) -> str:
        return self.type(code).definitions[grade]


def _fail(what: str) -> LibraryError:
    return LibraryError(f"Side-effect catalogue {CATALOGUE_FILE}: {what}")


def parse_catalogue(data: Mapping[str, Any]) -> SideEffectCatalogue:
    if data.get("schema") != 1:
        raise _fail("needs `schema = 1`.")
    sources = {sid: (str(s.get("title", "")), str(s.get("url", ""))) for sid, s in data.get("sources", {}).items()}
    generic_table = data.get("generic_grades", {})
    generic = {int(k): str(v) for k, v in generic_table.items() if k != "source"}
    if sorted(generic) != [1, 2, 3, 4, 5]:
        raise _fail("[generic_grades] must define grades 1 to 5.")
    if generic_table.get("source") not in sources:
        raise _fail("[generic_grades] cites no source in [sources].")
    types = []
    for i, t in enumerate(data.get("types", [])):
        code = t.get("code")
        if not isinstance(code, str) or not code:
            raise _fail(f"types[{i}] has no code.")
        grades = tuple(t.get("grades", [1, 2, 3, 4, 5]))
        if not grades or any(g not in generic for g in grades):
            raise _fail(f"types[{i}] ({code}): grades must be among 1-5.")
        own = {int(k): str(v) for k, v in t.get("definitions", {}).items()}
        if any(g not in grades for g in own):
            raise _fail(f"types[{i}] ({code}): a definition is given for a grade the term does not allow.")
        if t.get("source") not in sources:
            raise _fail(f"types[{i}] ({code}): cites a source that is not in [sources].")
        grading = "term" if own and all(g in own for g in grades) else "generic"
        types.append(SideEffectType(
            code=code, name=str(t.get("name", code)), ctcae_term=str(t.get("ctcae_term", "")), grades=grades,
            definitions={g: own.get(g, generic[g]) for g in grades}, grading=grading, source=str(t["source"]),
            note=str(t.get("note", "")), needs_description=bool(t.get("needs_description", False))))
    codes = [t.code for t in types]
    if not types or len(set(codes)) != len(codes):
        raise _fail("[[types]] must list each side effect once.")
    return SideEffectCatalogue(str(data.get("ctcae_version", "")), generic, tuple(types), sources)


@lru_cache(maxsize=1)
def side_effect_catalogue() -> SideEffectCatalogue:
    """The bundled catalogue, loaded and validated once."""
    try:
        data = tomllib.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _fail(f"cannot be read ({exc}).") from None
    return parse_catalogue(data)
