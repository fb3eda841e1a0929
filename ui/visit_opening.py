"""What a visit's workspace needs before it can be built (the visit, its patient, the weight charted at the
patient's last visit), read in one go off the UI thread. The functions here run in a worker: they read (or, for
a new visit, create through the visit service) and return data; they touch no widget. The workspace itself is
built on the UI thread from what they return (`MainWindow.open_visit`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class VisitToOpen:
    """A visit as read now, its patient, and the weight (kg) charted at their previous visit, if any."""

    visit: Any
    patient: Any
    previous_weight_kg: float | None


def read_visit(store: Any, by: Any, visit_id: int, shown: Any = None) -> VisitToOpen:
    """The visit `visit_id` as stored now and what its workspace shows; `shown` is the patient the chart shows
    (used when it is the visit's patient, read again otherwise)."""
    visit = store.visits.get(visit_id, by=by)
    patient = shown if shown is not None and shown.id == visit.patient_id else \
        store.patients.get(visit.patient_id, by=by)
    previous = [v for v in store.visits.all(patient.id, by=by) if v.id != visit.id
                and v.readiness.weight_kg_today is not None]
    return VisitToOpen(visit, patient, previous[-1].readiness.weight_kg_today if previous else None)


def create_visit(service: Any, store: Any, by: Any, patient: Any) -> VisitToOpen:
    """A new visit for `patient`, created through the visit service (its rules refuse with their sentence), and
    what its workspace shows."""
    visit = service.new_visit(by, patient.id)
    return read_visit(store, by, visit.id, patient)


def next_in_list(ids: Sequence[int], visit_id: int | None) -> int | None:
    """The visit after `visit_id` in `ids` (wrapping round); the first one when `visit_id` has left the list (it
    was just signed), None when nothing else is there."""
    if visit_id in ids:
        i = ids.index(visit_id)
        rest = list(ids[i + 1:]) + list(ids[:i])
        return rest[0] if rest else None
    return ids[0] if ids else None


@dataclass(frozen=True)
class NextInQueue:
    """The next visit of a work list: its id, and what its workspace needs unless one is open already."""

    visit_id: int | None
    rows: list[Any]
    to_open: VisitToOpen | None


def read_next(read_rows: Any, store: Any, by: Any, here: int | None, open_ids: Collection[int],
              shown: Any = None) -> NextInQueue:
    """The list as it reads now (`read_rows()`), the visit after `here` in it, and that visit's workspace data
    (not read again when its workspace is among `open_ids`)."""
    rows = list(read_rows())
    following = next_in_list([r.visit_id for r in rows], here)
    if following is None or following in open_ids:
        return NextInQueue(following, rows, None)
    return NextInQueue(following, rows, read_visit(store, by, following, shown))
