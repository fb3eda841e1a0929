"""Package names that load on first use (PEP 562), so importing a light submodule never pays for a heavy one.

A package lists where each public name lives and calls `exports`:

    __getattr__, __dir__ = lazy.exports(__name__, {"Store": "infusiondesk.store.store"}, __all__)

(with the same names imported under TYPE_CHECKING, so type checkers and readers see them).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def exports(package: str, where: Mapping[str, str], names: Sequence[str]
            ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The package's `__getattr__` (import the module that defines a name when it is first asked for, and keep the
    name in the package) and its `__dir__`."""

    def getattr_(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        vars(sys.modules[package])[name] = value
        return value

    def dir_() -> list[str]:
        return sorted([*vars(sys.modules[package]), *names])

    return getattr_, dir_
