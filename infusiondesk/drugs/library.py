"""Load and validate a drug library file (TOML) into frozen values.

The file's schema is declared (drugs/schema.py) and decoded with pydantic (drugs/decoding.py); the rules a schema
cannot say run after decoding (drugs/checks.py). A malformed or self-contradictory file is a LibraryError naming
the file and every bad entry, raised at start-up rather than as a crash in the middle of a visit.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from infusiondesk.drugs.location import BUNDLED_DIR, ENV_VAR, library_path
from infusiondesk.drugs.monitoring import Monitoring, ToxicitySign
from infusiondesk.drugs.problems import LibraryFileErrors, LibraryProblem, Problems
from infusiondesk.drugs.reading import library_text, parse_toml, read_library_bytes, read_library_text
from infusiondesk.drugs.values import Condition, Drug, Indication, Limit, Product, ScreeningRule, Source
from infusiondesk.drugs.vocabulary import RENAL_STATUSES, SCREENING_FACTS, SCREENING_LEVELS
from infusiondesk.errors import LibraryError

__all__ = [
    "BUNDLED_DIR",
    "ENV_VAR",
    "RENAL_STATUSES",
    "SCREENING_FACTS",
    "SCREENING_LEVELS",
    "Condition",
    "Drug",
    "Indication",
    "LibraryFileErrors",
    "LibraryProblem",
    "Limit",
    "Monitoring",
    "Product",
    "ScreeningRule",
    "Source",
    "ToxicitySign",
    "library_path",
    "load_drug",
    "parse_library",
]


@lru_cache(maxsize=8)
def _load_cached(path: Path, provenance: str, mtime: float) -> Drug:
    """One read of the file; the checked Drug from the cache of checked libraries when it holds one for exactly
    these bytes and this checking code (drugs/checked_cache.py), else every check, and the result kept."""
    from infusiondesk.drugs import checked_cache

    raw = read_library_bytes(path)
    drug = checked_cache.load(raw, path, provenance)
    if drug is None:
        drug = check_library(path, provenance, library_text(path, raw))
        checked_cache.save(raw, drug)
    return drug


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
    """Read (size-limited, UTF-8, depth-limited, finite numbers only), decode into the declared schema and check
    one library file. Every problem found is reported at once, in one LibraryFileErrors (a LibraryError)."""
    return check_library(path, provenance, read_library_text(path))


def check_library(path: Path, provenance: str, text: str) -> Drug:
    """Every check of `parse_library` on a file's text already read."""
    # pydantic (the schema) is imported when a file is checked, not by everything that imports the drug's values
    from infusiondesk.drugs.checks import LibraryChecks
    from infusiondesk.drugs.decoding import decode_library

    data = parse_toml(path, text)
    if data.get("schema") != 1:  # another version's file: its other problems would only be noise
        raise LibraryFileErrors(path, [LibraryProblem("schema", "this file needs `schema = 1`.")])
    problems = Problems(path)
    drug = LibraryChecks(decode_library(data, problems), data, problems).drug(path, provenance)
    problems.raise_if_any(sections=list(data))
    assert drug is not None  # a file without problems always builds its Drug
    return drug
