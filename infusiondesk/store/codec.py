"""The records' frozen values to JSON and back, driven by their type hints.

A visit is stored as one JSON document (plus a few indexed columns) so the record vocabulary can grow
by adding defaulted fields without a migration: unknown keys are ignored and missing keys take defaults.
"""

from __future__ import annotations

import dataclasses
import enum
import gc
import json
import types
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")
Decoder = Callable[[Any], Any]


_SCALARS = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def to_plain(value: Any) -> Any:
    """A frozen value as JSON-ready dicts, lists, strings and numbers (datetimes in UTC ISO 8601)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {str(k): to_plain(v) for k, v in value.items()}
    if kind is tuple or kind is list:
        return [to_plain(v) for v in value]
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(kind):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    if names is not None:
        return {name: to_plain(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    return value


def dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, so equal content always hashes the same."""
    return json.dumps(to_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def from_plain(cls: type[T], data: Any) -> T:
    """Rebuild a frozen value of `cls` from `to_plain` output. Takes ownership of `data`: its dicts become
    the values' storage, so pass freshly parsed JSON, not a dict still in use."""
    result: T = _decoder(cls)(data)  # type: ignore[arg-type]  # classes are hashable
    return result


@contextmanager
def bulk_decoding() -> Iterator[None]:
    """Pause the cyclic garbage collector while thousands of small records are built (opening a patient
    with a thousand visits): the objects are all live, so collections find nothing and cost a third of the
    time. Reference counting still frees memory; the collector is restored even on error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def loads(cls: type[T], text: str) -> T:
    return from_plain(cls, json.loads(text))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_datetime(text: Any) -> datetime:
    """ISO 8601 text, or a datetime already read from a column."""
    moment = text if isinstance(text, datetime) else datetime.fromisoformat(text)
    return moment if moment.tzinfo is UTC else _utc(moment)


def _identity(value: Any) -> Any:
    return value


@cache
def _decoder(tp: Any) -> Decoder:
    """One decoding function per type, built once: decoding a thousand visits stays fast."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(inner) == 1:
            dec = _decoder(inner[0])
            if isinstance(inner[0], type) and dataclasses.is_dataclass(inner[0]):  # `{}`: an empty old-form value
                return lambda v: dec(v) if v else None
            return _identity if dec is _identity else (lambda v: None if v is None else dec(v))
        return _identity
    if origin is tuple:
        item = _decoder(typing.get_args(tp)[0])
        return lambda v: tuple(item(x) for x in v)
    if origin is dict or tp is Any:
        return _identity
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        members = {m.value: m for m in tp}  # a dict lookup is far cheaper than Enum.__call__
        return lambda v: members[v] if v in members else tp(v)
    if tp is datetime:
        return parse_datetime
    if tp is date:
        return date.fromisoformat
    return _identity  # str, int, float (JSON keeps 70.0 a float), bool


def _dataclass_decoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(cls) if f.init]
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        return lambda data: cls(**{name: dec(data[name]) for name, dec in fields if name in data})
    # Records are plain frozen dataclasses: fill the instance's __dict__ directly (frozen __init__ costs a
    # setattr per field, which dominates opening a patient with a thousand visits).
    defaults = {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}
    factories = [(f.name, f.default_factory) for f in dataclasses.fields(cls)
                 if f.default_factory is not dataclasses.MISSING]
    required = {f.name for f in dataclasses.fields(cls)} - defaults.keys() - {n for n, _ in factories}
    new = object.__new__
    names = frozenset(name for name, _ in fields)
    converted = [(name, dec) for name, dec in fields if dec is not _identity]

    def decode(data: Any) -> Any:
        # The freshly parsed dict becomes the value's storage (no copy) unless it holds unknown keys.
        values = data if data.keys() <= names else {k: v for k, v in data.items() if k in names}
        for name, dec in converted:
            if name in values:
                values[name] = dec(values[name])
        if len(values) != len(fields):
            missing = required - values.keys()
            if missing:
                raise TypeError(f"{cls.__name__} is missing {sorted(missing)}")
            for name, factory in factories:
                if name not in values:
                    values[name] = factory()
            values = {**defaults, **values}
        obj: Any = new(cls)
        object.__setattr__(obj, "__dict__", values)
        return obj

    return decode
