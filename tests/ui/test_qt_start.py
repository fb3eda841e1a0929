"""PySide6's check of each imported module for "PySide6" is answered from the file's bytes (qt_start): the same
answer as PySide6's own, which reads the source through inspect, line by line."""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from types import ModuleType

import infusiondesk_ui.app  # noqa: F401  (the app's first import installs it)
from infusiondesk_ui import qt_start


def _feature() -> ModuleType:
    return sys.modules["shibokensupport.feature"]


def test_the_quicker_check_gives_pysides_answer() -> None:
    check = _feature()._mod_uses_pyside
    assert getattr(check, qt_start._MARK)
    for name in ("infusiondesk_ui.app", "infusiondesk_ui.views.signin", "json", "infusiondesk.units",
                 "infusiondesk.store.peek"):
        module = importlib.import_module(name)
        assert check(module) == ("PySide6" in inspect.getsource(module)), name
    assert check(importlib.import_module("infusiondesk_ui.app")) is True
    assert check(json) is False
    assert check(sys) is False  # no source file: PySide6's own helper answers


def test_installing_it_again_does_not_wrap_it_twice() -> None:
    before = _feature()._mod_uses_pyside
    assert qt_start.read_module_sources_quickly() is True
    assert _feature()._mod_uses_pyside is before
