"""Records every store transaction the app's own code opens ON the GUI thread (the guard against store work
creeping back onto the UI thread). A test's own reads (`clinic.store...` in a test body) are not the app's and
are not recorded; what must stay on the GUI thread is allowed by name, each with its reason, in `ALLOWED`."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from infusiondesk.store.store import Store

UI_DIR = Path(__file__).resolve().parents[2] / "ui"
CORE_DIR = Path(__file__).resolve().parents[2] / "infusiondesk"

# "function name in ui/": why it must stay on the GUI thread.
ALLOWED: dict[str, str] = {}


def _app_caller() -> str | None:
    """The first frame outside the core that led to the store call: 'file:function' when it is the app's code,
    None when it is a test (or anything else) reading for itself."""
    frame = sys._getframe(2)
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if not path.is_relative_to(CORE_DIR) and "contextlib" not in path.name:
            if path.is_relative_to(UI_DIR):
                return f"{path.relative_to(UI_DIR)}:{frame.f_code.co_name}"
            return None
        frame = frame.f_back  # type: ignore[assignment]
    return None


@contextmanager
def store_calls_on_gui_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Yields the list the app's GUI-thread store transactions are appended to ('ui file:function')."""
    gui = threading.main_thread()
    seen: list[str] = []

    def watched(real: Callable[[Store], AbstractContextManager[Any]]) -> Callable[[Store], Any]:
        def transaction(self: Store) -> AbstractContextManager[Any]:
            if threading.current_thread() is gui:
                caller = _app_caller()
                if caller is not None and caller.split(":")[1] not in ALLOWED:
                    seen.append(caller)
            return real(self)

        return transaction

    monkeypatch.setattr(Store, "_read", watched(Store._read))
    monkeypatch.setattr(Store, "_write", watched(Store._write))
    yield seen
