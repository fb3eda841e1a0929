"""Closing a signed-note conflict: the clinic keeps its record, the laptop's signed PDF stays whole in the conflict.

A signed note is never overwritten and a note the clinic refused (its signature not trusted, its PDF not this
visit's) never becomes the clinic's note, so the only resolution is "keep the clinic's": the conflict record keeps
the laptop's PDF as it was signed (captured at sync; `store.mobile.conflict_pdf` exports it for the record) and
the resolution's audit entry names it by its SHA-256.

A refused note held its visit on the laptop (a signed visit never arrives without its note). Closing the conflict
releases it: the laptop's visit comes into the clinic **unsigned** (completed, its signatures taken off, a line in
its notes saying where the laptop's signed note is kept), for a clinician to sign again in the clinic with a note
the clinic can verify. If the clinic charted that visit too since the laptop left, the clinic's visit stands and
the laptop's is set aside whole, as for a visit conflict kept on the clinic's side (refused if that would take a
started infusion out of the record: chart it in the clinic's visit first). Either way the laptop takes the
clinic's visit at its next sync (a resolved visit conflict is recorded for it), and its note is not offered again.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Role, User, Visit, VisitStatus
from infusiondesk.store import history, tables, visit_tx
from infusiondesk.store.audit import trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.sync_exchange import visit_document
from infusiondesk.store.sync_resolve import check_keep, visit_of

# A signed note is a clinician's signature, and releasing its held visit unsigned decides what the clinic's record
# of that visit is: a clinical judgement, as for a visit conflict.
RESOLVERS = (Role.CLINICIAN,)


def laptop_pdf(conflict: Row[Any]) -> bytes:
    doc = json.loads(conflict.laptop_content)
    if "pdf_base64" not in doc:
        raise DomainError(f"Conflict #{conflict.id} was listed before laptop notes were kept in the conflict record; "
                          "export the note from the laptop copy (open it with `infusiondesk app --laptop FILE`).")
    return base64.b64decode(doc["pdf_base64"])


def resolve_note(conn: Connection, conflict: Row[Any], keep: str, actor: User, now: datetime) -> dict[str, Any]:
    """Close a note conflict on the clinic's side, releasing a held visit. Returns the audit entry's detail."""
    if keep != "clinic":
        raise DomainError(f"Conflict #{conflict.id} is a signed note: a signed note is never overwritten and a note "
                          "the clinic refused never becomes its record. Keep the clinic's version: the laptop's PDF "
                          f"stays whole in conflict #{conflict.id} (`infusiondesk mobile conflict-pdf "
                          f"{conflict.id} --out FILE`).")
    doc = json.loads(conflict.laptop_content)
    pdf = doc.pop("pdf_base64", None)
    held = doc.pop("visit", None)
    base = doc.pop("visit_base", None)
    detail: dict[str, Any] = {"set_aside": doc,
                              "set_aside_pdf_sha256": hashlib.sha256(base64.b64decode(pdf)).hexdigest()
                              if pdf is not None else doc.get("sha256", "")}
    if held is not None:
        detail["visit"] = _release(conn, conflict, held, base, actor, now)
    return detail


def _unsigned(laptop: Visit, conflict: Row[Any], actor: User, now: datetime) -> Visit:
    words = (f"Signed on laptop {conflict.laptop_id[:8]}, but the clinic refused its signed note "
             f"({json.loads(conflict.laptop_content).get('problem', 'see the conflict')}); sync conflict "
             f"#{conflict.id} closed {now:%Y-%m-%d %H:%M} UTC by {actor.full_name}: this visit came in unsigned and "
             f"is signed again in the clinic; the laptop's signed PDF is kept whole in conflict #{conflict.id} "
             f"(infusiondesk mobile conflict-pdf {conflict.id}).")
    status = VisitStatus.COMPLETED if laptop.status is VisitStatus.SIGNED else laptop.status
    notes = f"{laptop.notes}\n{words}" if laptop.notes else words
    return dataclasses.replace(laptop, status=status, signatures=(), notes=notes)


def _release(conn: Connection, conflict: Row[Any], held: dict[str, Any], base: str | None, actor: User,
             now: datetime) -> dict[str, Any]:
    """The held laptop visit into the clinic (unsigned), or set aside beside a visit the clinic charted too; a
    resolved visit conflict so the laptop takes the clinic's visit at its next sync. Returns what was done."""
    uid = _visit_uid(conflict)
    row = conn.execute(select(tables.visits).where(tables.visits.c.uid == uid)).first()
    laptop = visit_of(json.dumps(held), row.id if row is not None else 0)
    unsigned = _unsigned(laptop, conflict, actor, now)
    if row is None:
        new = dataclasses.replace(unsigned, version=laptop.version + 1)
        key = conn.execute(insert(tables.visits).values(
            uid=uid, patient_id=new.patient_id, status=new.status.value, created_at=new.created_at,
            started_at=new.started_at, version=new.version, content=visit_tx.visit_document(new))).inserted_primary_key
        assert key is not None
        new = dataclasses.replace(new, id=int(key[0]))
        conn.execute(update(tables.visits).where(tables.visits.c.id == new.id).values(
            content=visit_tx.visit_document(new)))
        outcome, before, clinic_doc = "came in unsigned", None, "{}"
    else:
        clinic = visit_tx.visit_from_row(row)
        clinic_doc = visit_document(row)
        if base is not None and str(row.version) == base:
            new = dataclasses.replace(unsigned, id=row.id, created_at=clinic.created_at,
                                      version=max(clinic.version, laptop.version) + 1)
            outcome = "came in unsigned"
        else:  # the clinic charted it too: its visit stands, the laptop's is set aside (never a given infusion)
            check_keep(clinic, unsigned, "clinic", conflict.id)
            words = (f"Sync conflict #{conflict.id} (laptop {conflict.laptop_id[:8]}) closed {now:%Y-%m-%d %H:%M} "
                     f"UTC by {actor.full_name}: the laptop's signed version of this visit (its note refused by the "
                     f"clinic) was set aside and is kept whole in conflict #{conflict.id}.")
            notes = f"{clinic.notes}\n{words}" if clinic.notes else words
            new = dataclasses.replace(clinic, version=max(clinic.version, laptop.version) + 1, notes=notes)
            outcome = "set aside beside the clinic's"
        conn.execute(update(tables.visits).where(tables.visits.c.id == row.id).values(
            status=new.status.value, started_at=new.started_at, version=new.version,
            content=visit_tx.visit_document(new)))
        before = row._mapping
    history.write_summary(conn, new, new=row is None)
    visit_tx._write_span(conn, new)
    trail.record_change(conn, at=now, by=actor, event=AuditEvent.MOBILE_RESOLVE, table=tables.visits,
                        record_id=new.id, before=before, extra={"conflict_id": conflict.id,
                                                                "laptop_id": conflict.laptop_id, "uid": uid,
                                                                "what": "visit held by a refused note"})
    # The laptop takes the clinic's visit at its next sync while its own is still the held version (sync_exchange).
    conn.execute(insert(tables.mobile_conflicts).values(
        laptop_id=conflict.laptop_id, kind="visit", record_uid=uid, laptop_content=json.dumps(held, sort_keys=True,
                                                                                              separators=(",", ":"),
                                                                                              ensure_ascii=False),
        clinic_content=clinic_doc, found_at=now, resolution="clinic", resolved_at=now, applied=False))
    return {"uid": uid, "outcome": outcome, "laptop_version": laptop.version, "clinic_version": new.version}


def _visit_uid(conflict: Row[Any]) -> str:
    return str(json.loads(conflict.laptop_content)["visit_uid"])
