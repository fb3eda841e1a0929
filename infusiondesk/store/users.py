"""`store.users`: adding and managing staff, sign-in and sessions, lockout, and password changes.

Two rules hold for every call here. The acting user (`by`) is a session handed out by `sign_in`: the store
checks its token and reads the user's active flag and role from the database inside the transaction
(`infusiondesk.store.sessions`), so naming a user, or a forged or ended session, grants nothing. And argon2 (slow on
purpose) and key re-encryption run outside the write transaction: hash first, then take the lock; for
sign-in, read the row, verify with no lock held, then write the outcome, checking the row did not change.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from infusiondesk import auth
from infusiondesk.auth import AuthError, PasswordChangeRequired, PermissionDenied
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Role, User, UserSession
from infusiondesk.store import sessions, tables
from infusiondesk.store.audit import chain, trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import ConflictError, RecordNotFound
from infusiondesk.store.part import StorePart, new_id
from infusiondesk.validation import clean_credentials, clean_full_name, clean_user

# A clinician's signing credential as the store keeps it: (PKCS#12 bytes, certificate PEM). The formats
# belong to infusiondesk.pki; these are its blob kinds (kept equal to pki.KIND_USER_P12 / KIND_USER_CERT).
SigningCredential = tuple[bytes, bytes]
KIND_USER_P12 = "user_p12"
KIND_USER_CERT = "user_cert"
_REFUSED = "That user name and password do not match; check them and try again."


user_from_row = sessions.user_from_row


def insert_user(conn: Connection, now: datetime, username: str, full_name: str, role: Role, password_hash: str,
                credentials: str, by: User | None) -> User:
    """Add a user row (audited), in the caller's transaction: `store.users.create` and the first-run setup."""
    username, full_name, credentials = clean_user(username, full_name, credentials)
    if conn.execute(select(tables.users.c.id).where(tables.users.c.username == username)).first():
        raise DomainError(f'The user name "{username}" is taken; choose another.')
    user_id = new_id(conn.execute(insert(tables.users).values(
        username=username, full_name=full_name, role=Role(role).value, credentials=credentials,
        active=True, password_hash=password_hash, failed_attempts=0, locked_until=None,
        must_change_password=False, created_at=now)))
    user = User(id=user_id, username=username, full_name=full_name, role=Role(role),
                credentials=credentials)
    trail.record_change(conn, at=now, by=by or user, event=AuditEvent.CREATE, table=tables.users,
                        record_id=user_id, before=None)
    return user


class Users(StorePart):
    """`store.users`: every user-management call re-reads who is acting."""

    # -- who is acting -----------------------------------------------------------------------------------

    def _acting(self, conn: Connection, by: UserSession | None, roles: tuple[Role, ...], action: str) -> User:
        """The acting user as the database has them now (genuine open session, active, current role)."""
        return sessions.acting(conn, by, roles, action)

    def _target(self, conn: Connection, user_id: int | None) -> Row[Any]:
        if user_id is None:
            raise DomainError("Save the new user first.")
        row = self._row(conn, tables.users, user_id)
        if row is None:
            raise RecordNotFound("That user no longer exists.")
        return row

    def _other_active_admins(self, conn: Connection, user_id: int) -> int:
        u = tables.users.c
        return int(conn.execute(select(func.count()).select_from(tables.users).where(
            u.role == Role.ADMIN.value, u.active.is_(True), u.id != user_id)).scalar_one())

    # -- adding users ------------------------------------------------------------------------------------

    def create(self, username: str, full_name: str, role: Role | str, password: str, credentials: str = "",
               by: UserSession | None = None, *, signing_credential: SigningCredential | None = None) -> User:
        """Add a user, with their signing credential in the same transaction when given (so a failure leaves
        neither). Only an admin may, except for the very first user of an empty database."""
        clean_user(username, full_name, credentials)  # a bad name is refused before the slow password hash
        password_hash = auth.hash_new_password(password, username.strip().lower())
        with self._write() as conn:
            has_users = conn.execute(select(func.count()).select_from(tables.users)).scalar_one() > 0
            acting = None
            if has_users or by is not None:
                if by is None:
                    raise PermissionDenied("Only an admin can add users; sign in as an admin.")
                acting = self._acting(conn, by, (Role.ADMIN,), "add users")
            user = insert_user(conn, self._now(), username, full_name, Role(role), password_hash, credentials, acting)
            if signing_credential is not None:
                self._put_credential(conn, user.id, signing_credential, acting or user)
            return user

    def _put_credential(self, conn: Connection, user_id: int, credential: SigningCredential, by: User) -> None:
        """Keep a user's new PKCS#12 and certificate; their earlier ones are marked replaced (kept, not used)."""
        now = self._now()
        k = tables.pki_objects.c
        for row in conn.execute(select(tables.pki_objects).where(
                k.owner_user_id == user_id, k.kind.in_((KIND_USER_P12, KIND_USER_CERT)), k.revoked_at.is_(None))):
            conn.execute(update(tables.pki_objects).where(k.id == row.id)
                         .values(revoked_at=now, revocation_reason="replaced by a new credential"))
            trail.record_change(conn, at=now, by=by, event=AuditEvent.REVOKE,
                                table=tables.pki_objects, record_id=row.id, before=row._mapping)
        p12, cert_pem = credential
        for kind, name, data in ((KIND_USER_P12, f"user-{user_id}.p12", p12),
                                 (KIND_USER_CERT, f"user-{user_id}.pem", cert_pem)):
            object_id = new_id(conn.execute(insert(tables.pki_objects).values(
                kind=kind, owner_user_id=user_id, name=name, data=data, created_at=now, revoked_at=None,
                revocation_reason="")))
            trail.record_change(conn, at=now, by=by, event=AuditEvent.PKI_SAVED, table=tables.pki_objects,
                                record_id=object_id, before=None)

    # -- admin actions -----------------------------------------------------------------------------------

    def _admin_change(self, user_id: int | None, by: UserSession, action: str, event: AuditEvent,
                      values: Callable[[Connection, Row[Any], User], dict[str, Any]]) -> User:
        """An admin's change to a user row. A change that takes access away (deactivated, role changed, password
        reset) ends that user's open sessions in the same transaction: their next call is refused."""
        with self._write() as conn:
            admin = self._acting(conn, by, (Role.ADMIN,), action)
            before = self._target(conn, user_id)
            conn.execute(update(tables.users).where(tables.users.c.id == before.id)
                         .values(**values(conn, before, admin)))
            trail.record_change(conn, at=self._now(), by=admin, event=event, table=tables.users,
                                record_id=before.id, before=before._mapping)
            after = self._target(conn, before.id)
            reason = (sessions.ENDED_DEACTIVATED if before.active and not after.active else
                      sessions.ENDED_ROLE_CHANGED if before.role != after.role else
                      sessions.ENDED_PASSWORD_RESET if before.password_hash != after.password_hash else None)
            if reason is not None:
                ended = sessions.end_all(conn, before.id, self._now(), reason)
                if ended:
                    chain.append(conn, at=self._now(), by=admin, event=AuditEvent.SESSIONS_ENDED,
                                 detail={"user_id": before.id, "sessions": ended, "why": reason})
            return user_from_row(after)

    def _keep_an_admin(self, conn: Connection, row: Row[Any], *, role: Role, active: bool) -> None:
        losing = row.role == Role.ADMIN.value and row.active and (role is not Role.ADMIN or not active)
        if losing and not self._other_active_admins(conn, row.id):
            raise DomainError("This is the clinic's only active admin; make another admin first, so someone "
                              "can still manage users.")

    def update(self, user: User, by: UserSession, *, unlock: bool = False) -> User:
        """Change a user's name, credentials, role or active flag (an admin's call); unlock when asked.
        Passwords change through `change_password` (one's own) or `reset_password` (an admin's)."""

        def values(conn: Connection, row: Row[Any], admin: User) -> dict[str, Any]:
            self._keep_an_admin(conn, row, role=Role(user.role), active=user.active)
            changed = {"full_name": clean_full_name(user.full_name), "credentials": clean_credentials(user.credentials),
                       "role": Role(user.role).value, "active": user.active}
            return {**changed, **({"failed_attempts": 0, "locked_until": None} if unlock else {})}

        return self._admin_change(user.id, by, "manage users", AuditEvent.UPDATE, values)

    def unlock(self, user_id: int, by: UserSession) -> User:
        """End a lockout now (the lockout message tells the person to ask an admin)."""
        return self._admin_change(user_id, by, "unlock accounts", AuditEvent.UNLOCK,
                                  lambda _c, _r, _a: {"failed_attempts": 0, "locked_until": None})

    def set_active(self, user_id: int, active: bool, by: UserSession) -> User:
        """Deactivate (they can no longer sign in; their records stay theirs) or reactivate an account."""

        def values(conn: Connection, row: Row[Any], admin: User) -> dict[str, Any]:
            if row.id == admin.id and not active:
                raise DomainError("You cannot deactivate your own account; ask another admin.")
            self._keep_an_admin(conn, row, role=Role(row.role), active=active)
            return {"active": active}

        return self._admin_change(user_id, by, "deactivate or reactivate accounts",
                                  AuditEvent.REACTIVATE if active else AuditEvent.DEACTIVATE, values)

    def set_role(self, user_id: int, role: Role | str, by: UserSession) -> User:
        def values(conn: Connection, row: Row[Any], admin: User) -> dict[str, Any]:
            self._keep_an_admin(conn, row, role=Role(role), active=row.active)
            return {"role": Role(role).value}

        return self._admin_change(user_id, by, "change roles", AuditEvent.ROLE_CHANGE, values)

    def reset_password(self, user_id: int, new_password: str, by: UserSession, *,
                       signing_credential: SigningCredential | None = None) -> User:
        """An admin sets a temporary password: the person must choose their own at their next sign-in. Their
        old signing key cannot be opened without their old password, so pass a new credential issued under
        the temporary password (the old one is marked replaced) or they cannot sign until one is issued."""
        target = self.get(user_id)
        own = DomainError("Change your own password with your current one, not by a reset.")
        if by.user.id == user_id:
            raise own
        password_hash = auth.hash_new_password(new_password, target.username)

        def values(conn: Connection, row: Row[Any], admin: User) -> dict[str, Any]:
            if row.id == admin.id:
                raise own
            if signing_credential is not None:
                self._put_credential(conn, row.id, signing_credential, admin)
            return {"password_hash": password_hash, "must_change_password": True, "failed_attempts": 0,
                    "locked_until": None}

        return self._admin_change(user_id, by, "reset passwords", AuditEvent.PASSWORD_RESET, values)

    # -- sign-in and one's own password ------------------------------------------------------------------

    def _user_row(self, username: str) -> Row[Any] | None:
        with self._read() as conn:
            return conn.execute(select(tables.users)
                                .where(tables.users.c.username == username.strip().lower())).first()

    def _check_password(self, username: str, password: str, *, why: str = "sign_in"
                        ) -> tuple[Row[Any] | None, AuthError | None, str | None]:
        """Verify with no lock held. Returns the row read, the refusal to give (None when the password is
        right and the account open), and a fresh hash when the stored one uses old parameters."""
        now = self._now()
        row = self._user_row(username)
        usable = row is not None and row.active and not auth.is_locked(row.locked_until, now)
        right = auth.password_matches(row.password_hash if usable and row is not None else None, password)
        if row is None:
            return None, AuthError(_REFUSED), None
        if not row.active:
            return row, AuthError("This account is deactivated; ask a clinic admin."), None
        if auth.is_locked(row.locked_until, now):
            return row, AuthError(auth.locked_message(row.locked_until)), None
        if not right:
            return row, AuthError(_REFUSED), None
        return row, None, auth.hash_password(password) if auth.needs_rehash(row.password_hash) else None

    def _record_outcome(self, conn: Connection, username: str, read: Row[Any] | None,
                        failure: AuthError | None) -> tuple[Row[Any] | None, AuthError | None]:
        """Write a sign-in attempt's outcome, checking the row read earlier is still the row now (a password
        changed meanwhile refuses; two wrong passwords at once both count)."""
        now = self._now()
        if read is None:
            chain.append(conn, at=now, by=None, event=AuditEvent.SIGN_IN_FAILED,
                         detail={"username": username, "why": "unknown user"})
            return None, failure
        row = self._row(conn, tables.users, read.id)
        if row is None:
            return None, AuthError(_REFUSED)
        user = user_from_row(row)
        if failure is None and row.password_hash != read.password_hash:
            failure = AuthError("This password was changed a moment ago; sign in with the new one.")
        if failure is not None and (not row.active or auth.is_locked(row.locked_until, now)):
            why = "account deactivated" if not row.active else "account locked"
            chain.append(conn, at=now, by=user, event=AuditEvent.SIGN_IN_FAILED, detail={"why": why})
            return row, failure
        if failure is not None:
            count, locked_until = auth.after_failed_sign_in(row.failed_attempts, now)
            conn.execute(update(tables.users).where(tables.users.c.id == row.id)
                         .values(failed_attempts=count, locked_until=locked_until))
            trail.record_change(conn, at=now, by=user, event=AuditEvent.SIGN_IN_FAILED, table=tables.users,
                                record_id=row.id, before=row._mapping, extra={"why": "wrong password"})
            if locked_until is not None:
                chain.append(conn, at=now, by=user, event=AuditEvent.LOCKOUT,
                             detail={"failed_attempts": count, "locked_until": locked_until})
                sessions.end_all(conn, row.id, now, sessions.ENDED_LOCKED)
                return row, AuthError(auth.locked_message(locked_until))
            return row, failure
        return row, None

    def sign_in(self, username: str, password: str) -> UserSession:
        """Sign in: a new session, what every clinical read and change takes. Every attempt is audited; repeated
        wrong passwords lock the account for a while; an unknown name takes as long as a known one. After an
        admin reset, the right password raises PasswordChangeRequired: the person chooses a new one with
        `change_password`, then signs in with it."""
        read, failure, new_hash = self._check_password(username, password)
        with self._write() as conn:
            row, failure = self._record_outcome(conn, username, read, failure)
            if failure is None and row is not None:
                values: dict[str, Any] = {"failed_attempts": 0, "locked_until": None}
                if new_hash is not None:
                    values["password_hash"] = new_hash
                conn.execute(update(tables.users).where(tables.users.c.id == row.id).values(**values))
                must_change = bool(row.must_change_password)
                session = None if must_change else sessions.start(conn, row, self._now())
                trail.record_change(conn, at=self._now(), by=user_from_row(row),
                                    event=AuditEvent.SIGN_IN_PASSWORD_EXPIRED if must_change else AuditEvent.SIGN_IN,
                                    table=tables.users, record_id=row.id, before=row._mapping,
                                    extra={"session_id": session.id} if session is not None else None)
                if session is not None:
                    return session
                failure = PasswordChangeRequired("An admin reset your password; choose a new one of your own "
                                                 "to carry on.")
        assert failure is not None
        raise failure

    def sign_out(self, session: UserSession) -> None:
        """End a session (signing out; closing the app). Its token is refused from then on. Ending a session
        that already ended does nothing."""
        with self._write() as conn:
            s = conn.execute(select(tables.user_sessions).where(tables.user_sessions.c.id == session.id)).first()
            if s is None or not hmac.compare_digest(s.token_hash, sessions.token_hash(session.token)):
                return
            if sessions.end(conn, session.id, self._now(), sessions.ENDED_SIGN_OUT):
                user = self._row(conn, tables.users, s.user_id)
                chain.append(conn, at=self._now(), by=user_from_row(user) if user is not None else None,
                             event=AuditEvent.SIGN_OUT, detail={"session_id": session.id})

    def current(self, session: UserSession) -> User:
        """The session's user as the database has them now; AuthError ("You have been signed out…") when the
        session ended, is forged, or the account was deactivated."""
        with self._read() as conn:
            return sessions.session_user(conn, session)[1]

    def confirm_password(self, session: UserSession, password: str) -> None:
        """The signed-in person types their password again (to sign a note, to unlock the screen): checked
        against the session's own user, never a user named by the caller. A wrong one counts toward the
        lockout, and a lockout ends the session."""
        with self._read() as conn:
            row, _user = sessions.session_user(conn, session)
        read, failure, new_hash = self._check_password(row.username, password)
        with self._write() as conn:
            sessions.session_user(conn, session)
            found, failure = self._record_outcome(conn, row.username, read, failure)
            if failure is None and found is not None:
                if found.failed_attempts or new_hash is not None:
                    values: dict[str, Any] = {"failed_attempts": 0, "locked_until": None}
                    if new_hash is not None:
                        values["password_hash"] = new_hash
                    conn.execute(update(tables.users).where(tables.users.c.id == found.id).values(**values))
                    trail.record_change(conn, at=self._now(), by=user_from_row(found),
                                        event=AuditEvent.PASSWORD_CONFIRMED,
                                        table=tables.users, record_id=found.id, before=found._mapping,
                                        extra={"session_id": session.id})
                else:
                    chain.append(conn, at=self._now(), by=user_from_row(found), event=AuditEvent.PASSWORD_CONFIRMED,
                                 detail={"session_id": session.id})
                return
        assert failure is not None
        raise failure

    def change_password(self, username: str, old_password: str, new_password: str) -> User:
        """Change one's own password: the current one is needed (a wrong one counts toward the lockout,
        and a locked account stays locked). A clinician's signing key is re-sealed under the new password in the
        same transaction, so signing keeps working. A stored key the old password does not open (one an earlier
        version left under an even older password) is left as it is: it was unusable already, and blocking the
        change would keep a possibly leaked password; an admin's reset issues a new one."""
        from infusiondesk import pki

        read, failure, _ = self._check_password(username, old_password)
        if failure is None and read is not None:
            auth.check_new_password(new_password, read.username)
            if new_password == old_password:
                raise auth.PasswordRefused("The new password is the same as the current one; choose another.")
        rewrapped: list[tuple[int, bytes]] = []
        new_hash = ""
        if failure is None and read is not None:
            new_hash = auth.hash_password(new_password)
            for object_id, data in self._credentials_of(read.id):
                try:
                    rewrapped.append((object_id, pki.rewrap_pkcs12(data, old_password, new_password)))
                except pki.PKIError:
                    continue  # already unusable (sealed under a password changed before this version re-sealed)
        with self._write() as conn:
            row, failure = self._record_outcome(conn, username, read, failure)
            if failure is None and row is not None:
                k = tables.pki_objects.c
                for object_id, data in rewrapped:
                    before = self._row(conn, tables.pki_objects, object_id)
                    if before is None or before.revoked_at is not None:
                        raise ConflictError("Your signing certificate was replaced a moment ago; try again.")
                    conn.execute(update(tables.pki_objects).where(k.id == object_id).values(data=data))
                    trail.record_change(conn, at=self._now(), by=user_from_row(row), event=AuditEvent.PKI_REENCRYPTED,
                                        table=tables.pki_objects, record_id=object_id, before=before._mapping)
                conn.execute(update(tables.users).where(tables.users.c.id == row.id).values(
                    password_hash=new_hash, must_change_password=False, failed_attempts=0, locked_until=None))
                trail.record_change(conn, at=self._now(), by=user_from_row(row), event=AuditEvent.PASSWORD_CHANGE,
                                    table=tables.users, record_id=row.id, before=row._mapping)
                return user_from_row(row)
        assert failure is not None
        raise failure

    def _credentials_of(self, user_id: int) -> Sequence[tuple[int, bytes]]:
        k = tables.pki_objects.c
        with self._read() as conn:
            rows = conn.execute(select(k.id, k.data).where(k.owner_user_id == user_id, k.kind == KIND_USER_P12,
                                                           k.revoked_at.is_(None))).all()
        return [(r.id, bytes(r.data)) for r in rows]

    # -- reading -----------------------------------------------------------------------------------------

    def get(self, user_id: int) -> User:
        with self._read() as conn:
            row = self._row(conn, tables.users, user_id)
        if row is None:
            raise RecordNotFound(f"User #{user_id} does not exist.")
        return user_from_row(row)

    def all(self, *, by: UserSession) -> list[User]:
        """Every account (the admin's Users screen)."""
        with self._read() as conn:
            self._acting(conn, by, (Role.ADMIN,), "list the clinic's accounts")
            rows = conn.execute(select(tables.users).order_by(tables.users.c.full_name)).all()
        return [user_from_row(r) for r in rows]

    def staff_names(self, *, by: UserSession) -> dict[int, User]:
        """Every account by id, for printing who charted and signed on a note or chart (any signed-in role)."""
        with self._read() as conn:
            self._acting(conn, by, tuple(Role), "see the clinic's staff")
            rows = conn.execute(select(tables.users)).all()
        return {r.id: user_from_row(r) for r in rows}

    def account_status(self, user_id: int, *, by: UserSession) -> dict[str, Any]:
        """What the admin screen shows beside a user: locked until when, must change their password."""
        with self._read() as conn:
            self._acting(conn, by, (Role.ADMIN,), "see account status")
            row = self._row(conn, tables.users, user_id)
        if row is None:
            raise RecordNotFound(f"User #{user_id} does not exist.")
        now = self._now()
        return {"locked_until": row.locked_until if auth.is_locked(row.locked_until, now) else None,
                "must_change_password": bool(row.must_change_password), "failed_attempts": row.failed_attempts}


__all__ = ["SigningCredential", "Users", "insert_user", "user_from_row"]
