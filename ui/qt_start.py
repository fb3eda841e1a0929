"""A PySide6 start-up cost that a bare window does not pay, removed on import (the app's first import).

PySide6 checks every module imported after it for the text "PySide6" (its `__feature__` switch applies only to
modules that use it) by asking `inspect.getsource` for the module's whole source, through linecache, line by line:
for the ~80 modules the app imports before its window shows, 10-30 ms measured on this project's machines. The
same question is answered here by reading the file's bytes once. Only PySide6's private helper
`shibokensupport.feature._mod_uses_pyside` is replaced, with the same answer; a module that is not a readable .py
file is still asked of PySide6's own helper, and if a PySide6 release drops the helper nothing is changed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import PySide6.QtCore  # noqa: F401  (loads shibokensupport, whose helper is replaced below)

_MARK = "_infusiondesk_reads_bytes"


def _reading_bytes(pysides_own: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        return pysides_own(module)

    setattr(uses_pyside, _MARK, True)
    return uses_pyside


def read_module_sources_quickly() -> bool:
    """Replace PySide6's per-module source check (once); False when this PySide6 has no such helper."""
    feature = sys.modules.get("shibokensupport.feature")
    own = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(own):
        return False
    if not getattr(own, _MARK, False):
        feature._mod_uses_pyside = _reading_bytes(own)  # type: ignore[attr-defined]
    return True


read_module_sources_quickly()
