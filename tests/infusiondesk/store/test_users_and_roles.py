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
    assert empty_store.needs_setup()
    admin = empty_store.setup_clinic(Clinic("Hill Clinic", "2 Hill St", "555-0199", "Tue-Sat 9-16"),
                                     "Boss", "Bea Boss", PASSWORD)
    assert not empty_store.needs_setup()
    assert admin.role is Role.ADMIN and admin.username == "boss"
    assert empty_store.get_clinic() == Clinic("Hill Clinic", "2 Hill St", "555-0199", "Tue-Sat 9-16")
    assert empty_store.authenticate("boss", PASSWORD) == admin
    with pytest.raises(DomainError, match="already set up"):
        empty_store.setup_clinic(Clinic("Again"), "x", "X", PASSWORD)


def test_passwords_are_stored_as_argon2id_hashes(store: Store, staff: Staff) -> None:
    from sqlalchemy import select

    from infusiondesk.store import tables

    with store.engine.connect() as conn:
        hashes = conn.execute(select(tables.users.c.password_hash)).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_a_short_password_is_refused(store: Store, staff: Staff) -> None:
    with pytest.raises(DomainError, match="at least 15 characters"):
        store.create_user("short", "Short Pw", Role.NURSE, "abc", by=staff.admin)


def test_only_an_admin_adds_users_or_changes_the_clinic(store: Store, staff: Staff) -> None:
    with pytest.raises(PermissionDenied, match="Only an admin can add users"):
        store.create_user("eve", "Eve", Role.ADMIN, PASSWORD, by=staff.nurse)
    with pytest.raises(PermissionDenied, match="Only an admin"):
        store.create_user("eve", "Eve", Role.ADMIN, PASSWORD)
    with pytest.raises(PermissionDenied, match="Only an admin can change the clinic profile"):
        store.update_clinic(Clinic("Renamed"), staff.clinician)
    store.update_clinic(Clinic("Renamed", hours="24/7"), staff.admin)
    assert store.get_clinic().hours == "24/7"


def test_admin_manages_users_and_a_deactivated_user_cannot_sign_in(store: Store, staff: Staff) -> None:
    promoted = store.update_user(dataclasses.replace(staff.nurse2, role=Role.CLINICIAN, credentials="NP"),
                                 staff.admin)
    assert (promoted.role, promoted.credentials) == (Role.CLINICIAN, "NP")
    with pytest.raises(PermissionDenied):
        store.update_user(dataclasses.replace(staff.nurse, role=Role.ADMIN), staff.nurse)
    store.update_user(dataclasses.replace(staff.nurse, active=False), staff.admin)
    with pytest.raises(AuthError, match="deactivated"):
        store.authenticate("nina", PASSWORD)
    assert [u.username for u in store.list_users()] == ["admin", "carl", "nina", "noel"]


def test_only_a_clinician_signs_a_visit_and_an_admin_does_not_chart(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    v = store.create_visit(patient_factory().id, staff.nurse)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied, match="Only a clinician can sign"):
        store.save_visit(dataclasses.replace(v, status=VisitStatus.SIGNED), staff.nurse)
    with pytest.raises(PermissionDenied, match="chart a visit"):
        store.save_visit(dataclasses.replace(v, notes="x"), staff.admin)
    assert store.save_visit(dataclasses.replace(v, status=VisitStatus.SIGNED), staff.clinician).status \
        is VisitStatus.SIGNED


def test_repeated_wrong_passwords_lock_the_account_for_a_while(store: Store, staff: Staff, clock: Clock) -> None:
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(AuthError, match="do not match"):
            store.authenticate("nina", "wrong password")
    with pytest.raises(AuthError, match="locked"):
        store.authenticate("nina", "wrong password")
    with pytest.raises(AuthError, match="locked"):
        store.authenticate("nina", PASSWORD)  # even the right password, while locked
    clock.advance(minutes=16)
    assert store.authenticate("nina", PASSWORD).id == staff.nurse.id
    events = [e["event"] for e in store.audit_entries() if e["username"] == "nina"]
    assert events.count("sign_in_failed") == MAX_FAILED_SIGN_INS + 1
    assert "lockout" in events and events[-1] == "sign_in"


def test_a_success_resets_the_count_and_an_admin_can_unlock(store: Store, staff: Staff) -> None:
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(AuthError):
            store.authenticate("nina", "wrong password")
    store.authenticate("nina", PASSWORD)
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(AuthError, match="do not match"):
            store.authenticate("nina", "wrong password")
    with pytest.raises(AuthError, match="locked"):
        store.authenticate("nina", "wrong password")
    store.unlock_user(staff.nurse.id, staff.admin)  # type: ignore[arg-type]
    assert store.authenticate("NINA", PASSWORD).username == "nina"


def test_an_unknown_user_gets_the_same_answer_and_is_audited(store: Store) -> None:
    with pytest.raises(AuthError, match="do not match"):
        store.authenticate("mallory", PASSWORD)
    last = store.audit_entries()[-1]
    assert last["event"] == "sign_in_failed" and last["detail"]["username"] == "mallory"
