"""Sign-in sessions in the store: who is acting is the session handed out at sign-in, checked at every call.

A `UserSession` carries a random token; the database keeps only its SHA-256. Every store call that reads or
changes clinical data finds the session row by id, compares the token's hash in constant time, and re-reads the
user's active flag and current role in the same transaction. So a caller who names a user id, or keeps a session
after sign-out, deactivation, a password reset or a role change, is refused with one sentence.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from infusiondesk.auth import AuthError, PermissionDenied
from infusiondesk.records.models import Role, User, UserSession
from infusiondesk.store import tables

SIGNED_OUT = ("You have been signed out (the session ended or is not one this clinic gave out); sign in again "
              "to carry on.")

# Why a session ended, in the words the refusal shows ("You have been signed out: <reason>; …").
ENDED_SIGN_OUT = "signed out"
ENDED_DEACTIVATED = "account deactivated"
ENDED_PASSWORD_RESET = "password reset by an admin"
ENDED_ROLE_CHANGED = "role changed by an admin"
ENDED_LOCKED = "account locked after wrong passwords"

# Who may read the clinic reports (infusiondesk.clinic_reports), every one of them, follow-up outcomes included.
REPORT_READERS = (Role.ADMIN, Role.CLINICIAN)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def user_from_row(row: Row[Any]) -> User:
    return User(id=row.id, username=row.username, full_name=row.full_name, role=Role(row.role),
                credentials=row.credentials, active=row.active)


def start(conn: Connection, user_row: Row[Any], now: datetime) -> UserSession:
    """A new session for this (just verified) user, in the caller's transaction."""
    token = secrets.token_urlsafe(32)
    result = conn.execute(insert(tables.user_sessions).values(
        user_id=user_row.id, token_hash=token_hash(token), started_at=now, ended_at=None, end_reason=""))
    key = result.inserted_primary_key
    assert key is not None
    return UserSession(id=int(key[0]), user=user_from_row(user_row), token=token)


def end(conn: Connection, session_id: int, now: datetime, reason: str) -> bool:
    """End one session (True when it was open)."""
    s = tables.user_sessions.c
    result = conn.execute(update(tables.user_sessions).where(s.id == session_id, s.ended_at.is_(None))
                          .values(ended_at=now, end_reason=reason))
    return bool(result.rowcount)


def end_all(conn: Connection, user_id: int, now: datetime, reason: str) -> int:
    """End every open session of a user (deactivated, password reset, role changed). Returns how many."""
    s = tables.user_sessions.c
    result = conn.execute(update(tables.user_sessions).where(s.user_id == user_id, s.ended_at.is_(None))
                          .values(ended_at=now, end_reason=reason))
    return int(result.rowcount)


def _refused(roles: Sequence[Role], action: str, user: User) -> PermissionDenied:
    names = " or ".join(r.value for r in roles)
    return PermissionDenied(f"Only a{'n' if names[0] in 'aeiou' else ''} {names} can {action}; "
                            f"{user.full_name} is signed in as {user.role.value}.")


def session_user(conn: Connection, by: UserSession | None) -> tuple[Row[Any], User]:
    """The session's user row as the database has it now; AuthError when the session is not open and genuine."""
    if not isinstance(by, UserSession):
        raise AuthError("Sign in first: this needs a signed-in session.")
    found = conn.execute(_SESSION, {"session_id": by.id}).first()
    if found is None or not hmac.compare_digest(found.token_hash, token_hash(by.token)):
        raise AuthError(SIGNED_OUT)
    if found.ended_at is not None:
        raise AuthError(f"You have been signed out ({found.end_reason or ENDED_SIGN_OUT}); sign in again to "
                        "carry on.")
    row = conn.execute(_USER, {"user_id": found.user_id}).first()
    if row is None:
        raise AuthError(SIGNED_OUT)
    if not row.active:
        raise AuthError(f"{row.full_name}'s account is deactivated; ask a clinic admin.")
    return row, user_from_row(row)


def acting(conn: Connection, by: UserSession | None, roles: Sequence[Role], action: str) -> User:
    """The acting user as the database has them now (genuine open session, active, one of `roles`); one
    sentence otherwise. The user a session names (`by.user`) is never read."""
    _row, user = session_user(conn, by)
    if user.role not in roles:
        raise _refused(roles, action, user)
    return user


_SESSION = select(tables.user_sessions).where(tables.user_sessions.c.id == bindparam("session_id"))
_USER = select(tables.users).where(tables.users.c.id == bindparam("user_id"))

__all__ = ["SIGNED_OUT", "acting", "end", "end_all", "session_user", "start", "token_hash"]
