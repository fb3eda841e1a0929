"""The Store: the clinic's records in one database, each change one transaction with its audit entry.

Callers hand in and get back the frozen values of `infusiondesk.records`; no database object leaves this
module. Rules about what a visit may become live in `infusiondesk.workflow`; the store only refuses what
would corrupt the record (a stale save, an edit to a signed visit, a role acting out of its remit).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, CursorResult, Engine, Row, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from infusiondesk import audit, audit_notes, auth
from infusiondesk.auth import AuthError, PermissionDenied
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Clinic, Patient, Role, User, Visit, VisitStatus
from infusiondesk.store import codec, history, tables, trail
from infusiondesk.store.engine import WRITE, make_engine, migrate, to_url
from infusiondesk.store.errors import ConflictError, RecordNotFound
from infusiondesk.store.search import patient_keys, search_conditions

if TYPE_CHECKING:
    from infusiondesk import pki

_STATUS_ORDER = list(VisitStatus)
_VISIT_COLUMNS = ("id", "patient_id", "status", "created_at", "started_at", "version")


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _visit_document(visit: Visit) -> str:
    plain = codec.to_plain(visit)
    for key in _VISIT_COLUMNS:
        plain.pop(key)
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _visit_from_row(row: Row[Any]) -> Visit:
    doc = orjson.loads(row.content)
    doc.update(id=row.id, version=row.version, patient_id=row.patient_id, status=row.status,
               created_at=row.created_at, started_at=row.started_at)
    return codec.from_plain(Visit, doc)


def _patient_document(p: Patient) -> str:
    plain = codec.to_plain(p)
    plain.pop("id")
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _patient_from_row(row: Row[Any]) -> Patient:
    doc = orjson.loads(row.content)
    doc["id"] = row.id
    return codec.from_plain(Patient, doc)


def _user_from_row(row: Row[Any]) -> User:
    return User(id=row.id, username=row.username, full_name=row.full_name, role=Role(row.role),
                credentials=row.credentials, active=row.active)


def _require_role(by: User, roles: tuple[Role, ...], action: str) -> None:
    if not by.active or by.role not in roles:
        names = " or ".join(r.value for r in roles)
        raise PermissionDenied(f"Only a{'n' if names[0] in 'aeiou' else ''} {names} can {action}; "
                               "ask one to do it.")


class Store:
    """One database (SQLite file or PostgreSQL). Open with `Store.open(url_or_path)`."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utcnow) -> None:
        self.engine = engine
        self._now = clock
        self._batch: Connection | None = None

    @classmethod
    def open(cls, url_or_path: str, *, clock: Callable[[], datetime] = _utcnow, migrate: bool = True) -> Store:
        """Connect, creating the database and migrating it to the newest schema when needed."""
        engine = make_engine(to_url(url_or_path))
        if migrate:
            _migrate(engine)
        return cls(engine, clock)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    # -- transactions ------------------------------------------------------------------------------------

    def with_clock(self, clock: Callable[[], datetime]) -> Store:
        """The same database seen with another clock (the demo dates its records in the past)."""
        return Store(self.engine, clock)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Run many store calls as ONE transaction (bulk imports, the demo): all or nothing, one commit.
        For a single thread; every call inside is audited exactly as on its own."""
        if self._batch is not None:
            raise RuntimeError("batches do not nest")
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(select(tables.audit_head.c.id).where(tables.audit_head.c.id == 1).with_for_update())
            self._batch = conn
            try:
                with audit.batched_head(conn):
                    yield
            finally:
                self._batch = None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction. The audit head is locked first, so writers queue in a fixed order."""
        if self._batch is not None:
            yield self._batch
            return
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(select(tables.audit_head.c.id).where(tables.audit_head.c.id == 1).with_for_update())
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        if self._batch is not None:
            yield self._batch
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _row(self, conn: Connection, table: Any, record_id: int) -> Row[Any] | None:
        return conn.execute(audit.by_id(table), {"id": record_id}).first()

    # -- clinic and first run ----------------------------------------------------------------------------

    def needs_setup(self) -> bool:
        """True until the first-run setup has created the clinic and its admin."""
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(tables.clinic)).scalar_one() == 0

    def setup_clinic(self, clinic: Clinic, admin_username: str, admin_full_name: str, admin_password: str) -> User:
        """First run: the clinic profile and its first admin, in one transaction."""
        password_hash = auth.hash_password(admin_password)
        with self._write() as conn:
            if conn.execute(select(func.count()).select_from(tables.clinic)).scalar_one():
                raise DomainError("This clinic is already set up; sign in as an admin to change it.")
            conn.execute(insert(tables.clinic).values(id=1, **codec.to_plain(clinic)))
            admin = self._insert_user(conn, admin_username, admin_full_name, Role.ADMIN, password_hash, "", None)
            trail.record_change(conn, at=self._now(), by=admin, event="create", table=tables.clinic, record_id=1,
                                before=None)
        return admin

    def get_clinic(self) -> Clinic:
        with self._read() as conn:
            row = conn.execute(select(tables.clinic).where(tables.clinic.c.id == 1)).first()
        if row is None:
            raise RecordNotFound("The clinic is not set up yet; run the first-run setup.")
        return Clinic(name=row.name, address=row.address, phone=row.phone, hours=row.hours, timezone=row.timezone)

    def update_clinic(self, clinic: Clinic, by: User) -> Clinic:
        _require_role(by, (Role.ADMIN,), "change the clinic profile")
        with self._write() as conn:
            before = self._row(conn, tables.clinic, 1)
            if before is None:
                raise RecordNotFound("The clinic is not set up yet; run the first-run setup.")
            conn.execute(update(tables.clinic).where(tables.clinic.c.id == 1).values(**codec.to_plain(clinic)))
            trail.record_change(conn, at=self._now(), by=by, event="update", table=tables.clinic, record_id=1,
                                before=before._mapping)
        return clinic

    # -- users -------------------------------------------------------------------------------------------

    def _insert_user(self, conn: Connection, username: str, full_name: str, role: Role, password_hash: str,
                     credentials: str, by: User | None) -> User:
        username = username.strip().lower()
        if not username or not full_name.strip():
            raise DomainError("Enter a user name and the person's full name.")
        if conn.execute(select(tables.users.c.id).where(tables.users.c.username == username)).first():
            raise DomainError(f'The user name "{username}" is taken; choose another.')
        user_id = _new_id(conn.execute(insert(tables.users).values(
            username=username, full_name=full_name.strip(), role=Role(role).value, credentials=credentials,
            active=True, password_hash=password_hash, failed_attempts=0, locked_until=None,
            created_at=self._now())))
        user = User(id=user_id, username=username, full_name=full_name.strip(), role=Role(role),
                    credentials=credentials)
        trail.record_change(conn, at=self._now(), by=by or user, event="create", table=tables.users,
                            record_id=user_id, before=None)
        return user

    def create_user(self, username: str, full_name: str, role: Role | str, password: str, credentials: str = "",
                    by: User | None = None) -> User:
        """Add a user. Only an admin may, except for the very first user of an empty database."""
        password_hash = auth.hash_password(password)
        with self._write() as conn:
            has_users = conn.execute(select(func.count()).select_from(tables.users)).scalar_one() > 0
            if has_users or by is not None:
                if by is None:
                    raise PermissionDenied("Only an admin can add users; sign in as an admin.")
                _require_role(by, (Role.ADMIN,), "add users")
            return self._insert_user(conn, username, full_name, Role(role), password_hash, credentials, by)

    def update_user(self, user: User, by: User, *, password: str | None = None, unlock: bool = False) -> User:
        """Change a user's name, role, credentials or active flag; reset the password; unlock the account.
        Admins manage everyone; a user may change only their own password."""
        if user.id is None:
            raise DomainError("Save the new user first.")
        if by.id != user.id or unlock:
            _require_role(by, (Role.ADMIN,), "manage users")
        with self._write() as conn:
            before = self._row(conn, tables.users, user.id)
            if before is None:
                raise RecordNotFound("That user no longer exists.")
            values: dict[str, Any] = {"full_name": user.full_name, "credentials": user.credentials,
                                      "role": Role(user.role).value, "active": user.active}
            if (values["role"], values["active"]) != (before.role, before.active):
                _require_role(by, (Role.ADMIN,), "change a role or deactivate an account")
            if password is not None:
                values["password_hash"] = auth.hash_password(password)
            if unlock or password is not None:
                values.update(failed_attempts=0, locked_until=None)
            conn.execute(update(tables.users).where(tables.users.c.id == user.id).values(**values))
            trail.record_change(conn, at=self._now(), by=by, event="update", table=tables.users,
                                record_id=user.id, before=before._mapping)
            return _user_from_row(self._row(conn, tables.users, user.id))  # type: ignore[arg-type]

    def authenticate(self, username: str, password: str) -> User:
        """Sign in. Every attempt is audited; repeated wrong passwords lock the account for a while."""
        now = self._now()
        refused = AuthError("That user name and password do not match; check them and try again.")
        with self._write() as conn:
            row = conn.execute(select(tables.users)
                               .where(tables.users.c.username == username.strip().lower())).first()
            if row is None:
                audit.append(conn, at=now, by=None, event="sign_in_failed",
                             detail={"username": username, "why": "unknown user"})
                failure: AuthError = refused
            elif not row.active:
                audit.append(conn, at=now, by=_user_from_row(row), event="sign_in_failed",
                             detail={"why": "account deactivated"})
                failure = AuthError("This account is deactivated; ask a clinic admin.")
            elif auth.is_locked(row.locked_until, now):
                audit.append(conn, at=now, by=_user_from_row(row), event="sign_in_failed",
                             detail={"why": "account locked"})
                failure = AuthError(auth.locked_message(row.locked_until))
            elif not auth.password_matches(row.password_hash, password):
                count, locked_until = auth.after_failed_sign_in(row.failed_attempts, now)
                conn.execute(update(tables.users).where(tables.users.c.id == row.id)
                             .values(failed_attempts=count, locked_until=locked_until))
                user = _user_from_row(row)
                trail.record_change(conn, at=now, by=user, event="sign_in_failed", table=tables.users,
                                    record_id=row.id, before=row._mapping, extra={"why": "wrong password"})
                if locked_until is not None:
                    audit.append(conn, at=now, by=user, event="lockout",
                                 detail={"failed_attempts": count, "locked_until": locked_until})
                    failure = AuthError(auth.locked_message(locked_until))
                else:
                    failure = refused
            else:
                user = _user_from_row(row)
                values: dict[str, Any] = {"failed_attempts": 0, "locked_until": None}
                if auth.needs_rehash(row.password_hash):
                    values["password_hash"] = auth.hash_password(password)
                conn.execute(update(tables.users).where(tables.users.c.id == row.id).values(**values))
                trail.record_change(conn, at=now, by=user, event="sign_in", table=tables.users, record_id=row.id,
                                    before=row._mapping)
                return user
        raise failure

    def get_user(self, user_id: int) -> User:
        with self._read() as conn:
            row = self._row(conn, tables.users, user_id)
        if row is None:
            raise RecordNotFound(f"User #{user_id} does not exist.")
        return _user_from_row(row)

    def list_users(self) -> list[User]:
        with self._read() as conn:
            rows = conn.execute(select(tables.users).order_by(tables.users.c.full_name)).all()
        return [_user_from_row(r) for r in rows]

    # -- patients ----------------------------------------------------------------------------------------

    def add_patient(self, p: Patient, by: User) -> Patient:
        _require_role(by, (Role.NURSE, Role.CLINICIAN, Role.ADMIN), "register patients")
        mrn = p.mrn.strip()
        if not mrn:
            raise DomainError("Enter the patient's MRN (medical record number).")
        p = dataclasses.replace(p, mrn=mrn)
        with self._write() as conn:
            if conn.execute(select(tables.patients.c.id).where(tables.patients.c.mrn == mrn)).first():
                raise DomainError(f"A patient with MRN {mrn} already exists; search for them instead.")
            patient_id = _new_id(conn.execute(insert(tables.patients).values(
                mrn=mrn, content=_patient_document(p), **patient_keys(p))))
            trail.record_change(conn, at=self._now(), by=by, event="create", table=tables.patients,
                                record_id=patient_id, before=None)
        return dataclasses.replace(p, id=patient_id)

    def update_patient(self, p: Patient, by: User) -> Patient:
        _require_role(by, (Role.NURSE, Role.CLINICIAN, Role.ADMIN), "change patient details")
        if p.id is None:
            raise DomainError("Register the patient before changing their details.")
        with self._write() as conn:
            before = self._row(conn, tables.patients, p.id)
            if before is None:
                raise RecordNotFound("That patient no longer exists.")
            clash = conn.execute(select(tables.patients.c.id).where(tables.patients.c.mrn == p.mrn.strip(),
                                                                   tables.patients.c.id != p.id)).first()
            if clash:
                raise DomainError(f"MRN {p.mrn} belongs to another patient; check the number.")
            conn.execute(update(tables.patients).where(tables.patients.c.id == p.id).values(
                mrn=p.mrn.strip(), content=_patient_document(p), **patient_keys(p)))
            trail.record_change(conn, at=self._now(), by=by, event="update", table=tables.patients,
                                record_id=p.id, before=before._mapping)
        return p

    def get_patient(self, patient_id: int) -> Patient:
        with self._read() as conn:
            row = self._row(conn, tables.patients, patient_id)
        if row is None:
            raise RecordNotFound(f"Patient #{patient_id} does not exist.")
        return _patient_from_row(row)

    def get_patient_by_mrn(self, mrn: str) -> Patient | None:
        """The patient with this MRN, or None when there is none."""
        with self._read() as conn:
            row = conn.execute(select(tables.patients).where(tables.patients.c.mrn == mrn.strip())).first()
        return _patient_from_row(row) if row is not None else None

    def search_patients(self, text: str, limit: int = 50) -> list[Patient]:
        """Patients whose family name, given name or MRN starts with what was typed ("smi", "smith jo",
        "jo smith", "MRN00012"), sorted by name."""
        found: dict[int, Row[Any]] = {}
        with self._read() as conn:
            for condition, order in search_conditions(text):
                query = select(tables.patients).where(condition).order_by(*order).limit(limit)
                for row in conn.execute(query):
                    found[row.id] = row
        patients = sorted((_patient_from_row(r) for r in found.values()),
                          key=lambda p: (p.family_name.lower(), p.given_name.lower(), p.mrn))
        return patients[:limit]

    # -- visits ------------------------------------------------------------------------------------------

    def create_visit(self, patient_id: int, by: User) -> Visit:
        _require_role(by, (Role.NURSE, Role.CLINICIAN), "open a visit")
        now = self._now()
        visit = Visit(id=None, patient_id=patient_id, created_at=now, version=1)
        with self._write() as conn:
            if self._row(conn, tables.patients, patient_id) is None:
                raise RecordNotFound(f"Patient #{patient_id} does not exist; register the patient first.")
            visit_id = _new_id(conn.execute(insert(tables.visits).values(
                patient_id=patient_id, status=visit.status.value, created_at=now, started_at=None, version=1,
                content=_visit_document(visit))))
            visit = dataclasses.replace(visit, id=visit_id)
            history.write_summary(conn, visit, new=True)
            trail.record_change(conn, at=now, by=by, event="create", table=tables.visits, record_id=visit_id,
                                before=None)
        return visit

    def get_visit(self, visit_id: int) -> Visit:
        with self._read() as conn:
            row = self._row(conn, tables.visits, visit_id)
        if row is None:
            raise RecordNotFound(f"Visit #{visit_id} does not exist.")
        return _visit_from_row(row)

    def list_visits(self, patient_id: int | None = None) -> list[Visit]:
        """A patient's visits, oldest first (every visit in the clinic when patient_id is None)."""
        query = select(tables.visits).order_by(tables.visits.c.created_at, tables.visits.c.id)
        if patient_id is not None:
            query = query.where(tables.visits.c.patient_id == patient_id)
        with self._read() as conn, codec.bulk_decoding():
            return [_visit_from_row(r) for r in conn.execute(query)]

    def visit_history(self, patient_id: int) -> list[history.VisitSummary]:
        """What the chart shows of each of a patient's visits (date, status, dose, rate, side effects, pain,
        vitals, attacks per month), oldest first: light summaries, not whole records."""
        with self._read() as conn:
            return history.visit_history(conn, patient_id)

    def visit_summaries(self, patient_id: int | None = None) -> list[dict[str, Any]]:
        """One line per visit for lists and `infusiondesk visits --json`: id, patient (MRN), patient_name,
        patient_id, status, created_at, started_at (ISO 8601 UTC or None), version. Newest first."""
        v, p = tables.visits.c, tables.patients.c
        query = (select(v.id, v.patient_id, p.mrn, p.family_key, p.content, v.status, v.created_at, v.started_at,
                        v.version)
                 .join_from(tables.visits, tables.patients, v.patient_id == p.id)
                 .order_by(v.created_at.desc(), v.id.desc()))
        if patient_id is not None:
            query = query.where(v.patient_id == patient_id)
        names: dict[int, str] = {}
        out = []
        with self._read() as conn:
            for r in conn.execute(query):
                if r.patient_id not in names:
                    doc = json.loads(r.content)
                    names[r.patient_id] = f"{doc['family_name'].upper()}, {doc['given_name']}"
                out.append({"id": r.id, "patient": r.mrn, "patient_id": r.patient_id,
                            "patient_name": names[r.patient_id], "status": r.status,
                            "created_at": codec.to_plain(r.created_at), "started_at": codec.to_plain(r.started_at),
                            "version": r.version})
        return out

    def save_visit(self, visit: Visit, by: User) -> Visit:
        """Save the whole visit as one transaction and return it with its new version.

        Raises ConflictError, and changes nothing, when the visit was saved elsewhere after `visit` was
        loaded; the caller still holds its unsaved visit. A signed visit only accepts new addenda.
        """
        if visit.id is None:
            raise DomainError("Open the visit before saving it.")
        _require_role(by, (Role.NURSE, Role.CLINICIAN), "chart a visit")
        now = self._now()
        with self._write() as conn:
            row = self._row(conn, tables.visits, visit.id)
            if row is None:
                raise RecordNotFound(f"Visit #{visit.id} does not exist.")
            if row.version != visit.version:
                raise ConflictError(self._conflict_message(conn, visit.id))
            old = _visit_from_row(row)
            _check_transition(old, visit, by)
            result = conn.execute(
                update(tables.visits)
                .where(tables.visits.c.id == visit.id, tables.visits.c.version == visit.version)
                .values(status=visit.status.value, started_at=visit.started_at, version=visit.version + 1,
                        content=_visit_document(visit)))
            if result.rowcount != 1:
                raise ConflictError(self._conflict_message(conn, visit.id))
            saved = dataclasses.replace(visit, version=visit.version + 1, created_at=old.created_at)
            history.write_summary(conn, saved, new=False)
            event = "addendum" if old.status is VisitStatus.SIGNED else "update"
            trail.record_change(conn, at=now, by=by, event=event, table=tables.visits, record_id=visit.id,
                                before=row._mapping)
            self._audit_findings(conn, old, saved, by, now)
        return saved

    def _conflict_message(self, conn: Connection, visit_id: int) -> str:
        last = conn.execute(select(tables.audit_log.c.username, tables.audit_log.c.at)
                            .where(tables.audit_log.c.table_name == "visits",
                                   tables.audit_log.c.record_id == visit_id)
                            .order_by(tables.audit_log.c.id.desc()).limit(1)).first()
        who = f" by {last.username} at {last.at:%H:%M:%S} UTC" if last is not None else ""
        return (f"This visit was saved on another workstation{who} after you opened it, so your changes were "
                "not saved. Reopen the visit to see the latest version, then enter your changes again.")

    def _audit_findings(self, conn: Connection, old: Visit, new: Visit, by: User, now: datetime) -> None:
        """Soft-limit overrides and signatures get their own audit entries, for the near-miss report."""
        old_overrides = set(old.dose_order.overrides) if old.dose_order else set()
        for o in new.dose_order.overrides if new.dose_order else ():
            if o not in old_overrides:
                audit.append(conn, at=now, by=by, event="override", detail={
                    "visit_id": new.id, "patient_id": new.patient_id, "code": o.code, "message": o.message,
                    "reason": o.reason, "overridden_by": o.by})
        signatures = [*new.signatures, *(a.signature for a in new.addenda if a.signature)]
        known = {*old.signatures, *(a.signature for a in old.addenda if a.signature)}
        for s in signatures:
            if s not in known:
                audit.append(conn, at=now, by=by, event="signature", detail={
                    "visit_id": new.id, "signer_id": s.signer_id, "signer": s.signer_name,
                    "meaning": s.meaning.value, "version": s.version, "pdf_sha256": s.pdf_sha256})

    def magnesium_given_last_24h(self, patient_id: int, at: datetime) -> float:
        """Grams of magnesium sulfate given to this patient in the 24 h before `at` (for the 24 h limit)."""
        from infusiondesk.workflow import magnesium_given_g

        since = at - timedelta(hours=24)
        v = tables.visits.c
        # No infusion runs for a day, so visits started more than 48 h ago cannot overlap the window.
        query = select(tables.visits).where(v.patient_id == patient_id, v.started_at.is_not(None),
                                            v.started_at <= at,
                                            or_(v.started_at >= since - timedelta(hours=24),
                                                v.status == VisitStatus.INFUSING.value))
        with self._read() as conn:
            visits = [_visit_from_row(r) for r in conn.execute(query)]
        return magnesium_given_g(visits, since)

    # -- drafts (autosave) -------------------------------------------------------------------------------

    def save_draft(self, user_id: int, key: str, payload: Mapping[str, Any]) -> None:
        """Keep what is being typed so a crash loses seconds, not a visit. Drafts are not the record and
        are not audited; the saved visit is."""
        text = json.dumps(codec.to_plain(dict(payload)), sort_keys=True)
        d = tables.drafts.c
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            changed = conn.execute(update(tables.drafts).where(d.user_id == user_id, d.key == key)
                                   .values(payload=text, saved_at=self._now())).rowcount
            if not changed:
                conn.execute(insert(tables.drafts).values(user_id=user_id, key=key, payload=text,
                                                          saved_at=self._now()))

    def load_draft(self, user_id: int, key: str) -> dict[str, Any] | None:
        d = tables.drafts.c
        with self._read() as conn:
            text = conn.execute(select(d.payload).where(d.user_id == user_id, d.key == key)).scalar()
        return json.loads(text) if text is not None else None

    def discard_draft(self, user_id: int, key: str) -> None:
        d = tables.drafts.c
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(delete(tables.drafts).where(d.user_id == user_id, d.key == key))

    # -- signed notes ------------------------------------------------------------------------------------

    def store_signed_note(self, visit_id: int, version: int, pdf: bytes, signer_id: int,
                          seal: pki.SignerCredentials | None = None) -> str:
        """Keep a signed PDF note (never replaced: a new signature is a new version). Returns its SHA-256.

        The audit entry records the note's hash, visit, patient and a hash of the signed visit, which
        `audit verify` compares with the stored note and visit. With `seal` (the signer's unlocked credentials)
        a signed checkpoint of the chain is made in the same transaction, anchoring that entry."""
        digest = hashlib.sha256(pdf).hexdigest()
        now = self._now()
        with self._write() as conn:
            signer = self._row(conn, tables.users, signer_id)
            visit = self._row(conn, tables.visits, visit_id)
            if signer is None or visit is None:
                raise RecordNotFound("The visit or the signer of this note does not exist.")
            try:
                with conn.begin_nested():
                    note_id = _new_id(conn.execute(insert(tables.signed_notes).values(
                        visit_id=visit_id, version=version, pdf=pdf, sha256=digest, signer_id=signer_id,
                        stored_at=now)))
            except IntegrityError:
                raise ConflictError(f"Version {version} of this visit's signed note is already stored; a signed "
                                    "note is never replaced.") from None
            mrn = conn.execute(select(tables.patients.c.mrn)
                               .where(tables.patients.c.id == visit.patient_id)).scalar_one()
            trail.record_change(conn, at=now, by=_user_from_row(signer), event="signed_note",
                                table=tables.signed_notes, record_id=note_id, before=None, extra={
                                    "visit_id": visit_id, "version": version, "patient_id": visit.patient_id,
                                    "mrn": mrn, "sha256": digest,
                                    "signed_visit_sha256": audit_notes.signed_visit_hash(visit._mapping)})
            if seal is not None:
                trail.write_checkpoint(conn, seal)
        return digest

    def get_signed_note(self, visit_id: int, version: int | None = None) -> bytes | None:
        n = tables.signed_notes.c
        query = select(n.pdf).where(n.visit_id == visit_id)
        query = query.where(n.version == version) if version is not None else query.order_by(n.version.desc())
        with self._read() as conn:
            pdf = conn.execute(query.limit(1)).scalar()
        return bytes(pdf) if pdf is not None else None

    def list_signed_notes(self, visit_id: int) -> list[dict[str, Any]]:
        """Each stored note's version, sha256, signer and time (not the PDF bytes)."""
        n = tables.signed_notes.c
        with self._read() as conn:
            rows = conn.execute(select(n.version, n.sha256, n.signer_id, n.stored_at)
                                .where(n.visit_id == visit_id).order_by(n.version)).mappings().all()
        return [dict(r) for r in rows]

    # -- keys and certificates (the signing code owns their format) --------------------------------------

    def save_pki_object(self, kind: str, owner_user_id: int | None, name: str, data: bytes, *,
                        by: User | None = None) -> None:
        now = self._now()
        with self._write() as conn:
            object_id = _new_id(conn.execute(insert(tables.pki_objects).values(
                kind=kind, owner_user_id=owner_user_id, name=name, data=data, created_at=now,
                revoked_at=None, revocation_reason="")))
            trail.record_change(conn, at=now, by=by, event="pki_saved", table=tables.pki_objects,
                                record_id=object_id, before=None)

    def load_pki_objects(self, kind: str, owner_user_id: int | None = None, *,
                         include_revoked: bool = False) -> list[tuple[str, bytes]]:
        """(name, data) of the objects of this kind, oldest first; for one owner when owner_user_id is set."""
        k = tables.pki_objects.c
        query = select(k.name, k.data).where(k.kind == kind).order_by(k.id)
        if owner_user_id is not None:
            query = query.where(k.owner_user_id == owner_user_id)
        if not include_revoked:
            query = query.where(k.revoked_at.is_(None))
        with self._read() as conn:
            return [(r.name, bytes(r.data)) for r in conn.execute(query)]

    def revoke_certificate(self, kind: str, name: str, by: User | None, reason: str = "") -> int:
        """Mark the objects of this kind and name revoked (kept, not deleted). Returns how many."""
        now = self._now()
        k = tables.pki_objects.c
        with self._write() as conn:
            rows = conn.execute(select(tables.pki_objects)
                                .where(k.kind == kind, k.name == name, k.revoked_at.is_(None))).all()
            for row in rows:
                conn.execute(update(tables.pki_objects).where(k.id == row.id)
                             .values(revoked_at=now, revocation_reason=reason))
                trail.record_change(conn, at=now, by=by, event="revoke", table=tables.pki_objects,
                                    record_id=row.id, before=row._mapping)
        return len(rows)

    def list_revoked(self, kind: str) -> list[tuple[str, datetime, str]]:
        """(name, revoked_at, reason) for the revoked objects of this kind, for a revocation list."""
        k = tables.pki_objects.c
        with self._read() as conn:
            rows = conn.execute(select(k.name, k.revoked_at, k.revocation_reason)
                                .where(k.kind == kind, k.revoked_at.is_not(None)).order_by(k.revoked_at)).all()
        return [(r.name, r.revoked_at, r.revocation_reason) for r in rows]

    # -- audit ---------------------------------------------------------------------------------------------

    def audit(self, event: str, by: User | None, detail: Mapping[str, Any]) -> int:
        """Audit an event that changes no record (export, print, hard stop seen). Returns the entry id."""
        with self._write() as conn:
            return audit.append(conn, at=self._now(), by=by, event=event, detail=detail)

    def audit_checkpoint(self, seal: pki.SignerCredentials) -> int:
        """Sign the audit chain's head now with an unlocked key (the clinic's audit seal, `infusiondesk audit
        checkpoint`) and keep the checkpoint. Returns the entry id it anchors."""
        with self._write() as conn:
            return trail.write_checkpoint(conn, seal).checkpoint.entry_id

    def audit_entries(self, table: str | None = None, record_id: int | None = None) -> list[dict[str, Any]]:
        """The audit trail (for one record when given), oldest first, with the detail parsed; a record
        change's detail holds the fields changed and their values before and after."""
        a = tables.audit_log.c
        query = select(tables.audit_log).order_by(a.id)
        if table is not None:
            query = query.where(a.table_name == table)
        if record_id is not None:
            query = query.where(a.record_id == record_id)
        with self._read() as conn:
            entries = [{**r, "detail": json.loads(r["detail"])} for r in conn.execute(query).mappings()]
            trail.fill_after(conn, entries)
        return entries

    def override_report(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """Near misses between two times: soft-limit overrides and hard stops, by date, user and rule."""
        a = tables.audit_log.c
        query = (select(tables.audit_log).where(a.event.in_(("override", "hard_stop")), a.at >= since,
                                                 a.at < until).order_by(a.at, a.id))
        with self._read() as conn:
            rows = conn.execute(query).all()
        report = []
        for r in rows:
            detail = json.loads(r.detail)
            report.append({"at": r.at, "date": r.at.date(), "kind": r.event, "user_id": r.user_id,
                           "username": r.username, "rule": detail.get("code", ""),
                           "message": detail.get("message", ""), "reason": detail.get("reason", ""),
                           "visit_id": detail.get("visit_id"), "patient_id": detail.get("patient_id")})
        return report


def _check_transition(old: Visit, new: Visit, by: User) -> None:
    """What a save may never do, whoever calls it: take a started visit backwards, move it to another
    patient, or edit a signed visit (only addenda, and their signatures, are added to it)."""
    if new.patient_id != old.patient_id:
        raise DomainError("A visit cannot be moved to another patient; open a new visit for them.")
    if old.status is VisitStatus.SIGNED:
        same = dataclasses.replace(new, addenda=(), version=old.version, created_at=old.created_at)
        if same != dataclasses.replace(old, addenda=()) or len(new.addenda) < len(old.addenda):
            raise DomainError("Signed visits are never edited; add an addendum.")
        for was, now in zip(old.addenda, new.addenda, strict=False):
            if dataclasses.replace(now, signature=was.signature) != was or (was.signature and now != was):
                raise DomainError("A saved addendum is never edited; add another addendum.")
        return
    # Re-assessing sends an assessed visit back to draft (the workflow's rule); nothing returns once started.
    if (_STATUS_ORDER.index(new.status) < _STATUS_ORDER.index(old.status)
            and _STATUS_ORDER.index(old.status) >= _STATUS_ORDER.index(VisitStatus.INFUSING)):
        raise DomainError(f"A {old.status.value} visit cannot go back to {new.status.value}.")
    if new.status is VisitStatus.SIGNED:
        _require_role(by, (Role.CLINICIAN,), "sign a visit as reviewed and approved")


def _migrate(engine: Engine) -> None:
    migrate(engine)
