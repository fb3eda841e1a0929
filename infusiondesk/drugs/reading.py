"""Reading a library file defensively: it is edited by hand in a clinic, so a bad file must end in one
LibraryError sentence naming the file and the entry, never a traceback, a hang or a silent infinity."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from infusiondesk.errors import LibraryError

MAX_FILE_BYTES = 1024 * 1024   # the bundled library is ~40 KB; a 1 MiB file is not a drug library
MAX_DEPTH = 8                  # the schema nests 6 levels (screening > rule > when > condition > list > word)
MAX_QUANTITY_CHARS = 60
MAX_MAGNITUDE = 1e9            # no library number needs more than nine digits in its own unit

# A library quantity is a plain number and a unit, or a unit over a unit ("2 g", "150 mg/min", "246.47 g/mol").
# Checked before pint sees the text: pint evaluates expressions, so "9**9**9 g" would never finish.
_QUANTITY_RE = re.compile(
    r"^\s*-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]{1,3})?\s*[A-Za-zµ%]+(?:\s*/\s*[A-Za-zµ%]+){0,2}\s*$")


def read_library_text(path: Path) -> str:
    """The file's text: at most MAX_FILE_BYTES of UTF-8."""
    return library_text(path, read_library_bytes(path))


def read_library_bytes(path: Path) -> bytes:
    """The file's bytes: at most MAX_FILE_BYTES."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LibraryError(f"Drug library {path} is {size:,} bytes; a drug library is at most "
                               f"{MAX_FILE_BYTES:,} bytes (1 MiB). Check that this is the right file.")
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise LibraryError(f"Drug library {path} cannot be read: {exc.strerror or exc}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise LibraryError(f"Drug library {path} is more than {MAX_FILE_BYTES:,} bytes (1 MiB).")
    return data


def library_text(path: Path, data: bytes) -> str:
    """Bytes read by `read_library_bytes` as UTF-8 text, or a LibraryError naming the line and the entry."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise LibraryError(f"Drug library {path}: {_entry_at(data, exc.start)}line {line}: byte "
                           f"0x{data[exc.start]:02x} is not UTF-8 text; save the file as UTF-8.") from None


def _entry_at(data: bytes, offset: int) -> str:
    """The last table header before `offset` ("[[limits]] ", "[sources.x] "), to name the entry."""
    text = data[:offset].decode("utf-8", errors="replace")
    headers = re.findall(r"^\s*(\[\[?[^\]\n]+\]\]?)", text, flags=re.MULTILINE)
    return f"{headers[-1]} " if headers else ""


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    import tomllib  # when a file is checked; a library read back from the checked cache needs no TOML

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LibraryError(f"Drug library {path} is not valid TOML: {exc}.") from None
    except RecursionError:
        raise LibraryError(f"Drug library {path} nests arrays or tables too deeply to be a drug library.") from None
    _check_depth(path, data, 0, "")
    return data


def _check_depth(path: Path, value: Any, depth: int, where: str) -> None:
    if depth > MAX_DEPTH:
        raise LibraryError(f"Drug library {path}: {where or 'top level'}: nested more than {MAX_DEPTH} levels "
                           "deep; a drug library never needs that.")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_depth(path, v, depth + 1, f"{where}.{k}" if where else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_depth(path, v, depth + 1, f"{where}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise LibraryError(f"Drug library {path}: {where}: {value!r} is not a finite number.")


def quantity_text_problem(text: str) -> str | None:
    """Why a library quantity string is refused before parsing, or None if it may be parsed."""
    if len(text) > MAX_QUANTITY_CHARS:
        return f"is {len(text)} characters long; a quantity is a number and a unit, e.g. \"2 g\"."
    if not _QUANTITY_RE.match(text):
        return ("is not a number and a unit, e.g. \"2 g\" or \"150 mg/min\" (powers, expressions and other "
                "symbols are not accepted).")
    return None


def magnitude_problem(magnitude: float) -> str | None:
    if not math.isfinite(magnitude):
        return "is not a finite number."
    if abs(magnitude) > MAX_MAGNITUDE:
        return f"is absurdly large (more than {MAX_MAGNITUDE:,.0f} in its unit)."
    return None
