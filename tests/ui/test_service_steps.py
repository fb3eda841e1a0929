"""Chair-side scenarios the visit service decides, through the screens: a nurse's order waits for a clinician's
approval; a toxicity alert blocks resuming until it is acknowledged; an over-infusion is charted as read, with
a reason, once the nurse confirms the pump reading; a signing whose note worker fails leaves the visit unsigned."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import AlertAction, Role, VisitStatus
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import (
    assess_and_approve,
    double_check,
    finish,
    get_ready,
    give_signing_certificates,
    observe,
    open_visit_as,
    order,
    run_to_completed,
    sign_in,
)

AWAITING = "waits for a clinician's approval"


def new_visit_as(window: MainWindow, clinic: Clinic_, username: str, password: str) -> VisitWorkspace:
    sign_in(window, username, password)
    assert window.session.user is not None, window.signin.error.text()
    window.session.idle_lock_min = 120  # at the keyboard while the test clock jumps (a lock holds the outcomes)
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    return ws


def running(window: MainWindow, clinic: Clinic_) -> VisitWorkspace:
    """The clinician's visit, ordered 2 g of 2 g/50 mL over 30 min, double-checked by the nurse, started."""
    ws = new_visit_as(window, clinic, "drlee", "doctor-sign-pass-1")
    assess_and_approve(ws)
    order(ws)
    double_check(ws)
    get_ready(ws)
    ws.infusion.start.click()
    finish()
    assert ws.visit.status is VisitStatus.INFUSING, ws.problem.text()
    ws.tabs.setCurrentWidget(ws.infusion)
    return ws


def test_a_nurses_order_waits_for_a_clinicians_approval(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    second_nurse = clinic.store.users.create("nlee", "Nat Lee", Role.NURSE, "second-nurse-pass-2", "RN",
                                            by=clinic.admin_session)
    ws = new_visit_as(window, clinic, "drlee", "doctor-sign-pass-1")
    assess_and_approve(ws)
    visit_id = ws.visit.id

    # the nurse enters the order: it is saved, and waits
    ws = open_visit_as(window, clinic, clinic.nurse, "nurse-chair-pass-1", visit_id)
    order(ws)
    entered = ws.visit.dose_order
    assert entered is not None and entered.ordered_by == clinic.nurse.id, ws.problem.text()
    assert entered.approved_by is None
    assert "awaiting a clinician's approval" in ws.dose.status.text()
    assert ws.dose.approve.isHidden()  # a nurse does not approve
    assert not ws.dose.check.isEnabled()  # nor can anyone double-check an unapproved order
    get_ready(ws)
    assert not ws.infusion.start.isEnabled()
    assert AWAITING in ws.infusion.start.toolTip()
    assert AWAITING in ws.infusion.readiness.problems.text()
    ws.infusion.do_start()  # F5 pressed anyway: refused in words, nothing started
    finish()
    assert ws.visit.status is VisitStatus.ASSESSED and AWAITING in ws.problem.text()
    ws.dose.approve_order()  # a stale screen's Approve: the service refuses by the nurse's role
    finish()
    assert "Only a clinician can approve" in ws.problem.text()
    assert clinic.store.visits.get(visit_id, by=clinic.reader).dose_order.approved_by is None  # type: ignore[union-attr]

    # the clinician sees the Approve button and approves the nurse's entry
    ws = open_visit_as(window, clinic, clinic.clinician, "doctor-sign-pass-1", visit_id)
    assert ws.dose.approve.isVisible() and ws.dose.approve.isEnabled()
    ws.dose.approve.click()
    finish()
    approved = clinic.store.visits.get(visit_id, by=clinic.reader).dose_order
    assert approved is not None and approved.approved_by == clinic.clinician.id, ws.problem.text()
    assert approved.ordered_by == clinic.nurse.id
    assert "approved by Dana Lee" in ws.dose.status.text() and ws.dose.approve.isHidden()

    # the double check is by a third person: neither the nurse who entered it nor the clinician who approved it
    ws.dose.check_by("nkim", "nurse-chair-pass-1")
    finish()
    assert "someone other than" in ws.problem.text()
    double_check(ws, "nlee", "second-nurse-pass-2")
    assert ws.visit.dose_order.double_check.by == second_nurse.id  # type: ignore[union-attr]
    get_ready(ws)
    assert ws.infusion.start.isEnabled(), ws.infusion.readiness.problems.text()
    ws.infusion.start.click()
    finish()
    assert ws.visit.status is VisitStatus.INFUSING, ws.problem.text()


def test_an_alert_from_a_respiratory_rate_of_8_blocks_resume_until_acknowledged(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    ws = running(window, clinic)
    view = ws.infusion
    assert view.alerts.isHidden()
    clinic.clock.advance(minutes=10)
    view.vitals.resp_rate.setText("8")
    view.vitals.heart_rate.setText("70")
    view.record_vitals.click()
    finish()
    assert [a.code for a in ws.visit.alerts] == ["toxicity.resp_rate_low"], ws.problem.text()
    assert view.alerts.isVisible()
    assert "Respiratory rate below 12" in view.alerts.text.text()
    assert "not acknowledged" in view.alerts.text.text()

    view.volume.setText("17 mL")
    view.reason.setText("RR 8: stopped the pump, clinician called")
    view.pause.click()
    finish()
    assert ws.visit.events[-1].kind.value == "pause", ws.problem.text()
    assert not view.resume.isEnabled()
    assert "alert is not acknowledged" in view.resume.toolTip()
    view.do_resume()  # pressed anyway (the shortcut): the service refuses, the infusion stays paused
    finish()
    assert ws.visit.events[-1].kind.value == "pause"
    assert "an alert is not acknowledged" in ws.problem.text()

    view.alerts.button.click()  # no action chosen yet
    finish()
    assert "Choose what was done" in ws.problem.text()
    assert ws.visit.alerts[0].open
    view.alerts.action.set_value(AlertAction.PAUSED)
    view.alerts.note.setText("Paused; Dr Lee reviewed, RR back to 14")
    view.alerts.button.click()
    finish()
    alert = clinic.store.visits.get(ws.visit.id, by=clinic.reader).alerts[0]
    assert alert.action is AlertAction.PAUSED and alert.acknowledged_by == clinic.clinician.id, ws.problem.text()
    assert alert.note == "Paused; Dr Lee reviewed, RR back to 14"
    assert view.alerts.isHidden() and view.resume.isEnabled()
    view.resume.click()
    finish()
    assert ws.visit.events[-1].kind.value == "resume", ws.problem.text()
    assert "Alert" in ws.review.summary.toPlainText() and "paused" in ws.review.summary.toPlainText()


def test_an_over_infusion_of_60_ml_on_a_50_ml_order_is_charted_with_a_reason_after_confirming(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = running(window, clinic)
    view = ws.infusion
    asked: list[str] = []
    answer = {"yes": False}

    def confirm(message: str) -> bool:
        asked.append(message)
        return answer["yes"]

    monkeypatch.setattr(view, "confirm_volume", confirm)
    clinic.clock.advance(minutes=30)
    view.volume.setText("60 mL")
    view.stop.click()  # no reason: an over-infusion is charted with what happened
    finish()
    assert ws.visit.events[-1].kind.value == "start"
    assert "over-infusion" in ws.problem.text() and asked == []
    assert view.volume.text() == "60 mL"  # what was typed stays

    view.reason.setText("Pump free-flowed when the line was re-seated; clinician informed")
    view.stop.click()  # more than the pump could give in 30 min at 100 mL/h: the nurse is asked to confirm
    finish()
    assert len(asked) == 1 and "more than the pump could give" in asked[0]
    assert ws.visit.events[-1].kind.value == "start"  # not confirmed: nothing charted
    assert view.volume.text() == "60 mL" and view.reason.text().startswith("Pump free-flowed")

    answer["yes"] = True
    view.stop.click()
    finish()
    stop = clinic.store.visits.get(ws.visit.id, by=clinic.reader).events[-1]
    assert stop.kind.value == "stop", ws.problem.text()
    assert stop.volume_infused_ml == 60 and stop.confirmed
    assert stop.reason == "Pump free-flowed when the line was re-seated; clinician informed"
    assert len(asked) == 2 and view.volume.text() == ""
    assert "60 mL infused" in ws.review.summary.toPlainText()


@pytest.mark.parametrize("failure", ["killed", "crashes"])
def test_signing_when_the_note_worker_fails_leaves_the_visit_unsigned_and_sign_enabled(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    give_signing_certificates(clinic)
    ws = new_visit_as(window, clinic, "drlee", "doctor-sign-pass-1")
    run_to_completed(ws, clinic.clock)
    visit_id = ws.visit.id
    version = ws.visit.version
    docs = ws.review.documents
    if failure == "crashes":  # a warm worker that dies at once (here: a module that is not there)
        from infusiondesk_ui import warm_worker

        warm_worker.stop(5_000)
        monkeypatch.setattr(warm_worker, "SERVER", "ui.no_such_note_worker")
    window.last_activity = clinic.clock.now()
    ws.review.password.setText("doctor-sign-pass-1")
    ws.review.sign.click()
    finish()
    assert docs.busy and not ws.review.sign.isEnabled(), ws.problem.text()
    if failure == "killed":
        docs.worker.kill()  # the child is killed in the middle of rendering and signing
    qtbot.waitUntil(lambda: not docs.busy, timeout=30_000)

    saved = clinic.store.visits.get(visit_id, by=clinic.reader)
    assert saved.status is VisitStatus.COMPLETED and saved.version == version and not saved.signatures
    assert clinic.store.notes.get(visit_id, by=clinic.reader) is None
    assert ws.visit.status is VisitStatus.COMPLETED
    assert ws.review.sign.isEnabled() and ws.review.password.isEnabled()
    assert "Not signed" in ws.review.doc_status.text() and "sign again" in ws.review.doc_status.text()
    assert "not signed" in ws.problem.text()
    assert "signature" not in [e["event"] for e in clinic.store.audit.entries(by=clinic.admin_session)]

    monkeypatch.undo()
    window.last_activity = clinic.clock.now()
    ws.review.password.setText("doctor-sign-pass-1")  # and signing again works
    ws.review.sign.click()
    finish()
    qtbot.waitUntil(lambda: not docs.busy, timeout=30_000)
    finish()
    assert ws.visit.status is VisitStatus.SIGNED, ws.problem.text()
    assert clinic.store.notes.get(visit_id, by=clinic.reader) is not None


def test_the_exported_draft_of_an_unsigned_visit_never_says_signed(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, tmp_path: Path) -> None:
    import io

    from pypdf import PdfReader

    ws = new_visit_as(window, clinic, "drlee", "doctor-sign-pass-1")
    assess_and_approve(ws)
    order(ws)
    double_check(ws)
    get_ready(ws)
    ws.infusion.start.click()
    finish()
    clinic.clock.advance(minutes=30)
    ws.infusion.volume.setText("50 mL")
    ws.infusion.stop.click()
    finish()
    observe(ws, clinic.clock)
    ws.review.complete.click()
    finish()
    assert ws.visit.status is VisitStatus.COMPLETED, ws.problem.text()
    out = tmp_path / "draft.pdf"
    docs = ws.review.documents
    window.last_activity = clinic.clock.now()
    docs._with_pdf(lambda pdf, signed: docs.export(pdf, signed, path=str(out)))  # Export, without the dialog
    qtbot.waitUntil(lambda: out.exists(), timeout=30_000)
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "DRAFT — not signed" in text
    assert "Reviewed and approved by" not in text  # no approval is claimed before it is made
    assert ws.review.doc_status.text().startswith("Exported DRAFT to ")
    finish()  # its audit entry is appended off the UI thread
    export = [e for e in clinic.store.audit.entries(by=clinic.admin_session) if e["event"] == "export_note"]
    assert export and export[-1]["detail"]["signed"] is False
