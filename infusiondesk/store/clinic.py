"""`store.clinic`: the clinic's profile, its first-run setup, and its rules (the clinic policy).

One row each (id 1). The first-run setup makes the clinic and its first admin in one transaction and signs the
admin in, which is why it lives here and not in `store.users`.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from infusiondesk import auth
from infusiondesk.errors import DomainError
from infusiondesk.records.location import MobileCover
from infusiondesk.records.models import Clinic, ClinicPolicy, Role, UserSession
from infusiondesk.records.remote_approval import RemoteApproval
from infusiondesk.store import codec, sessions, tables, visit_tx
from infusiondesk.store.audit import chain, trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import RecordNotFound
from infusiondesk.store.part import StorePart
from infusiondesk.store.sessions import acting
from infusiondesk.store.users import insert_user
from infusiondesk.validation import clean_clinic


class ClinicProfile(StorePart):
    """`store.clinic`: who the clinic is and the rules it runs by."""

    def needs_setup(self) -> bool:
        """True until the first-run setup has created the clinic and its admin."""
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(tables.clinic)).scalar_one() == 0

    def setup(self, clinic: Clinic, admin_username: str, admin_full_name: str,
              admin_password: str) -> UserSession:
        """First run: the clinic profile and its first admin, in one transaction; the admin is signed in (the
        returned session saves the clinic's keys and enrols the staff)."""
        clinic = clean_clinic(clinic)
        password_hash = auth.hash_new_password(admin_password, admin_username.strip().lower())
        with self._write() as conn:
            if conn.execute(select(func.count()).select_from(tables.clinic)).scalar_one():
                raise DomainError("This clinic is already set up; sign in as an admin to change it.")
            conn.execute(insert(tables.clinic).values(id=1, **codec.to_plain(clinic)))
            admin = insert_user(conn, self._now(), admin_username, admin_full_name, Role.ADMIN, password_hash, "", None)
            trail.record_change(conn, at=self._now(), by=admin, event=AuditEvent.CREATE, table=tables.clinic,
                                record_id=1, before=None)
            row = self._row(conn, tables.users, admin.id)
            assert row is not None
            session = sessions.start(conn, row, self._now())
            chain.append(conn, at=self._now(), by=admin, event=AuditEvent.SIGN_IN,
                         detail={"session_id": session.id, "why": "first run"})
        return session

    def get(self) -> Clinic:
        with self._read() as conn:
            row = conn.execute(select(tables.clinic).where(tables.clinic.c.id == 1)).first()
        if row is None:
            raise RecordNotFound("The clinic is not set up yet; run the first-run setup.")
        return Clinic(name=row.name, address=row.address, phone=row.phone, hours=row.hours, timezone=row.timezone,
                      tax_id=row.tax_id, provider_name=row.provider_name, npi=row.npi)

    def update(self, clinic: Clinic, by: UserSession) -> Clinic:
        clinic = clean_clinic(clinic)
        with self._write() as conn:
            actor = acting(conn, by, (Role.ADMIN,), "change the clinic profile")
            before = self._row(conn, tables.clinic, 1)
            if before is None:
                raise RecordNotFound("The clinic is not set up yet; run the first-run setup.")
            conn.execute(update(tables.clinic).where(tables.clinic.c.id == 1).values(**codec.to_plain(clinic)))
            trail.record_change(conn, at=self._now(), by=actor, event=AuditEvent.UPDATE,
                                table=tables.clinic, record_id=1, before=before._mapping)
        return clinic

    def policy(self) -> ClinicPolicy:
        with self._read() as conn:
            return visit_tx.read_policy(conn)

    def set_policy(self, policy: ClinicPolicy, by: UserSession) -> ClinicPolicy:
        """An admin changes the clinic's rules (the double check before every start, what a mobile visit needs
        beside the nurse, whether a clinician may approve an order on a laptop); audited."""
        with self._write() as conn:
            actor = acting(conn, by, (Role.ADMIN,), "change the clinic's rules")
            trail.save_single_row(conn, at=self._now(), by=actor, table=tables.clinic_policy,
                                  values={"double_check_required": policy.double_check_required,
                                          "mobile_cover": MobileCover(policy.mobile_cover).value,
                                          "mobile_remote_approval":
                                              RemoteApproval(policy.mobile_remote_approval).value})
        return policy

