"""Two people editing one patient at once: each save writes only the fields its person changed, so neither
overwrites the other's work (last write wins would silently drop, say, an allergy typed on the other
workstation). A field both changed, to different values, is refused with both values named."""

from __future__ import annotations

import dataclasses

from infusiondesk.patient_words import field_name, shown
from infusiondesk.records.models import Patient, PatientDetails
from infusiondesk.store import codec
from infusiondesk.store.errors import PatientChangedElsewhere


def merge_edit(based_on: Patient, edited: Patient, stored: Patient) -> Patient:
    """`edited` is `based_on` (the patient as the editor read it) with their changes; `stored` is the record now.
    Returns `stored` with the editor's changes applied; PatientChangedElsewhere when a field the editor changed
    was meanwhile changed to another value."""
    if not (based_on.id == edited.id == stored.id):
        raise ValueError("merge_edit compares one patient's versions")
    changes: dict[str, object] = {}
    clashes: list[str] = []
    for f in dataclasses.fields(PatientDetails):
        mine, base, now = (getattr(p, f.name) for p in (edited, based_on, stored))
        if mine == base:
            continue  # not changed here: what is stored now stays (another workstation's change included)
        if now != base and now != mine:
            clashes.append(f.name)
        changes[f.name] = mine
    if clashes:
        both = "; ".join(f"{field_name(k)}: now {shown(codec.to_plain(getattr(stored, k)))}, yours "
                         f"{shown(codec.to_plain(getattr(edited, k)))}" for k in clashes)
        raise PatientChangedElsewhere(
            f"{stored.given_name} {stored.family_name}'s details were changed elsewhere after you read them "
            f"({both}); nothing was saved. Read the patient again and make your change there.",
            stored, tuple(clashes), both)
    return dataclasses.replace(stored, **changes)  # type: ignore[arg-type]
