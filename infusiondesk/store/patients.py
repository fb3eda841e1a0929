"""`store.patients`: registering, changing, finding and reading patients (their demographics)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Row, insert, select, update

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Patient, PatientDetails, Role, UserSession
from infusiondesk.store import codec, tables, visit_tx
from infusiondesk.store.audit import trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import RecordNotFound
from infusiondesk.store.part import StorePart, new_id
from infusiondesk.store.patient_edits import merge_edit
from infusiondesk.store.search import patient_keys, search_conditions
from infusiondesk.store.sessions import acting
from infusiondesk.validation import clean_patient

DEMOGRAPHICS = (Role.NURSE, Role.CLINICIAN, Role.ADMIN)  # admins register patients


def _patient_document(p: PatientDetails) -> str:
    """The stored JSON: the details without the id (the row's own key is the id; `visit_tx.patient_from_row`)."""
    plain = codec.to_plain(p)
    plain.pop("id", None)
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Patients(StorePart):
    """`store.patients`: the role is checked in the store, from the database, at every call."""

    def add(self, details: PatientDetails, by: UserSession) -> Patient:
        """Register a patient; names, MRN, address and phone are checked and normalised (infusiondesk.validation).
        A patient already registered (a `Patient`) is refused: registering it again would make a second record."""
        if isinstance(details, Patient):
            raise DomainError(f"{details.display_name} is already registered (patient #{details.id}); change "
                              "their details instead of registering them again.")
        p = clean_patient(details)
        mrn = p.mrn
        with self._write() as conn:
            actor = acting(conn, by, DEMOGRAPHICS, "register patients")
            if conn.execute(select(tables.patients.c.id).where(tables.patients.c.mrn == mrn)).first():
                raise DomainError(f"A patient with MRN {mrn} already exists; search for them instead.")
            patient_id = new_id(conn.execute(insert(tables.patients).values(
                mrn=mrn, content=_patient_document(p), **patient_keys(p))))
            trail.record_change(conn, at=self._now(), by=actor, event=AuditEvent.CREATE, table=tables.patients,
                                record_id=patient_id, before=None)
        return p.saved_as(patient_id)

    def update(self, p: Patient, by: UserSession, *, based_on: Patient) -> Patient:
        """Change a patient: `p` is `based_on` (the patient as the caller read it) with the caller's changes. Only
        the fields changed from `based_on` are written, so an edit made meanwhile elsewhere is kept; a field
        changed both here and there, to different values, refuses the save (PatientChangedElsewhere, naming the
        fields and both values). Returns the patient as saved."""
        p = clean_patient(p)
        with self._write() as conn:
            actor = acting(conn, by, DEMOGRAPHICS, "change patient details")
            before = self._row(conn, tables.patients, p.id)
            if before is None:
                raise RecordNotFound("That patient no longer exists.")
            merged = merge_edit(based_on, p, visit_tx.patient_from_row(before))
            clash = conn.execute(select(tables.patients.c.id).where(tables.patients.c.mrn == merged.mrn,
                                                                   tables.patients.c.id != p.id)).first()
            if clash:
                raise DomainError(f"MRN {merged.mrn} belongs to another patient; check the number.")
            conn.execute(update(tables.patients).where(tables.patients.c.id == p.id).values(
                mrn=merged.mrn, content=_patient_document(merged), **patient_keys(merged)))
            trail.record_change(conn, at=self._now(), by=actor, event=AuditEvent.UPDATE, table=tables.patients,
                                record_id=p.id, before=before._mapping)
        return merged

    def get(self, patient_id: int, *, by: UserSession) -> Patient:
        with self._read() as conn:
            acting(conn, by, DEMOGRAPHICS, "see patients")
            row = self._row(conn, tables.patients, patient_id)
        if row is None:
            raise RecordNotFound(f"Patient #{patient_id} does not exist.")
        return visit_tx.patient_from_row(row)

    def by_mrn(self, mrn: str, *, by: UserSession) -> Patient | None:
        """The patient with this MRN, or None when there is none."""
        with self._read() as conn:
            acting(conn, by, DEMOGRAPHICS, "see patients")
            row = conn.execute(select(tables.patients).where(tables.patients.c.mrn == mrn.strip())).first()
        return visit_tx.patient_from_row(row) if row is not None else None

    def search(self, text: str, limit: int = 50, *, by: UserSession) -> list[Patient]:
        """Patients whose family name, given name or MRN starts with what was typed ("smi", "smith jo",
        "jo smith", "MRN00012"), sorted by name."""
        found: dict[int, Row[Any]] = {}
        with self._read() as conn:
            acting(conn, by, DEMOGRAPHICS, "search patients")
            for condition, order in search_conditions(text):
                query = select(tables.patients).where(condition).order_by(*order).limit(limit)
                for row in conn.execute(query):
                    found[row.id] = row
        patients = sorted((visit_tx.patient_from_row(r) for r in found.values()),
                          key=lambda p: (p.family_name.lower(), p.given_name.lower(), p.mrn))
        return patients[:limit]

