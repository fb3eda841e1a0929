"""Users, roles, first-run setup and sign-in lockout."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from infusiondesk.auth import MAX_FAILED_SIGN_INS
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Clinic, Patient, Role, VisitStatus
from infusiondesk.store import AuthError, PermissionDenied, Store
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff


def test_first_run_creates_the_clinic_and_its_admin(empty_store: Store) -> None:
    assert empty_store.clinic.needs_setup()
    admin = empty_store.clinic.setup(Clinic("Hill Clinic", "2 Hill St", "555-0199", "Tue-Sat 9-16"),
                                     "Boss", "Bea Boss", PASSWORD)
    assert not empty_store.clinic.needs_setup()
    assert admin.user.role is Role.ADMIN and admin.user.username == "boss"  # signed in: a session
    assert empty_store.users.current(admin) == admin.user
    assert empty_store.clinic.get() == Clinic("Hill Clinic", "2 Hill St", "555-0199", "Tue-Sat 9-16")
    again = empty_store.users.sign_in("boss", PASSWORD)
    assert again.user == admin.user and again.id != admin.id and again.token != admin.token
    with pytest.raises(DomainError, match="already set up"):
        empty_store.clinic.setup(Clinic("Again"), "x", "X", PASSWORD)


def test_passwords_are_stored_as_argon2id_hashes(store: Store, staff: Staff) -> None:
    from sqlalchemy import select

    from infusiondesk.store import tables

    with store.engine.connect() as conn:
        hashes = conn.execute(select(tables.users.c.password_hash)).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_a_short_password_is_refused(store: Store, staff: Staff) -> None:
    with pytest.raises(DomainError, match="at least 15 characters"):
        store.users.create("short", "Short Pw", Role.NURSE, "abc", by=staff.admin)


def test_only_an_admin_adds_users_or_changes_the_clinic(store: Store, staff: Staff) -> None:
    with pytest.raises(PermissionDenied, match="Only an admin can add users"):
        store.users.create("eve", "Eve", Role.ADMIN, PASSWORD, by=staff.nurse)
    with pytest.raises(PermissionDenied, match="Only an admin"):
        store.users.create("eve", "Eve", Role.ADMIN, PASSWORD)
    with pytest.raises(PermissionDenied, match="Only an admin can change the clinic profile"):
        store.clinic.update(Clinic("Renamed"), staff.clinician)
    store.clinic.update(Clinic("Renamed", hours="24/7"), staff.admin)
    assert store.clinic.get().hours == "24/7"


def test_admin_manages_users_and_a_deactivated_user_cannot_sign_in(store: Store, staff: Staff) -> None:
    promoted = store.users.update(dataclasses.replace(staff.nurse2.user, role=Role.CLINICIAN, credentials="NP"),
                                 staff.admin)
    assert (promoted.role, promoted.credentials) == (Role.CLINICIAN, "NP")
    with pytest.raises(AuthError, match="role changed"):  # Noel's session as a nurse ended with the change
        store.patients.search("smi", by=staff.nurse2)
    with pytest.raises(PermissionDenied):
        store.users.update(dataclasses.replace(staff.nurse.user, role=Role.ADMIN), staff.nurse)
    store.users.update(dataclasses.replace(staff.nurse.user, active=False), staff.admin)
    with pytest.raises(AuthError, match="deactivated"):
        store.users.sign_in("nina", PASSWORD)
    with pytest.raises(AuthError, match="deactivated"):
        store.patients.search("smi", by=staff.nurse)
    assert [u.username for u in store.users.all(by=staff.admin)] == ["admin", "carl", "nina", "noel"]


def test_only_a_clinician_signs_a_visit_and_an_admin_does_not_chart(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    from infusiondesk.drugs import load_drug
    from infusiondesk.records.models import SignatureMeaning
    from infusiondesk.service import AssessmentEntry, Step, VisitService
    from infusiondesk.workflow import WorkflowError
    from tests.clinic_day import chart_visit

    p = patient_factory(no_known_allergies=True)
    v = chart_visit(store, load_drug(None), p, staff.nurse, staff.nurse2, staff.clinician, store._now())
    svc = VisitService(store, load_drug(None))
    note = b"%PDF-1.7 /ByteRange [0 1 2 3] /Contents <00>"
    with pytest.raises(WorkflowError, match="Only a clinician can sign"):
        svc.sign(Step(staff.nurse, v.id, v.version, store._now()),  # type: ignore[arg-type]
                 SignatureMeaning.REVIEWED_APPROVED, note)
    with pytest.raises(PermissionDenied, match="Only a nurse or clinician can record the assessment"):
        svc.assess(Step(staff.admin, v.id, v.version, store._now()), AssessmentEntry())  # type: ignore[arg-type]
    signed = svc.sign(Step(staff.clinician, v.id, v.version, store._now()),  # type: ignore[arg-type]
                      SignatureMeaning.REVIEWED_APPROVED, note)
    assert signed.status is VisitStatus.SIGNED and signed.signatures[-1].signer_name == "Carl Clinician"


def test_the_acting_user_is_read_from_the_database_not_taken_from_the_caller(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    """A session claiming a clinician's role for a nurse, or a session of an account deactivated since, is
    refused at the step."""
    from infusiondesk.drugs import load_drug
    from infusiondesk.service import Step, VisitService

    v = store.visits.create(patient_factory().id, staff.nurse)  # type: ignore[arg-type]
    svc = VisitService(store, load_drug(None))
    with pytest.raises(PermissionDenied, match="Only a clinician can decide"):
        svc.decide(Step(staff.nurse, v.id, v.version, store._now()), True)  # type: ignore[arg-type]
    claims = dataclasses.replace(staff.nurse, user=dataclasses.replace(staff.nurse.user, role=Role.CLINICIAN))
    with pytest.raises(PermissionDenied, match="Nina Nurse is signed in as nurse"):
        svc.decide(Step(claims, v.id, v.version, store._now()), True)  # type: ignore[arg-type]
    store.users.update(dataclasses.replace(staff.clinician.user, active=False), staff.admin)
    with pytest.raises(AuthError, match="deactivated"):
        svc.decide(Step(staff.clinician, v.id, v.version, store._now()), True)  # type: ignore[arg-type]


def test_repeated_wrong_passwords_lock_the_account_for_a_while(store: Store, staff: Staff, clock: Clock) -> None:
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(AuthError, match="do not match"):
            store.users.sign_in("nina", "wrong password")
    with pytest.raises(AuthError, match="locked"):
        store.users.sign_in("nina", "wrong password")
    with pytest.raises(AuthError, match="locked"):
        store.users.sign_in("nina", PASSWORD)  # even the right password, while locked
    clock.advance(minutes=16)
    assert store.users.sign_in("nina", PASSWORD).user_id == staff.nurse.user_id
    events = [e["event"] for e in store.audit.entries(by=staff.admin) if e["username"] == "nina"]
    assert events.count("sign_in_failed") == MAX_FAILED_SIGN_INS + 1
    assert "lockout" in events and events[-1] == "sign_in"


def test_a_success_resets_the_count_and_an_admin_can_unlock(store: Store, staff: Staff) -> None:
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(AuthError):
            store.users.sign_in("nina", "wrong password")
    store.users.sign_in("nina", PASSWORD)
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(AuthError, match="do not match"):
            store.users.sign_in("nina", "wrong password")
    with pytest.raises(AuthError, match="locked"):
        store.users.sign_in("nina", "wrong password")
    store.users.unlock(staff.nurse.user_id, staff.admin)  # type: ignore[arg-type]
    assert store.users.sign_in("NINA", PASSWORD).user.username == "nina"


def test_an_unknown_user_gets_the_same_answer_and_is_audited(store: Store, staff: Staff) -> None:
    with pytest.raises(AuthError, match="do not match"):
        store.users.sign_in("mallory", PASSWORD)
    last = store.audit.entries(by=staff.admin)[-1]
    assert last["event"] == "sign_in_failed" and last["detail"]["username"] == "mallory"


def test_patient_and_visit_calls_read_the_acting_user_from_the_database(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    """A session made in code (the admin's claiming the nurse role, a deactivated nurse's still marked active)
    opens no visit and changes no patient: the store reads who is acting, as the visit service does."""
    from tests.infusiondesk.store.conftest import make_patient

    p = patient_factory()
    forged_nurse = dataclasses.replace(staff.admin, user=dataclasses.replace(staff.admin.user, role=Role.NURSE))
    with pytest.raises(PermissionDenied, match="open a visit"):
        store.visits.create(p.id, forged_nurse)  # type: ignore[arg-type]
    store.users.update(dataclasses.replace(staff.nurse2.user, active=False), staff.admin)
    stale = staff.nurse2
    assert stale.user.active
    with pytest.raises(AuthError, match="deactivated"):
        store.patients.add(make_patient(mrn="MRN0099"), stale)
    with pytest.raises(AuthError, match="deactivated"):
        store.patients.update(dataclasses.replace(p, weight_kg=90.0), stale, based_on=p)
    assert store.patients.get(p.id, by=staff.nurse).weight_kg == 70.0  # type: ignore[arg-type]
    with pytest.raises(AuthError):
        store.patients.get(p.id, by=stale)  # type: ignore[arg-type]
