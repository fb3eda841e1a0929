"""A cache of drug libraries that passed every check, so `infusiondesk calc` and the app need not import pydantic
and re-run the checks for a file they have already checked.

The library is clinical data, so a cache entry is used only when all of these hold, else the file is checked in
full as if there were no cache (and the entry is written again):

- it was written for these exact bytes: its name and its content carry the SHA-256 of the library file as read
  now (the same bytes the checks would read: nothing is read twice);
- it was written by this checking code: the SHA-256 of the modules that read, decode and check a library (and of
  the unit definitions, pint's and pydantic's versions and Python's) is part of the key, so a change to any rule
  makes every entry stale, and a stale entry is never found (a frozen app: see `code_fingerprint`);
- it is the entry as written: its bytes carry an HMAC-SHA256 under a random key of this installation, kept in the
  same folder and readable by this user only, so an entry edited by hand, truncated, damaged or copied from
  another machine is refused (the checks then run).

Only a library without a single problem is cached; a refused file is checked (and refused with the same
sentences) every time. Someone who can write this user's files could as well change the library or the program:
the cache gives them nothing more. INFUSIONDESK_CACHE_DIR moves the folder (as for pint's cache);
INFUSIONDESK_LIBRARY_CACHE=0 turns the cache off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infusiondesk.drugs.monitoring import Monitoring, ToxicitySign
from infusiondesk.drugs.values import Condition, Drug, Indication, Limit, Product, ScreeningRule, Source
from infusiondesk.units import registry

FORMAT = 1
SWITCH = "INFUSIONDESK_LIBRARY_CACHE"
# The modules whose code decides whether a library passes and what it becomes (relative to the package folder).
CHECKING_CODE = (
    "drugs/library.py", "drugs/reading.py", "drugs/decoding.py", "drugs/schema.py", "drugs/checks.py",
    "drugs/values.py", "drugs/monitoring.py", "drugs/vocabulary.py", "drugs/problems.py", "drugs/checked_cache.py",
    "units.py", "records/statuses.py", "errors.py",
)
_CLASSES: dict[str, type] = {c.__name__: c for c in (Source, Product, Limit, Condition, ScreeningRule, Indication,
                                                     ToxicitySign, Monitoring)}
_NOT_KEPT = ("path", "provenance")  # where the file is and why it is in force: taken from the load, not the cache


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip() not in ("0", "no", "off", "false")


def folder() -> Path:
    base = os.environ.get("INFUSIONDESK_CACHE_DIR", "").strip()
    if base:
        return Path(base).expanduser() / "drug-library"
    from platformdirs import user_cache_path

    return user_cache_path("InfusionDesk", appauthor=False) / "drug-library"


def code_fingerprint() -> str | None:
    """SHA-256 of the checking code and what it stands on; None when that code cannot be read (no cache then).

    A frozen app carries its code inside its executable (~20 MB: hashing it would cost 30-80 ms of every start),
    and every build writes a new one: there the executable's path, size, inode and modification time stand for
    its code."""
    import pint

    h = hashlib.sha256(f"{FORMAT}|{sys.version}|pint {pint.__version__}|".encode())
    if getattr(sys, "frozen", False):
        try:
            st = os.stat(sys.executable)
        except OSError:
            return None
        h.update(f"frozen|{Path(sys.executable).resolve()}|{st.st_size}|{st.st_ino}|{st.st_mtime_ns}".encode())
        return h.hexdigest()
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.find_spec("pydantic")  # finds the package without importing it
    if spec is None or spec.origin is None:
        return None
    files = {name: root / name for name in CHECKING_CODE} | {"pydantic/version.py": Path(spec.origin).parent /
                                                            "version.py"}
    try:
        for name, f in files.items():
            h.update(name.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    except OSError:
        return None
    return h.hexdigest()


def _entry_path(library_sha: str, code: str) -> Path:
    return folder() / f"{hashlib.sha256(f'{library_sha}|{code}'.encode()).hexdigest()[:40]}.json"


def _key(create: bool) -> bytes | None:
    """This installation's HMAC key: 32 random bytes, made once, readable by this user only."""
    path = folder() / "key"
    try:
        data = path.read_bytes()
        return data if len(data) == 32 else None
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago: use theirs
        return _key(create=False)
    except OSError:
        return None
    key = os.urandom(32)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def _mac(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def load(raw: bytes, path: Path, provenance: str) -> Drug | None:
    """The checked Drug for these library bytes, or None: no entry, a stale, damaged or altered one, or no cache."""
    if not enabled():
        return None
    code = code_fingerprint()
    key = _key(create=False)
    if code is None or key is None:
        return None
    library_sha = hashlib.sha256(raw).hexdigest()
    try:
        mac, _, body = _entry_path(library_sha, code).read_bytes().partition(b"\n")
        if not hmac.compare_digest(mac.decode("ascii"), _mac(key, body)):
            return None
        entry = json.loads(body)
        if entry.get("format") != FORMAT or entry.get("library") != library_sha or entry.get("code") != code:
            return None
        drug = _decode(entry["drug"], path=path, provenance=provenance)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return drug if isinstance(drug, Drug) else None


def save(raw: bytes, drug: Drug) -> None:
    """Keep a Drug that passed every check, for these exact bytes. A cache that cannot be written is no cache."""
    if not enabled():
        return
    code = code_fingerprint()
    key = _key(create=True)
    if code is None or key is None:
        return
    library_sha = hashlib.sha256(raw).hexdigest()
    body = json.dumps({"format": FORMAT, "library": library_sha, "code": code, "drug": _encode(drug)},
                      separators=(",", ":"), allow_nan=False).encode()
    target = _entry_path(library_sha, code)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(_mac(key, body).encode() + b"\n" + body)
        os.replace(tmp, target)  # whole or not at all: a reader never sees half an entry
    except OSError:
        tmp.unlink(missing_ok=True)


def _encode(value: Any) -> Any:
    if isinstance(value, Drug):
        return {"$drug": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)
                          if f.name not in _NOT_KEPT}}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _CLASSES.get(name) is not type(value):
            raise TypeError(f"{name} is not a library value")
        return {"$": name, **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if isinstance(value, Mapping):
        return {"$map": {str(k): _encode(v) for k, v in value.items()}}
    if isinstance(value, str | bool | int | float) or value is None:
        return value
    if hasattr(value, "magnitude") and hasattr(value, "units"):  # a pint quantity: magnitude and unit exponents
        return {"$q": [value.magnitude, dict(value.unit_items())]}
    raise TypeError(f"{type(value).__name__} cannot be cached")


def _decode(value: Any, **drug_fields: Any) -> Any:
    if isinstance(value, list):
        raise ValueError("a bare list is never written")
    if not isinstance(value, dict):
        return value
    if "$drug" in value:
        return Drug(**{k: _decode(v) for k, v in value["$drug"].items()}, **drug_fields)
    if "$" in value:
        fields = {k: _decode(v) for k, v in value.items() if k != "$"}
        return _CLASSES[value["$"]](**fields)
    if "$tuple" in value:
        return tuple(_decode(v) for v in value["$tuple"])
    if "$map" in value:
        return {k: _decode(v) for k, v in value["$map"].items()}
    if "$q" in value:
        magnitude, units = value["$q"]
        if not isinstance(magnitude, int | float) or not isinstance(units, dict):
            raise ValueError("not a quantity")
        ureg = registry()
        unit = ureg.Unit("dimensionless")
        for name, exponent in units.items():
            unit = unit * ureg.Unit(name) ** exponent
        return ureg.Quantity(magnitude, unit)
    raise ValueError("an unknown value")
