"""Passwords and sign-in lockout: argon2id hashes, and how many wrong passwords lock an account.

Pure rules plus the hashing calls; the store applies them to user rows and audits every attempt, hashing and
verifying outside its write transactions (argon2 is slow on purpose; the database lock must not wait for it).
The policy for new passwords is `infusiondesk.passwords`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from infusiondesk.errors import DomainError
from infusiondesk.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from infusiondesk.passwords import PasswordRefused
from infusiondesk.passwords import check_new_password as _check_policy

MAX_FAILED_SIGN_INS = 5  # consecutive wrong passwords before the account locks
LOCKOUT = timedelta(minutes=15)
__all__ = ["MIN_PASSWORD_LENGTH", "PasswordRefused"]

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


class AuthError(DomainError):
    """Sign-in refused: wrong name or password, locked or deactivated account."""


class PasswordChangeRequired(AuthError):
    """The password was right, but an admin reset it: the person chooses a new one before going on."""


class PermissionDenied(DomainError):
    """The signed-in user's role does not allow this action."""


def check_new_password(password: str, username: str = "") -> None:
    """The policy (infusiondesk.passwords): raises PasswordRefused with one sentence."""
    _check_policy(password, username)


def hash_new_password(password: str, username: str) -> str:
    """Check a new password against the policy, then hash it (call outside any write transaction)."""
    _check_policy(password, username)
    return _hasher.hash(password)


def hash_password(password: str) -> str:
    """Hash without the policy: only for re-hashing a password that was accepted when it was set."""
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("no such user: this hash only spends the time a real check would")


def password_matches(password_hash: str | None, password: str) -> bool:
    """Verify with argon2. With no hash (an unknown, locked or deactivated account) a dummy hash is verified
    instead, so the answer takes as long whether or not the account exists."""
    try:
        if password_hash is None:
            _hasher.verify(_dummy_hash(), password + "\x00")  # never matches: a password has no NUL
            return False
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
