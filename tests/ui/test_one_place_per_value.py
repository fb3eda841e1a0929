"""Issue 12: each charted value has one place. Pain, respiratory rate and patellar reflex are asked once in the
assessment; baseline vital signs are the assessment's (tab 3 does not ask them again before the start); today's
weight, once charted, is shown on the checklist and not typed again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import VisitStatus
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import assess_and_approve, double_check, finish, get_ready, order, sign_in


def new_visit(window: MainWindow, clinic: Clinic_) -> VisitWorkspace:
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    return ws


def visible_texts(widget: object) -> list[str]:
    return [lbl.text() for lbl in widget.findChildren(QLabel) if lbl.isVisibleTo(widget)]  # type: ignore[attr-defined]


def test_pain_respiratory_rate_and_reflex_are_asked_once_in_the_assessment(qtbot: QtBot, window: MainWindow,
                                                                           clinic: Clinic_) -> None:
    ws = new_visit(window, clinic)
    a = ws.assessment
    labels = visible_texts(a)
    assert sum("Respiratory rate" in t for t in labels) == 1
    assert sum("Patellar reflex" in t for t in labels) == 1
    assert sum(t.startswith("Pain") for t in labels) == 1 and "Pain before (0-10)" in labels
    assert "resp_rate" not in a.questions and "patellar_reflex" not in a.questions
    # the vitals row answers the screening: RR 10 and an absent reflex show at once
    a.vitals.resp_rate.setFocus()
    qtbot.keyClicks(a.vitals.resp_rate, "10")
    a.vitals.reflex.set_value("absent")
    assert "Respiratory rate" in a.screening.text() and "reflex" in a.screening.text().lower()
    a.vitals.resp_rate.clear()
    a.vitals.reflex.set_value(None)
    assess_and_approve(ws)  # pain before 7, typed once
    assert ws.visit.assessment.pain_score == 7
    assert ws.visit.assessment.vitals is not None and ws.visit.assessment.vitals.pain_score == 7
    assert ws.visit.assessment.answers["resp_rate"] == 16


def test_baseline_vitals_are_not_asked_again_on_tab_3_before_the_start(qtbot: QtBot, window: MainWindow,
                                                                       clinic: Clinic_) -> None:
    ws = new_visit(window, clinic)
    assess_and_approve(ws)
    ws.tabs.setCurrentWidget(ws.infusion)
    view = ws.infusion
    assert not view.record_vitals.isEnabled() and view.vitals.systolic.isReadOnly()
    note = view.baseline_note.text()
    assert view.baseline_note.isVisible() and "charted once, on the assessment" in note
    assert "BP 122/78" in note and "RR 16" in note
    qtbot.keyClick(view.vitals.systolic, Qt.Key.Key_F7)  # the vitals key charts nothing before the start
    finish()
    assert ws.visit.vitals == ()
    order(ws)
    double_check(ws)
    get_ready(ws)
    view.start.click()
    finish()
    assert ws.visit.status is VisitStatus.INFUSING, ws.problem.text()
    assert view.record_vitals.isEnabled() and not view.vitals.systolic.isReadOnly()
    assert not view.baseline_note.isVisible()


def test_todays_weight_typed_with_the_order_is_shown_not_asked_again_on_the_checklist(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ws = new_visit(window, clinic)
    assess_and_approve(ws)
    r = ws.infusion.readiness
    assert not r.weight.isReadOnly()  # nothing charted yet: the checklist may chart it
    ws.dose.panel.weight.setText("64 kg")
    order(ws)
    assert ws.visit.readiness.weight_kg_today == 64, ws.problem.text()
    assert r.weight.text() == "64 kg" and r.weight.isReadOnly()
    assert "typed once" in r.weight.toolTip()
    assert "weight" not in r.problems.text().lower()


def test_a_weight_typed_on_the_checklist_is_charted_once_and_then_shown(qtbot: QtBot, window: MainWindow,
                                                                        clinic: Clinic_) -> None:
    ws = new_visit(window, clinic)
    assess_and_approve(ws)
    order(ws)  # 2 g: no weight needed for the order
    double_check(ws)
    r = ws.infusion.readiness
    assert ws.visit.readiness.weight_kg_today is None and not r.weight.isReadOnly()
    get_ready(ws)  # types "64 kg" on the checklist
    ws.infusion.start.click()
    finish()
    assert ws.visit.readiness.weight_kg_today == 64, ws.problem.text()
