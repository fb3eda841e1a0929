"""Guard for the PySide6 6.12 / Python 3.11 None reference bug that ui/__init__.py works around."""

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

import ui  # noqa: F401  (the workaround runs on import)


def test_thousands_of_qt_calls_returning_none_do_not_exhaust_none(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    for i in range(20_000):  # without the workaround, Python 3.11 aborts within the first few thousand
        label.setText(str(i))
    assert sys.getrefcount(None) > 1_000_000
