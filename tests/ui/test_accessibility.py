"""Every input a nurse can reach has a name a screen reader announces, on every main screen."""

from __future__ import annotations

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, sign_in

_INPUTS = (QLineEdit, QComboBox, QAbstractSpinBox, QTextEdit, QPlainTextEdit, QAbstractButton)


def _spoken_name(w: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(w)
    return iface.text(QAccessible.Text.Name).strip() if iface is not None else ""


def _unnamed(screen: QWidget) -> list[str]:
    missing = []
    for w in screen.findChildren(QWidget):
        if isinstance(w, _INPUTS) and w.isVisibleTo(screen) and not _spoken_name(w):
            missing.append(f"{type(w).__name__} {w.objectName() or ''} in {type(w.parentWidget()).__name__}")
    return missing


def _all_tabs(screen: QWidget, qtbot: QtBot) -> list[str]:
    missing = _unnamed(screen)
    for tabs in screen.findChildren(QTabWidget):
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            qtbot.wait(1)
            missing += _unnamed(tabs.widget(i))
    return missing


def test_sign_in_patients_chart_and_every_visit_step_name_their_inputs(qtbot: QtBot, window: MainWindow,
                                                                         clinic: Clinic_) -> None:
    assert not _unnamed(window.signin), _unnamed(window.signin)
    sign_in(window, "nkim", "nurse-chair-pass-1")
    window.show_patients()
    assert not _unnamed(window.patients), _unnamed(window.patients)
    window.show_chart(clinic.patient)
    finish()
    assert not _all_tabs(window.chart, qtbot), _all_tabs(window.chart, qtbot)
    window.new_visit()
    finish()
    workspace = window.stack.currentWidget()
    missing = _all_tabs(workspace, qtbot)
    assert not missing, missing


def test_the_sweep_catches_an_unnamed_field_and_sees_the_named_ones(qtbot: QtBot, window: MainWindow) -> None:
    from PySide6.QtWidgets import QVBoxLayout

    screen = QWidget()
    qtbot.addWidget(screen)
    layout = QVBoxLayout(screen)
    named, anonymous = QLineEdit(), QLineEdit()
    named.setAccessibleName("Lot number")
    layout.addWidget(named)
    layout.addWidget(anonymous)
    assert len(_unnamed(screen)) == 1
    inputs = [w for w in window.signin.findChildren(QWidget) if isinstance(w, _INPUTS) and w.isVisibleTo(window.signin)]
    assert len(inputs) >= 3 and all(_spoken_name(w) for w in inputs)
