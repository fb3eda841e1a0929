"""The visit workspace over the pure workflow: each step through the screen, refusals shown in words."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Allergy, Patient, RenalStatus, Role, User, Visit, VisitStatus
from tests.ui.fakes import MemoryStore
from tests.ui.steps import assess_and_approve, get_ready, order
from ui.clock import FixedClock
from ui.session import Session
from ui.views.visit_workspace import VisitWorkspace

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLINICIAN = User(2, "drlee", "Dana Lee", Role.CLINICIAN, "MD")
NURSE = User(1, "nkim", "Noor Kim", Role.NURSE, "RN")
PATIENT = Patient(7, "MRN-0007", "Rivera", "Ana", date(1985, 6, 1), "female", weight_kg=64,
                  allergies=(Allergy("penicillin", "rash"),), renal_status=RenalStatus.NORMAL,
                  migraine_diagnosis=True)


@pytest.fixture
def ws(qtbot: QtBot) -> VisitWorkspace:
    store = MemoryStore({"drlee": (CLINICIAN, "pw-dr"), "nkim": (NURSE, "pw-n")})
    session = Session(store=store, drug=load_drug(), clock=FixedClock(START), user=CLINICIAN)
    w = VisitWorkspace(session, PATIENT, Visit(1, PATIENT.id or 0, created_at=START))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_the_banner_shows_who_the_patient_is(ws: VisitWorkspace) -> None:
    assert "RIVERA, Ana" in ws.banner.identity.text()
    assert "MRN-0007" in ws.banner.identity.text()
    assert "penicillin" in ws.banner.allergies.text()


def test_screening_updates_as_questions_are_answered(ws: VisitWorkspace) -> None:
    ws.assessment.questions["myasthenia_gravis"].set_value(True)
    assert "Myasthenia gravis" in ws.assessment.screening.text()
    ws.assessment.questions["myasthenia_gravis"].set_value(False)
    assert "Myasthenia gravis" not in ws.assessment.screening.text()


def test_a_nurse_cannot_decide_suitability(ws: VisitWorkspace) -> None:
    ws.session.user = NURSE
    ws.assessment.record.click()
    ws.assessment.show_visit(ws.visit)
    assert not ws.assessment.suitable.isEnabled()


def test_the_soft_override_reason_is_required_to_order(ws: VisitWorkspace, qtbot: QtBot) -> None:
    assess_and_approve(ws)
    order(ws, dose="3 g", conc="4 g/100 mL", duration="1 h")
    assert ws.visit.dose_order is None
    assert "Write a reason for each warning" in ws.problem.text()
    qtbot.keyClicks(ws.dose.panel.findings.reason_edits["dose.max.soft"], "refractory, neurology advised")
    ws.dose.order.click()
    assert ws.visit.dose_order is not None
    assert ws.visit.dose_order.overrides[0].reason == "refractory, neurology advised"


def test_a_hard_stop_blocks_the_start_and_is_audited(ws: VisitWorkspace) -> None:
    assess_and_approve(ws)
    order(ws, duration="10 min")
    assert ws.visit.dose_order is None
    assert "cannot be ordered" in ws.problem.text()
    assert ws.session.store.audits[0][0] == "hard_stop"
    get_ready(ws)
    assert not ws.infusion.start.isEnabled()
    ws.infusion.do_start()
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
    assert lot.text() == "LOT-7781A"
    assert ws.infusion.readiness.expiry.hasFocus()


def test_running_pausing_stopping_and_the_vitals_reminder(ws: VisitWorkspace) -> None:
    assess_and_approve(ws)
    order(ws)
    get_ready(ws)
    assert ws.infusion.start.isEnabled(), ws.infusion.readiness.problems.text()
    ws.infusion.start.click()
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
    ws.infusion.refresh_clock()
    assert ws.infusion.reminder.isHidden()
    ws.infusion.side_effects.quick_buttons["flushing"].click()
    ws.infusion.side_effects.log.click()
    assert ws.visit.side_effects[0].type_code == "flushing", ws.problem.text()
    ws.infusion.volume.setText("50 mL")
    clock.advance(minutes=14)
    ws.infusion.stop.click()
    assert ws.visit.events[-1].kind.value == "stop", ws.problem.text()
    ws.review.post_pain.setText("2")
    ws.review.complete.click()
    assert ws.visit.status is VisitStatus.COMPLETED, ws.problem.text()
    ws.review.password.setText("wrong")
    ws.review.sign.click()
    assert "Not signed" in ws.problem.text()
    ws.review.password.setText("pw-dr")
    ws.review.sign.click()
    assert ws.visit.status is VisitStatus.SIGNED, ws.problem.text()
    assert "no signing certificate" in ws.review.doc_status.text()  # said at once, not after a failed job
    assert not ws.review.add_addendum.isHidden()
    assert ws.dose.panel.dose.isReadOnly()
