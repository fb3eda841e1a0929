"""Passwords and sign-in lockout: argon2id hashes, and how many wrong passwords lock an account.

Pure rules plus the hashing calls; the store applies them to user rows and audits every attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from infusiondesk.errors import DomainError

MAX_FAILED_SIGN_INS = 5  # consecutive wrong passwords before the account locks
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


class AuthError(DomainError):
    """Sign-in refused: wrong name or password, locked or deactivated account."""


class PermissionDenied(DomainError):
    """The signed-in user's role does not allow this action."""


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")


def hash_password(password: str) -> str:
    check_new_password(password)
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def after_failed_sign_in(failed_attempts: int, now: datetime) -> tuple[int, datetime | None]:
    """The new failure count and, when it reaches the limit, until when the account is locked."""
    count = failed_attempts + 1
    return count, (now + LOCKOUT if count >= MAX_FAILED_SIGN_INS else None)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def locked_message(locked_until: datetime) -> str:
    return (f"This account is locked after {MAX_FAILED_SIGN_INS} wrong passwords until "
            f"{locked_until:%H:%M} UTC; wait, or ask a clinic admin to unlock it.")
