"""The drug library: data files with a citation per number, validated when loaded.

The names below load on first use (PEP 562), so `infusiondesk.drugs.location` (which file is in force) can be
imported without the library's values, pint and pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infusiondesk.drugs.library import (
        Drug,
        Limit,
        Monitoring,
        Product,
        Source,
        ToxicitySign,
        library_path,
        load_drug,
    )

__all__ = ["Drug", "Limit", "Monitoring", "Product", "Source", "ToxicitySign", "library_path", "load_drug"]


def __getattr__(name: str) -> Any:
    """Import the library module when one of its names is first asked for, and keep the name here."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("infusiondesk.drugs.library"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
