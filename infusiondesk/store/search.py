"""Finding a patient from what the nurse types: a prefix of the family name, given name or MRN.

Names are kept lower-cased in key columns compared byte-wise, so "starts with" is an index range on
SQLite and PostgreSQL alike (LIKE would not use the index on either without extra set-up). Whatever is typed
is safe to search for: characters no database can hold (NUL and other controls, lone surrogates) separate
words, and the range's upper end is computed without stepping past U+10FFFF or into the surrogates.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, and_

from infusiondesk.records.models import PatientDetails
from infusiondesk.store import tables

KEY_MAX = 200     # the key columns' width; casefolding can lengthen a name ("ß" -> "ss"), so keys are cut here
QUERY_MAX = 500   # characters of a search considered (a pasted page finds what its first words find)


def search_key(text: str) -> str:
    """Lower-case, accents kept, spaces collapsed: 'O'Brien ' and "o'brien" match."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())[:KEY_MAX]


def _storable(text: str) -> str:
    """What was typed, with the characters no database stores (controls, lone surrogates) made spaces."""
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in text[:QUERY_MAX])


def patient_keys(p: PatientDetails) -> dict[str, str]:
    return {"mrn_key": search_key(p.mrn), "family_key": search_key(p.family_name),
            "given_key": search_key(p.given_name)}


def _after_prefix(prefix: str) -> str | None:
    """The smallest text above every text that starts with `prefix` (None when nothing is above them)."""
    stem = prefix.rstrip(chr(0x10FFFF))
    if not stem:
        return None
    following = ord(stem[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are never stored; UTF-8 orders U+E000 right after U+D7FF
        following = 0xE000
    return stem[:-1] + chr(following)


def _starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    upper = _after_prefix(prefix)
    return column >= prefix if upper is None else and_(column >= prefix, column < upper)


def search_conditions(text: str) -> list[tuple[ColumnElement[bool], tuple[Any, ...]]]:
    """(where, order by) pairs, each served by one index; the store merges their results."""
    c = tables.patients.c
    words = search_key(_storable(text).replace(",", " ")).split()
    if not words:
        return []
    if len(words) == 1:
        w = words[0]
        return [(_starts_with(c.family_key, w), (c.family_key, c.given_key)),
                (_starts_with(c.given_key, w), (c.given_key, c.family_key)),
                (_starts_with(c.mrn_key, w), (c.mrn_key,))]
    # "smith jo", "smith, jo" or "jo smith": the first word the family name and the rest the given name,
    # or the other way round; a family name with a space ("van der berg") is tried whole as well.
    first, rest = words[0], " ".join(words[1:])[:KEY_MAX]
    last, front = words[-1], " ".join(words[:-1])[:KEY_MAX]
    whole = " ".join(words)[:KEY_MAX]
    return [(and_(c.family_key == first, _starts_with(c.given_key, rest)), (c.family_key, c.given_key)),
            (and_(c.family_key == last, _starts_with(c.given_key, front)), (c.family_key, c.given_key)),
            (and_(_starts_with(c.family_key, first), _starts_with(c.given_key, rest)), (c.family_key, c.given_key)),
            (_starts_with(c.family_key, whole), (c.family_key, c.given_key))]
