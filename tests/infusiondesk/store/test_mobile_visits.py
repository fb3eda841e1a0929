"""Mobile visits (issue 16 item 3) through the visit service's public steps with a real store: the location is
validated and recorded, and a mobile infusion does not start until the home-visit items the clinic's policy asks
for are done."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from infusiondesk.auth import PermissionDenied
from infusiondesk.drugs import load_drug
from infusiondesk.records.location import MobileCover, VisitSetting
from infusiondesk.records.models import ClinicPolicy, IVAccess, Patient, Visit, VisitStatus
from infusiondesk.service import LocationEntry, Preparation, Step, VisitService
from infusiondesk.store import Store
from infusiondesk.workflow import WorkflowError
from infusiondesk.workflow.mobile import mobile_rules
from tests.clinic_day import chart_visit, pump_readback
from tests.infusiondesk.store.conftest import Staff

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # 09:00 in the test clinic's zone (UTC)
ADDRESS = "14 Orchard Lane, Riverside"
EITHER_WORDS = "needs a second person present for the infusion or a phone check-in with the clinic arranged"


@pytest.fixture
def svc(store: Store) -> VisitService:
    return VisitService(store, load_drug(None))


def assessed(store: Store, staff: Staff, patient: Patient) -> Visit:
    """Ms Smith's visit, ready to start as an in-clinic visit would be (ordered, checked, checklist done)."""
    return chart_visit(store, load_drug(None), patient, staff.nurse, staff.nurse2, staff.clinician, T0,
                       until=VisitStatus.ASSESSED)


def step(staff: Staff, visit: Visit, minutes: float, who: str = "nurse") -> Step:
    assert visit.id is not None
    return Step(getattr(staff, who), visit.id, visit.version, T0 + timedelta(minutes=minutes))


def go_mobile(svc: VisitService, staff: Staff, visit: Visit, setting: str = "home") -> Visit:
    return svc.set_location(step(staff, visit, 16), LocationEntry(
        setting, ADDRESS, departed_at=T0 - timedelta(minutes=40), arrived_at=T0 - timedelta(minutes=5)))


def checklist(svc: VisitService, staff: Staff, visit: Visit, **home: bool) -> Visit:
    """The chair checklist as chart_visit records it, with the home-visit items given."""
    return svc.prepare(step(staff, visit, 17), Preparation(
        consent=True, allergies_reviewed=True, weight_change_acknowledged=True,
        iv=IVAccess("left forearm", "22G", 1, "Nina Nurse", T0), lot="LOT-A1", expiry=date(2099, 1, 31),
        calcium_gluconate_at_chair=True, **pump_readback(visit), **home))


def refusal(svc: VisitService, staff: Staff, visit: Visit) -> str:
    with pytest.raises(WorkflowError) as caught:
        svc.start(step(staff, visit, 20))
    return str(caught.value)


def test_a_visit_is_in_clinic_unless_the_nurse_says_otherwise(store: Store, staff: Staff, svc: VisitService,
                                                               patient_factory: Callable[..., Patient]) -> None:
    visit = assessed(store, staff, patient_factory(no_known_allergies=True))
    assert visit.location.setting is VisitSetting.CLINIC and not visit.location.mobile
    started = svc.start(step(staff, visit, 20))
    assert started.status is VisitStatus.INFUSING


def test_the_location_is_recorded_versioned_and_audited(store: Store, staff: Staff, svc: VisitService,
                                                        patient_factory: Callable[..., Patient]) -> None:
    visit = assessed(store, staff, patient_factory(no_known_allergies=True))
    mobile = go_mobile(svc, staff, visit, "office")
    assert mobile.version == visit.version + 1
    again = store.visits.get(mobile.id, by=staff.nurse)
    assert again.location.setting is VisitSetting.OFFICE
    assert again.location.address == ADDRESS
    assert again.location.arrived_at == T0 - timedelta(minutes=5)
    assert again.location.recorded_by == staff.nurse.user_id
    changes = store.audit.entries("visits", mobile.id, by=staff.admin)
    assert "location" in changes[-1]["detail"]["fields"]


def test_a_mobile_start_is_refused_until_the_home_visit_items_are_done(
        store: Store, staff: Staff, svc: VisitService, patient_factory: Callable[..., Patient]) -> None:
    visit = go_mobile(svc, staff, assessed(store, staff, patient_factory(no_known_allergies=True)))
    message = refusal(svc, staff, visit)
    for item in mobile_rules().items:
        assert item.problem in message
    assert EITHER_WORDS in message
    ready = checklist(svc, staff, visit, emergency_plan_reviewed=True, calcium_gluconate_in_kit=True,
                      phone_check_in_arranged=True)
    assert svc.start(step(staff, ready, 20)).status is VisitStatus.INFUSING


@pytest.mark.parametrize(("policy", "refused", "accepted"), [
    (MobileCover.SECOND_PERSON, "phone_check_in_arranged", "second_person_present"),
    (MobileCover.PHONE_CHECK_IN, "second_person_present", "phone_check_in_arranged"),
])
def test_the_clinic_policy_chooses_which_cover_a_mobile_visit_needs(
        store: Store, staff: Staff, svc: VisitService, patient_factory: Callable[..., Patient],
        policy: MobileCover, refused: str, accepted: str) -> None:
    store.clinic.set_policy(ClinicPolicy(mobile_cover=policy), staff.admin)
    visit = go_mobile(svc, staff, assessed(store, staff, patient_factory(no_known_allergies=True)))
    done = {"emergency_plan_reviewed": True, "calcium_gluconate_in_kit": True}
    wrong = checklist(svc, staff, visit, **done, **{refused: True})
    message = refusal(svc, staff, wrong)
    assert message.startswith("The infusion cannot start yet: The clinic's policy for mobile visits needs ")
    assert mobile_rules().cover[accepted].problem in message
    assert mobile_rules().cover[refused].problem not in message
    right = checklist(svc, staff, wrong, **done, **{accepted: True})
    assert svc.start(step(staff, right, 20)).status is VisitStatus.INFUSING


def test_with_either_policy_neither_cover_is_refused_and_one_is_enough(
        store: Store, staff: Staff, svc: VisitService, patient_factory: Callable[..., Patient]) -> None:
    assert store.clinic.policy().mobile_cover is MobileCover.EITHER  # the default
    visit = go_mobile(svc, staff, assessed(store, staff, patient_factory(no_known_allergies=True)))
    bare = checklist(svc, staff, visit, emergency_plan_reviewed=True, calcium_gluconate_in_kit=True)
    assert EITHER_WORDS in refusal(svc, staff, bare)
    right = checklist(svc, staff, bare, emergency_plan_reviewed=True, calcium_gluconate_in_kit=True,
                      second_person_present=True)
    assert svc.start(step(staff, right, 20)).status is VisitStatus.INFUSING


def test_the_antidote_in_the_kit_is_needed_at_home_even_with_it_ticked_at_the_chair(
        store: Store, staff: Staff, svc: VisitService, patient_factory: Callable[..., Patient]) -> None:
    visit = go_mobile(svc, staff, assessed(store, staff, patient_factory(no_known_allergies=True)))
    no_kit = checklist(svc, staff, visit, emergency_plan_reviewed=True, phone_check_in_arranged=True)
    assert no_kit.readiness.calcium_gluconate_available
    message = refusal(svc, staff, no_kit)
    assert "not confirmed in the mobile kit" in message
    assert "emergency plan" not in message


def test_a_mobile_visit_needs_its_arrival_time_before_the_start(
        store: Store, staff: Staff, svc: VisitService, patient_factory: Callable[..., Patient]) -> None:
    visit = assessed(store, staff, patient_factory(no_known_allergies=True))
    visit = svc.set_location(step(staff, visit, 16), LocationEntry("home", ADDRESS))
    ready = checklist(svc, staff, visit, emergency_plan_reviewed=True, calcium_gluconate_in_kit=True,
                      phone_check_in_arranged=True)
    assert "The arrival time at the patient's address is not recorded" in refusal(svc, staff, ready)


@pytest.mark.parametrize(("entry", "message"), [
    (LocationEntry("home", "   "), "Enter the address of the patient's home for a mobile visit."),
    (LocationEntry("office", ""), "Enter the address of the patient's office for a mobile visit."),
    (LocationEntry("home", ADDRESS, departed_at=T0 - timedelta(minutes=10), arrived_at=T0 - timedelta(minutes=30)),
     "The arrival time 08:30 is before the departure time 08:50; correct one of them."),
    (LocationEntry("home", ADDRESS, arrived_at=T0 + timedelta(minutes=30)),
     "The arrival time 09:30 is in the future (it is now 09:16); enter the time it happened."),
    (LocationEntry("home", ADDRESS, departed_at=T0 + timedelta(hours=2)),
     "The departure time 11:00 is in the future (it is now 09:16); enter the time it happened."),
    (LocationEntry("car park", ADDRESS), '"car park" is not a visit location; choose clinic, home or office.'),
    (LocationEntry("clinic", "", arrived_at=T0), "Travel times are for mobile visits only"),
])
def test_a_location_that_cannot_be_true_is_refused_with_a_sentence(
        store: Store, staff: Staff, svc: VisitService, patient_factory: Callable[..., Patient],
        entry: LocationEntry, message: str) -> None:
    visit = assessed(store, staff, patient_factory(no_known_allergies=True))
    with pytest.raises(WorkflowError, match=message.replace("(", r"\(").replace(")", r"\)")):
        svc.set_location(step(staff, visit, 16), entry)
    assert store.visits.get(visit.id, by=staff.nurse).version == visit.version  # nothing saved


def test_times_are_read_in_the_clinics_zone(store: Store, staff: Staff, svc: VisitService,
                                             patient_factory: Callable[..., Patient]) -> None:
    clinic = store.clinic.get()
    store.clinic.update(dataclasses.replace(clinic, timezone="America/New_York"), staff.admin)
    visit = assessed(store, staff, patient_factory(no_known_allergies=True))
    with pytest.raises(WorkflowError, match="arrival time 04:30 is in the future"):
        svc.set_location(step(staff, visit, 16), LocationEntry("home", ADDRESS, arrived_at=T0 + timedelta(minutes=30)))


def test_the_location_is_fixed_once_the_infusion_starts_and_only_charting_staff_record_it(
        store: Store, staff: Staff, svc: VisitService, patient_factory: Callable[..., Patient]) -> None:
    visit = assessed(store, staff, patient_factory(no_known_allergies=True))
    with pytest.raises(PermissionDenied):
        svc.set_location(step(staff, visit, 16, who="admin"), LocationEntry("home", ADDRESS))
    started = svc.start(step(staff, visit, 20))
    with pytest.raises(WorkflowError, match="the infusion has started"):
        svc.set_location(step(staff, started, 21), LocationEntry("home", ADDRESS))


def test_only_an_admin_sets_the_mobile_policy_and_it_is_audited(store: Store, staff: Staff) -> None:
    with pytest.raises(PermissionDenied):
        store.clinic.set_policy(ClinicPolicy(mobile_cover=MobileCover.SECOND_PERSON), staff.nurse)
    assert store.clinic.policy().mobile_cover is MobileCover.EITHER
    store.clinic.set_policy(ClinicPolicy(mobile_cover=MobileCover.PHONE_CHECK_IN), staff.admin)
    store.clinic.set_policy(ClinicPolicy(mobile_cover=MobileCover.SECOND_PERSON), staff.admin)
    assert store.clinic.policy() == ClinicPolicy(double_check_required=True, mobile_cover=MobileCover.SECOND_PERSON)
    entry = store.audit.entries("clinic_policy", by=staff.admin)[-1]
    assert entry["username"] == "admin"
    assert entry["detail"]["fields"] == ["mobile_cover"]
    assert entry["detail"]["before"] == {"mobile_cover": "phone_check_in"}


def test_a_clinic_upgraded_from_0007_keeps_its_rules_and_gets_either_cover(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from infusiondesk.store.engine import MIGRATIONS

    db = tmp_path / "clinic.db"
    store = Store.open(str(db))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:  # the schema as InfusionDesk left it before mobile visits
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
    store.close()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO clinic_policy (id, double_check_required) VALUES (1, 0)")
    upgraded = Store.open(str(db))
    try:
        assert upgraded.clinic.policy() == ClinicPolicy(double_check_required=False, mobile_cover=MobileCover.EITHER)
    finally:
        upgraded.close()


def test_todays_board_marks_a_mobile_visit(store: Store, staff: Staff, svc: VisitService,
                                           patient_factory: Callable[..., Patient]) -> None:
    from infusiondesk.worklists import today_board

    patient = patient_factory(no_known_allergies=True)
    at_home = go_mobile(svc, staff, assessed(store, staff, patient))
    other = patient_factory(mrn="MRN0002", no_known_allergies=True)
    in_clinic = assessed(store, staff, other)
    rows = {r.visit_id: r for r in today_board([(at_home, patient), (in_clinic, other)], T0)}
    assert rows[at_home.id].detail == "mobile: home"
    assert "mobile" not in rows[in_clinic.id].detail
