"""`store.visits`: opening visits, reading them (whole, as chart summaries, as worklists), the one write
transaction of a visit step (`transaction`), and the magnesium a patient was given in the last 24 hours."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from infusiondesk.records.models import Patient, Role, UserSession, Visit, VisitStatus
from infusiondesk.store import codec, history, tables, visit_tx
from infusiondesk.store.audit import trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.errors import RecordNotFound
from infusiondesk.store.history import VisitSummary, visit_history
from infusiondesk.store.part import StorePart, new_id
from infusiondesk.store.sessions import acting

CLINICAL = (Role.NURSE, Role.CLINICIAN)


class Visits(StorePart):
    """`store.visits`: every read checks a clinical role; every change to a visit goes through `transaction`."""

    def create(self, patient_id: int, by: UserSession) -> Visit:
        now = self._now()
        visit = Visit(id=0, patient_id=patient_id, created_at=now, version=1)  # 0 until the row gives its id
        with self._write() as conn:
            actor = acting(conn, by, CLINICAL, "open a visit")
            if self._row(conn, tables.patients, patient_id) is None:
                raise RecordNotFound(f"Patient #{patient_id} does not exist; register the patient first.")
            visit_id = new_id(conn.execute(insert(tables.visits).values(
                patient_id=patient_id, status=visit.status.value, created_at=now, started_at=None, version=1,
                content=visit_tx.visit_document(visit))))
            visit = dataclasses.replace(visit, id=visit_id)
            history.write_summary(conn, visit, new=True)
            trail.record_change(conn, at=now, by=actor, event=AuditEvent.CREATE,
                                table=tables.visits, record_id=visit_id, before=None)
        return visit

    def get(self, visit_id: int, *, by: UserSession) -> Visit:
        with self._read() as conn:
            acting(conn, by, CLINICAL, "see visits")
            row = self._row(conn, tables.visits, visit_id)
        if row is None:
            raise RecordNotFound(f"Visit #{visit_id} does not exist.")
        return visit_tx.visit_from_row(row)

    def all(self, patient_id: int | None = None, *, by: UserSession) -> list[Visit]:
        """A patient's visits, oldest first (every visit in the clinic when patient_id is None)."""
        query = select(tables.visits).order_by(tables.visits.c.created_at, tables.visits.c.id)
        if patient_id is not None:
            query = query.where(tables.visits.c.patient_id == patient_id)
        with self._read() as conn, codec.bulk_decoding():
            acting(conn, by, CLINICAL, "see visits")
            return [visit_tx.visit_from_row(r) for r in conn.execute(query)]

    def history(self, patient_id: int, *, by: UserSession) -> list[VisitSummary]:
        """What the chart shows of each of a patient's visits (date, status, dose, rate, side effects, pain,
        vitals, attacks per month), oldest first: light summaries, not whole records."""
        with self._read() as conn:
            acting(conn, by, CLINICAL, "see visits")
            return visit_history(conn, patient_id)

    def summaries(self, patient_id: int | None = None, *, by: UserSession) -> list[dict[str, Any]]:
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
            acting(conn, by, CLINICAL, "see visits")
            for r in conn.execute(query):
                if r.patient_id not in names:
                    doc = json.loads(r.content)
                    names[r.patient_id] = f"{doc['family_name'].upper()}, {doc['given_name']}"
                out.append({"id": r.id, "patient": r.mrn, "patient_id": r.patient_id,
                            "patient_name": names[r.patient_id], "status": r.status,
                            "created_at": codec.to_plain(r.created_at), "started_at": codec.to_plain(r.started_at),
                            "version": r.version})
        return out

    def worklist(self, *, by: UserSession, opened_from: datetime | None = None,
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
            acting(conn, by, CLINICAL, "see visits")
            for r in conn.execute(query):
                if r.patient_id not in patients:
                    patients[r.patient_id] = codec.from_plain(Patient, {**json.loads(r.patient_content),
                                                                         "id": r.patient_id})
                out.append((visit_tx.visit_from_row(r), patients[r.patient_id]))
        return out

    @contextmanager
    def transaction(self) -> Iterator[visit_tx.VisitTransaction]:
        """One visit step: fresh reads and the one save, under the write lock (the visit service's only way
        to change a visit)."""
        with self._write() as conn:
            yield visit_tx.VisitTransaction(conn, self._now())

    def opened_between(self, since: datetime, until: datetime, *, by: UserSession) -> list[Visit]:
        """The visits opened in [since, until), for the clinic reports (admins and clinicians; they count them)."""
        from infusiondesk.store import report_reads, sessions

        with self._read() as conn, codec.bulk_decoding():
            acting(conn, by, sessions.REPORT_READERS, "read the clinic reports")
            return report_reads.visits_opened(conn, since, until)

    def magnesium_given_last_24h(self, patient_id: int, at: datetime, exclude_visit_id: int | None = None, *,
                                 by: UserSession) -> float:
        """Grams of magnesium sulfate given to this patient by infusions overlapping the 24 h before `at`."""
        with self._read() as conn:
            acting(conn, by, CLINICAL, "see visits")
            return visit_tx.magnesium_given_g(conn, patient_id, at, exclude_visit_id)

