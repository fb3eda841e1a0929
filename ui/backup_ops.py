"""Backups from the app, off the UI thread: "Back up now" and the daily automatic backup, each reporting a
progress line and its outcome in words, never blocking charting (the copy reads one consistent moment of the
database while other saves go on; infusiondesk.store.backup does the work and checks who may)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from infusiondesk_ui.ops import run_in_thread, user_message

log = logging.getLogger("infusiondesk.ui")
DAILY_CHECK_MS = 10 * 60 * 1000  # is today's automatic backup due? (cheap: one read and a folder listing)


def describe(result: Any) -> str:
    """One line on a finished backup, for the status bar and the settings screen."""
    size = result.size / 1_048_576
    pruned = f"; {len(result.pruned)} older backup(s) deleted" if result.pruned else ""
    return f"Backed up to {result.path} ({size:.1f} MB), checked{pruned}."


class BackupJob(QObject):
    """One backup at a time: `progress(text)` while it copies, then `finished(ok, text)` on the UI thread."""

    progress = Signal(str)
    finished = Signal(bool, str)
    _copied = Signal(int, int)  # from the worker thread, queued to the UI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running = False
        self._label = ""
        self._copied.connect(self._say_progress)

    def _say_progress(self, done: int, total: int) -> None:
        if self.running:
            self.progress.emit(f"{self._label}… {100 * done // max(total, 1)} %")

    def start(self, label: str, work: Callable[[Callable[[int, int], None]], Any], *, announce: bool = True) -> bool:
        """Run `work(progress)` in the background; False (nothing started) when a backup is already running.
        Without `announce` nothing is said until the copy starts (the daily check usually finds nothing due)."""
        if self.running:
            return False
        self.running, self._label = True, label
        if announce:
            self.progress.emit(f"{label}…")

        def done(result: Any) -> None:
            self.running = False
            if result is None:
                self.finished.emit(True, "")
            else:
                self.finished.emit(True, describe(result))

        def failed(exc: Exception) -> None:
            self.running = False
            self.finished.emit(False, f"{label} failed: {user_message(exc)}")

        run_in_thread(lambda: work(self._copied.emit), done, failed, shows=False)
        return True


class DailyBackup(QObject):
    """Checks now and every 10 minutes whether the clinic's daily backup is due, and makes it in the background;
    its progress and outcome go to `say(text, ok)` (the status bar). It runs as whoever is signed in at this
    workstation (`signed_in`), and waits while nobody is."""

    def __init__(self, store: Callable[[], Any], signed_in: Callable[[], Any], say: Callable[[str, bool], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store  # the session's store when the check runs (a first run may switch databases)
        self.signed_in = signed_in
        self.say = say
        self.job = BackupJob(self)
        self.job.progress.connect(lambda text: self.say(text, True))
        self.job.finished.connect(self._finished)
        self.timer = QTimer(self)
        self.timer.setInterval(DAILY_CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        QTimer.singleShot(0, self.check)

    def check(self) -> None:
        from infusiondesk.store.backup import run_automatic_backup

        store, session = self.store(), self.signed_in()
        if session is None:
            return  # checked again in 10 minutes, or when someone has signed in
        self.job.start("Daily backup", lambda progress: run_automatic_backup(store, session, progress),
                       announce=False)

    def _finished(self, ok: bool, text: str) -> None:
        if text:
            self.say(f"Daily backup: {text}" if ok else text, ok)
