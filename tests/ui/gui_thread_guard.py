"""Records every store transaction the app's own code opens ON the GUI thread (the guard against store work
creeping back onto the UI thread). A test's own reads (`clinic.store...` in a test body) are not the app's and
are not recorded. Every UI test runs under it (`tests/ui/conftest.py`, autouse): a screen that reads or writes
the store on the GUI thread fails whichever test drives it."""

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

# A store call is allowed on the GUI thread when one of these app functions ("file:function" in ui/) led to it,
# each for the reason given.
ALLOWED: dict[str, str] = {
    "app.py:closeEvent": "the app is closing: the drafts and the sign-out are waited for (nothing is left to keep "
                         "responsive, and a worker could outlive the window)",
}


def _app_chain() -> list[str]:
    """The app's frames ('file:function' in ui/, innermost first) that led to the store call; empty when no app
    code did (a test reading for itself)."""
    chain: list[str] = []
    frame = sys._getframe(2)
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if path.is_relative_to(UI_DIR):
            chain.append(f"{path.relative_to(UI_DIR)}:{frame.f_code.co_name}")
        elif not path.is_relative_to(CORE_DIR) and "contextlib" not in path.name and not chain:
            return []  # the first frame outside the core is a test's (or a library's): not the app's call
        frame = frame.f_back  # type: ignore[assignment]
    return chain


@contextmanager
def store_calls_on_gui_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Yields the list the app's GUI-thread store transactions are appended to ('ui file:function', the innermost
    app function), leaving out those an `ALLOWED` function led to."""
    gui = threading.main_thread()
    seen: list[str] = []

    def watched(real: Callable[[Store], AbstractContextManager[Any]]) -> Callable[[Store], Any]:
        def transaction(self: Store) -> AbstractContextManager[Any]:
            if threading.current_thread() is gui:
                chain = _app_chain()
                if chain and not any(step in ALLOWED for step in chain):
                    seen.append(chain[0])
            return real(self)

        return transaction

    monkeypatch.setattr(Store, "_read", watched(Store._read))
    monkeypatch.setattr(Store, "_write", watched(Store._write))
    yield seen
