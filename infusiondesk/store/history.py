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
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, insert, select, update

from infusiondesk.records.models import Assessment, SideEffect, Visit, VisitStatus, VitalSigns
from infusiondesk.store import codec, tables


@dataclass(frozen=True)
class VisitSummary:
    """What the chart shows of one visit. Fields share Visit's names and types, so the chart's trend plots
    take either; open the visit (`Store.get_visit(id)`) to chart it."""

    id: int
    patient_id: int
    status: VisitStatus
    created_at: datetime
    started_at: datetime | None
    version: int
    assessment: Assessment = field(default_factory=Assessment)  # baseline vitals, pain before, migraine
    dose_text: str = ""  # the order as typed ("2 g"); "" before a dose is ordered
    duration_text: str = ""  # as typed ("30 min")
    dose_shown: dict[str, str] = field(default_factory=dict)  # the order's display strings: dose, rate, duration
    vitals: tuple[VitalSigns, ...] = ()
    side_effects: tuple[SideEffect, ...] = ()
    post_pain_score: int | None = None


def summary_document(visit: Visit) -> str:
    """The JSON text of what the chart shows of this visit (kept in visit_summaries)."""
    order = visit.dose_order
    return json.dumps({
        "assessment": codec.to_plain(visit.assessment), "vitals": codec.to_plain(visit.vitals),
        "side_effects": codec.to_plain(visit.side_effects), "post_pain_score": visit.post_pain_score,
        "dose_text": order.dose_text if order else "", "duration_text": order.duration_text if order else "",
        "dose_shown": order.computed.get("display", {}) if order else {},
    }, separators=(",", ":"), ensure_ascii=False)


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


def _from_content(content: str) -> dict[str, Any]:
    doc = orjson.loads(content)
    parts = {name: doc[name] for name in ("assessment", "vitals", "side_effects", "post_pain_score") if name in doc}
    order = doc.get("dose_order")
    if order:
        parts.update(dose_text=order.get("dose_text", ""), duration_text=order.get("duration_text", ""),
                     dose_shown=order.get("computed", {}).get("display", {}))
    return parts


def visit_history(conn: Connection, patient_id: int) -> list[VisitSummary]:
    """The patient's visits, oldest first, as summaries."""
    v, vs = tables.visits.c, tables.visit_summaries.c
    fresh = select(vs.summary).where(vs.visit_id == v.id, vs.version == v.version).scalar_subquery()
    query = (select(v.id, v.patient_id, v.status, v.created_at, v.started_at, v.version, fresh.label("summary"))
             .where(v.patient_id == patient_id).order_by(v.created_at, v.id))
    out = []
    with codec.bulk_decoding():
        for r in conn.execute(query):
            if r.summary is not None:
                doc = orjson.loads(r.summary)
            else:  # saved before summaries existed: read the full record once
                content = conn.execute(select(v.content).where(v.id == r.id)).scalar_one()
                doc = _from_content(content)
            doc.update(id=r.id, patient_id=r.patient_id, status=r.status, created_at=r.created_at,
                       started_at=r.started_at, version=r.version)
            out.append(codec.from_plain(VisitSummary, doc))
    return out
