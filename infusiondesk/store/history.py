"""A patient's visit history as the chart shows it: one light `VisitSummary` per visit.

Opening a chart needs each visit's date, status, dose and rate, side effects, pain before and after, vital
signs and attacks per month, not the whole record. Each save writes those parts, as a small JSON document,
to `visit_summaries` in the same transaction, so a patient with a thousand visits opens without parsing and
decoding a thousand orders, checklists, events and signatures. A summary counts only while its version is
the visit's; any other visit (saved before summaries existed) is summarised from its full record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, bindparam, insert, select, update

from infusiondesk.records.models import Visit, VisitStatus
from infusiondesk.store import codec, tables


class Reading(NamedTuple):
    """One vital-signs reading on the trend plot: when (seconds since the epoch, UTC) and the plotted values."""

    at: float
    systolic: int | None
    heart_rate: int | None
    resp_rate: int | None


class EffectBrief(NamedTuple):
    type_code: str
    grade: int


@dataclass(frozen=True)
class VisitSummary:
    """What the chart shows of one visit, and nothing more: open the visit (`store.visits.get(id)`) for the
    record itself. Deliberately not a half-filled Visit, so nothing can mistake it for the whole record."""

    id: int
    patient_id: int
    status: VisitStatus
    created_at: datetime
    started_at: datetime | None
    version: int
    pain_before: int | None = None
    pain_after: int | None = None
    attacks_per_month: int | None = None
    dose_text: str = ""  # the order as typed ("2 g"); "" before a dose is ordered
    duration_text: str = ""  # as typed ("30 min")
    dose_shown: dict[str, str] = field(default_factory=dict)  # the order's display strings: dose, rate, duration
    readings: tuple[Reading, ...] = ()  # baseline and during/after vital signs, oldest first
    side_effects: tuple[EffectBrief, ...] = ()


_FORMAT = 2  # summaries written in another shape are ignored and rebuilt from the record


def _summary_parts(visit: Visit) -> dict[str, Any]:
    """The chart's view of a visit, as JSON-ready parts (the same for the stored summary and the fallback)."""
    order = visit.dose_order
    vitals = ([visit.assessment.vitals] if visit.assessment.vitals else []) + list(visit.vitals)
    return {
        "f": _FORMAT,
        "pain_before": visit.assessment.pain_score, "pain_after": visit.post_pain_score,
        "attacks_per_month": visit.assessment.migraine.attacks_per_month,
        "dose_text": order.dose_text if order else "", "duration_text": order.duration_text if order else "",
        "dose_shown": order.computed.display if order and order.computed else {},
        "readings": [[v.taken_at.timestamp(), v.systolic, v.heart_rate, v.resp_rate] for v in vitals],
        "side_effects": [[e.type_code, e.grade] for e in visit.side_effects],
    }


def summary_document(visit: Visit) -> str:
    """The JSON text of what the chart shows of this visit (kept in visit_summaries)."""
    return json.dumps(_summary_parts(visit), separators=(",", ":"), ensure_ascii=False)


def write_summary(conn: Connection, visit: Visit, *, new: bool) -> None:
    """Keep the visit's summary with the visit, in the caller's transaction."""
    text = summary_document(visit)
    if new:
        conn.execute(_INSERT, {"visit_id": visit.id, "version": visit.version, "summary": text})
    else:
        conn.execute(_UPDATE, {"of_visit": visit.id, "version": visit.version, "summary": text})


# Built once (statement construction costs more than running them in the demo's bulk saves).
_INSERT = insert(tables.visit_summaries)
_UPDATE = update(tables.visit_summaries).where(tables.visit_summaries.c.visit_id == bindparam("of_visit"))


def visit_history(conn: Connection, patient_id: int) -> list[VisitSummary]:
    """The patient's visits, oldest first, as summaries."""
    v, vs = tables.visits.c, tables.visit_summaries.c
    fresh = select(vs.summary).where(vs.visit_id == v.id, vs.version == v.version).scalar_subquery()
    query = (select(v.id, v.patient_id, v.status, v.created_at, v.started_at, v.version, fresh.label("summary"))
             .where(v.patient_id == patient_id).order_by(v.created_at, v.id))
    out = []
    new = object.__new__
    with codec.bulk_decoding():
        for r in conn.execute(query):
            doc = orjson.loads(r.summary) if r.summary is not None else None
            if doc is None or doc.get("f") != _FORMAT:  # no current summary: read the full record once
                content = conn.execute(select(v.content).where(v.id == r.id)).scalar_one()
                full = orjson.loads(content)
                full.update(id=r.id, version=r.version, patient_id=r.patient_id, status=r.status,
                            created_at=r.created_at, started_at=r.started_at)
                doc = _summary_parts(codec.from_plain(Visit, full))
            # Built directly (a frozen __init__ costs a setattr per field, a thousand times over).
            summary = new(VisitSummary)
            object.__setattr__(summary, "__dict__", {
                "id": r.id, "patient_id": r.patient_id, "status": _STATUS[r.status],
                "created_at": codec.parse_datetime(r.created_at),
                "started_at": codec.parse_datetime(r.started_at) if r.started_at is not None else None,
                "version": r.version, "pain_before": doc["pain_before"], "pain_after": doc["pain_after"],
                "attacks_per_month": doc["attacks_per_month"], "dose_text": doc["dose_text"],
                "duration_text": doc["duration_text"], "dose_shown": doc["dose_shown"],
                "readings": tuple(Reading(*x) for x in doc["readings"]),
                "side_effects": tuple(EffectBrief(*x) for x in doc["side_effects"]),
            })
            out.append(summary)
    return out


_STATUS = {s.value: s for s in VisitStatus}
