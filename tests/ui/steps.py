"""Visit steps through the workspace's widgets, for tests whose subject is what comes after them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from infusiondesk import enrolment, pki
from infusiondesk.records.models import User, VisitStatus
from infusiondesk_ui.clock import FixedClock
from infusiondesk_ui.views.visit_workspace import VisitWorkspace

CA_PASSPHRASE = "clinic vault granite 7"  # the clinic CA's own passphrase, not any admin's password

if TYPE_CHECKING:
    import pytest
    from pytestqt.qtbot import QtBot

    from infusiondesk_ui.app import MainWindow
    from tests.ui.conftest import Clinic_


def assess_and_approve(w: VisitWorkspace) -> None:
    a = w.assessment
    for edit, text in ((a.vitals.systolic, "122"), (a.vitals.diastolic, "78"), (a.vitals.heart_rate, "70"),
                       (a.vitals.resp_rate, "16"), (a.vitals.spo2, "98"), (a.pain, "7"), (a.attacks, "4")):
        edit.setText(text)
    a.questions["heart_block"].set_value(False)
    a.record.click()
    finish()
    assert w.visit.assessment.assessed_at is not None, w.problem.text()
    a.suitable.click()
    finish()
    assert w.visit.status is VisitStatus.ASSESSED, w.problem.text()


def order(w: VisitWorkspace, dose: str = "2 g", conc: str = "2 g/50 mL", duration: str = "30 min") -> None:
    w.dose.panel.dose.setText(dose)
    w.dose.panel.concentration.setText(conc)
    w.dose.panel.duration.setText(duration)
    w.dose.order.click()
    finish()


def double_check(w: VisitWorkspace, username: str = "nkim", password: str = "nurse-chair-pass-1") -> None:
    """The second person (not the prescriber) signs in at the dose step and checks the order."""
    w.dose.check_by(username, password)
    finish()
    assert w.visit.dose_order is not None and w.visit.dose_order.double_check is not None, w.problem.text()


def get_ready(w: VisitWorkspace) -> None:
    """The checklist, with the pump read back as programmed to the order (its rate and volume as displayed)."""
    r = w.infusion.readiness
    shown = w.visit.dose_order.computed_dose.display if w.visit.dose_order is not None else {}
    r.pump_rate.setText(shown.get("rate", ""))
    r.pump_vtbi.setText(shown.get("volume", ""))
    for cb in (r.consent, r.allergies, r.calcium):
        cb.setChecked(True)
    for edit, text in ((r.weight, "64 kg"), (r.iv_site, "left antecubital"), (r.iv_gauge, "22 G"),
                       (r.iv_attempts, "1"), (r.iv_by, "N. Kim RN"), (r.lot, "LOT123"), (r.expiry, "2027-01-31")):
        edit.setText(text)


def observe(w: VisitWorkspace, clock: FixedClock, minutes: int = 30) -> None:
    """The observation after the stop: the library's 30 min, with vital signs charted at its end."""
    clock.advance(minutes=minutes)
    v = w.infusion.vitals
    for edit, text in ((v.systolic, "120"), (v.diastolic, "76"), (v.heart_rate, "68"), (v.resp_rate, "15"),
                       (v.spo2, "98")):
        edit.setText(text)
    w.infusion.record_vitals.click()
    finish()
    assert w.visit.vitals and w.visit.vitals[-1].phase == "after", w.problem.text()


def run_to_completed(w: VisitWorkspace, clock: FixedClock) -> None:
    """Assess, order 2 g over 30 min (the nurse double-checks), start, flushing grade 1, stop at 50 mL, observe
    30 min with vital signs, complete with pain 2. The nurse is at the keyboard throughout: the screen must not
    lock while the test clock jumps (the steps' outcomes wait behind a lock, and `finish` lets the idle check run)."""
    w.session.idle_lock_min = max(w.session.idle_lock_min, 120)
    assess_and_approve(w)
    order(w)
    assert w.visit.dose_order is not None, w.problem.text()
    double_check(w)
    get_ready(w)
    w.infusion.start.click()
    finish()
    assert w.visit.status is VisitStatus.INFUSING, w.problem.text()
    clock.advance(minutes=10)
    w.infusion.side_effects.choose("flushing")
    w.infusion.side_effects.log.click()
    finish()
    clock.advance(minutes=20)
    w.infusion.volume.setText("50 mL")
    w.infusion.stop.click()
    finish()
    assert w.visit.events[-1].kind.value == "stop", w.problem.text()
    observe(w, clock)
    w.review.post_pain.setText("2")
    w.review.complete.click()
    finish()
    assert w.visit.status is VisitStatus.COMPLETED, w.problem.text()


def finish(timeout_ms: int = 30_000) -> None:
    """Wait until the screens' store operations (visit steps among them) have all reported, as `settle` does, for
    steps that have no qtbot: Qt's events are processed meanwhile, so the outcome reaches the screen."""
    import time

    from PySide6.QtTest import QTest

    from infusiondesk_ui import operations

    deadline = time.monotonic() + timeout_ms / 1000
    while operations.pending():
        assert time.monotonic() < deadline, f"{operations.pending()} store operation(s) still running"
        QTest.qWait(5)
    QTest.qWait(0)  # what the last one posted (its outcome) is delivered


def settle(qtbot: QtBot, timeout_ms: int = 30_000) -> None:
    """Wait until the screens' store operations (`infusiondesk_ui.operations.StoreOp`) have all reported."""
    from infusiondesk_ui import operations

    qtbot.waitUntil(lambda: operations.pending() == 0, timeout=timeout_ms)


def sign_in(window: MainWindow, username: str, password: str) -> None:
    """Sign in as the sign-in card does, and wait for the outcome (the password check runs off the UI thread)."""
    window.sign_in(username, password)
    finish()


def open_visit(window: MainWindow, visit: object) -> VisitWorkspace:
    """Open `visit`'s workspace (its patient and history are read off the UI thread) and return it."""
    window.open_visit(visit)
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace), window.statusBar().currentMessage()
    return ws


def new_visit(window: MainWindow) -> VisitWorkspace:
    """The chart's New visit (Alt+N): the visit is created and its workspace opened; returns the workspace."""
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace), window.statusBar().currentMessage()
    return ws


def give_signing_certificates(clinic: Clinic_) -> bytes:
    """What the admin does when adding staff: a clinic CA, and a certificate for each of them."""
    now = clinic.clock.now()
    enrolment.add_clinic_ca(clinic.store, clinic.admin_session, ca_passphrase=CA_PASSPHRASE, now=now)
    for user, password in ((clinic.clinician, "doctor-sign-pass-1"), (clinic.nurse, "nurse-chair-pass-1")):
        enrolment.issue_credential(clinic.store, clinic.admin_session, user, password, ca_passphrase=CA_PASSPHRASE,
                                   now=now)
    return pki.load_clinic_ca(clinic.store).certificate_pem


def open_visit_as(window: MainWindow, clinic: Clinic_, user: User, password: str, visit_id: int) -> VisitWorkspace:
    window.sign_out()
    sign_in(window, user.username, password)
    assert window.session.user is not None and window.session.user.id == user.id
    window.session.idle_lock_min = max(window.session.idle_lock_min, 120)  # at the keyboard while the clock jumps
    window.show_chart(clinic.patient)
    finish()
    return open_visit(window, clinic.store.visits.get(visit_id, by=clinic.reader))


def clinician_workspace(qtbot: QtBot, clinic: Clinic_) -> VisitWorkspace:
    """The clinician's workspace on a new visit at 1280x800, over the real store and the visit service."""
    from infusiondesk.drugs import load_drug
    from infusiondesk_ui.session import Session

    session = Session(store=clinic.store, drug=load_drug(), clock=clinic.clock,
                      signed_in=clinic.session(clinic.clinician))
    session.use_clinic(clinic.store.clinic.get())  # what the app reads off the UI thread at sign-in
    visit = session.service.new_visit(session.require_session(), clinic.patient.id)
    w = VisitWorkspace(session, clinic.patient, visit)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


class HeldStep:
    """Wraps one service step: records the thread it ran on and how often, and holds it until `release()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, w: VisitWorkspace, name: str) -> None:
        self.threads: list[int] = []
        self.gate = threading.Event()
        real: Callable[..., Any] = getattr(w.session.service, name)

        def held(*args: Any, **kwargs: Any) -> Any:
            self.threads.append(threading.get_ident())
            assert self.gate.wait(20), "the test never released the step"
            return real(*args, **kwargs)

        monkeypatch.setattr(w.session.service, name, held)

    def release(self) -> None:
        self.gate.set()


def fill_assessment(w: VisitWorkspace) -> None:
    """Today's vitals, pain 7 and the heart-block question answered: ready to record."""
    a = w.assessment
    for edit, text in ((a.vitals.systolic, "122"), (a.vitals.diastolic, "78"), (a.vitals.heart_rate, "70"),
                       (a.vitals.resp_rate, "16"), (a.vitals.spo2, "98"), (a.pain, "7")):
        edit.setText(text)
    a.questions["heart_block"].set_value(False)
