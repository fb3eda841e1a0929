"""A visit changed on a laptop and in the clinic: a clinician keeps one version, the other is set aside, never lost.

The kept version becomes the clinic's visit now (the laptop takes it at its next sync, `sync_exchange.pull`). The
set-aside version stays whole in the conflict record and in the resolution's audit entry, and the kept visit says
so in its own record: an addendum on a signed visit (the workflow's way to add to one; the clinician signs it as
any addendum), a line in the visit's notes otherwise (printed on the note when it is signed).

Refused: keeping a version that would change a signed visit other than by addenda, that would take a started
infusion out of the record (the 24 h total counts it), or a signed laptop version whose signed note is not in the
clinic (a visit is signed only together with its note).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Addendum, User, Visit, VisitStatus
from infusiondesk.store import codec, history, tables, visit_tx
from infusiondesk.store.audit import trail
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.sync_exchange import visit_document
from infusiondesk.workflow.errors import WorkflowError

_ORDER = (VisitStatus.DRAFT, VisitStatus.ASSESSED, VisitStatus.INFUSING, VisitStatus.COMPLETED, VisitStatus.SIGNED)
_COLUMNS = ("patient_id", "status", "created_at", "started_at", "version")


def visit_of(document: str, visit_id: int) -> Visit:
    """A conflict's visit document (`sync_exchange.visit_document`) as a Visit with this database's id."""
    doc = json.loads(document)
    if "status" not in doc:
        raise DomainError("This visit conflict was listed before visit conflicts could be resolved and lacks the "
                          "visit's status; it cannot be resolved here: chart the laptop's part as an addendum.")
    return codec.from_plain(Visit, {**doc, "id": visit_id})


def check_keep(kept: Visit, set_aside: Visit, keep: str, conflict_id: int) -> None:
    """Refuse a resolution the visit's own rules do not allow, saying what to do instead."""
    other = "clinic" if keep == "laptop" else "laptop"
    if set_aside.status is VisitStatus.SIGNED:
        try:
            visit_tx._check_signed(set_aside, kept)
        except WorkflowError:
            raise DomainError(f"The {other}'s version of this visit is signed, and a signed visit is never replaced: "
                              f"keep the {other}'s version, then add what the {keep} charted as an addendum (conflict "
                              f"#{conflict_id} keeps the {keep}'s version whole).") from None
    if kept.status is VisitStatus.SIGNED and set_aside.status is not VisitStatus.SIGNED and keep == "laptop":
        raise DomainError("The laptop's version is signed, but its signed PDF note is not in the clinic and a visit "
                          "is signed only together with its note: keep the clinic's version only if it is the "
                          "record; otherwise leave the conflict open until the laptop's note reaches the clinic.")
    started = _ORDER.index(VisitStatus.INFUSING)
    if _ORDER.index(set_aside.status) >= started > _ORDER.index(kept.status):
        raise DomainError(f"The {other}'s version has the infusion started ({set_aside.status.value}) and the "
                          f"{keep}'s does not ({kept.status.value}): keeping the {keep}'s would take a given infusion "
                          f"out of the record and the 24 h total. Keep the {other}'s version.")
    if kept.patient_id != set_aside.patient_id:
        raise DomainError("The two versions are of different patients; ask an admin to look at the conflict.")


def _with_note(kept: Visit, text: str, actor: User, now: datetime) -> Visit:
    if kept.status is VisitStatus.SIGNED:
        return dataclasses.replace(kept, addenda=(*kept.addenda, Addendum(text=text, by=actor.id, at=now)))
    notes = f"{kept.notes}\n{text}" if kept.notes else text
    return dataclasses.replace(kept, notes=notes)


def set_aside_words(conflict: Row[Any], keep: str, set_aside: Visit, actor: User, now: datetime) -> str:
    """The sentence the kept visit carries: what was set aside, by whom, and where it is kept."""
    other = "clinic" if keep == "laptop" else "laptop"
    return (f"Sync conflict #{conflict.id} (laptop {conflict.laptop_id[:8]}) resolved {now:%Y-%m-%d %H:%M} UTC by "
            f"{actor.full_name}: this visit is the {keep}'s version; the {other}'s version ({set_aside.status.value}, "
            f"version {set_aside.version}) was set aside and is kept whole in conflict #{conflict.id} "
            "(infusiondesk mobile conflicts --all).")


def resolve_visit(conn: Connection, conflict: Row[Any], keep: str, actor: User, now: datetime) -> dict[str, Any]:
    """Write the kept version, with its set-aside note, over the clinic's visit (audited `mobile_resolve`).
    Returns what the resolution's own audit entry records about the set-aside version."""
    row = conn.execute(select(tables.visits).where(tables.visits.c.uid == conflict.record_uid)).one()
    clinic = visit_tx.visit_from_row(row)
    laptop = visit_of(conflict.laptop_content, row.id)
    kept, set_aside = (laptop, clinic) if keep == "laptop" else (clinic, laptop)
    check_keep(kept, set_aside, keep, conflict.id)
    new = _with_note(kept, set_aside_words(conflict, keep, set_aside, actor, now), actor, now)
    new = dataclasses.replace(new, id=row.id, version=max(clinic.version, laptop.version) + 1,
                              created_at=clinic.created_at)
    conn.execute(update(tables.visits).where(tables.visits.c.id == row.id).values(
        status=new.status.value, started_at=new.started_at, version=new.version,
        content=visit_tx.visit_document(new)))
    history.write_summary(conn, new, new=False)
    visit_tx._write_span(conn, new)
    set_aside_doc = visit_document(row) if keep == "laptop" else conflict.laptop_content  # the clinic's as it is now
    trail.record_change(conn, at=now, by=actor, event=AuditEvent.MOBILE_RESOLVE, table=tables.visits,
                        record_id=row.id, before=row._mapping, extra={
                            "conflict_id": conflict.id, "laptop_id": conflict.laptop_id, "kept": keep,
                            "uid": conflict.record_uid})
    return {"set_aside": json.loads(set_aside_doc),
            "set_aside_sha256": hashlib.sha256(set_aside_doc.encode("utf-8")).hexdigest()}
