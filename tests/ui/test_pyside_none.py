"""Guard against the PySide6 6.12.0 / Python 3.11 bug: every Qt call returning None dropped a reference to
None, and the interpreter aborted ("none_dealloc") after a few thousand calls. pyproject.toml pins
PySide6 < 6.12; this fails (or aborts) if a broken build comes back."""

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_qt_calls_returning_none_leave_none_s_reference_count_alone(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(20_000):  # with the broken build, Python 3.11 aborts within the first few thousand
        label.setText(str(i))
    assert sys.getrefcount(None) >= before - 100
