"""A side effect is logged while the nurse is still watching it: the outcome starts as "ongoing"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import SideEffectOutcome, VisitStatus
from tests.ui.conftest import Clinic_
from tests.ui.steps import assess_and_approve, double_check, get_ready, order
from ui.app import MainWindow
from ui.views.visit_workspace import VisitWorkspace


def test_flushing_logged_with_the_defaults_is_ongoing(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    window.sign_in("drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    window.new_visit()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    form = ws.infusion.side_effects
    assert form.outcome.value == SideEffectOutcome.ONGOING
    assert form.outcome.currentText() == "ongoing"
    assess_and_approve(ws)
    order(ws)
    double_check(ws)
    get_ready(ws)
    ws.infusion.start.click()
    assert ws.visit.status is VisitStatus.INFUSING, ws.problem.text()
    ws.tabs.setCurrentWidget(ws.infusion)
    form.quick_buttons["flushing"].setFocus()
    qtbot.keyClick(form.quick_buttons["flushing"], Qt.Key.Key_Space)  # quick button, then F9 logs it
    qtbot.keyClick(form.grade, Qt.Key.Key_F9)
    assert len(ws.visit.side_effects) == 1, ws.problem.text()
    assert ws.visit.side_effects[0].outcome is SideEffectOutcome.ONGOING
    assert "flushing" in form.logged.text().lower() and "ongoing" in form.logged.text()
    assert form.outcome.value == SideEffectOutcome.ONGOING  # ready for the next one
