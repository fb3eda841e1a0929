"""Work off the UI thread: run a function in the thread pool and get its result (or error) back on the
UI thread. Screens call `run_in_background` for anything slower than ~100 ms (opening the database,
large searches, building and signing PDFs), showing a progress indication meanwhile."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("infusiondesk.ui")
_alive: set[_Job] = set()


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.setAutoDelete(False)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported on the UI thread, never lost
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[Exception], None] | None = None) -> _Job:
    """Run `fn` in the global thread pool; `on_done(result)` or `on_error(exc)` run on the UI thread."""
    job = _Job(fn)
    _alive.add(job)

    def finish(result: Any) -> None:
        _alive.discard(job)
        on_done(result)

    def fail(exc: Exception) -> None:
        _alive.discard(job)
        if on_error is not None:
            on_error(exc)
        else:
            log.error("background work failed", exc_info=exc)

    job.signals.done.connect(finish)
    job.signals.failed.connect(fail)
    QThreadPool.globalInstance().start(job)
    return job


def user_message(exc: Exception) -> str:
    """A domain error's own sentence; anything else is logged (no patient data) and summarised."""
    from infusiondesk.errors import DomainError

    if isinstance(exc, DomainError):
        return exc.message
    log.error("unexpected error", exc_info=exc)
    return "Something went wrong; nothing was lost. The details are in the log."
