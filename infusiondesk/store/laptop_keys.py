"""The per-laptop signing certificates as rows: the clinic's record of each (so revoking a laptop finds exactly
its certificates), and the sealed credentials written into the laptop's own database.

In the clinic a laptop certificate is a `pki_objects` row of kind "laptop_cert", owned by the person it was issued
to, named after the laptop; in the laptop database the credential is an ordinary "user_p12" / "user_cert" pair of
its owner, so the laptop signs with it exactly as the clinic signs with a regular one. Both are written by the
checking-out nurse's action (no admin is there), each row audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from infusiondesk.records.models import Role, UserSession
from infusiondesk.store import sessions, tables
from infusiondesk.store.audit import trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.part import new_id

if TYPE_CHECKING:
    from infusiondesk.store.store import Store

KIND_LAPTOP_CERT = "laptop_cert"  # PEM certificate issued for one person on one laptop (infusiondesk.mobile)
_USER_P12, _USER_CERT = "user_p12", "user_cert"  # pki.KIND_USER_P12, KIND_USER_CERT (pki is not imported here)


def laptop_name(laptop_id: str) -> str:
    return f"laptop-{laptop_id}"


def record_certificates(clinic: Store, nurse: UserSession, laptop_id: str,
                        certificates: Sequence[tuple[int, bytes]]) -> None:
    """Keep each (owner user id, certificate PEM) issued for this laptop; the nurse checking it out acts."""
    now = clinic._now()
    with clinic._write() as conn:
        actor = sessions.acting(conn, nurse, (Role.NURSE,), "check patients out to a laptop")
        for owner, pem in certificates:
            object_id = new_id(conn.execute(insert(tables.pki_objects).values(
                kind=KIND_LAPTOP_CERT, owner_user_id=owner, name=laptop_name(laptop_id), data=pem, created_at=now,
                revoked_at=None, revocation_reason="")))
            trail.record_change(conn, at=now, by=actor, event=AuditEvent.PKI_SAVED, table=tables.pki_objects,
                                record_id=object_id, before=None, extra={"laptop_id": laptop_id})


def certificates(clinic: Store, laptop_id: str, *, include_revoked: bool = False) -> list[tuple[int, bytes]]:
    """(owner user id, certificate PEM) of the certificates issued for this laptop, oldest first."""
    k = tables.pki_objects.c
    query = (select(k.owner_user_id, k.data).where(k.kind == KIND_LAPTOP_CERT, k.name == laptop_name(laptop_id))
             .order_by(k.id))
    if not include_revoked:
        query = query.where(k.revoked_at.is_(None))
    with clinic._read() as conn:
        return [(int(r.owner_user_id), bytes(r.data)) for r in conn.execute(query)]


def write_to_laptop(laptop: Store, nurse_id: int, credentials: Sequence[tuple[int, bytes, bytes]]) -> None:
    """Put each (owner user id, sealed PKCS#12, certificate PEM) into a new laptop database, audited in its chain
    as the checking-out nurse's."""
    now = laptop._now()
    with laptop._write() as conn:
        actor = sessions.user_from_row(conn.execute(select(tables.users).where(tables.users.c.id == nurse_id)).one())
        for owner, p12, pem in credentials:
            for kind, name, data in ((_USER_P12, f"user-{owner}.p12", p12), (_USER_CERT, f"user-{owner}.pem", pem)):
                object_id = new_id(conn.execute(insert(tables.pki_objects).values(
                    kind=kind, owner_user_id=owner, name=name, data=data, created_at=now, revoked_at=None,
                    revocation_reason="")))
                trail.record_change(conn, at=now, by=actor, event=AuditEvent.CHECKOUT_COPY, table=tables.pki_objects,
                                    record_id=object_id, before=None)
