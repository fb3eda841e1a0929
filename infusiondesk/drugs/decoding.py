"""Decode a parsed library file into the declared schema (drugs/schema.py), entry by entry, turning each pydantic
error into a sentence that names the entry: `screening[3] (renal.unknown): unknown key "mach" — did you mean
"match"?`. An entry that does not decode is left out, so the checks after decoding still run on the others."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from infusiondesk.drugs.problems import Problems, closest, did_you_mean
from infusiondesk.drugs.schema import (
    DrugEntry,
    IndicationEntry,
    LibraryFile,
    LimitEntry,
    MonitoringEntry,
    ProductEntry,
    ScreeningEntry,
    SourceEntry,
)
from infusiondesk.drugs.vocabulary import either

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class DecodedLibrary:
    """The entries that decoded, keyed by their place in the file; `complete` when every one did."""

    drug: DrugEntry | None
    indications: Mapping[str, IndicationEntry]
    products: Mapping[int, ProductEntry]
    limits: Mapping[int, LimitEntry]
    monitoring: MonitoringEntry | None
    screening: Mapping[int, ScreeningEntry]
    sources: Mapping[str, SourceEntry]
    complete: bool


def decode_library(data: Mapping[str, Any], problems: Problems) -> DecodedLibrary:
    """Every section and entry decoded on its own; each problem found is added to `problems`."""
    before = len(problems.found)
    top = keys_of(LibraryFile)
    for key in data:
        if key not in top:
            problems.add("top level", unknown_key(key, top))
    drug = decode(DrugEntry, data["drug"], "[drug]", problems) if "drug" in data else None
    decoded = DecodedLibrary(
        drug=drug,
        indications=_decode_tables(IndicationEntry, data.get("indications", {}), "indications", problems),
        products=_decode_list(ProductEntry, data.get("products", []), "products", problems),
        limits=_decode_list(LimitEntry, data.get("limits", []), "limits", problems),
        monitoring=(decode(MonitoringEntry, data["monitoring"], "[monitoring]", problems)
                    if "monitoring" in data else None),
        screening=_decode_list(ScreeningEntry, data.get("screening", []), "screening", problems),
        sources=_decode_tables(SourceEntry, data.get("sources", {}), "sources", problems),
        complete=False,
    )
    return dataclasses.replace(decoded, complete=len(problems.found) == before)


def _decode_tables(model: type[M], raw: Any, section: str, problems: Problems) -> dict[str, M]:
    if not isinstance(raw, dict):
        problems.add(f"[{section}]", f"must be a table of [{section}.<id>] tables.")
        return {}
    out = {}
    for key, table in raw.items():
        entry = decode(model, table, f"[{section}.{key}]", problems)
        if entry is not None:
            out[key] = entry
    return out


def _decode_list(model: type[M], raw: Any, section: str, problems: Problems) -> dict[int, M]:
    if not isinstance(raw, list):
        problems.add(f"[[{section}]]", f"must be a list of [[{section}]] tables.")
        return {}
    out = {}
    for i, table in enumerate(raw):
        entry = decode(model, table, entry_label(section, i, table), problems)
        if entry is not None:
            out[i] = entry
    return out


def entry_label(section: str, index: int, table: Any) -> str:
    """How a problem names a list entry: its place, and its code or id when it has one."""
    where = f"{section}[{index}]"
    if isinstance(table, dict):
        if section == "limits":
            parts = [table.get(k) for k in ("check", "bound", "level", "indication", "population")]
            p = [x if isinstance(x, str) else "?" for x in parts]
            return f"{where} ({p[0]} {p[1]} {p[2]}, {p[3]}, {p[4]})"
        return where + _name(table)
    return where


def _name(table: Any) -> str:
    if isinstance(table, dict):
        for key in ("code", "id"):
            if isinstance(table.get(key), str) and table[key].strip():
                return f" ({table[key]})"
    return ""


def decode(model: type[M], raw: Any, where: str, problems: Problems) -> M | None:
    """`raw` as a `model`, or None with every problem added."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    found = [describe(model, raw, where, error) for error in errors]
    # `levle = "soft"` is one mistake: say the unknown key and its suggestion, not also that "level" is missing.
    suggested = {(f.where, f.suggestion) for f in found if f.kind == "extra_forbidden" and f.suggestion}
    for f in found:
        if not (f.kind == "missing" and (f.where, f.key) in suggested):
            problems.add(f.where, f.message)
    return None


def keys_of(model: type[BaseModel]) -> tuple[str, ...]:
    """The keys a table of this model may hold, as written in the file."""
    return tuple(info.alias or name for name, info in model.model_fields.items())


def unknown_key(key: str, known: tuple[str, ...]) -> str:
    hint = did_you_mean(key, known)
    return f'unknown key "{key}"{hint}' if hint else f'unknown key "{key}"; the keys are {", ".join(known)}.'


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if (info.alias or name) == key:
            return info
    return None


def _unwrap(tp: Any) -> Any:
    """Annotated[X, ...] -> X; X | None -> X."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType):
            members = [a for a in get_args(tp) if a is not type(None)]
            if len(members) != 1:
                return tp
            tp = members[0]
        else:
            return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


_TYPE_WORDS = {
    "string_type": "text", "bool_type": "true or false", "int_type": "a whole number",
    "int_from_float": "a whole number", "float_type": "a number", "list_type": "a list",
    "finite_number": "a finite number", "too_short": "not empty",
}
_UNION_WORDS = {str: "text", bool: "true or false", int: "a whole number", float: "a number", list: "a list"}


@dataclass(frozen=True)
class SchemaError:
    """One pydantic error in the file's words: the entry and key path (where), the key, and the sentence."""

    kind: str  # pydantic's error type: extra_forbidden, missing, literal_error, string_type...
    where: str
    key: str
    message: str
    suggestion: str | None = None  # for an unknown key: the declared key it is probably a slip for


def describe(model: type[BaseModel], raw: Any, where: str, error: ErrorDetails) -> SchemaError:
    """One pydantic error as a sentence naming the entry, with the key path as written in the file."""
    tp: Any = model
    node: Any = raw
    owner: type[BaseModel] = model
    key = ""
    info: FieldInfo | None = None
    loc = list(error["loc"])
    for n, part in enumerate(loc):
        tp = _unwrap(tp)
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            if n == len(loc) - 1:
                key = f"{key}[{part}]"
            else:
                where = f"{where} {key}[{part}]{_name(item)}"
            node, tp = item, (get_args(tp)[0] if get_args(tp) else Any)
        elif _is_model(tp):
            owner, key, info = tp, part, _field(tp, part)
            node = node.get(part) if isinstance(node, dict) else None
            tp = info.annotation if info is not None else Any
        # else: a union member's tag; the key stays the field's
    kind = error["type"]
    if kind == "extra_forbidden":
        known = keys_of(owner)
        return SchemaError(kind, where, key, unknown_key(key, known), closest(key, known))
    if kind == "missing":
        return SchemaError(kind, where, key, f'"{key}" is missing.')
    if not key:
        whole = "must be a table." if kind in ("model_type", "dict_type") else f"{error['msg']}."
        return SchemaError(kind, where, key, whole)
    declared = _unwrap(info.annotation) if info is not None else Any
    if kind == "literal_error" and get_origin(declared) is Literal:
        allowed = tuple(str(a) for a in get_args(declared))
        given = error["input"]
        shown = f'"{given}"' if isinstance(given, str) else repr(given)
        hint = did_you_mean(given, allowed) if isinstance(given, str) else ""
        rule = f"must be {either(allowed)}" if len(allowed) <= 2 else f"is not one of {', '.join(allowed)}"
        return SchemaError(kind, where, key, f"{key} {shown} {rule}{hint or '.'}")
    if info is not None and info.description:
        return SchemaError(kind, where, key, f'"{key}" must be {info.description}.')
    if get_origin(declared) in (Union, types.UnionType):
        words = tuple(_UNION_WORDS.get(get_origin(a) or a, str(a)) for a in get_args(declared)
                      if a is not type(None))
        return SchemaError(kind, where, key, f'"{key}" must be {either(words)}.')
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return SchemaError(kind, where, key, f'"{key}" must be a table.')
    return SchemaError(kind, where, key, f'"{key}" must be {_TYPE_WORDS.get(kind, error["msg"].lower())}.')
