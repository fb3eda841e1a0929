"""Importing a clinic's patient list: every bad row named with its field, the rest written only on --commit."""

from __future__ import annotations

import json
from datetime import date

import pytest

from infusiondesk.auth import AuthError, PermissionDenied
from infusiondesk.interop.patient_import import ImportFileError, read_patients_csv
from infusiondesk.interop.writing import AUDIT_EVENT, check_against_database, commit
from infusiondesk.records.models import PatientDetails, UserSession
from infusiondesk.store import Store
from tests.infusiondesk.interop.csv_files import IN_DATABASE, clinic_file, good_row, to_csv
from tests.infusiondesk.store.conftest import Staff

TODAY = date(2026, 1, 5)


def _count(store: Store, staff: Staff, reader: UserSession | None = None) -> int:
    return len(store.patients.search("IMP", limit=10_000, by=reader or staff.admin))


def _register_existing(store: Store, staff: Staff) -> None:
    for mrn in IN_DATABASE:
        store.patients.add(PatientDetails(mrn, "Already", "Here", date(1970, 1, 1), "female"), by=staff.nurse)


def test_5000_rows_with_20_bad_ones_reports_exactly_those_and_writes_the_rest(store: Store, staff: Staff) -> None:
    data, bad = clinic_file()
    _register_existing(store, staff)
    report = check_against_database(read_patients_csv(data, "clinic.csv", TODAY), store, staff.admin)
    assert {r.row: r.field for r in report.rejected} == bad
    assert len(report.accepted) == 4980
    assert _count(store, staff) == 2  # the dry run wrote nothing
    assert {r.row for r in report.duplicates} == {902, 5001, 102, 4002}

    done = commit(report, store, staff.admin)
    assert done.committed and done.written == 4980
    assert _count(store, staff) == 4982
    assert store.patients.by_mrn("IMP000100", by=staff.admin).family_name == "Already"  # never merged
    assert store.patients.by_mrn("IMP000003", by=staff.admin).family_name == "Family3"  # the first row won
    entry = [e for e in store.audit.entries(by=staff.admin) if e["event"] == AUDIT_EVENT]
    assert len(entry) == 1
    detail = entry[0]["detail"]
    assert detail["sha256"] == done.sha256 and detail["file"] == "clinic.csv"
    assert (detail["rows"], detail["created"], detail["rejected"]) == (5000, 4980, 20)
    assert "Family" not in json.dumps(detail)  # no patient data in the import's own entry


def test_each_rejection_is_one_line_naming_row_field_and_what_is_accepted() -> None:
    data, _bad = clinic_file()
    lines = read_patients_csv(data, "clinic.csv", TODAY).lines()
    assert lines[0].startswith("clinic.csv: read 5000 row(s); would import")
    ambiguous = next(line for line in lines if line.startswith("row 19,"))
    assert ambiguous.startswith('row 19, date_of_birth: "03/04/1980" is not a year-month-day date; write dates '
                                "as YYYY-MM-DD")
    assert any(line.startswith("row 902, mrn: MRN IMP000003 is also on row 5 of this file") for line in lines)
    assert any(line.startswith("row 1302, family_name: The patient's family name can be at most 100 characters")
               for line in lines)
    assert any(line.startswith('row 1202, sex: The sex "X" is not one the records know') for line in lines)


def test_unknown_columns_are_refused_with_a_suggestion_and_missing_ones_named() -> None:
    data = to_csv([good_row(1)], header=("mrn", "family_name", "given_nmae", "sex", "fax"))
    with pytest.raises(ImportFileError) as caught:
        read_patients_csv(data, "clinic.csv", TODAY)
    message = caught.value.message
    assert 'unknown column "given_nmae"; did you mean "given_name"?' in message
    assert 'unknown column "fax"' in message
    assert "missing required column(s): given_name, date_of_birth" in message


def test_a_file_that_is_not_utf8_is_refused_whole() -> None:
    with pytest.raises(ImportFileError, match="not UTF-8"):
        read_patients_csv("mrn,family_name\nX,Müller\n".encode("latin-1"), "old.csv", TODAY)


def test_only_an_admin_imports(store: Store, staff: Staff) -> None:
    report = read_patients_csv(to_csv([good_row(1)]), "clinic.csv", TODAY)
    with pytest.raises(PermissionDenied, match="Only an admin can import patients"):
        check_against_database(report, store, staff.nurse)
    with pytest.raises(PermissionDenied):
        commit(report, store, staff.nurse)
    assert _count(store, staff) == 0


def test_a_patient_registered_between_the_check_and_the_commit_is_reported_not_merged(
        store: Store, staff: Staff) -> None:
    report = check_against_database(read_patients_csv(to_csv([good_row(1), good_row(2)]), "c.csv", TODAY),
                                    store, staff.admin)
    store.patients.add(PatientDetails("IMP000002", "Meanwhile", "Typed", date(1970, 1, 1), "male"), by=staff.nurse)
    done = commit(report, store, staff.admin, batch_rows=1)
    assert done.written == 1
    assert [(r.row, r.field) for r in done.rejected] == [(3, "mrn")]
    assert store.patients.by_mrn("IMP000002", by=staff.admin).family_name == "Meanwhile"


def test_an_import_stopped_by_a_sign_out_keeps_and_audits_the_batches_written(store: Store, staff: Staff) -> None:
    report = check_against_database(read_patients_csv(to_csv([good_row(i) for i in range(1, 6)]), "c.csv", TODAY),
                                    store, staff.admin)

    def sign_out_after_the_first_batch(done: int) -> None:
        store.users.sign_out(staff.admin)

    with pytest.raises(AuthError):
        commit(report, store, staff.admin, progress=sign_out_after_the_first_batch, batch_rows=2)
    assert _count(store, staff, reader=staff.nurse) == 2
    entry = [e for e in store.audit.entries(by=staff.nurse) if e["event"] == AUDIT_EVENT][-1]
    assert (entry["detail"]["created"], entry["detail"]["complete"], entry["detail"]["session_ended"]) == (
        2, False, True)


def test_address_and_phone_columns_are_kept_and_a_bad_phone_is_named() -> None:
    header = ("mrn", "family_name", "given_name", "date_of_birth", "sex", "address", "phone")
    rows = [["IMP000001", "Rivera", "Ana", "1985-06-01", "female", "14 Orchard Lane\n Riverside \n\nRV1 4AB",
             "+44 20 7946 0958"],
            ["IMP000002", "Rivers", "Tom", "1971-02-11", "male", "", ""],
            ["IMP000003", "Okafor", "Grace", "1990-09-23", "female", "2 Hill Road", "555-0100 ext. 4"]]
    report = read_patients_csv(to_csv(rows, header=header), "contacts.csv", TODAY)
    ana, tom = (a.patient for a in report.accepted)
    assert (ana.address, ana.phone) == ("14 Orchard Lane\nRiverside\nRV1 4AB", "+44 20 7946 0958")
    assert (tom.address, tom.phone) == ("", "")  # optional: empty is "not known"
    [refused] = report.rejected
    assert (refused.row, refused.field) == (4, "phone")
    assert refused.reason.startswith('The phone number "555-0100 ext. 4" may hold only digits, spaces, + ( ) and -')
