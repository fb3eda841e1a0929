"""A side effect is logged while the nurse is still watching it: the outcome starts as "ongoing"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import SideEffectOutcome, VisitStatus
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import assess_and_approve, double_check, finish, get_ready, order, sign_in


def test_flushing_logged_with_the_defaults_is_ongoing(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
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
    finish()
    assert ws.visit.status is VisitStatus.INFUSING, ws.problem.text()
    ws.tabs.setCurrentWidget(ws.infusion)
    form.quick_buttons["flushing"].setFocus()
    qtbot.keyClick(form.quick_buttons["flushing"], Qt.Key.Key_Space)  # quick button, then F9 logs it
    qtbot.keyClick(form.grade, Qt.Key.Key_F9)
    finish()
    assert len(ws.visit.side_effects) == 1, ws.problem.text()
    assert ws.visit.side_effects[0].outcome is SideEffectOutcome.ONGOING
    assert "flushing" in form.logged.text().lower() and "ongoing" in form.logged.text()
    assert form.outcome.value == SideEffectOutcome.ONGOING  # ready for the next one


def test_flushing_logged_ongoing_is_updated_to_resolved_by_keyboard_and_audited(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    """The nurse logs flushing "ongoing", then charts that it resolved: the note no longer says "ongoing"."""
    from tests.ui.steps import run_to_completed

    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.session.idle_lock_min = 120
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    form = ws.infusion.side_effects
    assert form.update_box.isHidden()  # nothing logged, nothing to update
    run_to_completed(ws, clinic.clock)  # flushing grade 1 logged "ongoing" during the infusion
    assert ws.visit.side_effects[0].outcome is SideEffectOutcome.ONGOING
    ws.tabs.setCurrentWidget(ws.infusion)
    assert form.update_box.isVisible() and form.update_button.isEnabled()
    assert form.which.currentText().endswith("Flushing, grade 1")
    assert form.new_outcome.value == SideEffectOutcome.ONGOING  # pre-filled as logged
    form.new_outcome.setFocus()
    qtbot.keyClick(form.new_outcome, Qt.Key.Key_Home)  # "resolved" is the first outcome
    finish()
    assert form.new_outcome.value == SideEffectOutcome.RESOLVED
    form.new_notes.setFocus()
    qtbot.keyClicks(form.new_notes, "settled by the end of the infusion")
    qtbot.keyClick(form.new_notes, Qt.Key.Key_Return)  # Enter moves on to the button
    finish()
    assert form.update_button.hasFocus()
    qtbot.keyClick(form.update_button, Qt.Key.Key_Space)
    finish()
    effect = ws.visit.side_effects[0]
    assert effect.outcome is SideEffectOutcome.RESOLVED, ws.problem.text()
    assert effect.notes == "settled by the end of the infusion" and effect.grade == 1
    assert "ongoing" not in form.logged.text() and "resolved" in form.logged.text()
    assert "(none, resolved)" in ws.review.summary.toPlainText()
    entry = [e for e in clinic.store.audit.entries(by=clinic.admin_session) if e["event"] == "side_effect_updated"][-1]
    assert entry["detail"]["before"]["outcome"] == "ongoing" and entry["detail"]["after"]["outcome"] == "resolved"

    # pressing again with nothing changed is refused in words, and nothing is saved
    version = ws.visit.version
    qtbot.keyClick(form.update_button, Qt.Key.Key_Space)
    finish()
    assert "Nothing to update" in ws.problem.text() and ws.visit.version == version



def test_a_signed_visits_side_effects_are_not_updated(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    from tests.ui.steps import give_signing_certificates, run_to_completed

    give_signing_certificates(clinic)
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.session.idle_lock_min = 120
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    run_to_completed(ws, clinic.clock)
    ws.review.password.setText("doctor-sign-pass-1")
    ws.review.sign.click()
    finish()
    qtbot.waitUntil(lambda: not ws.review.documents.busy, timeout=30_000)
    finish()
    assert ws.visit.status is VisitStatus.SIGNED, ws.problem.text()
    form = ws.infusion.side_effects
    assert form.update_box.isVisibleTo(ws.infusion)  # the logged one is listed, read-only
    assert not form.update_button.isEnabled() and not form.new_outcome.isEnabled()
    version = ws.visit.version
    ws.controller.run("update_side_effect", 0, SideEffectOutcome.RESOLVED, "none", "")  # a stale screen's update
    finish()
    assert ws.controller.last_error is not None and "signed" in ws.problem.text()
    assert clinic.store.visits.get(ws.visit.id, by=clinic.reader).version == version
