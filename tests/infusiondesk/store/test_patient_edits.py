"""Two workstations editing one patient at once (SQLite and PostgreSQL): each save writes what its person changed,
so neither loses the other's work; the same field changed to different values is refused, naming both values."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from infusiondesk.records.models import Allergy, Patient
from infusiondesk.store import Store
from infusiondesk.store.errors import PatientChangedElsewhere
from tests.infusiondesk.store.conftest import Staff


def test_changes_to_different_fields_are_both_kept(store: Store, staff: Staff,
                                                   patient_factory: Callable[..., Patient]) -> None:
    """Last write would win without the merge: the allergy typed at the front desk would be lost to the
    weight saved at the chair from a form opened before it."""
    opened = patient_factory()
    at_desk = opened
    at_chair = opened
    store.patients.update(dataclasses.replace(at_desk, allergies=(Allergy("latex", "hives"),)), staff.nurse2,
                          based_on=at_desk)
    saved = store.patients.update(dataclasses.replace(at_chair, weight_kg=66.0), staff.nurse, based_on=at_chair)
    now = store.patients.get(opened.id, by=staff.clinician)
    assert now == saved
    assert now.allergies == (Allergy("latex", "hives"),) and now.weight_kg == 66.0


def test_the_same_field_changed_to_different_values_is_refused_and_nothing_is_saved(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    opened = patient_factory()
    store.patients.update(dataclasses.replace(opened, weight_kg=66.0), staff.nurse2, based_on=opened)
    entries = len(store.audit.entries("patients", opened.id, by=staff.admin))
    with pytest.raises(PatientChangedElsewhere) as refused:
        store.patients.update(dataclasses.replace(opened, weight_kg=65.0, phone="555 0199"), staff.nurse,
                              based_on=opened)
    assert refused.value.fields == ("weight_kg",)
    assert "Weight (kg): now 66, yours 65" in refused.value.message
    assert "nothing was saved" in refused.value.message
    assert refused.value.current.weight_kg == 66.0
    now = store.patients.get(opened.id, by=staff.clinician)
    assert (now.weight_kg, now.phone) == (66.0, "")  # the phone was not saved either: one edit, all or nothing
    assert len(store.audit.entries("patients", opened.id, by=staff.admin)) == entries


def test_a_second_save_after_seeing_the_clash_keeps_the_typed_value_and_the_other_changes(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    opened = patient_factory()
    store.patients.update(dataclasses.replace(opened, weight_kg=66.0, history_notes="Prefers the left arm"),
                          staff.nurse2, based_on=opened)
    mine = dataclasses.replace(opened, weight_kg=65.0)
    with pytest.raises(PatientChangedElsewhere) as refused:
        store.patients.update(mine, staff.nurse, based_on=opened)
    seen = dataclasses.replace(opened, weight_kg=refused.value.current.weight_kg)  # what the form now knows
    saved = store.patients.update(mine, staff.nurse, based_on=seen)
    assert saved.weight_kg == 65.0 and saved.history_notes == "Prefers the left arm"


def test_the_same_change_made_twice_is_no_clash(store: Store, staff: Staff,
                                                patient_factory: Callable[..., Patient]) -> None:
    opened = patient_factory()
    store.patients.update(dataclasses.replace(opened, no_known_allergies=True), staff.nurse2, based_on=opened)
    saved = store.patients.update(dataclasses.replace(opened, no_known_allergies=True), staff.nurse,
                                  based_on=opened)
    assert saved.no_known_allergies


def test_an_edit_based_on_another_patient_is_refused(store: Store, staff: Staff,
                                                     patient_factory: Callable[..., Patient]) -> None:
    jane, omar = patient_factory(), patient_factory(mrn="MRN0002", given="Omar")
    with pytest.raises(ValueError, match="one patient"):
        store.patients.update(dataclasses.replace(jane, weight_kg=50.0), staff.nurse, based_on=omar)
    assert store.patients.get(jane.id, by=staff.nurse).weight_kg == 70.0
