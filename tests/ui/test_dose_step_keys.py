"""The dose step by keyboard: each Alt letter does one thing (Alt+O orders, it no longer lands on Dose first)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import assess_and_approve, finish, sign_in

Key, Mod = Qt.Key, Qt.KeyboardModifier


def test_alt_o_orders_the_dose_and_alt_d_goes_to_the_dose(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    assess_and_approve(ws)
    ws.tabs.setCurrentWidget(ws.dose)
    panel = ws.dose.panel
    panel.indication.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Key.Key_D, Mod.AltModifier)
    finish()
    assert panel.dose.hasFocus()
    qtbot.keyClicks(panel.dose, "2 g")
    qtbot.keyClick(panel.dose, Key.Key_N, Mod.AltModifier)
    finish()
    assert panel.concentration.hasFocus()
    qtbot.keyClicks(panel.concentration, "2 g/50 mL")
    qtbot.keyClick(panel.concentration, Key.Key_U, Mod.AltModifier)
    finish()
    assert panel.duration.hasFocus()
    qtbot.keyClicks(panel.duration, "1 h 30 min")  # as the app itself shows durations
    assert panel.rate_value.text() == "33.3 mL/h", panel.duration.error_label.text()
    assert not panel.dose.hasFocus()
    qtbot.keyClick(panel.duration, Key.Key_O, Mod.AltModifier)  # one press: the order is placed
    qtbot.waitUntil(lambda: ws.visit.dose_order is not None, timeout=2000)  # a mnemonic animates the click
    assert ws.visit.dose_order.duration_text == "1 h 30 min"
    assert ws.visit.dose_order.computed_dose.display["duration"] == "1 h 30 min"
