"""Slow work away from the UI thread, with the result (or the error, in words) back on the UI thread.

`run_in_thread` for work that needs the app's own objects (opening the store at start-up);
`run_in_process` for PDF building and signing: a `python -m <module>` child reads JSON on stdin and
writes bytes on stdout, so reportlab and pyHanko never load into the app and never hold its GIL.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QProcess, QRunnable, QThreadPool, Signal

log = logging.getLogger("infusiondesk.ui")
_running: set[QProcess] = set()


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


_jobs: set[_Job] = set()


def run_in_thread(fn: Callable[[], Any], on_done: Callable[[Any], None],
                  on_error: Callable[[Exception], None]) -> None:
    """Run `fn` in Qt's thread pool; `on_done(result)` or `on_error(exc)` run on the UI thread."""
    job = _Job(fn)
    _jobs.add(job)

    def finish(result: Any) -> None:
        _jobs.discard(job)
        on_done(result)

    def fail(exc: Exception) -> None:
        _jobs.discard(job)
        on_error(exc)

    job.signals.done.connect(finish)
    job.signals.failed.connect(fail)
    QThreadPool.globalInstance().start(job)


def run_in_process(module: str, job: dict[str, Any], on_done: Callable[[bytes], None],
                   on_error: Callable[[str], None]) -> QProcess:
    """Run `python -m module`, feed it `job` as JSON; `on_done(stdout)` or `on_error(sentence)` later."""
    proc = QProcess()
    _running.add(proc)

    def finished(code: int, _status: QProcess.ExitStatus) -> None:
        _running.discard(proc)
        out = bytes(proc.readAllStandardOutput().data())
        err = bytes(proc.readAllStandardError().data()).decode("utf-8", "replace").strip()
        proc.deleteLater()
        if code == 0:
            on_done(out)
        elif code == 2 and err:
            on_error(err.splitlines()[-1])
        else:
            log.error("%s failed with status %s:\n%s", module, code, _without_messages(err))
            from infusiondesk.logs import unexpected_message

            on_error(unexpected_message())

    proc.finished.connect(finished)
    proc.errorOccurred.connect(lambda e: log.error("%s could not run: %s", module, e))
    proc.start(sys.executable, ["-m", module])
    proc.write(QByteArray(json.dumps(job).encode()))
    proc.closeWriteChannel()
    return proc


def _without_messages(stderr: str) -> str:
    """A child's traceback with its exception messages cut: they can quote patient data (see infusiondesk.logs)."""
    kept = []
    for line in stderr.splitlines():
        if line.startswith(("Traceback", "  File ", "    ")):
            kept.append(line)
        elif re.match(r"[A-Za-z_][\w.]*(:|$)", line):
            kept.append(f"{line.split(':', 1)[0]} (message not logged)")
    return "\n".join(kept[-80:])


def wait_all(timeout_ms: int = 60_000) -> None:
    """Wait for running children (used when closing the app and by scripts)."""
    for proc in list(_running):
        proc.waitForFinished(timeout_ms)


def user_message(exc: Exception) -> str:
    """A domain error's own sentence; anything else is logged (type and traceback, no patient data) and
    summarised with the log file's path."""
    from infusiondesk import logs
    from infusiondesk.errors import DomainError

    if isinstance(exc, DomainError):
        return exc.message
    return logs.unexpected(exc, "the app")
