"""The one way a screen runs a store operation: off the UI thread, with a busy sign that ends, the refusal's
own sentence when the core says no, and a change notice after a success."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from infusiondesk.errors import DomainError
from infusiondesk_ui import operations
from infusiondesk_ui.operations import StoreOp


def _screen(qtbot: QtBot, *, closed_by_test: bool = False) -> tuple[QWidget, QLineEdit, QPushButton]:
    screen = QWidget()
    edit, button = QLineEdit(screen), QPushButton("Add", screen)
    layout = QVBoxLayout(screen)
    layout.addWidget(edit)
    layout.addWidget(button)
    if not closed_by_test:
        qtbot.addWidget(screen)
    screen.show()
    screen.activateWindow()
    qtbot.waitActive(screen)
    return screen, edit, button


def test_the_work_runs_off_the_ui_thread_and_the_result_comes_back_on_it(qtbot: QtBot) -> None:
    screen, _, button = _screen(qtbot)
    release = threading.Event()
    seen: dict[str, Any] = {}

    def slow() -> str:
        seen["worker"] = threading.current_thread() is not threading.main_thread()
        assert release.wait(10)
        return "Jin Park"

    said: list[str] = []
    changed: list[str] = []
    operations.changes.changed.connect(changed.append)
    button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is button, timeout=2_000)
    StoreOp(screen, slow, kind="users").busy(said.append, "Adding Jin Park…", button)\
        .success(lambda name: seen.update(result=name, ui=threading.current_thread() is threading.main_thread()))\
        .run()
    assert operations.pending() == 1 and not button.isEnabled() and said == ["Adding Jin Park…"]
    assert QApplication.overrideCursor() is not None  # the busy sign while it runs
    release.set()
    qtbot.waitUntil(lambda: operations.pending() == 0, timeout=10_000)
    assert seen == {"worker": True, "result": "Jin Park", "ui": True}
    assert button.isEnabled() and changed == ["users"]
    assert QApplication.overrideCursor() is None
    assert QApplication.focusWidget() is button, "the keyboard is where it was before the press"
    operations.changes.changed.disconnect(changed.append)


def test_a_refusal_reaches_the_screen_as_its_own_sentence_and_nothing_else_runs(qtbot: QtBot) -> None:
    screen, _, button = _screen(qtbot)
    outcome: list[str] = []

    def refused() -> None:
        raise DomainError('The user name "drpark" is taken; choose another.')

    off = QPushButton("Unlock", screen)
    off.setEnabled(False)  # nothing chosen: stays off after the operation too
    StoreOp(screen, refused).busy(outcome.append, "Adding…", button, off)\
        .success(lambda _: outcome.append("saved")).failure(lambda sentence: outcome.append(f"refused: {sentence}"))\
        .run()
    qtbot.waitUntil(lambda: operations.pending() == 0, timeout=10_000)
    assert outcome == ["Adding…", 'refused: The user name "drpark" is taken; choose another.']
    assert button.isEnabled() and not off.isEnabled()


def test_an_unexpected_error_says_nothing_was_lost_without_quoting_it(qtbot: QtBot) -> None:
    screen, _, _ = _screen(qtbot)
    outcome: list[str] = []

    def broken() -> None:
        raise RuntimeError("MRN-0007 Rivera")  # patient data in a message must not reach the screen

    StoreOp(screen, broken).failure(outcome.append).run()
    qtbot.waitUntil(lambda: operations.pending() == 0, timeout=10_000)
    assert len(outcome) == 1 and "nothing was lost" in outcome[0].lower() and "Rivera" not in outcome[0]


def test_a_screen_closed_before_the_result_is_not_called(qtbot: QtBot) -> None:
    screen, _, _ = _screen(qtbot, closed_by_test=True)
    release = threading.Event()
    called: list[object] = []
    StoreOp(screen, lambda: release.wait(10)).success(called.append).run()
    screen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    screen.close()
    qtbot.waitUntil(lambda: not _alive(screen), timeout=5_000)
    release.set()
    qtbot.waitUntil(lambda: operations.pending() == 0, timeout=10_000)
    assert called == [] and QApplication.overrideCursor() is None


def _alive(widget: QWidget) -> bool:
    from shiboken6 import isValid

    QApplication.processEvents()
    return bool(isValid(widget))


def test_a_result_that_arrives_while_the_screen_is_locked_waits_for_the_unlock(qtbot: QtBot) -> None:
    from infusiondesk_ui import ops

    screen, _, button = _screen(qtbot)
    shown: list[str] = []
    ops.hold_results()
    try:
        StoreOp(screen, lambda: "the day list").busy(shown.append, "Reading…", button).success(shown.append).run()
        qtbot.waitUntil(lambda: operations.pending() == 0, timeout=10_000)
        assert shown == ["Reading…"], "nothing reaches the screen behind the lock"
        assert button.isEnabled() and QApplication.overrideCursor() is None  # but the busy sign has ended
    finally:
        ops.release_results()
    assert shown == ["Reading…", "the day list"]
