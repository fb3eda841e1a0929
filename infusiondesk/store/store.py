"""The Store: the clinic's records in one database, each change one transaction with its audit entry.

Callers hand in and get back the frozen values of `infusiondesk.records`; no database object leaves this
module. Rules about what a visit may become live in `infusiondesk.workflow`; the store only refuses what
would corrupt the record (a stale save, an edit to a signed visit, a role acting out of its remit).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, CursorResult, Engine, Row, delete, func, insert, select, update
from sqlalchemy.exc import ArgumentError

from infusiondesk import audit, auth
from infusiondesk.auth import PermissionDenied
from infusiondesk.errors import DomainError
from infusiondesk.records.location import MobileCover
from infusiondesk.records.models import Clinic, ClinicPolicy, Patient, Role, UserSession, Visit, VisitStatus
from infusiondesk.store import codec, history, sessions, tables, trail, visit_tx
from infusiondesk.store.accounts import Accounts
from infusiondesk.store.engine import WRITE, check_schema, make_engine, migrate, to_url
from infusiondesk.store.errors import DatabaseError, RecordNotFound
from infusiondesk.store.search import patient_keys, search_conditions
from infusiondesk.validation import clean_clinic, clean_patient

if TYPE_CHECKING:
    from infusiondesk import pki


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _utcnow() -> datetime:
    return datetime.now(UTC)


_visit_document = visit_tx.visit_document
_visit_from_row = visit_tx.visit_from_row
_patient_from_row = visit_tx.patient_from_row


def _patient_document(p: Patient) -> str:
    plain = codec.to_plain(p)
    plain.pop("id")
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _upsert_insert(dialect: str) -> Any:
    """The dialect's INSERT with ON CONFLICT, imported at the first upsert: the PostgreSQL dialect alone costs
    ~40 ms, and a SQLite workstation never needs it (nor anything before sign-in)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


# Who may read what (the role is checked in the store, from the database, at every call).
_DEMOGRAPHICS = (Role.NURSE, Role.CLINICIAN, Role.ADMIN)  # admins register patients
_CLINICAL = (Role.NURSE, Role.CLINICIAN)
_AUDIT_READERS = (Role.NURSE, Role.CLINICIAN, Role.ADMIN)  # the near-miss report is on every role's menu
_OWN_CREDENTIAL_KINDS = ("user_p12", "user_cert")  # pki.KIND_USER_P12 / KIND_USER_CERT (the formats are pki's)


class Store(Accounts):
    """One database (SQLite file or PostgreSQL). Open with `Store.open(url_or_path)`."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utcnow) -> None:
        self.engine = engine
        self._now = clock
        self._batch: Connection | None = None

    @classmethod
    def open(cls, url_or_path: str, *, clock: Callable[[], datetime] = _utcnow, migrate: bool = True,
             create: bool = True) -> Store:
        """Connect, creating the database (unless create=False: commands that only read never create one) and
        migrating it to the newest schema when needed. A database that cannot be used raises DatabaseError."""
        try:
            engine = make_engine(to_url(url_or_path), create=create)
        except ArgumentError:
            raise DatabaseError("The database given is neither a file path nor a postgresql:// URL; check --db "
                                "(or INFUSIONDESK_DB).") from None
        try:
            check_schema(engine, create=create)
            if migrate:
                _migrate(engine)
        except BaseException:
            engine.dispose()
            raise
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

    def setup_clinic(self, clinic: Clinic, admin_username: str, admin_full_name: str,
                     admin_password: str) -> UserSession:
        """First run: the clinic profile and its first admin, in one transaction; the admin is signed in (the
        returned session saves the clinic's keys and enrols the staff)."""
        clinic = clean_clinic(clinic)
        password_hash = auth.hash_new_password(admin_password, admin_username.strip().lower())
        with self._write() as conn:
            if conn.execute(select(func.count()).select_from(tables.clinic)).scalar_one():
                raise DomainError("This clinic is already set up; sign in as an admin to change it.")
            conn.execute(insert(tables.clinic).values(id=1, **codec.to_plain(clinic)))
            admin = self._insert_user(conn, admin_username, admin_full_name, Role.ADMIN, password_hash, "", None)
            trail.record_change(conn, at=self._now(), by=admin, event="create", table=tables.clinic, record_id=1,
                                before=None)
            assert admin.id is not None
            row = self._row(conn, tables.users, admin.id)
            assert row is not None
            session = sessions.start(conn, row, self._now())
            audit.append(conn, at=self._now(), by=admin, event="sign_in", detail={"session_id": session.id,
                                                                                  "why": "first run"})
        return session

    def get_clinic(self) -> Clinic:
        with self._read() as conn:
            row = conn.execute(select(tables.clinic).where(tables.clinic.c.id == 1)).first()
        if row is None:
            raise RecordNotFound("The clinic is not set up yet; run the first-run setup.")
        return Clinic(name=row.name, address=row.address, phone=row.phone, hours=row.hours, timezone=row.timezone)

    def update_clinic(self, clinic: Clinic, by: UserSession) -> Clinic:
        clinic = clean_clinic(clinic)
        with self._write() as conn:
            actor = self._acting(conn, by, (Role.ADMIN,), "change the clinic profile")
            before = self._row(conn, tables.clinic, 1)
            if before is None:
                raise RecordNotFound("The clinic is not set up yet; run the first-run setup.")
            conn.execute(update(tables.clinic).where(tables.clinic.c.id == 1).values(**codec.to_plain(clinic)))
            trail.record_change(conn, at=self._now(), by=actor, event="update", table=tables.clinic, record_id=1,
                                before=before._mapping)
        return clinic

    # -- patients ----------------------------------------------------------------------------------------

    def add_patient(self, p: Patient, by: UserSession) -> Patient:
        """Register a patient; names and MRN are checked and normalised (infusiondesk.validation)."""
        p = clean_patient(p)
        mrn = p.mrn
        with self._write() as conn:
            actor = self._acting(conn, by, _DEMOGRAPHICS, "register patients")
            if conn.execute(select(tables.patients.c.id).where(tables.patients.c.mrn == mrn)).first():
                raise DomainError(f"A patient with MRN {mrn} already exists; search for them instead.")
            patient_id = _new_id(conn.execute(insert(tables.patients).values(
                mrn=mrn, content=_patient_document(p), **patient_keys(p))))
            trail.record_change(conn, at=self._now(), by=actor, event="create", table=tables.patients,
                                record_id=patient_id, before=None)
        return dataclasses.replace(p, id=patient_id)

    def update_patient(self, p: Patient, by: UserSession) -> Patient:
        p = clean_patient(p)
        if p.id is None:
            raise DomainError("Register the patient before changing their details.")
        with self._write() as conn:
            actor = self._acting(conn, by, _DEMOGRAPHICS, "change patient details")
            before = self._row(conn, tables.patients, p.id)
            if before is None:
                raise RecordNotFound("That patient no longer exists.")
            clash = conn.execute(select(tables.patients.c.id).where(tables.patients.c.mrn == p.mrn,
                                                                   tables.patients.c.id != p.id)).first()
            if clash:
                raise DomainError(f"MRN {p.mrn} belongs to another patient; check the number.")
            conn.execute(update(tables.patients).where(tables.patients.c.id == p.id).values(
                mrn=p.mrn, content=_patient_document(p), **patient_keys(p)))
            trail.record_change(conn, at=self._now(), by=actor, event="update", table=tables.patients,
                                record_id=p.id, before=before._mapping)
        return p

    def get_patient(self, patient_id: int, *, by: UserSession) -> Patient:
        with self._read() as conn:
            self._acting(conn, by, _DEMOGRAPHICS, "see patients")
            row = self._row(conn, tables.patients, patient_id)
        if row is None:
            raise RecordNotFound(f"Patient #{patient_id} does not exist.")
        return _patient_from_row(row)

    def get_patient_by_mrn(self, mrn: str, *, by: UserSession) -> Patient | None:
        """The patient with this MRN, or None when there is none."""
        with self._read() as conn:
            self._acting(conn, by, _DEMOGRAPHICS, "see patients")
            row = conn.execute(select(tables.patients).where(tables.patients.c.mrn == mrn.strip())).first()
        return _patient_from_row(row) if row is not None else None

    def search_patients(self, text: str, limit: int = 50, *, by: UserSession) -> list[Patient]:
        """Patients whose family name, given name or MRN starts with what was typed ("smi", "smith jo",
        "jo smith", "MRN00012"), sorted by name."""
        found: dict[int, Row[Any]] = {}
        with self._read() as conn:
            self._acting(conn, by, _DEMOGRAPHICS, "search patients")
            for condition, order in search_conditions(text):
                query = select(tables.patients).where(condition).order_by(*order).limit(limit)
                for row in conn.execute(query):
                    found[row.id] = row
        patients = sorted((_patient_from_row(r) for r in found.values()),
                          key=lambda p: (p.family_name.lower(), p.given_name.lower(), p.mrn))
        return patients[:limit]

    # -- visits ------------------------------------------------------------------------------------------

    def create_visit(self, patient_id: int, by: UserSession) -> Visit:
        now = self._now()
        visit = Visit(id=None, patient_id=patient_id, created_at=now, version=1)
        with self._write() as conn:
            actor = self._acting(conn, by, _CLINICAL, "open a visit")
            if self._row(conn, tables.patients, patient_id) is None:
                raise RecordNotFound(f"Patient #{patient_id} does not exist; register the patient first.")
            visit_id = _new_id(conn.execute(insert(tables.visits).values(
                patient_id=patient_id, status=visit.status.value, created_at=now, started_at=None, version=1,
                content=_visit_document(visit))))
            visit = dataclasses.replace(visit, id=visit_id)
            history.write_summary(conn, visit, new=True)
            trail.record_change(conn, at=now, by=actor, event="create", table=tables.visits, record_id=visit_id,
                                before=None)
        return visit

    def get_visit(self, visit_id: int, *, by: UserSession) -> Visit:
        with self._read() as conn:
            self._acting(conn, by, _CLINICAL, "see visits")
            row = self._row(conn, tables.visits, visit_id)
        if row is None:
            raise RecordNotFound(f"Visit #{visit_id} does not exist.")
        return _visit_from_row(row)

    def list_visits(self, patient_id: int | None = None, *, by: UserSession) -> list[Visit]:
        """A patient's visits, oldest first (every visit in the clinic when patient_id is None)."""
        query = select(tables.visits).order_by(tables.visits.c.created_at, tables.visits.c.id)
        if patient_id is not None:
            query = query.where(tables.visits.c.patient_id == patient_id)
        with self._read() as conn, codec.bulk_decoding():
            self._acting(conn, by, _CLINICAL, "see visits")
            return [_visit_from_row(r) for r in conn.execute(query)]

    def visit_history(self, patient_id: int, *, by: UserSession) -> list[history.VisitSummary]:
        """What the chart shows of each of a patient's visits (date, status, dose, rate, side effects, pain,
        vitals, attacks per month), oldest first: light summaries, not whole records."""
        with self._read() as conn:
            self._acting(conn, by, _CLINICAL, "see visits")
            return history.visit_history(conn, patient_id)

    def visit_summaries(self, patient_id: int | None = None, *, by: UserSession) -> list[dict[str, Any]]:
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
            self._acting(conn, by, _CLINICAL, "see visits")
            for r in conn.execute(query):
                if r.patient_id not in names:
                    doc = json.loads(r.content)
                    names[r.patient_id] = f"{doc['family_name'].upper()}, {doc['given_name']}"
                out.append({"id": r.id, "patient": r.mrn, "patient_id": r.patient_id,
                            "patient_name": names[r.patient_id], "status": r.status,
                            "created_at": codec.to_plain(r.created_at), "started_at": codec.to_plain(r.started_at),
                            "version": r.version})
        return out

    def worklist_visits(self, *, by: UserSession, opened_from: datetime | None = None,
                        opened_before: datetime | None = None,
                        statuses: tuple[VisitStatus, ...] = ()) -> list[tuple[Visit, Patient]]:
        """Visits with their patients for a worklist: opened in [opened_from, opened_before) and/or in one of
        `statuses`, oldest first (infusiondesk.worklists arranges them)."""
        v = tables.visits.c
        query = (select(tables.visits, tables.patients.c.content.label("patient_content"))
                 .join_from(tables.visits, tables.patients, v.patient_id == tables.patients.c.id)
                 .order_by(v.created_at, v.id))
        if opened_from is not None:
            query = query.where(v.created_at >= opened_from)
        if opened_before is not None:
            query = query.where(v.created_at < opened_before)
        if statuses:
            query = query.where(v.status.in_([s.value for s in statuses]))
        patients: dict[int, Patient] = {}
        out = []
        with self._read() as conn, codec.bulk_decoding():
            self._acting(conn, by, _CLINICAL, "see visits")
            for r in conn.execute(query):
                if r.patient_id not in patients:
                    patients[r.patient_id] = codec.from_plain(Patient, {**json.loads(r.patient_content),
                                                                         "id": r.patient_id})
                out.append((_visit_from_row(r), patients[r.patient_id]))
        return out

    @contextmanager
    def visit_transaction(self) -> Iterator[visit_tx.VisitTransaction]:
        """One visit step: fresh reads and the one save, under the write lock (the visit service's only way
        to change a visit)."""
        with self._write() as conn:
            yield visit_tx.VisitTransaction(conn, self._now())

    def magnesium_given_last_24h(self, patient_id: int, at: datetime, exclude_visit_id: int | None = None, *,
                                 by: UserSession) -> float:
        """Grams of magnesium sulfate given to this patient by infusions overlapping the 24 h before `at`."""
        with self._read() as conn:
            self._acting(conn, by, _CLINICAL, "see visits")
            return visit_tx.magnesium_given_g(conn, patient_id, at, exclude_visit_id)

    def clinic_policy(self) -> ClinicPolicy:
        with self._read() as conn:
            return visit_tx.read_policy(conn)

    def set_clinic_policy(self, policy: ClinicPolicy, by: UserSession) -> ClinicPolicy:
        """An admin changes the clinic's rules (the double check before every start, what a mobile visit needs
        beside the nurse); audited."""
        with self._write() as conn:
            actor = self._acting(conn, by, (Role.ADMIN,), "change the clinic's rules")
            trail.save_single_row(conn, at=self._now(), by=actor, table=tables.clinic_policy,
                                  values={"double_check_required": policy.double_check_required,
                                          "mobile_cover": MobileCover(policy.mobile_cover).value})
        return policy

    # -- drafts (autosave) -------------------------------------------------------------------------------

    def save_draft(self, key: str, payload: Mapping[str, Any], *, by: UserSession) -> None:
        """Keep what is being typed so a crash loses seconds, not a visit. Drafts are not the record and
        are not audited; the saved visit is. A draft belongs to the session's user (there is no way to name
        another). One upsert, so two savers at once (two windows, an autosave and a lock) both succeed and the
        later one wins, on PostgreSQL as on SQLite."""
        text = json.dumps(codec.to_plain(dict(payload)), sort_keys=True)
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            _row, user = sessions.session_user(conn, by)
            values = {"user_id": user.id, "key": key, "payload": text, "saved_at": self._now()}
            upsert = _upsert_insert(conn.dialect.name)(tables.drafts).values(**values)
            conn.execute(upsert.on_conflict_do_update(
                index_elements=[tables.drafts.c.user_id, tables.drafts.c.key],
                set_={"payload": upsert.excluded.payload, "saved_at": upsert.excluded.saved_at}))

    def load_draft(self, key: str, *, by: UserSession) -> dict[str, Any] | None:
        """The session's user's draft under `key`, or None."""
        d = tables.drafts.c
        with self._read() as conn:
            _row, user = sessions.session_user(conn, by)
            text = conn.execute(select(d.payload).where(d.user_id == user.id, d.key == key)).scalar()
        return json.loads(text) if text is not None else None

    def discard_draft(self, key: str, *, by: UserSession) -> None:
        d = tables.drafts.c
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            _row, user = sessions.session_user(conn, by)
            conn.execute(delete(tables.drafts).where(d.user_id == user.id, d.key == key))

    # -- signed notes ------------------------------------------------------------------------------------

    def get_signed_note(self, visit_id: int, version: int | None = None, *, by: UserSession) -> bytes | None:
        n = tables.signed_notes.c
        query = select(n.pdf).where(n.visit_id == visit_id)
        query = query.where(n.version == version) if version is not None else query.order_by(n.version.desc())
        with self._read() as conn:
            self._acting(conn, by, _CLINICAL, "read signed notes")
            pdf = conn.execute(query.limit(1)).scalar()
        return bytes(pdf) if pdf is not None else None

    def list_signed_notes(self, visit_id: int, *, by: UserSession) -> list[dict[str, Any]]:
        """Each stored note's version, sha256, signer and time (not the PDF bytes)."""
        n = tables.signed_notes.c
        with self._read() as conn:
            self._acting(conn, by, _CLINICAL, "read signed notes")
            rows = conn.execute(select(n.version, n.sha256, n.signer_id, n.stored_at)
                                .where(n.visit_id == visit_id).order_by(n.version)).mappings().all()
        return [dict(r) for r in rows]

    # -- keys and certificates (the signing code owns their format) --------------------------------------

    def save_pki_object(self, kind: str, owner_user_id: int | None, name: str, data: bytes, *,
                        by: UserSession) -> None:
        """Keep a key, certificate or revocation list. An admin's session is needed (a replaced CA or audit seal
        would make forged notes verify), except for a person's own credential (importing their own PKCS#12)."""
        now = self._now()
        with self._write() as conn:
            _row, actor = sessions.session_user(conn, by)
            own = kind in _OWN_CREDENTIAL_KINDS and owner_user_id is not None and owner_user_id == actor.id
            if not own:
                actor = self._acting(conn, by, (Role.ADMIN,), "change the clinic's keys and certificates")
            object_id = _new_id(conn.execute(insert(tables.pki_objects).values(
                kind=kind, owner_user_id=owner_user_id, name=name, data=data, created_at=now,
                revoked_at=None, revocation_reason="")))
            trail.record_change(conn, at=now, by=actor, event="pki_saved", table=tables.pki_objects,
                                record_id=object_id, before=None)

    def load_pki_objects(self, kind: str, owner_user_id: int | None = None, *, include_revoked: bool = False,
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

    def revoke_certificate(self, kind: str, name: str, by: UserSession, reason: str = "") -> int:
        """Mark the objects of this kind and name revoked (kept, not deleted); an admin's call. Returns how many."""
        now = self._now()
        k = tables.pki_objects.c
        with self._write() as conn:
            actor = self._acting(conn, by, (Role.ADMIN,), "revoke keys and certificates")
            rows = conn.execute(select(tables.pki_objects)
                                .where(k.kind == kind, k.name == name, k.revoked_at.is_(None))).all()
            for row in rows:
                conn.execute(update(tables.pki_objects).where(k.id == row.id)
                             .values(revoked_at=now, revocation_reason=reason))
                trail.record_change(conn, at=now, by=actor, event="revoke", table=tables.pki_objects,
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

    def audit(self, event: str, by: UserSession | None, detail: Mapping[str, Any]) -> int:
        """Audit an event that changes no record (export, print, hard stop seen) by the session's user (checked),
        or by no one. Returns the entry id."""
        with self._write() as conn:
            actor = sessions.session_user(conn, by)[1] if by is not None else None
            return audit.append(conn, at=self._now(), by=actor, event=event, detail=detail)

    def audit_checkpoint(self, seal: pki.SignerCredentials) -> int:
        """Sign the audit chain's head now with an unlocked key (the clinic's audit seal, `infusiondesk audit
        checkpoint`) and keep the checkpoint. Returns the entry id it anchors."""
        with self._write() as conn:
            return trail.write_checkpoint(conn, seal).checkpoint.entry_id

    def audit_entries(self, table: str | None = None, record_id: int | None = None, *,
                      by: UserSession) -> list[dict[str, Any]]:
        """The audit trail (for one record when given), oldest first, with the detail parsed; a record
        change's detail holds the fields changed and their values before and after."""
        a = tables.audit_log.c
        query = select(tables.audit_log).order_by(a.id)
        if table is not None:
            query = query.where(a.table_name == table)
        if record_id is not None:
            query = query.where(a.record_id == record_id)
        with self._read() as conn:
            self._acting(conn, by, _AUDIT_READERS, "read the audit trail")
            entries = [{**r, "detail": json.loads(r["detail"])} for r in conn.execute(query).mappings()]
            trail.fill_after(conn, entries)
        return entries

    def override_report(self, since: datetime, until: datetime, *, by: UserSession) -> list[dict[str, Any]]:
        """Near misses between two times: soft-limit overrides and hard stops, by date, user and rule."""
        a = tables.audit_log.c
        query = (select(tables.audit_log).where(a.event.in_(("override", "hard_stop")), a.at >= since,
                                                 a.at < until).order_by(a.at, a.id))
        with self._read() as conn:
            self._acting(conn, by, _AUDIT_READERS, "read the near-miss report")
            rows = conn.execute(query).all()
        report = []
        for r in rows:
            detail = json.loads(r.detail)
            report.append({"at": r.at, "date": r.at.date(), "kind": r.event, "user_id": r.user_id,
                           "username": r.username, "rule": detail.get("code", ""),
                           "message": detail.get("message", ""), "reason": detail.get("reason", ""),
                           "visit_id": detail.get("visit_id"), "patient_id": detail.get("patient_id")})
        return report


def _migrate(engine: Engine) -> None:
    migrate(engine)
