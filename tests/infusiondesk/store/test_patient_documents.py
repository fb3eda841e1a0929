"""A patient not yet registered (`PatientDetails`) and a registered one (`Patient`, id always there), and the stored
JSON document: one written before the address and phone existed still loads, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from sqlalchemy import insert, select

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Allergy, Patient, PatientDetails, PregnancyStatus, RenalStatus, Sex
from infusiondesk.store import Store, tables
from infusiondesk.store.search import patient_keys
from tests.infusiondesk.store.conftest import Staff, make_patient

# Written by store.patients.add before this change (commit 1b10f19): no "id", no "address", no "phone".
OLD_DOCUMENT = (
    '{"allergies":[{"reaction":"rash","substance":"penicillin"}],"date_of_birth":"1985-06-01","egfr_ml_min":90.0,'
    '"family_name":"Rivera","given_name":"Ana","heart_block":false,"history_notes":"Chronic migraine.",'
    '"medicines":["propranolol"],"migraine_diagnosis":true,"mrn":"MRN-0007","myasthenia_gravis":false,'
    '"no_known_allergies":false,"pregnancy":"not_pregnant","renal_status":"normal","sex":"female",'
    '"weight_kg":64.0}')


def _store_old_document(store: Store) -> int:
    details = PatientDetails("MRN-0007", "Rivera", "Ana", date(1985, 6, 1), Sex.FEMALE)
    with store.engine.begin() as conn:
        key = conn.execute(insert(tables.patients).values(mrn="MRN-0007", content=OLD_DOCUMENT,
                                                           **patient_keys(details))).inserted_primary_key
    assert key is not None
    return int(key[0])


def test_a_patient_stored_before_address_and_phone_existed_reads_back_whole(store: Store, staff: Staff) -> None:
    patient_id = _store_old_document(store)
    ana = store.patients.get(patient_id, by=staff.nurse)
    assert ana == Patient(id=patient_id, mrn="MRN-0007", family_name="Rivera", given_name="Ana",
                          date_of_birth=date(1985, 6, 1), sex=Sex.FEMALE, weight_kg=64.0,
                          allergies=(Allergy("penicillin", "rash"),), medicines=("propranolol",),
                          migraine_diagnosis=True, egfr_ml_min=90.0, renal_status=RenalStatus.NORMAL,
                          pregnancy=PregnancyStatus.NOT_PREGNANT, history_notes="Chronic migraine.")
    assert (ana.address, ana.phone) == ("", "")
    assert store.patients.search("rivera", by=staff.nurse) == [ana]


def test_an_old_patient_given_a_phone_keeps_everything_else(store: Store, staff: Staff) -> None:
    patient_id = _store_old_document(store)
    ana = store.patients.get(patient_id, by=staff.nurse)
    store.patients.update(dataclasses.replace(ana, phone=" +44 20  7946 0958 "), by=staff.nurse, based_on=ana)
    again = store.patients.get(patient_id, by=staff.nurse)
    assert again.phone == "+44 20 7946 0958"
    assert again.history_notes == "Chronic migraine." and again.allergies == (Allergy("penicillin", "rash"),)


def test_the_stored_document_holds_the_details_and_never_the_id(store: Store, staff: Staff) -> None:
    saved = store.patients.add(make_patient(address="14 Orchard Lane\nRiverside\nRV1 4AB", phone="555 0100"),
                               staff.nurse)
    assert isinstance(saved.id, int) and saved.address == "14 Orchard Lane\nRiverside\nRV1 4AB"
    with store.engine.connect() as conn:
        content = conn.execute(select(tables.patients.c.content).where(tables.patients.c.id == saved.id)).scalar_one()
    document = json.loads(content)
    assert "id" not in document
    assert (document["address"], document["phone"]) == ("14 Orchard Lane\nRiverside\nRV1 4AB", "555 0100")
    assert store.patients.get(saved.id, by=staff.nurse) == saved


def test_a_registered_patient_is_not_registered_a_second_time(store: Store, staff: Staff) -> None:
    saved = store.patients.add(make_patient(), staff.nurse)
    with pytest.raises(DomainError, match=r"SMITH, Jane is already registered \(patient #\d+\); change their"):
        store.patients.add(saved, staff.nurse)
    assert len(store.patients.search("smith", by=staff.nurse)) == 1


def test_details_and_a_saved_patient_convert_both_ways() -> None:
    details = make_patient(phone="555 0100")
    saved = details.saved_as(42)
    assert saved.id == 42 and saved.phone == "555 0100" and saved.mrn == details.mrn
    assert saved.details() == details
    assert saved != details  # a registered patient is never equal to unregistered details
    with pytest.raises(TypeError):
        Patient(**vars(details))  # no id: a Patient cannot be made without one
