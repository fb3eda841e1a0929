"""A complete standard visit driven by the keyboard, as at the chair, against a real store.

Sign in, find the patient, assess, "2 g" of "2 g/50 mL" over "30 min" (100 mL/h), start, record vitals,
log flushing grade 1, stop, complete; the clinician signs and the visit is read-only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import VisitStatus
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, give_signing_certificates

Key = Qt.Key


def focused() -> QWidget:
    w = QApplication.focusWidget()
    assert w is not None
    return w


def type_enter(qtbot: QtBot, text: str) -> None:
    """Type into whatever has focus, then Enter (which moves on)."""
    w = focused()
    qtbot.keyClicks(w, text)
    qtbot.keyClick(w, Key.Key_Return)


def press(qtbot: QtBot, widget: QWidget, key: Qt.Key = Key.Key_Space) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, key)


def sign_in(qtbot: QtBot, window: MainWindow, username: str, password: str) -> None:
    assert window.signin.username.hasFocus() or window.signin.password.hasFocus()
    window.signin.username.setFocus()
    type_enter(qtbot, username)
    finish()
    assert window.signin.password.hasFocus()
    type_enter(qtbot, password)
    finish()  # the password is checked off the UI thread


def test_a_standard_visit_by_keyboard(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    assert window.windowTitle().startswith("InfusionDesk")
    sign_in(qtbot, window, "drlee", "doctor-sign-pass-1")
    window.session.idle_lock_min = 120  # at the keyboard while the test clock jumps through the observation
    assert window.stack.currentWidget() is window.patients, window.signin.error.text()
    assert window.windowTitle() == "InfusionDesk — Patients — Dana Lee (clinician)"

    # find the patient: search as you type, Enter opens the chart
    assert window.patients.search.hasFocus()
    type_enter(qtbot, "riv")
    finish()
    assert window.stack.currentWidget() is window.chart
    assert "RIVERA, Ana" in window.chart.banner.identity.text()
    assert window.chart.new_button.hasFocus()
    qtbot.keyClick(window.chart.new_button, Key.Key_Space)
    finish()  # read off the UI thread
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    assert "RIVERA, Ana" in ws.banner.identity.text()

    # 1. assessment: vitals by typing, Enter moves from field to field
    a = ws.assessment
    a.vitals.systolic.setFocus()
    for value in ("124", "78", "72", "16", "98", "36.8"):
        type_enter(qtbot, value)
    assert a.vitals.reflex.hasFocus()  # pain is charted once, as "Pain before", not in the vitals row
    assert a.vitals.vitals(clinic.clock.now(), "baseline", 1).spo2 == 98
    a.pain.setFocus()
    type_enter(qtbot, "7")
    finish()
    type_enter(qtbot, "4")  # attacks per month
    a.questions["heart_block"].setFocus()
    qtbot.keyClick(a.questions["heart_block"], Key.Key_Down)  # "no"
    assert a.questions["heart_block"].value is False
    press(qtbot, a.record)
    finish()
    assert ws.visit.assessment.assessed_at is not None, ws.problem.text()
    press(qtbot, a.suitable)
    finish()
    assert ws.visit.status is VisitStatus.ASSESSED, ws.problem.text()

    # 2. the dose: "2 g", Tab, "2 g/50 mL", Tab, "30 min" -> 100 mL/h
    ws.tabs.setCurrentWidget(ws.dose)
    panel = ws.dose.panel
    panel.dose.setFocus()
    for text in ("2 g", "2 g/50 mL", "30 min"):
        qtbot.keyClicks(focused(), text)
        qtbot.keyClick(focused(), Key.Key_Tab)
    assert panel.rate_value.text() == "100 mL/h"
    assert panel.salt_line.text() == "2 g magnesium sulfate = 16.2 mEq = 8.1 mmol Mg"
    press(qtbot, ws.dose.order)
    finish()
    assert ws.visit.dose_order is not None, ws.problem.text()
    assert "Ordered 2 g magnesium sulfate" in ws.dose.status.text() and "by Dana Lee" in ws.dose.status.text()
    ws.dose.check_by("nkim", "nurse-chair-pass-1")  # the second person signs in at the dose step
    finish()
    assert ws.visit.dose_order.double_check is not None, ws.problem.text()

    # 3. readiness: ticks with Space, text with Enter, the lot as a barcode scanner types it
    ws.tabs.setCurrentWidget(ws.infusion)
    r = ws.infusion.readiness
    for box in (r.consent, r.allergies):
        press(qtbot, box)
    r.weight.setFocus()
    type_enter(qtbot, "64 kg")
    r.iv_site.setFocus()
    for text in ("left antecubital", "22 G", "1", "Noor Kim RN", "LOT-2291A", "2027-06-30", "50 mL/h", "50 mL"):
        type_enter(qtbot, text)  # the pump read back: the bag's volume was keyed as the rate
    assert r.pump_check.text() == ("The bag's volume was keyed as the rate. Pump 50 mL/h, 50 mL; order 100 mL/h, "
                                   "50 mL: reprogram the pump.")
    assert "is the bag's volume (50 mL), not its rate" in r.problems.text()
    r.pump_rate.setFocus()
    r.pump_rate.selectAll()
    type_enter(qtbot, "100 mL/h")  # reprogrammed and read back again
    finish()
    assert r.pump_check.isHidden() and r.pump_vtbi.hasFocus()
    press(qtbot, r.calcium)
    assert r.readiness().lot_number == "LOT-2291A"
    assert "Ready to start." in r.problems.text(), r.problems.text()
    ws.infusion.start.setFocus()
    qtbot.keyClick(focused(), Key.Key_F5)  # the Start shortcut
    finish()
    assert ws.visit.status is VisitStatus.INFUSING, ws.problem.text()

    # vitals after 15 min: the reminder shows, F7 goes to the vitals row
    clinic.clock.advance(minutes=15)
    ws.infusion.refresh_clock()
    assert not ws.infusion.reminder.isHidden()
    qtbot.keyClick(focused(), Key.Key_F7)
    finish()
    assert ws.infusion.vitals.systolic.hasFocus()
    for value in ("118", "74", "70", "15", "97"):
        type_enter(qtbot, value)
    qtbot.keyClick(focused(), Key.Key_F7)  # record them
    finish()
    assert len(ws.visit.vitals) == 1, ws.problem.text()
    ws.infusion.refresh_clock()
    assert ws.infusion.reminder.isHidden()

    # flushing, grade 1, with its definition shown
    press(qtbot, ws.infusion.side_effects.quick_buttons["flushing"])
    assert ws.infusion.side_effects.grade.hasFocus()
    assert ws.infusion.side_effects.definition.text().startswith("Grade 1:")
    qtbot.keyClick(focused(), Key.Key_F9)
    finish()
    assert [(e.type_code, e.grade) for e in ws.visit.side_effects] == [("flushing", 1)], ws.problem.text()

    # stop at 30 min with the pump's volume, then complete
    clinic.clock.advance(minutes=15)
    ws.infusion.volume.setFocus()
    qtbot.keyClicks(focused(), "50 mL")
    qtbot.keyClick(focused(), Key.Key_F8)
    finish()
    assert ws.visit.events[-1].kind.value == "stop", ws.problem.text()

    # 30 min of observation, with vital signs after the infusion
    clinic.clock.advance(minutes=30)
    ws.infusion.vitals.systolic.setFocus()
    for value in ("120", "76", "68", "15", "98"):
        type_enter(qtbot, value)
    qtbot.keyClick(focused(), Key.Key_F7)
    finish()
    assert ws.visit.vitals[-1].phase == "after", ws.problem.text()
    ws.tabs.setCurrentWidget(ws.review)
    ws.review.post_pain.setFocus()
    type_enter(qtbot, "2")
    qtbot.keyClicks(focused(), "Home with a driver; call if weakness")
    press(qtbot, ws.review.complete)
    finish()
    assert ws.visit.status is VisitStatus.COMPLETED, ws.problem.text()

    # the clinician signs with the password; the signature's meaning is shown
    assert "Reviewed and approved by" in ws.review.meaning.text()
    give_signing_certificates(clinic)
    ws.review.password.setFocus()
    type_enter(qtbot, "doctor-sign-pass-1")
    finish()
    qtbot.waitUntil(lambda: not ws.review.documents.busy, timeout=30_000)  # the signed note, off the UI thread
    finish()
    assert ws.visit.status is VisitStatus.SIGNED, ws.problem.text()
    assert clinic.store.notes.get(ws.visit.id, by=clinic.reader) is not None
    saved = clinic.store.visits.get(ws.visit.id, by=clinic.reader)
    assert saved.status is VisitStatus.SIGNED
    assert saved.signatures[0].signer_name == "Dana Lee"

    # read-only: the fields refuse typing and "Add addendum" appears
    assert panel.dose.isReadOnly()
    assert not ws.infusion.start.isEnabled() and not ws.review.sign.isEnabled()
    assert not ws.review.add_addendum.isHidden()
    assert "read-only" in ws.status.text()
    ws.review.addendum.setFocus()
    qtbot.keyClicks(focused(), "Patient phoned: headache gone next morning")
    press(qtbot, ws.review.add_addendum)
    finish()
    assert clinic.store.visits.get(ws.visit.id, by=clinic.reader).addenda, ws.problem.text()
    assert clinic.store.visits.get(ws.visit.id, by=clinic.reader).addenda[0].text.startswith("Patient phoned")


def test_a_wrong_password_is_refused_in_words(qtbot: QtBot, window: MainWindow) -> None:
    sign_in(qtbot, window, "drlee", "nope")
    assert window.stack.currentWidget() is window.signin
    assert "do not match" in window.signin.error.text()
