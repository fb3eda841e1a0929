"""The drug library: data files with a citation per number, validated when loaded.

The names below load on first use (PEP 562), so `infusiondesk.drugs.location` (which file is in force) can be
imported without the library's values, pint and pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infusiondesk import lazy

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


__getattr__, __dir__ = lazy.exports(__name__, dict.fromkeys(__all__, "infusiondesk.drugs.library"), __all__)
