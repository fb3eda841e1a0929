"""`store.keys`: the clinic's keys, certificates and revocation lists as blobs (infusiondesk.pki owns their
formats), and revoking them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from infusiondesk.auth import PermissionDenied
from infusiondesk.records.models import Role, UserSession
from infusiondesk.store import sessions, tables
from infusiondesk.store.audit import trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.part import StorePart, new_id
from infusiondesk.store.sessions import acting
from infusiondesk.store.users import KIND_USER_CERT, KIND_USER_P12

_OWN_CREDENTIAL_KINDS = (KIND_USER_P12, KIND_USER_CERT)  # a person's own signing credential (the formats are pki's)


class Keys(StorePart):
    """`store.keys`: an admin's session changes them, except a person's own credential."""

    def save(self, kind: str, owner_user_id: int | None, name: str, data: bytes, *,
             by: UserSession) -> None:
        """Keep a key, certificate or revocation list. An admin's session is needed (a replaced CA or audit seal
        would make forged notes verify), except for a person's own credential (importing their own PKCS#12)."""
        now = self._now()
        with self._write() as conn:
            _row, actor = sessions.session_user(conn, by)
            own = kind in _OWN_CREDENTIAL_KINDS and owner_user_id is not None and owner_user_id == actor.id
            if not own:
                actor = acting(conn, by, (Role.ADMIN,), "change the clinic's keys and certificates")
            object_id = new_id(conn.execute(insert(tables.pki_objects).values(
                kind=kind, owner_user_id=owner_user_id, name=name, data=data, created_at=now,
                revoked_at=None, revocation_reason="")))
            trail.record_change(conn, at=now, by=actor, event=AuditEvent.PKI_SAVED, table=tables.pki_objects,
                                record_id=object_id, before=None)

    def load(self, kind: str, owner_user_id: int | None = None, *, include_revoked: bool = False,
             by: UserSession | None = None) -> list[tuple[str, bytes]]:
        """(name, data) of the objects of this kind, oldest first; for one owner when owner_user_id is set.
        A person's PKCS#12 (their sealed signing key) is handed only to their own session; certificates,
        revocation lists and the passphrase-sealed clinic keys are read without one."""
        k = tables.pki_objects.c
        query = select(k.name, k.data).where(k.kind == kind).order_by(k.id)
        if owner_user_id is not None:
            query = query.where(k.owner_user_id == owner_user_id)
        if not include_revoked:
            query = query.where(k.revoked_at.is_(None))
        with self._read() as conn:
            if kind == _OWN_CREDENTIAL_KINDS[0]:
                _row, user = sessions.session_user(conn, by)
                if owner_user_id is None or owner_user_id != user.id:
                    raise PermissionDenied("Only its owner, signed in, can open a signing key; sign in as them.")
            return [(r.name, bytes(r.data)) for r in conn.execute(query)]

    def revoke(self, kind: str, name: str, by: UserSession, reason: str = "") -> int:
        """Mark the objects of this kind and name revoked (kept, not deleted); an admin's call. Returns how many."""
        now = self._now()
        k = tables.pki_objects.c
        with self._write() as conn:
            actor = acting(conn, by, (Role.ADMIN,), "revoke keys and certificates")
            rows = conn.execute(select(tables.pki_objects)
                                .where(k.kind == kind, k.name == name, k.revoked_at.is_(None))).all()
            for row in rows:
                conn.execute(update(tables.pki_objects).where(k.id == row.id)
                             .values(revoked_at=now, revocation_reason=reason))
                trail.record_change(conn, at=now, by=actor, event=AuditEvent.REVOKE, table=tables.pki_objects,
                                    record_id=row.id, before=row._mapping)
        return len(rows)

    def revoked(self, kind: str) -> list[tuple[str, datetime, str]]:
        """(name, revoked_at, reason) for the revoked objects of this kind, for a revocation list."""
        k = tables.pki_objects.c
        with self._read() as conn:
            rows = conn.execute(select(k.name, k.revoked_at, k.revocation_reason)
                                .where(k.kind == kind, k.revoked_at.is_not(None)).order_by(k.revoked_at)).all()
        return [(r.name, r.revoked_at, r.revocation_reason) for r in rows]

