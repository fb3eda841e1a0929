"""The app's side of the warm note worker (`infusiondesk_ui.note_server`): one long-lived child per signed-in
person, started at the first PDF job, answering jobs one after another in the order they were asked.

Why: a one-shot child (`ops.run_in_process`) imports reportlab, pyHanko, SQLAlchemy, pint and the drug library
at every preview, print and signature, seconds on a busy machine. Each job's `on_done(bytes)` or
`on_error(sentence)` fires exactly once, through the lock screen's result gate like every background result.
If the child dies (a crash, a kill -9), the job in flight reports one sentence and the next job starts a new
child; the child stores nothing, so a signature is saved only by the app once its signed note is back.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QByteArray, QProcess

from infusiondesk_ui import ops
from infusiondesk_ui.launch import worker_command

log = logging.getLogger("infusiondesk.ui")
SERVER = "infusiondesk_ui.note_server"
DIED = "The note worker stopped before it finished; nothing was lost. The details are in the log."
NOT_STARTED = "The note worker could not be started; nothing was lost. The details are in the log."
CLOSED = "The app closed before the note worker finished; nothing was lost."
SIGNED_OUT = "Not shown: the person who asked for it signed out; nothing was lost."
_STDERR_KEPT = 16_000  # the end of the child's stderr, logged (without messages) if it dies


@dataclass(eq=False)
class NoteJob:
    """One job asked of the warm worker; `kill()` kills the worker if it is running this job (tests' kill -9)."""

    job: dict[str, Any]
    on_done: Callable[[bytes], None]
    on_error: Callable[[str], None]
    shows: bool
    worker: WarmWorker
    reported: bool = field(default=False)

    def report(self, fn: Callable[[Any], None], value: Any) -> None:
        if not self.reported:
            self.reported = True
            ops._gate.deliver(fn, value, shows=self.shows)

    def kill(self) -> None:
        if self.worker.current is self and self.worker.proc is not None:
            self.worker.proc.kill()


class WarmWorker:
    """One warm note worker and its queue of jobs; `starts` counts the child processes it started."""

    def __init__(self) -> None:
        self.proc: QProcess | None = None
        self.queue: deque[NoteJob] = deque()
        self.current: NoteJob | None = None
        self.starts = 0
        self.stopping = False
        self.signed_out = False
        self._out = bytearray()
        self._err = bytearray()

    def submit(self, job: dict[str, Any], on_done: Callable[[bytes], None], on_error: Callable[[str], None],
               *, shows: bool = True) -> NoteJob:
        item = NoteJob(job, on_done, on_error, shows, self)
        if self.stopping:
            item.report(on_error, CLOSED)
            return item
        self.queue.append(item)
        self._next()
        return item

    def pid(self) -> int | None:
        """The running child's process id, if one runs."""
        return int(self.proc.processId()) if self.proc is not None else None

    # --- the child ----------------------------------------------------------------------------------
    def _start(self) -> QProcess:
        proc = QProcess()
        proc.readyReadStandardOutput.connect(lambda: self._read(proc))
        proc.readyReadStandardError.connect(lambda: self._keep_stderr(proc))
        proc.finished.connect(lambda code, status: self._ended(proc, f"{status.name}, status {code}"))
        proc.errorOccurred.connect(lambda error: self._could_not_run(proc, error))
        self.proc, self._out, self._err = proc, bytearray(), bytearray()
        self.starts += 1
        proc.start(*worker_command(SERVER))  # `python -m …note_server`, or the frozen app's `_worker …note_server`
        return proc

    def _next(self) -> None:
        """Send the next queued job once the worker is free."""
        if self.current is not None or not self.queue or self.stopping:
            return
        self.current = self.queue.popleft()
        proc = self.proc if self.proc is not None else self._start()
        proc.write(QByteArray(json.dumps(self.current.job).encode() + b"\n"))

    def _read(self, proc: QProcess) -> None:
        self._out += bytes(proc.readAllStandardOutput().data())
        while self.current is not None:
            header, newline, rest = self._out.partition(b"\n")
            if not newline:
                return
            status, _, size = header.decode("ascii", "replace").partition(" ")
            if not size.isdigit():  # not an answer: something else wrote into the pipe; this child cannot be trusted
                log.error("the note worker wrote something that is not an answer; it is stopped")
                proc.kill()
                return
            length = int(size)
            if len(rest) < length:
                return
            body, self._out = bytes(rest[:length]), bytearray(rest[length:])
            job, self.current = self.current, None
            if self.signed_out and job.shows:
                job.report(job.on_error, SIGNED_OUT)
            elif status == "ok":
                job.report(job.on_done, body)
            elif status == "error":
                job.report(job.on_error, body.decode("utf-8", "replace"))
            else:
                trace = body.decode("utf-8", "replace")
                log.error("the note worker failed on a job:\n%s", ops._without_messages(trace))
                from infusiondesk.logs import unexpected_message

                job.report(job.on_error, unexpected_message())
            self._next()

    def _keep_stderr(self, proc: QProcess) -> None:
        self._err = (self._err + bytes(proc.readAllStandardError().data()))[-_STDERR_KEPT:]

    def _ended(self, proc: QProcess, how: str) -> None:
        """The child exited, was killed or crashed: the job in flight fails in one sentence; the next starts anew."""
        if proc is not self.proc:
            return
        self._keep_stderr(proc)
        self.proc = None
        proc.deleteLater()
        job, self.current = self.current, None
        if job is not None:
            log.error("the note worker stopped during a job (%s):\n%s", how,
                      ops._without_messages(self._err.decode("utf-8", "replace")))
            job.report(job.on_error, DIED)
        self._next()

    def _could_not_run(self, proc: QProcess, error: QProcess.ProcessError) -> None:
        if error != QProcess.ProcessError.FailedToStart or proc is not self.proc:
            return  # a crash or a kill also ends in `finished`, handled there
        log.error("the note worker could not run: %s", error)
        self.proc = None
        proc.deleteLater()
        job, self.current = self.current, None
        if job is not None:
            job.report(job.on_error, NOT_STARTED)
        self._next()

    # --- stopping -----------------------------------------------------------------------------------
    def stop(self, timeout_ms: int = 60_000, *, signed_out: bool = False) -> None:
        """Let the queued jobs finish, then end the child; what is left after `timeout_ms` is killed and
        reported. `signed_out`: results meant to be shown (a preview, a list) are not shown to whoever comes
        next; their callers hear that the person signed out. Work that keeps data (a signature) still finishes."""
        self.signed_out = signed_out
        if signed_out:
            for item in [j for j in self.queue if j.shows]:
                self.queue.remove(item)
                item.report(item.on_error, SIGNED_OUT)
        deadline = time.monotonic() + timeout_ms / 1000
        while (self.current is not None or self.queue) and self.proc is not None:
            left = int((deadline - time.monotonic()) * 1000)
            if left <= 0:
                break
            proc = self.proc
            # delivers answers (and a death) through the signals; a child already gone is ended here
            if (not proc.waitForReadyRead(min(left, 1000)) and proc is self.proc
                    and proc.state() == QProcess.ProcessState.NotRunning):
                self._ended(proc, "not running")
        self.stopping = True
        ending = self.proc
        if ending is not None:
            ending.closeWriteChannel()  # end of input: the child finishes and exits
            if not ending.waitForFinished(max(1000, min(5000, int((deadline - time.monotonic()) * 1000)))):
                ending.kill()
                ending.waitForFinished(1000)
            self._ended(ending, "stopped")
        while self.queue:
            item = self.queue.popleft()
            item.report(item.on_error, CLOSED)


_worker: WarmWorker | None = None


def worker() -> WarmWorker:
    """The app's warm worker (made on first use; the child starts with the first job)."""
    global _worker
    if _worker is None:
        _worker = WarmWorker()
    return _worker


def run_note_job(job: dict[str, Any], on_done: Callable[[bytes], None], on_error: Callable[[str], None], *,
                 shows: bool = True) -> NoteJob:
    """Queue a note worker job (the same JSON as `python -m infusiondesk_ui.note_worker` reads); `on_done(bytes)`
    or `on_error(sentence)` later on the UI thread, held while the screen is locked unless `shows` is False
    (storing a signed note must not wait for an unlock)."""
    return worker().submit(job, on_done, on_error, shows=shows)


def stop(timeout_ms: int = 60_000, *, signed_out: bool = False) -> None:
    """End the app's warm worker once its jobs are done (closing the app; at sign-out with `signed_out`, so the
    next person gets a fresh worker and never sees the last one's previews)."""
    global _worker
    if _worker is not None:
        ending, _worker = _worker, None
        ending.stop(timeout_ms, signed_out=signed_out)
