"""Attacks on account management through the store's public API: forged acting users, self-service resets that
skip the old password or clear a lockout, weak passwords, timing that tells who exists, argon2 under the lock."""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from infusiondesk import auth
from infusiondesk.auth import MAX_FAILED_SIGN_INS, PasswordChangeRequired
from infusiondesk.errors import DomainError
from infusiondesk.passwords import PasswordRefused
from infusiondesk.records.models import Role, UserSession
from infusiondesk.store import AuthError, PermissionDenied, Store
from tests.infusiondesk.store.conftest import PASSWORD, Staff

NEW_PASSWORD = "lantern orchard violet"
TEMPORARY = "temporary river stone 7"


def _lock_out(store: Store, username: str) -> None:
    for _ in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(AuthError):
            store.users.sign_in(username, "wrong password")


# --- the acting session is checked in the database, its user never trusted --------------------------------

def test_a_nurse_cannot_make_herself_admin_by_passing_a_session_that_says_admin(store: Store, staff: Staff) -> None:
    forged = dataclasses.replace(staff.nurse, user=dataclasses.replace(staff.nurse.user, role=Role.ADMIN))
    with pytest.raises(PermissionDenied, match=r"Only an admin .* Nina Nurse is signed in as nurse"):
        store.users.update(dataclasses.replace(staff.nurse.user, role=Role.ADMIN), by=forged)
    with pytest.raises(PermissionDenied):
        store.users.set_role(staff.nurse.user_id, Role.ADMIN, by=forged)
    with pytest.raises(PermissionDenied):
        store.users.create("eve", "Eve Evil", Role.ADMIN, "a perfectly fine phrase", by=forged)
    with pytest.raises(PermissionDenied):
        store.users.reset_password(staff.nurse2.user_id, TEMPORARY, by=forged)
    assert store.users.get(staff.nurse.user_id).role is Role.NURSE


def test_the_admin_s_session_id_with_a_guessed_token_grants_nothing(store: Store, staff: Staff) -> None:
    forged = UserSession(id=staff.admin.id, user=staff.admin.user, token="guess")
    with pytest.raises(AuthError, match="You have been signed out"):
        store.users.set_role(staff.nurse.user_id, Role.ADMIN, by=forged)
    with pytest.raises(AuthError, match="You have been signed out"):
        store.users.all(by=forged)
    with pytest.raises(AuthError, match="You have been signed out"):
        store.users.current(forged)
    assert store.users.get(staff.nurse.user_id).role is Role.NURSE
    nurse = UserSession(id=staff.nurse.id, user=staff.nurse.user, token=staff.nurse.token[:-1] + "x")
    with pytest.raises(AuthError, match="You have been signed out"):  # clinical reads, with a near-miss token
        store.patients.search("smi", by=nurse)
    with pytest.raises(AuthError, match="You have been signed out"):
        store.visits.summaries(by=nurse)
    with pytest.raises(AuthError, match="Sign in first"):
        store.patients.by_mrn("MRN0001", by=None)  # type: ignore[arg-type]


def test_a_deactivated_admin_s_session_grants_nothing(store: Store, staff: Staff) -> None:
    store.users.create("bea", "Bea Boss", Role.ADMIN, "second admin passphrase", by=staff.admin)
    second = store.users.sign_in("bea", "second admin passphrase")
    store.users.set_active(second.user_id, False, by=staff.admin)
    assert second.user.active  # the value the attacker still holds says active admin
    with pytest.raises(AuthError, match=r"signed out \(account deactivated\)"):
        store.users.set_role(staff.nurse.user_id, Role.ADMIN, by=second)
    with pytest.raises(AuthError):
        store.users.unlock(staff.nurse.user_id, by=second)
    store.users.set_active(second.user_id, True, by=staff.admin)  # reactivated: the ended session stays ended
    with pytest.raises(AuthError, match="signed out"):
        store.users.all(by=second)


def test_a_demoted_admin_loses_admin_rights_at_once(store: Store, staff: Staff) -> None:
    store.users.create("bea", "Bea Boss", Role.ADMIN, "second admin passphrase", by=staff.admin)
    second = store.users.sign_in("bea", "second admin passphrase")
    store.users.set_role(second.user_id, Role.NURSE, by=staff.admin)
    with pytest.raises(AuthError, match=r"signed out \(role changed by an admin\)"):
        store.users.create("eve", "Eve Evil", Role.ADMIN, "a perfectly fine phrase", by=second)
    again = store.users.sign_in("bea", "second admin passphrase")  # signed in again, she acts as a nurse
    with pytest.raises(PermissionDenied, match="signed in as nurse"):
        store.users.create("eve", "Eve Evil", Role.ADMIN, "a perfectly fine phrase", by=again)


def test_a_password_reset_ends_the_person_s_sessions(store: Store, staff: Staff) -> None:
    store.users.reset_password(staff.nurse.user_id, TEMPORARY, by=staff.admin)
    with pytest.raises(AuthError, match=r"signed out \(password reset by an admin\)"):
        store.patients.search("smi", by=staff.nurse)
    store.patients.search("smi", by=staff.nurse2)  # nobody else's


def test_sign_out_ends_the_session_and_is_audited(store: Store, staff: Staff) -> None:
    session = store.users.sign_in("noel", PASSWORD)
    assert store.users.current(session).username == "noel"
    store.users.sign_out(session)
    store.users.sign_out(session)  # again: nothing more happens
    with pytest.raises(AuthError, match=r"signed out \(signed out\)"):
        store.users.current(session)
    with pytest.raises(AuthError):
        store.visits.get(1, by=session)
    events = [e["event"] for e in store.audit.entries(by=staff.admin) if e["user_id"] == session.user_id]
    assert events.count("sign_out") == 1


def test_a_session_s_token_is_kept_only_as_its_hash(store: Store, staff: Staff) -> None:
    session = store.users.sign_in("noel", PASSWORD)
    assert session.token not in repr(session)
    with store.engine.connect() as conn:
        dump = "\n".join(str(r) for r in conn.execute(text("SELECT * FROM user_sessions")))
    assert session.token not in dump
    assert hashlib.sha256(session.token.encode()).hexdigest() in dump


def test_confirm_password_checks_the_session_s_own_user_and_counts_toward_the_lockout(store: Store,
                                                                                     staff: Staff) -> None:
    store.users.confirm_password(staff.nurse, PASSWORD)
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(AuthError, match="do not match"):
            store.users.confirm_password(staff.nurse, "noel's password is not hers")
    with pytest.raises(AuthError, match="locked"):
        store.users.confirm_password(staff.nurse, "one more guess")
    with pytest.raises(AuthError, match="account locked"):  # the lockout ended her session too
        store.users.current(staff.nurse)


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(store: Store, staff: Staff) -> None:
    with pytest.raises(DomainError, match="only active admin"):
        store.users.set_role(staff.admin.user_id, Role.NURSE, by=staff.admin)
    with pytest.raises(DomainError, match="your own account"):
        store.users.set_active(staff.admin.user_id, False, by=staff.admin)


def test_admin_unlocks_deactivates_reactivates_and_changes_roles(store: Store, staff: Staff) -> None:
    _lock_out(store, "nina")
    assert store.users.account_status(staff.nurse.user_id, by=staff.admin)["locked_until"] is not None
    store.users.unlock(staff.nurse.user_id, by=staff.admin)
    assert store.users.sign_in("nina", PASSWORD).user_id == staff.nurse.user_id
    store.users.set_active(staff.nurse.user_id, False, by=staff.admin)
    with pytest.raises(AuthError, match="deactivated"):
        store.users.sign_in("nina", PASSWORD)
    store.users.set_active(staff.nurse.user_id, True, by=staff.admin)
    assert store.users.set_role(staff.nurse.user_id, Role.CLINICIAN, by=staff.admin).role is Role.CLINICIAN
    events = [e["event"] for e in store.audit.entries("users", staff.nurse.user_id, by=staff.admin)]
    assert {"unlock", "deactivate", "reactivate", "role_change"} <= set(events)


# --- one's own password needs the old one; a reset forces a change -------------------------------------------

def test_changing_one_s_own_password_needs_the_old_one_and_counts_toward_the_lockout(store: Store,
                                                                                  staff: Staff) -> None:
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(AuthError, match="do not match"):
            store.users.change_password("nina", "a guess at her password", NEW_PASSWORD)
    with pytest.raises(AuthError, match="locked"):
        store.users.change_password("nina", "another guess at it", NEW_PASSWORD)
    with pytest.raises(AuthError, match="locked"):  # the right old password does not clear a lockout either
        store.users.change_password("nina", PASSWORD, NEW_PASSWORD)
    store.users.unlock(staff.nurse.user_id, by=staff.admin)
    store.users.change_password("nina", PASSWORD, NEW_PASSWORD)
    with pytest.raises(AuthError):
        store.users.sign_in("nina", PASSWORD)
    assert store.users.sign_in("nina", NEW_PASSWORD).user_id == staff.nurse.user_id


def test_update_user_no_longer_sets_passwords(store: Store, staff: Staff) -> None:
    with pytest.raises(TypeError):
        store.users.update(staff.nurse, staff.nurse, password="nurse sets her own")  # type: ignore[call-arg]


def test_an_admin_reset_makes_the_person_choose_a_new_password_at_sign_in(store: Store, staff: Staff) -> None:
    _lock_out(store, "nina")
    store.users.reset_password(staff.nurse.user_id, TEMPORARY, by=staff.admin)
    with pytest.raises(AuthError, match="do not match"):
        store.users.sign_in("nina", PASSWORD)
    with pytest.raises(PasswordChangeRequired, match="choose a new one"):
        store.users.sign_in("nina", TEMPORARY)  # right, and the reset cleared the lockout, but not done yet
    with pytest.raises(PasswordRefused):
        store.users.change_password("nina", TEMPORARY, TEMPORARY)
    store.users.change_password("nina", TEMPORARY, NEW_PASSWORD)
    assert store.users.sign_in("nina", NEW_PASSWORD).user_id == staff.nurse.user_id
    assert not store.users.account_status(staff.nurse.user_id, by=staff.admin)["must_change_password"]


def test_only_an_admin_resets_and_not_their_own(store: Store, staff: Staff) -> None:
    with pytest.raises(PermissionDenied):
        store.users.reset_password(staff.nurse2.user_id, TEMPORARY, by=staff.nurse)
    with pytest.raises(DomainError, match="your current one"):
        store.users.reset_password(staff.admin.user_id, TEMPORARY, by=staff.admin)


# --- the password policy applies everywhere ------------------------------------------------------------------

@pytest.mark.parametrize("weak", ["12345678", "password", " " * 8, " " * 20, "nina", "nina-nightingale-ward",
                                  "password12345678!", "qwertyuiopasdfgh"])
def test_weak_passwords_are_refused_at_creation_reset_and_change(store: Store, staff: Staff, weak: str) -> None:
    with pytest.raises(PasswordRefused):
        store.users.create("nina2", "Nina Two", Role.NURSE, weak.replace("nina", "nina2"), by=staff.admin)
    with pytest.raises(PasswordRefused):
        store.users.reset_password(staff.nurse.user_id, weak, by=staff.admin)
    with pytest.raises(PasswordRefused):
        store.users.change_password("nina", PASSWORD, weak)
    assert store.users.sign_in("nina", PASSWORD).user_id == staff.nurse.user_id  # nothing changed


def test_weak_admin_password_is_refused_at_setup(empty_store: Store) -> None:
    from infusiondesk.records.models import Clinic

    with pytest.raises(PasswordRefused, match="user name"):
        empty_store.clinic.setup(Clinic("Hill"), "boss", "Bea Boss", "boss of the hill clinic")
    assert empty_store.clinic.needs_setup()


# --- timing and the write lock -------------------------------------------------------------------------------

class _CountingHasher:
    """Wraps the argon2 hasher: counts verifications and checks the store's write lock is free while it works
    (SQLite: the database lock; PostgreSQL: the audit head row every write transaction locks first)."""

    def __init__(self, real: Any, db_path: Path | None, pg_url: str | None = None) -> None:
        self.real, self.db_path, self.verified, self.lock_free = real, db_path, 0, []
        self.pg = create_engine(pg_url) if pg_url else None

    def _lock_is_free(self) -> None:
        if self.pg is not None:
            try:
                with self.pg.connect() as other, other.begin():
                    other.execute(text("SET LOCAL lock_timeout = '50ms'"))
                    other.execute(text("SELECT id FROM audit_head WHERE id = 1 FOR UPDATE"))
                self.lock_free.append(True)
            except OperationalError:
                self.lock_free.append(False)
        if self.db_path is not None:
            other = sqlite3.connect(self.db_path, timeout=0.05, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                self.lock_free.append(True)
            except sqlite3.OperationalError:
                self.lock_free.append(False)
            finally:
                other.close()

    def verify(self, *args: Any) -> Any:
        self.verified += 1
        self._lock_is_free()
        return self.real.verify(*args)

    def hash(self, *args: Any) -> Any:
        self._lock_is_free()
        return self.real.hash(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def hasher(store: Store, monkeypatch: pytest.MonkeyPatch) -> _CountingHasher:
    db = store.engine.url.database
    sqlite = store.engine.dialect.name == "sqlite"
    spy = _CountingHasher(auth._hasher, Path(db) if sqlite and db else None, None if sqlite else store.url)
    monkeypatch.setattr(auth, "_hasher", spy)
    return spy


def test_an_unknown_user_costs_an_argon2_verification_like_a_known_one(store: Store, hasher: _CountingHasher
                                                                       ) -> None:
    for name in ("mallory", "nina"):
        before = hasher.verified
        with pytest.raises(AuthError, match="do not match"):
            store.users.sign_in(name, "wrong password")
        assert hasher.verified == before + 1, name


def test_unknown_and_known_users_take_about_as_long(store: Store) -> None:
    def slowest_of_fastest(name: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            with pytest.raises(AuthError):
                store.users.sign_in(name, "wrong password")
            times.append(time.perf_counter() - start)
        return min(times)

    store.users.sign_in("nina", PASSWORD)  # warm up
    unknown, known = slowest_of_fastest("mallory"), slowest_of_fastest("noel")
    assert known / 3 < unknown < known * 3, (unknown, known)  # was 12 ms vs 1.1 s: a factor of ~90


def test_argon2_runs_while_no_write_lock_is_held(store: Store, staff: Staff, hasher: _CountingHasher) -> None:
    store.users.sign_in("nina", PASSWORD)
    with pytest.raises(AuthError):
        store.users.sign_in("nina", "wrong password")
    store.users.create("nora", "Nora New", Role.NURSE, "joins the clinic today", by=staff.admin)
    store.users.change_password("noel", PASSWORD, NEW_PASSWORD)
    store.users.reset_password(staff.nurse.user_id, TEMPORARY, by=staff.admin)
    assert len(hasher.lock_free) >= 6 and all(hasher.lock_free), hasher.lock_free
    with store._write():  # the probe itself sees a held write lock
        hasher._lock_is_free()
    assert hasher.lock_free[-1] is False
