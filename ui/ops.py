"""Slow work away from the UI thread, with the result (or the error, in words) back on the UI thread.

`run_in_thread` for work that needs the app's own objects (opening the store at start-up);
`run_in_process` for a one-shot helper: a `python -m <module>` child reads JSON on stdin and writes bytes on
stdout, so reportlab and pyHanko never load into the app and never hold its GIL. The app's PDF work goes to the
warm note worker instead (`infusiondesk_ui.warm_worker.run_note_job`: one long-lived child, same jobs).
While the screen is locked (`hold_results`), results wait and reach the screens only at unlock
(`release_results`), or are dropped at sign-out (`drop_held_results`): a preview asked for before the lock must
not open over the lock card. Work that only keeps data (`shows=False`) is never held.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QProcess, QThreadPool, Signal

from infusiondesk_ui.launch import worker_command

log = logging.getLogger("infusiondesk.ui")
_running: set[QProcess] = set()


class _ResultGate:
    """Holds UI-thread callbacks of background work while the screen is locked."""

    def __init__(self) -> None:
        self.held = False
        self.waiting: list[Callable[[], None]] = []

    def deliver(self, fn: Callable[[Any], None], value: Any, *, shows: bool = True) -> None:
        if self.held and shows:
            self.waiting.append(lambda: fn(value))
        else:
            fn(value)


_gate = _ResultGate()


def hold_results() -> None:
    """The screen locked: keep background results away from every screen until unlock or sign-out."""
    _gate.held = True


def results_held() -> bool:
    return _gate.held


def deliver(fn: Callable[[Any], None], value: Any) -> None:
    """Call `fn(value)` now, or at unlock while the screen is locked (dropped at sign-out), as background
    results are (for work that ended its own busy sign already: `infusiondesk_ui.operations.StoreOp`)."""
    _gate.deliver(fn, value)


def release_results() -> None:
    """The same person unlocked: deliver what arrived meanwhile, in the order it arrived."""
    _gate.held = False
    waiting, _gate.waiting = _gate.waiting, []
    for deliver in waiting:
        deliver()


def drop_held_results() -> int:
    """Signed out from the lock (or closed): what arrived meanwhile was for that person; drop it. Returns how
    many were dropped."""
    _gate.held = False
    dropped = len(_gate.waiting)
    _gate.waiting = []
    if dropped:
        log.info("dropped %d background result(s) that arrived while the screen was locked", dropped)
    return dropped


def settle_for_closing(timeout_ms: int) -> int:
    """The app is closing: let the thread-pool jobs already started end (a visit step being saved, a draft),
    take their outcomes in now, and drop what would have reached a screen (nobody will read it, and the session it
    was for is about to end). Returns how many results were dropped."""
    from PySide6.QtCore import QCoreApplication

    hold_results()
    QThreadPool.globalInstance().waitForDone(timeout_ms)
    if _bridge is not None:
        QCoreApplication.sendPostedEvents(_bridge)  # the jobs' queued reports, delivered (and held) here
    return drop_held_results()


class _Bridge(QObject):
    """The one object through which every thread-pool job reports: it lives on the UI thread, so its slots run
    there (queued). Jobs create no Qt object of their own: a QObject per job, made on the UI thread and released
    wherever the job's last reference happened to drop (a worker thread, or a garbage collection run inside one),
    is exactly the kind of cross-thread deletion that crashes Qt at some later, unrelated moment."""

    done = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self) -> None:
        super().__init__()
        self.done.connect(self._done)
        self.failed.connect(self._failed)

    def _done(self, token: int, result: Any) -> None:
        job = _waiting.pop(token)  # the job's closures are released here, on the UI thread
        _gate.deliver(job.on_done, result, shows=job.shows)

    def _failed(self, token: int, exc: Exception) -> None:
        job = _waiting.pop(token)
        _gate.deliver(job.on_error, exc, shows=job.shows)


class _Waiting:
    """A job's work and callbacks, held by `_waiting` (the UI thread's) until its result is delivered, so the
    last reference to whatever they capture (a screen, the store) is always dropped on the UI thread."""

    __slots__ = ("fn", "on_done", "on_error", "shows")

    def __init__(self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[Exception], None],
                 shows: bool) -> None:
        self.fn, self.on_done, self.on_error, self.shows = fn, on_done, on_error, shows


_waiting: dict[int, _Waiting] = {}
_tokens = itertools.count(1)
_bridge: _Bridge | None = None


def _work(token: int) -> None:
    """In a pool thread: run the job and report. The work is looked up, not held: the only reference this thread
    takes is the call's own, gone before the report, so nothing the job captured is released here."""
    bridge = _bridge
    assert bridge is not None
    try:
        result = _waiting[token].fn()
    except Exception as exc:  # reported on the UI thread, never lost
        bridge.failed.emit(token, exc)
    else:
        bridge.done.emit(token, result)


def running_jobs() -> int:
    """Thread-pool jobs whose result has not reached the UI thread yet (tests, and closing a window, wait for 0)."""
    return len(_waiting)


def run_in_thread(fn: Callable[[], Any], on_done: Callable[[Any], None],
                  on_error: Callable[[Exception], None], *, shows: bool = True) -> None:
    """Run `fn` in Qt's thread pool; `on_done(result)` or `on_error(exc)` run on the UI thread (held while the
    screen is locked unless `shows` is False). `fn` must not touch Qt objects: read the store, return data."""
    global _bridge
    if _bridge is None:
        _bridge = _Bridge()  # first use is on the UI thread (every caller is a screen)
    token = next(_tokens)
    _waiting[token] = _Waiting(fn, on_done, on_error, shows)
    QThreadPool.globalInstance().start(lambda: _work(token))


def run_in_process(module: str, job: dict[str, Any], on_done: Callable[[bytes], None],
                   on_error: Callable[[str], None], *, shows: bool = True) -> QProcess:
    """Run helper `module` in a child process (`python -m module`, or the frozen app's `_worker module`: see
    `infusiondesk_ui.launch.worker_command`), feed it `job` as JSON; `on_done(stdout)` or `on_error(sentence)`
    later (held while the screen is locked unless `shows` is False: storing a signed note must not wait for an
    unlock)."""
    proc = QProcess()
    _running.add(proc)
    reported = False

    def report(fn: Callable[[Any], None], value: Any) -> None:
        nonlocal reported
        if not reported:  # once: a child that cannot start reports an error and never finishes
            reported = True
            _gate.deliver(fn, value, shows=shows)

    def finished(code: int, status: QProcess.ExitStatus) -> None:
        _running.discard(proc)
        out = bytes(proc.readAllStandardOutput().data())
        err = bytes(proc.readAllStandardError().data()).decode("utf-8", "replace").strip()
        proc.deleteLater()
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            report(on_done, out)
        elif status == QProcess.ExitStatus.NormalExit and code == 2 and err:
            report(on_error, err.splitlines()[-1])
        else:  # a crash or a kill ends here too (the exit code then means nothing)
            log.error("%s failed (%s, status %s):\n%s", module, status.name, code, _without_messages(err))
            from infusiondesk.logs import unexpected_message

            report(on_error, unexpected_message())

    def could_not_run(error: QProcess.ProcessError) -> None:
        log.error("%s could not run: %s", module, error)
        if error == QProcess.ProcessError.FailedToStart:
            _running.discard(proc)
            report(on_error, "The note worker could not be started; nothing was lost. The details are in the log.")

    proc.finished.connect(finished)
    proc.errorOccurred.connect(could_not_run)
    proc.start(*worker_command(module))  # `python -m module`, or the frozen app's hidden `_worker module`
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
    """Wait for running children and the warm note worker's jobs, then end the warm worker (used when closing
    the app and by scripts)."""
    from infusiondesk_ui import warm_worker

    warm_worker.stop(timeout_ms)
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
