"""HL7 v2 ADT messages: an A04 registers a patient, an A08 updates the patient of its MRN, others are skipped."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from infusiondesk.interop.hl7_adt import EXTENSION_NOTE, read_adt_file, split_messages
from infusiondesk.interop.patient_import import ImportFileError
from infusiondesk.interop.writing import check_against_database, commit
from infusiondesk.records.models import PatientDetails
from infusiondesk.store import Store
from tests.infusiondesk.store.conftest import Staff

TODAY = date(2026, 1, 5)


def adt(event: str, pid: str, control: str = "1") -> str:
    return (f"MSH|^~\\&|REG|HOSP|INFUSIONDESK|CLINIC|202601051200||ADT^{event}^ADT_A01|{control}|P|2.5\r"
            f"EVN|{event}|202601051200\r{pid}\r")


A04_OKAFOR = adt("A04", "PID|1||H-77^^^HOSP^PI~MRN100^^^HOSP^MR||Okafor^Grace^A||19800403|F|||"
                        "PO Box 9^^Town^^^^M~14 Orchard Lane&Orchard Lane&14^Flat 2^Riverside^ME^04101^USA^H||"
                        "^WPN^PH^^1^555^0199~^PRN^PH^^1^207^0100^12")
A08_LEE = adt("A08", "PID|1||MRN200^^^HOSP^MR||Lee-Wong^Sam||19911231|M", "2")
A08_NOBODY = adt("A08", "PID|1||MRN999^^^HOSP^MR||Nobody^Known||19500101|U", "3")
A01_ADMIT = adt("A01", "PID|1||MRN300^^^HOSP^MR||Admit^Ted||19600101|M", "4")


def _file(*messages: str, newline: str = "\r") -> bytes:
    return "".join(m.replace("\r", newline) for m in messages).encode("utf-8")


def test_a04_creates_a08_updates_unknown_mrn_refused_other_types_skipped(store: Store, staff: Staff) -> None:
    lee = store.patients.add(PatientDetails("MRN200", "Lee", "Sam", date(1991, 12, 30), "unknown", weight_kg=61.0,
                                            no_known_allergies=True, phone="555 0123"), by=staff.nurse)
    data = _file(A04_OKAFOR, A08_LEE, A08_NOBODY, A01_ADMIT, newline="\n")
    report = check_against_database(read_adt_file(data, "adt.hl7", TODAY), store, staff.admin)
    assert report.lines() == [
        "adt.hl7: read 4 message(s); would import (a check only: nothing written) 2 patient(s): "
        "1 new, 1 updated; rejected 1 message(s), skipped 1 message(s) of other types.",
        "row 3, mrn: MRN MRN999 is not in the database, so there is no patient to update; send a registration "
        "(A04) first.",
        "row 4, message_type: ADT^A01 is not imported (only ADT^A04 registrations and ADT^A08 updates); skipped.",
        EXTENSION_NOTE]
    assert store.patients.by_mrn("MRN100", by=staff.admin) is None  # a dry run

    done = commit(report, store, staff.admin)
    assert done.written == 2
    okafor = store.patients.by_mrn("MRN100", by=staff.admin)
    assert okafor is not None
    assert (okafor.family_name, okafor.given_name, okafor.date_of_birth, okafor.sex) == (
        "Okafor", "Grace", date(1980, 4, 3), "female")
    # PID-11's home (H) address, not the mailing one; PID-13's primary residence number, its leading zero kept
    assert okafor.address == "14 Orchard Lane\nFlat 2\nRiverside, ME 04101\nUSA"
    assert okafor.phone == "+1 207 0100"
    updated = store.patients.by_mrn("MRN200", by=staff.admin)
    assert updated is not None and updated.id == lee.id
    assert (updated.family_name, updated.date_of_birth, updated.sex) == ("Lee-Wong", date(1991, 12, 31), "male")
    assert (updated.weight_kg, updated.no_known_allergies) == (61.0, True)  # what the message does not carry stays
    assert (updated.phone, updated.address) == ("555 0123", "")
    assert store.patients.by_mrn("MRN999", by=staff.admin) is None


def test_an_a04_for_an_mrn_already_registered_is_refused_not_merged(store: Store, staff: Staff) -> None:
    store.patients.add(PatientDetails("MRN100", "Okafor", "G", date(1980, 4, 3), "female"), by=staff.nurse)
    report = check_against_database(read_adt_file(_file(A04_OKAFOR), "adt.hl7", TODAY), store, staff.admin)
    assert [(r.row, r.field, r.duplicate) for r in report.rejected] == [(1, "mrn", True)]
    assert not report.accepted


def test_bad_fields_are_named_with_their_hl7_field() -> None:
    data = _file(adt("A04", "PID|1||MRN1^^^H^MR||Doe^Jan||1980-04-03|F"),
                 adt("A04", "PID|1||MRN2^^^H^MR||Doe^Jan||19800403|Z"),
                 adt("A04", "PID|1||||Doe^Jan||19800403|F"),
                 adt("A04", "PID|1||MRN4^^^H^MR||^Jan||19800403|F"))
    report = read_adt_file(data, "adt.hl7", TODAY)
    assert [(r.row, r.field) for r in report.rejected] == [
        (1, "date_of_birth"), (2, "sex"), (3, "mrn"), (4, "family_name")]
    assert 'PID-7 "1980-04-03" is not a birth date written YYYYMMDD' in report.rejected[0].reason
    assert 'PID-8 "Z" is not an HL7 sex code' in report.rejected[1].reason


def test_messages_split_on_msh_whatever_the_line_ends() -> None:
    text = "MSH|^~\\&|A\r\nPID|1\r\nMSH|^~\\&|B\nPID|2\rMSH|^~\\&|C"
    assert split_messages(text) == ["MSH|^~\\&|A\rPID|1", "MSH|^~\\&|B\rPID|2", "MSH|^~\\&|C"]
    with pytest.raises(ImportFileError, match="does not start with an MSH segment"):
        split_messages("PID|1\rMSH|^~\\&|A")


def test_an_a08_with_a_new_address_and_phone_changes_them(store: Store, staff: Staff) -> None:
    store.patients.add(PatientDetails("MRN200", "Lee", "Sam", date(1991, 12, 30), "male", phone="555 0123",
                                      address="Old Road 1"), by=staff.nurse)
    a08 = adt("A08", "PID|1||MRN200^^^HOSP^MR||Lee^Sam||19911230|M|||2 New Street^^Portland^ME^04102||"
                     "(207) 555-0142^PRN^PH", "9")
    report = check_against_database(read_adt_file(_file(a08), "adt.hl7", TODAY), store, staff.admin)
    assert report.notes == ()  # no extension, nothing left out
    commit(report, store, staff.admin)
    lee = store.patients.by_mrn("MRN200", by=staff.admin)
    assert lee is not None
    assert (lee.address, lee.phone) == ("2 New Street\nPortland, ME 04102", "(207) 555-0142")


def test_a_phone_that_is_not_a_number_refuses_the_message_naming_the_phone() -> None:
    data = _file(adt("A04", "PID|1||MRN1^^^H^MR||Doe^Jan||19800403|F|||||call the daughter^PRN^PH"))
    report = read_adt_file(data, "adt.hl7", TODAY)
    assert [(r.row, r.field) for r in report.rejected] == [(1, "phone")]
    assert 'The phone number "call the daughter" may hold only digits, spaces, + ( ) and -' in report.rejected[0].reason


def test_escaped_separators_in_an_address_are_read_as_the_characters() -> None:
    data = _file(adt("A04", r"PID|1||MRN1^^^H^MR||Doe^Jan||19800403|F|||Unit 4\S\B^^Town||555 0100"))
    [accepted] = read_adt_file(data, "adt.hl7", TODAY).accepted
    assert (accepted.patient.address, accepted.patient.phone) == ("Unit 4^B\nTown", "555 0100")


def test_an_a08_crossing_a_change_made_in_the_app_after_the_check_keeps_the_apps_change(
        store: Store, staff: Staff) -> None:
    """The admin checks the file, a nurse edits Mr Lee in the app, then the file is written: her change to
    another field stays; a field she and the message both changed is refused for that row, naming both values."""
    lee = store.patients.add(PatientDetails("MRN200", "Lee", "Sam", date(1991, 12, 30), "male", phone="555 0123",
                                            address="Old Road 1"), by=staff.nurse)
    a08 = adt("A08", "PID|1||MRN200^^^HOSP^MR||Lee^Sam||19911230|M|||2 New Street^^Portland^ME^04102||"
                     "(207) 555-0142^PRN^PH", "9")
    report = check_against_database(read_adt_file(_file(a08), "adt.hl7", TODAY), store, staff.admin)
    store.patients.update(dataclasses.replace(lee, weight_kg=80.0), staff.nurse, based_on=lee)
    done = commit(report, store, staff.admin)
    now = store.patients.by_mrn("MRN200", by=staff.admin)
    assert done.written == 1 and now is not None
    assert (now.weight_kg, now.phone) == (80.0, "(207) 555-0142")  # the nurse's weight kept, the message's phone

    report = check_against_database(read_adt_file(_file(a08.replace("Lee^Sam", "Lee^Samuel")), "adt.hl7", TODAY),
                                    store, staff.admin)
    store.patients.update(dataclasses.replace(now, given_name="Sammy"), staff.nurse, based_on=now)
    done = commit(report, store, staff.admin)
    assert done.written == 0
    [(row, field, reason)] = [(r.row, r.field, r.reason) for r in done.rejected]
    assert (row, field) == (1, "given_name")
    assert "Given name: now Sammy, yours Samuel" in reason and "nothing was saved" in reason
    assert store.patients.get(lee.id, by=staff.admin).given_name == "Sammy"
