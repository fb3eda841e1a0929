"""The visit workspace over the visit service and a real store: each step through the screen, refusals shown in
words."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import VisitStatus
from infusiondesk_ui.clock import FixedClock
from infusiondesk_ui.session import Session
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import assess_and_approve, clinician_workspace, double_check, finish, get_ready, observe, order


@pytest.fixture
def ws(qtbot: QtBot, clinic: Clinic_) -> VisitWorkspace:
    """The clinician's workspace on a new visit, over the real store and the visit service."""
    return clinician_workspace(qtbot, clinic)


def test_the_banner_shows_who_the_patient_is(ws: VisitWorkspace) -> None:
    assert "RIVERA, Ana" in ws.banner.identity.text()
    assert "MRN-0007" in ws.banner.identity.text()
    assert "penicillin" in ws.banner.allergies.text()


def test_screening_updates_as_questions_are_answered(ws: VisitWorkspace) -> None:
    ws.assessment.questions["myasthenia_gravis"].set_value(True)
    assert "Myasthenia gravis" in ws.assessment.screening.text()
    ws.assessment.questions["myasthenia_gravis"].set_value(False)
    assert "Myasthenia gravis" not in ws.assessment.screening.text()


def test_a_nurse_cannot_decide_suitability(ws: VisitWorkspace, clinic: Clinic_) -> None:
    ws.session.signed_in = clinic.session(clinic.nurse)
    ws.assessment.record.click()
    finish()
    ws.assessment.show_visit(ws.visit)
    assert not ws.assessment.suitable.isEnabled()
    ws.assessment.decide(True)  # pressed anyway (a stale screen): the service refuses by the nurse's role
    finish()
    assert ws.visit.status is VisitStatus.DRAFT
    assert "Only a clinician can decide" in ws.problem.text()
    assert clinic.store.visits.get(ws.visit.id, by=clinic.reader).assessment.suitability is None


def test_the_soft_override_reason_is_required_to_order(ws: VisitWorkspace, qtbot: QtBot) -> None:
    assess_and_approve(ws)
    order(ws, dose="3 g", conc="4 g/100 mL", duration="1 h")
    assert ws.visit.dose_order is None
    assert "Write a reason for each warning" in ws.problem.text()
    qtbot.keyClicks(ws.dose.panel.findings.reason_edits["dose.max.soft"], "refractory, neurology advised")
    ws.dose.order.click()
    finish()
    assert ws.visit.dose_order is not None
    assert ws.visit.dose_order.overrides[0].reason == "refractory, neurology advised"


def test_a_hard_stop_blocks_the_start_and_is_audited(ws: VisitWorkspace, clinic: Clinic_) -> None:
    assess_and_approve(ws)
    order(ws, duration="10 min")
    assert ws.visit.dose_order is None
    assert "cannot be ordered" in ws.problem.text()
    hard_stops = [e for e in ws.session.store.audit.entries(by=clinic.admin_session) if e["event"] == "hard_stop"]
    assert len(hard_stops) == 1 and hard_stops[0]["detail"]["visit_id"] == ws.visit.id  # audited once, by the service
    get_ready(ws)
    assert not ws.infusion.start.isEnabled()
    ws.infusion.do_start()
    finish()
    assert ws.visit.status is VisitStatus.ASSESSED
    assert "no dose order" in ws.problem.text()


def test_an_expired_lot_is_named_in_the_checklist(ws: VisitWorkspace) -> None:
    assess_and_approve(ws)
    order(ws)
    get_ready(ws)
    ws.infusion.readiness.expiry.setText("2026-01-31")
    assert "expired on 2026-01-31" in ws.infusion.readiness.problems.text()
    assert not ws.infusion.start.isEnabled()


def test_a_barcode_scanner_types_the_lot_and_enter_moves_on(ws: VisitWorkspace, qtbot: QtBot) -> None:
    lot = ws.infusion.readiness.lot
    ws.tabs.setCurrentWidget(ws.infusion)
    lot.setFocus()
    qtbot.keyClicks(lot, "LOT-7781A")
    qtbot.keyClick(lot, Qt.Key.Key_Return)
    finish()
    assert lot.text() == "LOT-7781A"
    assert ws.infusion.readiness.expiry.hasFocus()


def test_running_pausing_stopping_and_the_vitals_reminder(ws: VisitWorkspace, clinic: Clinic_) -> None:
    assess_and_approve(ws)
    order(ws)
    double_check(ws)
    get_ready(ws)
    assert ws.infusion.start.isEnabled(), ws.infusion.readiness.problems.text()
    ws.infusion.start.click()
    finish()
    assert ws.visit.status is VisitStatus.INFUSING, ws.problem.text()
    clock = ws.session.clock
    assert isinstance(clock, FixedClock)
    clock.advance(minutes=10)
    ws.infusion.refresh_clock()
    assert "RUNNING  0:10" in ws.infusion.timer_label.text()
    assert ws.infusion.reminder.isHidden()
    clock.advance(minutes=6)
    ws.infusion.refresh_clock()
    assert not ws.infusion.reminder.isHidden()
    assert "last taken 16 min ago" in ws.infusion.reminder.text()
    ws.infusion.vitals.systolic.setText("118")
    ws.infusion.vitals.heart_rate.setText("68")
    ws.infusion.record_vitals.click()
    finish()
    ws.infusion.refresh_clock()
    assert ws.infusion.reminder.isHidden()
    ws.infusion.side_effects.quick_buttons["flushing"].click()
    ws.infusion.side_effects.log.click()
    finish()
    assert ws.visit.side_effects[0].type_code == "flushing", ws.problem.text()
    ws.infusion.volume.setText("50 mL")
    clock.advance(minutes=14)
    ws.infusion.stop.click()
    finish()
    assert ws.visit.events[-1].kind.value == "stop", ws.problem.text()
    ws.review.post_pain.setText("2")
    ws.review.complete.click()  # too early: the patient is observed first
    finish()
    assert ws.visit.status is VisitStatus.INFUSING
    assert "Chart the vital signs after the infusion" in ws.problem.text()
    observe(ws, clock)
    ws.review.complete.click()
    finish()
    assert ws.visit.status is VisitStatus.COMPLETED, ws.problem.text()
    ws.review.password.setText("wrong")
    ws.review.sign.click()
    finish()
    assert "Not signed" in ws.problem.text()
    ws.review.password.setText("doctor-sign-pass-1")
    ws.review.sign.click()
    finish()  # the password is checked off the UI thread
    # no signing certificate: said at once, before any work, and the visit stays unsigned (no signature without
    # its signed note)
    assert "no signing certificate" in ws.problem.text().lower(), ws.problem.text()
    assert ws.visit.status is VisitStatus.COMPLETED
    assert ws.session.store.visits.get(ws.visit.id, by=clinic.reader).status is VisitStatus.COMPLETED
    assert ws.review.sign.isEnabled()
    assert ws.review.add_addendum.isHidden()
    assert ws.dose.panel.dose.isReadOnly()


def test_a_step_on_a_visit_saved_elsewhere_is_refused_then_shows_the_latest_keeping_what_was_typed(
        ws: VisitWorkspace, clinic: Clinic_, qtbot: QtBot) -> None:
    nurse_session = Session(store=clinic.store, drug=ws.session.drug, clock=clinic.clock,
                            signed_in=clinic.session(clinic.nurse))
    nurse_session.use_clinic(clinic.store.clinic.get())  # as read at her sign-in
    elsewhere = VisitWorkspace(nurse_session, clinic.patient,
                               clinic.store.visits.get(ws.visit.id, by=clinic.reader))
    qtbot.addWidget(elsewhere)
    elsewhere.assessment.pain.setText("6")
    elsewhere.assessment.record.click()  # the nurse's workstation saves first
    finish()
    assert elsewhere.visit.version == ws.visit.version + 1, elsewhere.problem.text()

    ws.assessment.pain.setText("8")
    ws.assessment.record.click()
    finish()
    assert "saved on another workstation" in ws.problem.text()
    assert "what you typed is still in the fields" in ws.problem.text()
    assert clinic.store.visits.get(ws.visit.id, by=clinic.reader).assessment.pain_score == 6  # nothing overwritten
    assert ws.visit.version == elsewhere.visit.version  # the screen shows the latest version now
    assert ws.assessment.pain.text() == "8"
    ws.assessment.record.click()  # pressed again, on the version now shown
    finish()
    assert clinic.store.visits.get(ws.visit.id, by=clinic.reader).assessment.pain_score == 8, ws.problem.text()


def test_a_gs1_scan_in_the_lot_field_fills_lot_and_expiry_and_names_the_product(ws: VisitWorkspace,
                                                                                qtbot: QtBot) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from infusiondesk.scan import GS, gtin_from_ndc

    assess_and_approve(ws)
    panel = ws.dose.panel
    panel.dose.setText("2 g")
    panel.product.setCurrentIndex(panel.product.findData("premix-2g-50ml"))
    panel.duration.setText("30 min")
    ws.dose.order.click()
    finish()
    assert ws.visit.dose_order is not None and ws.visit.dose_order.product_id == "premix-2g-50ml", ws.problem.text()
    r = ws.infusion.readiness
    ws.tabs.setCurrentWidget(ws.infusion)
    r.lot.setFocus()
    qtbot.keyClicks(r.lot, f"01{gtin_from_ndc('0409-6729-24')}1727073110A123B")
    # FNC1 comes as the GS control character (Ctrl+]), which QTest cannot type as text
    QApplication.sendEvent(r.lot, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_BracketRight,
                                            Qt.KeyboardModifier.ControlModifier, GS))
    qtbot.keyClicks(r.lot, "21SN42")
    qtbot.keyClick(r.lot, Qt.Key.Key_Return)  # the scanner's final Return
    finish()
    assert (r.lot.text(), r.expiry.text()) == ("A123B", "2027-07-31")
    assert "Scanned: 2 g/50 mL (4 %)" in r.scanned.text() and "serial SN42" in r.scanned.text()
    assert r.scan_error.isHidden(), r.scan_error.text()
    assert r.preparation().scan.startswith("01003040967292421727073110A123B")
    # another product: a hard stop named beside the field and in what stops the start
    r.lot.setFocus()
    r.lot.selectAll()
    qtbot.keyClicks(r.lot, f"(01){gtin_from_ndc('0409-6729-23')}(17)270731(10)X9")
    qtbot.keyClick(r.lot, Qt.Key.Key_Return)
    finish()
    assert r.scan_error.text() == "Not the ordered product: do not use it."
    assert "not the ordered product" in r.problems.text()
    # a scan with a broken product code says so; a lot typed by hand is a typed lot
    r.lot.setFocus()
    r.lot.selectAll()
    qtbot.keyClicks(r.lot, "0100304096729240172707311099")
    qtbot.keyClick(r.lot, Qt.Key.Key_Return)
    finish()
    assert "no readable product code" in r.scan_error.text()
    r.lot.setText("LOT-55")
    assert r.scanned.text() == "" and r.preparation().scan == ""
