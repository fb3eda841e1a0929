"""The clinic's remote approval policy, as carried to the laptop at checkout: "at sync" (the default) keeps a
clinician's approval of the order for the clinic, so a visit charted away is pushed awaiting approval, approved in
the clinic, and pulled back approved; "allowed" lets a clinician signed in on the laptop approve there."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from infusiondesk.drugs import load_drug
from infusiondesk.mobile import day, laptop
from infusiondesk.records.models import ClinicPolicy, MigraineFeatures, Visit, VisitStatus
from infusiondesk.records.remote_approval import RemoteApproval
from infusiondesk.service import AssessmentEntry, OrderEntry, Step, VisitService
from infusiondesk.store import Store, tables
from infusiondesk.store.visit_tx import visit_from_row
from infusiondesk.workflow.errors import WorkflowError
from tests.clinic_day import baseline, chart_visit
from tests.infusiondesk.mobile.day import HOME_VISIT, check_out
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff

WAITS = "waits for a clinician's approval in the clinic"


def _step(who: object, visit: Visit, minutes: float) -> Step:
    assert visit.id is not None
    return Step(who, visit.id, visit.version, HOME_VISIT + timedelta(minutes=minutes))  # type: ignore[arg-type]


def _visit_by_uid(store: Store, uid: str) -> Visit:
    """The visit as stored (sync matches visits by uid: the laptop and the clinic number them differently)."""
    with store.engine.connect() as conn:
        return visit_from_row(conn.execute(select(tables.visits).where(tables.visits.c.uid == uid)).one())


def _uid(store: Store, visit_id: int) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(select(tables.visits.c.uid).where(tables.visits.c.id == visit_id)).scalar_one())


def test_at_sync_the_visit_waits_for_approval_in_the_clinic_and_comes_back_approved(
        store: Store, staff: Staff, tmp_path: Path) -> None:
    d = check_out(store, staff, tmp_path, remote_approval=RemoteApproval.AT_SYNC)
    # The clinic changes its policy after the checkout: the laptop keeps the policy it carried.
    store.clinic.set_policy(ClinicPolicy(mobile_remote_approval=RemoteApproval.ALLOWED), staff.admin)
    lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
    try:
        nina, carl = lap.users.sign_in("nina", PASSWORD), lap.users.sign_in("carl", PASSWORD)
        svc = VisitService(lap, day.laptop_drug(lap))
        assert d.jane.id is not None
        visit = svc.new_visit(nina, d.jane.id)
        visit = svc.assess(_step(nina, visit, 1), AssessmentEntry(baseline(HOME_VISIT), 7,
                                                                  answers={"heart_block": False},
                                                                  migraine=MigraineFeatures()))
        visit = svc.decide(_step(carl, visit, 5), True, "")
        with pytest.raises(WorkflowError, match=WAITS):  # a clinician's order would be approved at once
            svc.order(_step(carl, visit, 9), OrderEntry("2 g", product="premix-2g-50ml", duration="30 min",
                                                        weight="70 kg"))
        visit = svc.order(_step(nina, visit, 10), OrderEntry("2 g", product="premix-2g-50ml", duration="30 min",
                                                             weight="70 kg"))
        with pytest.raises(WorkflowError, match=WAITS):
            svc.approve_order(_step(carl, visit, 11))
        assert visit.dose_order is not None and visit.dose_order.approved_by is None
        uid = _uid(lap, visit.id)  # type: ignore[arg-type]
    finally:
        lap.close()

    report = day.sync(store, staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())

    assert report.pushed_visits == 1
    pushed = _visit_by_uid(store, uid)
    assert pushed.dose_order is not None and pushed.dose_order.approved_by is None  # awaiting approval
    clinic_svc = VisitService(store, load_drug(None))
    approved = clinic_svc.approve_order(Step(staff.clinician, pushed.id, pushed.version,  # type: ignore[arg-type]
                                             HOME_VISIT + timedelta(hours=4)))
    assert approved.dose_order is not None and approved.dose_order.approved_by == staff.clinician.user_id

    again = day.sync(store, staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())

    assert again.pulled_visits == 1 and not again.conflicts
    lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
    try:
        back = _visit_by_uid(lap, uid)
    finally:
        lap.close()
    assert back.dose_order is not None and back.dose_order.approved_by == staff.clinician.user_id
    assert back.version == approved.version


def test_at_sync_does_not_touch_approval_in_the_clinic(store: Store, staff: Staff, tmp_path: Path) -> None:
    """The policy is about laptops: the clinic's own database has no laptop row, so its clinicians approve."""
    d = check_out(store, staff, tmp_path, remote_approval=RemoteApproval.AT_SYNC)
    assert store.clinic.policy().mobile_remote_approval is RemoteApproval.AT_SYNC
    visit = chart_visit(store, load_drug(None), d.jane, staff.nurse, staff.nurse2, staff.clinician,
                        HOME_VISIT - timedelta(hours=4), until=VisitStatus.ASSESSED)
    assert visit.dose_order is not None and visit.dose_order.approved_by == staff.clinician.user_id


def test_allowed_a_clinician_signed_in_on_the_laptop_approves_there(store: Store, staff: Staff,
                                                                    tmp_path: Path) -> None:
    d = check_out(store, staff, tmp_path, remote_approval=RemoteApproval.ALLOWED)
    lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
    try:
        assert lap.clinic.policy().mobile_remote_approval is RemoteApproval.ALLOWED  # carried at checkout
        nina, carl = lap.users.sign_in("nina", PASSWORD), lap.users.sign_in("carl", PASSWORD)
        svc = VisitService(lap, day.laptop_drug(lap))
        assert d.jane.id is not None
        visit = svc.new_visit(nina, d.jane.id)
        visit = svc.assess(_step(nina, visit, 1), AssessmentEntry(baseline(HOME_VISIT), 7,
                                                                  answers={"heart_block": False},
                                                                  migraine=MigraineFeatures()))
        visit = svc.decide(_step(carl, visit, 5), True, "")
        visit = svc.order(_step(nina, visit, 10), OrderEntry("2 g", product="premix-2g-50ml", duration="30 min",
                                                             weight="70 kg"))
        visit = svc.approve_order(_step(carl, visit, 11))
        assert visit.dose_order is not None and visit.dose_order.approved_by == carl.user_id
    finally:
        lap.close()
