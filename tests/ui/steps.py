"""Visit steps through the workspace's widgets, for tests whose subject is what comes after them."""

from __future__ import annotations

from infusiondesk.records.models import VisitStatus
from ui.clock import FixedClock
from ui.views.visit_workspace import VisitWorkspace


def assess_and_approve(w: VisitWorkspace) -> None:
    a = w.assessment
    for edit, text in ((a.vitals.systolic, "122"), (a.vitals.diastolic, "78"), (a.vitals.heart_rate, "70"),
                       (a.vitals.resp_rate, "16"), (a.vitals.spo2, "98"), (a.pain, "7"), (a.attacks, "4")):
        edit.setText(text)
    a.questions["heart_block"].set_value(False)
    a.record.click()
    assert w.visit.assessment.assessed_at is not None, w.problem.text()
    a.suitable.click()
    assert w.visit.status is VisitStatus.ASSESSED, w.problem.text()


def order(w: VisitWorkspace, dose: str = "2 g", conc: str = "2 g/50 mL", duration: str = "30 min") -> None:
    w.dose.panel.dose.setText(dose)
    w.dose.panel.concentration.setText(conc)
    w.dose.panel.duration.setText(duration)
    w.dose.order.click()


def get_ready(w: VisitWorkspace) -> None:
    r = w.infusion.readiness
    for cb in (r.consent, r.allergies, r.baseline, r.calcium):
        cb.setChecked(True)
    for edit, text in ((r.weight, "64 kg"), (r.iv_site, "left antecubital"), (r.iv_gauge, "22 G"),
                       (r.iv_attempts, "1"), (r.iv_by, "N. Kim RN"), (r.lot, "LOT123"), (r.expiry, "2027-01-31")):
        edit.setText(text)


def run_to_completed(w: VisitWorkspace, clock: FixedClock) -> None:
    """Assess, order 2 g over 30 min, start, flushing grade 1, stop at 50 mL, complete with pain 2."""
    assess_and_approve(w)
    order(w)
    assert w.visit.dose_order is not None, w.problem.text()
    get_ready(w)
    w.infusion.start.click()
    assert w.visit.status is VisitStatus.INFUSING, w.problem.text()
    clock.advance(minutes=10)
    w.infusion.side_effects.choose("flushing")
    w.infusion.side_effects.log.click()
    clock.advance(minutes=20)
    w.infusion.volume.setText("50 mL")
    w.infusion.stop.click()
    w.review.post_pain.setText("2")
    w.review.complete.click()
    assert w.visit.status is VisitStatus.COMPLETED, w.problem.text()
