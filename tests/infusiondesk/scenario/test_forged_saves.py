"""A draft cannot become INFUSING or SIGNED by any route: the store has no save_visit of its own, and the visit
transaction's save refuses a forged visit even when it carries every fact the status would need."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infusiondesk.drugs import load_drug
from infusiondesk.records.computed import ComputedDose
from infusiondesk.records.models import (
    DoseOrderRecord,
    InfusionEvent,
    InfusionEventKind,
    Role,
    Signature,
    SignatureMeaning,
    Suitability,
    UserSession,
    VisitStatus,
)
from infusiondesk.scenario import load_scenario
from infusiondesk.scenario.runner import ScenarioRunner
from infusiondesk.store import Store
from infusiondesk.workflow.errors import WorkflowError
from tests.infusiondesk.scenario.conftest import FILES, STAND_IN_NOTE

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def draft(tmp_path: Path) -> tuple[Store, int, UserSession, UserSession]:
    """A store with one draft visit (draft_cannot_jump), its id and a nurse's and a clinician's sessions."""
    store = Store.open(str(tmp_path / "forged.db"))
    runner = ScenarioRunner(load_scenario(FILES / "draft_cannot_jump.json"), store, load_drug())
    runner.run()
    nurse, clinician = runner.users["nina"], runner.users["carla"]
    visit = store.visits.all(by=nurse)[0]
    assert visit.status is VisitStatus.DRAFT and visit.id is not None
    return store, visit.id, nurse, clinician


def test_the_store_has_no_save_visit_of_its_own() -> None:
    assert not hasattr(Store, "save_visit") and not hasattr(Store, "store_signed_note")


def test_a_forged_infusing_visit_is_refused_by_the_transactions_save(
        draft: tuple[Store, int, UserSession, UserSession]) -> None:
    store, visit_id, session, _ = draft
    nurse_id = session.user_id
    with pytest.raises(WorkflowError) as refused, store.visits.transaction() as tx:
        nurse = tx.acting_user(session, (Role.NURSE,), "start the infusion")
        old = tx.visit(visit_id)
        forged = dataclasses.replace(
            old, status=VisitStatus.INFUSING, started_at=AT,
            assessment=dataclasses.replace(old.assessment, suitability=Suitability(True, nurse_id, AT)),
            dose_order=DoseOrderRecord("2 g", product_id="premix-2g-50ml", duration_text="30 min",
                                       computed=ComputedDose(2000, 8.1, 16.2, 40, 50.0, 100.0, 30),
                                       approved_by=nurse_id),
            events=(InfusionEvent(InfusionEventKind.START, AT, rate_ml_h=100.0, volume_infused_ml=0.0, by=nurse_id),))
        tx.save_visit(old, forged, nurse)
    assert refused.value.message == ("A visit that is a draft (not yet assessed as suitable) cannot become infusing; "
                                     "take the steps in order.")
    assert store.visits.get(visit_id, by=session).status is VisitStatus.DRAFT


def test_a_forged_signed_visit_with_a_note_is_refused(draft: tuple[Store, int, UserSession, UserSession]) -> None:
    store, visit_id, _, session = draft
    clinician_id = session.user_id
    with pytest.raises(WorkflowError) as refused, store.visits.transaction() as tx:
        clinician = tx.acting_user(session, (Role.CLINICIAN,), "sign the visit")
        old = tx.visit(visit_id)
        signature = Signature(clinician_id, clinician.full_name, "MD", SignatureMeaning.REVIEWED_APPROVED, AT)
        forged = dataclasses.replace(old, status=VisitStatus.SIGNED, signatures=(signature,))
        tx.save_visit(old, forged, clinician, note=STAND_IN_NOTE)
    assert "cannot become signed" in refused.value.message
    assert store.visits.get(visit_id, by=session).status is VisitStatus.DRAFT
    assert store.notes.get(visit_id, by=session) is None
