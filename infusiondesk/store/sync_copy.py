"""Checkout: copy the day's mobile patients, with what charting them needs, from the clinic to a new laptop store.

Patients, users and the clinic keep their clinic integer ids on the laptop (the laptop never creates them), so
the ids inside visit records (patient, signers) mean the same on both sides; visits get laptop ids and are
matched by uid. Every copied row gets a `checkout_copy` entry in the laptop's own audit chain, which starts here;
what the nurse does after the checkout is what sync pushes back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, insert, select

from infusiondesk.records.models import Role, UserSession
from infusiondesk.store import history, sessions, sync_notes, sync_records, tables, visit_tx
from infusiondesk.store.audit import chain, trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import RecordNotFound

if TYPE_CHECKING:
    from infusiondesk.store.store import Store

RECENT_VISITS = 10  # per patient, for "last time"; every visit of the last RECENT_HOURS comes too (24 h total)
RECENT_HOURS = 48
# pki.KIND_CA_CERT, KIND_CRL: to validate signatures offline. No one's regular credential ever leaves the clinic:
# the laptop's own signing keys are issued for it at checkout (infusiondesk.mobile.credentials).
_CARRIED_PKI = ("ca_cert", "crl")


def content_sha(content: str) -> str:
    """A patient's version for sync: the SHA-256 of its stored document (the store writes canonical JSON)."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CheckoutData:
    """Everything read from the clinic for one checkout, in one transaction."""

    clinic: Row[Any]
    policy: Row[Any] | None
    users: list[Row[Any]]
    patients: list[Row[Any]]
    visits: list[Row[Any]]
    pki: list[Row[Any]]
    notes: list[Row[Any]] = field(default_factory=list)  # the signed notes of `visits` (infusiondesk.store.sync_notes)
    prices: list[Row[Any]] = field(default_factory=list)  # the price list, so a payment can be taken at home
    named: dict[int, Row[Any]] = field(default_factory=dict)  # users these name (copied as stubs that cannot sign in)


def read_checkout(clinic: Store, nurse: UserSession, mrns: Sequence[str], also: Sequence[str],
                  now: datetime) -> CheckoutData:
    """What the laptop needs, read as the nurse (a nurse's action: refused for other roles)."""
    p, v, k, u = tables.patients.c, tables.visits.c, tables.pki_objects.c, tables.users.c
    with clinic._read() as conn:
        actor = sessions.acting(conn, nurse, (Role.NURSE,), "check patients out to a laptop")
        clinic_row = conn.execute(select(tables.clinic).where(tables.clinic.c.id == 1)).one()
        policy = conn.execute(select(tables.clinic_policy).where(tables.clinic_policy.c.id == 1)).first()
        names = [actor.username, *(n.strip().lower() for n in also if n.strip().lower() != actor.username)]
        users = []
        for name in names:
            row = conn.execute(select(tables.users).where(u.username == name)).first()
            if row is None or not row.active or row.role not in (Role.NURSE.value, Role.CLINICIAN.value):
                raise RecordNotFound(f'"{name}" is not an active nurse or clinician of this clinic; check the name.')
            users.append(row)
        patients = []
        for mrn in dict.fromkeys(m.strip() for m in mrns):
            row = conn.execute(select(tables.patients).where(p.mrn == mrn)).first()
            if row is None:
                raise RecordNotFound(f"No patient with MRN {mrn}; check the number.")
            patients.append(row)
        visits: dict[int, Row[Any]] = {}
        for patient in patients:
            latest = select(tables.visits).where(v.patient_id == patient.id).order_by(v.created_at.desc(), v.id.desc())
            for row in conn.execute(latest.limit(RECENT_VISITS)):
                visits[row.id] = row
            since = now - timedelta(hours=RECENT_HOURS)
            for row in conn.execute(select(tables.visits).where(v.patient_id == patient.id, v.created_at >= since)):
                visits[row.id] = row
        pki = list(conn.execute(select(tables.pki_objects).where(k.revoked_at.is_(None), k.kind.in_(_CARRIED_PKI))))
        notes = [n.row for n in sync_notes.read_notes(conn, {r.uid: r for r in visits.values()}).values()]
        prices = list(conn.execute(select(tables.prices).order_by(tables.prices.c.id)))
        named = sync_records.read_users(conn, {int(n.signer_id) for n in notes} | {int(p.set_by) for p in prices})
    return CheckoutData(clinic_row, policy, users, patients, sorted(visits.values(), key=lambda r: r.id), pki,
                        notes, prices, named)


def _copy(conn: Connection, table: Any, row: Mapping[Any, Any], actor: Any, now: datetime,
          audited: bool = True, **override: Any) -> int:
    values = {**row, **override}
    result = conn.execute(insert(table).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    if audited:
        trail.record_change(conn, at=now, by=actor, event=AuditEvent.CHECKOUT_COPY, table=table, record_id=int(key[0]),
                            before=None)
    return int(key[0])


def write_laptop(laptop: Store, data: CheckoutData, nurse_id: int, laptop_id: str, library: str) -> None:
    """Fill a new laptop store with the checkout, in one transaction, each row audited in the laptop's chain."""
    now = laptop._now()
    with laptop._write() as conn:
        _copy(conn, tables.clinic, data.clinic._mapping, None, now, audited=False)
        nurse_row = next(r for r in data.users if r.id == nurse_id)
        _copy(conn, tables.users, nurse_row._mapping, None, now, audited=False)
        actor = sessions.user_from_row(nurse_row)
        trail.record_change(conn, at=now, by=actor, event=AuditEvent.CHECKOUT_COPY, table=tables.clinic, record_id=1,
                            before=None)
        trail.record_change(conn, at=now, by=actor, event=AuditEvent.CHECKOUT_COPY, table=tables.users,
                            record_id=nurse_id, before=None)
        if data.policy is not None:
            _copy(conn, tables.clinic_policy, data.policy._mapping, actor, now)
        for row in data.users:
            if row.id != nurse_id:
                _copy(conn, tables.users, row._mapping, actor, now)
        for row in data.patients:
            _copy(conn, tables.patients, row._mapping, actor, now)
            conn.execute(insert(tables.mobile_base).values(uid=row.uid, kind="patient", base=content_sha(row.content)))
        for row in data.visits:
            values = {k: v for k, v in row._mapping.items() if k != "id"}
            new_id = _copy(conn, tables.visits, values, actor, now)
            visit = visit_tx.visit_from_row(conn.execute(chain.by_id(tables.visits), {"id": new_id}).one())
            history.write_summary(conn, visit, new=True)
            visit_tx._write_span(conn, visit)
            conn.execute(insert(tables.mobile_base).values(uid=row.uid, kind="visit", base=str(row.version)))
        sync_records.ensure_users(conn, data.named, data.named, at=now, by=actor, event=AuditEvent.CHECKOUT_COPY,
                                  extra={})
        sync_notes.copy_at_checkout(conn, data.notes, {r.id: r.uid for r in data.visits}, at=now, by=actor)
        for row in data.prices:
            _copy(conn, tables.prices, row._mapping, actor, now)
        for row in data.pki:
            values = {k: v for k, v in row._mapping.items() if k != "id"}
            _copy(conn, tables.pki_objects, values, actor, now)
        start_entry, _hash = chain.head(conn)
        chain.append(conn, at=now, by=actor, event=AuditEvent.MOBILE_CHECKOUT, detail={
            "laptop_id": laptop_id, "patients": [r.mrn for r in data.patients]})
        conn.execute(insert(tables.mobile_laptop).values(
            id=1, laptop_id=laptop_id, user_id=nurse_id, start_entry=start_entry + 1, library=library,
            library_sha256=hashlib.sha256(library.encode("utf-8")).hexdigest()))


def record_checkout(clinic: Store, nurse: UserSession, data: CheckoutData, laptop_id: str,
                    library_sha256: str) -> None:
    """The clinic's record of the checkout (which laptop, whose, which patients at which versions), audited."""
    now = clinic._now()
    with clinic._write() as conn:
        actor = sessions.acting(conn, nurse, (Role.NURSE,), "check patients out to a laptop")
        versions = {r.uid: content_sha(r.content) for r in data.patients}
        conn.execute(insert(tables.mobile_checkouts).values(
            laptop_id=laptop_id, user_id=actor.id, patients=json.dumps(versions, sort_keys=True),
            checked_out_at=now, last_sync_at=None, audit_pushed=0, revoked_at=None))
        chain.append(conn, at=now, by=actor, event=AuditEvent.MOBILE_CHECKOUT, detail={
            "laptop_id": laptop_id, "patients": [r.mrn for r in data.patients], "visits": len(data.visits),
            "users": [r.username for r in data.users], "library_sha256": library_sha256})

