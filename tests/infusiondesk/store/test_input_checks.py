"""Names, MRNs and searches behave the same on SQLite and PostgreSQL: what one refuses the other refuses, with
the same sentence, and nothing typed into a search box can make the database fail. Drafts saved at once by two
savers both land."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import pytest

from infusiondesk.errors import InputError
from infusiondesk.records.models import Allergy, Patient, Role
from infusiondesk.store import Store
from infusiondesk.validation import MRN_MAX, PERSON_NAME_MAX
from tests.infusiondesk.store.conftest import PASSWORD, Staff, make_patient


@pytest.mark.parametrize(("field", "value", "words"), [
    ("family_name", "   ", "Enter the patient's family name."),
    ("family_name", "\t\n", "Enter the patient's family name."),
    ("given_name", "", "Enter the patient's given name."),
    ("mrn", "  ", "Enter the patient's MRN (medical record number)."),
    ("family_name", "Sm\x00ith", "contains a hidden or control character (U+0000)"),
    ("given_name", "Jane\x1b[31m", "(U+001B)"),
    ("family_name", "Smith\u202egnp.exe", "(U+202E)"),  # a right-to-left override hides what the name says
    ("mrn", "MRN\ud8000001", "(U+D800)"),  # a lone surrogate: no database can store it
    ("family_name", "X" * (PERSON_NAME_MAX + 1), f"can be at most {PERSON_NAME_MAX} characters; this one has 101"),
    ("family_name", "X" * 1_000_000, f"can be at most {PERSON_NAME_MAX} characters"),
    ("mrn", "9" * (MRN_MAX + 1), f"can be at most {MRN_MAX} characters"),
])
def test_a_bad_name_or_mrn_is_refused_alike_on_both_databases(store: Store, staff: Staff, field: str, value: str,
                                                               words: str) -> None:
    with pytest.raises(InputError) as caught:
        store.patients.add(make_patient(**{{"family_name": "family", "given_name": "given"}.get(field, field): value}),
                          staff.nurse)
    assert words in caught.value.message
    assert caught.value.field == field
    assert store.patients.search("smith", by=staff.nurse) == []
    assert store.patients.by_mrn("MRN0001", by=staff.nurse) is None


def test_an_edit_is_checked_like_a_new_patient(store: Store, staff: Staff,
                                               patient_factory: Callable[..., Patient]) -> None:
    jane = patient_factory()
    with pytest.raises(InputError, match="Enter the patient's family name"):
        store.patients.update(dataclasses.replace(jane, family_name="  "), staff.nurse, based_on=jane)
    with pytest.raises(InputError, match="U\\+0000"):
        store.patients.update(dataclasses.replace(jane, mrn="MRN\x000001"), staff.nurse, based_on=jane)
    assert store.patients.get(jane.id, by=staff.nurse) == jane


def test_names_are_stored_trimmed_composed_and_single_spaced(store: Store, staff: Staff) -> None:
    saved = store.patients.add(make_patient(mrn="\tMRN 0042 ", family="  van\u00a0der   Berg ",
                                           given="Zoe\u0301", history_notes="  line one\n\tline two  "),
                              staff.nurse)
    assert (saved.mrn, saved.family_name, saved.given_name) == ("MRN 0042", "van der Berg", "Zoé")
    assert saved.history_notes == "line one\n\tline two"
    assert store.patients.get(saved.id, by=staff.nurse) == saved
    assert [p.id for p in store.patients.search("van  der\tberg", by=staff.nurse)] == [saved.id]
    # composed or not, it is the same é
    assert [p.id for p in store.patients.search("zo\u00e9", by=staff.nurse)] == [saved.id]


def test_names_at_the_limit_in_any_script_are_stored_and_found(store: Store, staff: Staff) -> None:
    # The "ffi" ligature casefolds to three letters: a 100-character name has a 300-character search key, more
    # than its 200-character column holds on PostgreSQL; the key is cut, the name is not.
    long_name = "\ufb03" * PERSON_NAME_MAX
    persian = "\u0645\u06cc\u200c\u0631\u0632\u0627"  # a zero-width non-joiner is part of the name
    saved = store.patients.add(make_patient(mrn="M" * MRN_MAX, family=long_name, given=persian), staff.nurse)
    assert saved.given_name == persian and store.patients.get(saved.id, by=staff.nurse).family_name == long_name
    assert [p.id for p in store.patients.search(long_name, by=staff.nurse)] == [saved.id]
    assert [p.id for p in store.patients.search(persian, by=staff.nurse)] == [saved.id]
    assert [p.id for p in store.patients.search("m" * MRN_MAX, by=staff.nurse)] == [saved.id]


def test_an_allergy_without_a_substance_is_refused(store: Store, staff: Staff) -> None:
    with pytest.raises(InputError, match="Enter the allergy's substance"):
        store.patients.add(make_patient(allergies=(Allergy(" ", "rash"),)), staff.nurse)


@pytest.mark.parametrize("typed", [
    "\U0010ffff", "smi\U0010ffff", "\U0010ffff\U0010ffff", "\ud7ff", "\ud800", "smith\udfff", "\x00", "smi\x00th",
    "ja\x00 smith", "\ufeff", "\u202e", "x" * 100_000, "smith " * 10_000, "%", "_", "'; DROP TABLE patients; --",
    "\\", ",", " , ", "\u0301", "\U0001f489",
])
def test_any_search_text_is_answered_not_an_error(store: Store, staff: Staff,
                                                  patient_factory: Callable[..., Patient], typed: str) -> None:
    patient_factory()
    found = store.patients.search(typed, by=staff.nurse)
    assert isinstance(found, list) and len(found) <= 1


def test_a_search_ending_in_the_last_code_point_finds_the_names_that_start_with_it(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    odd = patient_factory(mrn="MRN0009", family="A\U0010fffdz")
    other = patient_factory(mrn="MRN0010", family="B")
    assert [p.id for p in store.patients.search("a\U0010fffd", by=staff.nurse)] == [odd.id]
    assert [p.id for p in store.patients.search("smi\x00", by=staff.nurse)] == []
    assert [p.id for p in store.patients.search("b\x00", by=staff.nurse)] == [other.id]  # the NUL only separates words


def test_user_names_are_checked_before_the_account_is_made(store: Store, staff: Staff) -> None:
    with pytest.raises(InputError, match="Enter the person's full name"):
        store.users.create("nell", "   ", Role.NURSE, PASSWORD, by=staff.admin)
    with pytest.raises(InputError, match="cannot contain spaces"):
        store.users.create("nell nurse", "Nell Nurse", Role.NURSE, PASSWORD, by=staff.admin)
    with pytest.raises(InputError, match="U\\+0000"):
        store.users.create("nell", "Nell\x00 Nurse", Role.NURSE, PASSWORD, by=staff.admin)
    with pytest.raises(InputError, match=f"at most {PERSON_NAME_MAX} characters"):
        store.users.create("nell", "N" * 5000, Role.NURSE, PASSWORD, by=staff.admin)
    with pytest.raises(InputError, match="at most 64 characters"):
        store.users.update(dataclasses.replace(staff.nurse.user, credentials="RN" * 40), staff.admin)
    nell = store.users.create(" Nell ", " Nell   Nurse ", Role.NURSE, PASSWORD, " RN ", by=staff.admin)
    assert (nell.username, nell.full_name, nell.credentials) == ("nell", "Nell Nurse", "RN")
    assert {u.username for u in store.users.all(by=staff.admin)} == {"admin", "nina", "noel", "carl", "nell"}


def test_two_workstations_saving_the_same_draft_at_once_both_succeed(store: Store, staff: Staff) -> None:
    nurse = staff.nurse
    savers = 8
    start = threading.Barrier(savers)
    failures: list[BaseException] = []

    def save(n: int) -> None:
        start.wait()
        try:
            for round_ in range(5):
                store.drafts.save("visit-1", {"saver": n, "round": round_}, by=nurse)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(savers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    draft = store.drafts.load("visit-1", by=nurse)
    assert draft is not None and draft["round"] == 4 and 0 <= draft["saver"] < savers
    store.drafts.save("visit-1", {"saver": "last"}, by=nurse)
    assert store.drafts.load("visit-1", by=nurse) == {"saver": "last"}
