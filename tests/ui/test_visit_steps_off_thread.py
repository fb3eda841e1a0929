"""A visit step runs off the UI thread (the screen stays live while the store saves it), and a second press of
the same key while it runs saves nothing: one Enter, one F7, one record."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import SignatureMeaning, VisitStatus
from infusiondesk_ui import operations
from tests.ui.conftest import Clinic_
from tests.ui.steps import (
    HeldStep,
    assess_and_approve,
    clinician_workspace,
    double_check,
    fill_assessment,
    finish,
    get_ready,
    order,
    run_to_completed,
    settle,
)

Key = Qt.Key


def test_recording_the_assessment_runs_off_the_ui_thread_and_the_screen_shows_it_is_busy(
        qtbot: QtBot, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    w = clinician_workspace(qtbot, clinic)
    fill_assessment(w)
    step = HeldStep(monkeypatch, w, "assess")
    w.assessment.record.click()
    qtbot.waitUntil(lambda: bool(step.threads), timeout=10_000)  # the step has started, and the UI still runs
    assert step.threads[0] != threading.get_ident()  # not on the GUI thread
    assert operations.pending(of=w.controller) == 1  # the step (a draft autosave may run beside it)
    assert not w.assessment.record.isEnabled() and w.controller.running
    assert w.visit.assessment.assessed_at is None  # nothing shown as saved until it is
    step.release()
    settle(qtbot)
    assert w.visit.assessment.assessed_at is not None, w.problem.text()
    assert not w.controller.running


def test_a_refusal_arrives_on_the_ui_thread_in_its_own_words(qtbot: QtBot, clinic: Clinic_) -> None:
    """A nurse's-only action refused by the service: the sentence is shown, the visit unchanged."""
    w = clinician_workspace(qtbot, clinic)
    w.assessment.decide(True)  # no assessment recorded yet: the service refuses the decision
    assert w.controller.running
    finish()
    assert w.problem.text(), "the refusal was not shown"
    assert w.visit.status is VisitStatus.DRAFT and w.controller.last_error is not None
    assert w.assessment.record.isEnabled()  # the form is usable again


def test_a_second_f7_records_the_vital_signs_once(qtbot: QtBot, clinic: Clinic_,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    w = clinician_workspace(qtbot, clinic)
    assess_and_approve(w)
    order(w)
    double_check(w)
    get_ready(w)
    w.infusion.start.click()
    finish()
    assert w.visit.status is VisitStatus.INFUSING, w.problem.text()
    clinic.clock.advance(minutes=15)
    v = w.infusion.vitals
    for edit, text in ((v.systolic, "118"), (v.diastolic, "74"), (v.heart_rate, "70"), (v.resp_rate, "15"),
                       (v.spo2, "97")):
        edit.setText(text)
    step = HeldStep(monkeypatch, w, "record_vitals")
    w.infusion.record_vitals.click()
    qtbot.waitUntil(lambda: bool(step.threads), timeout=10_000)
    assert not w.infusion.record_vitals.isEnabled()
    w.infusion.do_vitals()  # F7 pressed again while the first is being saved (the key's slot, as the shortcut)
    step.release()
    settle(qtbot)
    assert len(step.threads) == 1
    assert len(w.visit.vitals) == 1, w.problem.text()
    assert len(clinic.store.visits.get(w.visit.id, by=clinic.reader).vitals) == 1
    assert v.empty  # cleared once saved, as before


def test_a_double_enter_on_the_password_signs_once(qtbot: QtBot, clinic: Clinic_,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The nurse signs "Administered by" with Enter in the password field, and Enter again at once."""
    w = clinician_workspace(qtbot, clinic)
    run_to_completed(w, clinic.clock)
    w.session.signed_in = clinic.session(clinic.nurse)  # the nurse at the same chair
    w.controller.visitChanged.emit(w.visit)
    assert w.review._meaning() is SignatureMeaning.ADMINISTERED
    step = HeldStep(monkeypatch, w, "sign")
    w.review.password.setText("nurse-chair-pass-1")
    w.review.password.setFocus()
    qtbot.keyClick(w.review.password, Key.Key_Return)
    qtbot.waitUntil(lambda: bool(step.threads), timeout=10_000)
    w.review.password.setText("nurse-chair-pass-1")
    w.review.do_sign()  # a second Enter, even if it reached the slot
    step.release()
    settle(qtbot)
    assert len(step.threads) == 1
    saved = clinic.store.visits.get(w.visit.id, by=clinic.reader)
    assert [s.meaning for s in saved.signatures] == [SignatureMeaning.ADMINISTERED], w.problem.text()
