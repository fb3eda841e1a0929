"""Background jobs leave nothing Qt behind and release what they captured on the UI thread: a job's closures (a
screen, the store) dropped in a pool thread, or a per-job QObject deleted there, crashed a later window's teardown
(tests/ui/test_lock.py, with the patient list reading who is out on a laptop)."""

from __future__ import annotations

import gc
import threading
import time
from typing import ClassVar

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from infusiondesk_ui import ops


class _Canary:
    """Records the thread that frees it."""

    freed_in: ClassVar[list[str]] = []

    def __del__(self) -> None:
        _Canary.freed_in.append(threading.current_thread().name)


def test_what_a_job_captured_is_released_on_the_ui_thread_and_nothing_is_kept(qtbot: QtBot) -> None:
    _Canary.freed_in = []
    got: list[object] = []
    label = QLabel()
    qtbot.addWidget(label)

    def start(n: int) -> None:
        work, done = _Canary(), _Canary()

        def read() -> int:
            time.sleep(0.001)
            assert work is not None
            return n

        def show(value: object) -> None:
            assert done is not None
            got.append(value)
            label.setText(str(value))

        ops.run_in_thread(read, show, got.append, shows=False)

    for n in range(60):
        start(n)
    qtbot.waitUntil(lambda: len(got) == 60, timeout=10_000)
    QThreadPool.globalInstance().waitForDone()
    QApplication.processEvents()
    gc.collect()

    assert sorted(got) == list(range(60))  # type: ignore[type-var]
    assert ops.running_jobs() == 0
    assert len(_Canary.freed_in) == 120  # every job's closures freed: nothing leaks with the pool
    assert set(_Canary.freed_in) == {threading.main_thread().name}  # and freed on the UI thread, never a worker


def test_a_failing_job_reports_on_the_ui_thread(qtbot: QtBot) -> None:
    errors: list[Exception] = []

    def fail() -> None:
        raise ValueError("no")

    ops.run_in_thread(fail, lambda _r: None, errors.append, shows=False)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert isinstance(errors[0], ValueError) and ops.running_jobs() == 0
