"""What a name, an MRN or a user name may be: checked in the core, so SQLite and PostgreSQL accept exactly the
same records and every refusal is a sentence naming the field.

Text is NFC-normalised and its whitespace collapsed to single spaces. Refused: blank after trimming, longer
than the limit below (counted in characters), and characters that cannot be stored or shown safely: control
characters (NUL, escape...), lone surrogates, unassigned code points and invisible formatting such as
right-to-left overrides (zero-width joiners, which some scripts need in names, are kept).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import date
from typing import TypeVar

from infusiondesk.clinic_time import zone_named
from infusiondesk.errors import DomainError, InputError
from infusiondesk.records.models import Allergy, Clinic, PatientDetails, Sex

PERSON_NAME_MAX = 100  # a family name, a given name, a user's full name (characters)
MRN_MAX = 64           # the MRN column's width
USERNAME_MAX = 64      # the user name column's width
CREDENTIALS_MAX = 64   # "RN", "MD, FRCPC" (the column's width)
SHORT_TEXT_MAX = 200   # an allergy's substance or reaction, a medicine
NOTES_MAX = 4000       # free-text history notes
ADDRESS_MAX = 400      # a patient's address, all lines: four lines of an envelope with room to spare
ADDRESS_LINES_MAX = 6
PHONE_MAX = 32         # "+44 (0)20 7946 0958" is 19 characters; E.164 allows 15 digits
_PHONE = re.compile(r"^[0-9 +()\-]+$")
P = TypeVar("P", bound=PatientDetails)  # a new patient's details, or a registered Patient
_JOINERS = {"\u200c", "\u200d"}  # ZWNJ, ZWJ: part of how Persian, Indic and other scripts write names


def _bad_character(text: str, keep_newlines: bool = False) -> str | None:
    for ch in text:
        if keep_newlines and ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cs", "Cn") or (
                unicodedata.category(ch) == "Cf" and ch not in _JOINERS):
            return ch
    return None


def one_line(value: str, *, field: str, label: str, max_chars: int, required: bool = True) -> str:
    """`value` trimmed, NFC, inner whitespace collapsed; InputError(field) naming `label` when it is blank (and
    required), too long, or holds a character that cannot be stored."""
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        if required:
            raise InputError(field, f"Enter the {label}.")
        return text
    bad = _bad_character(text)
    if bad is not None:
        raise InputError(field, f"The {label} contains a hidden or control character (U+{ord(bad):04X}) that "
                                "cannot be stored; retype it.")
    if len(text) > max_chars:
        raise InputError(field, f"The {label} can be at most {max_chars} characters; this one has {len(text)}.")
    return text


def free_text(value: str, *, field: str, label: str, max_chars: int) -> str:
    """Notes that may span lines: trimmed and NFC, line breaks kept; the same characters refused."""
    text = unicodedata.normalize("NFC", value).strip()
    bad = _bad_character(text, keep_newlines=True)
    if bad is not None:
        raise InputError(field, f"The {label} contains a hidden or control character (U+{ord(bad):04X}) that "
                                "cannot be stored; retype it.")
    if len(text) > max_chars:
        raise InputError(field, f"The {label} can be at most {max_chars} characters; this one has {len(text)}.")
    return text


def clean_patient(p: P) -> P:
    """The patient with every text field checked and normalised (store.patients.add and store.patients.update)."""
    allergies = tuple(
        Allergy(one_line(a.substance, field="allergies", label="allergy's substance", max_chars=SHORT_TEXT_MAX),
                one_line(a.reaction, field="allergies", label="allergy's reaction", max_chars=SHORT_TEXT_MAX,
                         required=False))
        for a in p.allergies)
    medicines = tuple(m for m in (one_line(m, field="medicines", label="medicine", max_chars=SHORT_TEXT_MAX,
                                           required=False) for m in p.medicines) if m)
    return dataclasses.replace(
        p,
        mrn=one_line(p.mrn, field="mrn", label="patient's MRN (medical record number)", max_chars=MRN_MAX),
        family_name=one_line(p.family_name, field="family_name", label="patient's family name",
                             max_chars=PERSON_NAME_MAX),
        given_name=one_line(p.given_name, field="given_name", label="patient's given name",
                            max_chars=PERSON_NAME_MAX),
        sex=clean_sex(p.sex), allergies=allergies, medicines=medicines,
        history_notes=free_text(p.history_notes, field="history_notes", label="history notes",
                                max_chars=NOTES_MAX),
        address=clean_address(p.address), phone=clean_phone(p.phone))


def phone_problem(text: str) -> str | None:
    """Why `text` is not a phone number, one sentence for the nurse; None when it is one or is empty (not known).
    Digits with the punctuation people write in one; a letter or an extension word is refused, never dropped."""
    shown = " ".join(text.split())
    if not shown:
        return None
    if len(shown) > PHONE_MAX:
        return f"The phone number can be at most {PHONE_MAX} characters; this one has {len(shown)}."
    if not _PHONE.match(shown):
        return (f'The phone number "{shown}" may hold only digits, spaces, + ( ) and -; type it as '
                "+44 20 7946 0958 or (555) 010-0199.")
    if not any(ch.isdigit() for ch in shown):
        return f'The phone number "{shown}" has no digits; type the number, or leave it empty.'
    return None


def clean_phone(text: str) -> str:
    """The phone number with its spaces collapsed; InputError("phone") saying what is wrong."""
    problem = phone_problem(text)
    if problem:
        raise InputError("phone", problem)
    return " ".join(text.split())


def clean_address(text: str) -> str:
    """The address as the clinic writes it (street lines, city, postcode), nothing parsed: each line trimmed with
    its spaces collapsed, blank lines dropped; InputError("address") for a hidden character or too much text."""
    unified = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    checked = free_text(unified, field="address", label="address", max_chars=ADDRESS_MAX)
    lines = [line for line in (" ".join(raw.split()) for raw in checked.split("\n")) if line]
    if len(lines) > ADDRESS_LINES_MAX:
        raise InputError("address", f"The address can have at most {ADDRESS_LINES_MAX} lines; this one has "
                                    f"{len(lines)}.")
    return "\n".join(lines)


PATIENT_SEXES = tuple(x.value for x in Sex)  # Patient.sex: the words the record knows (the form's Sex choice)


def clean_sex(sex: str) -> Sex:
    """One of the four words (any case), so every stored patient reads back; "F" or "" is refused, never
    guessed."""
    try:
        return Sex(sex)
    except ValueError:
        words = ", ".join(x.value for x in Sex)
        raise InputError("sex", f'The sex "{sex}" is not one the records know; choose {words}.') from None


def birth_date_problem(dob: date, today: date) -> str | None:
    """A birth after today is a mistyped year (the patient form and the import both ask this)."""
    return f"Date of birth {dob:%d %b %Y} is after today; check the year." if dob > today else None


def allergy_claim_problem(no_known_allergies: bool, allergies_listed: bool) -> str | None:
    """Allergies listed while "no known allergies" is claimed: the record must say one or the other."""
    if no_known_allergies and allergies_listed:
        return 'Allergies are listed and "No known allergies" is ticked; keep one.'
    return None


def check_patient_facts(p: PatientDetails, today: date) -> None:
    """What a registration must not claim, as the patient form refuses it: a birth after today, allergies listed
    with "no known allergies", a sex the record does not know. InputError naming the field."""
    born = birth_date_problem(p.date_of_birth, today)
    if born:
        raise InputError("date_of_birth", born)
    claim = allergy_claim_problem(p.no_known_allergies, bool(p.allergies))
    if claim:
        raise InputError("allergies", claim)
    clean_sex(p.sex)


def clean_full_name(full_name: str) -> str:
    return one_line(full_name, field="full_name", label="person's full name", max_chars=PERSON_NAME_MAX)


def clean_credentials(credentials: str) -> str:
    return one_line(credentials, field="credentials", label="credentials", max_chars=CREDENTIALS_MAX,
                    required=False)


def clean_user(username: str, full_name: str, credentials: str) -> tuple[str, str, str]:
    """(user name lower-cased, full name, credentials) checked and normalised, for a new user."""
    name = one_line(username, field="username", label="user name", max_chars=USERNAME_MAX).lower()
    if " " in name:
        raise InputError("username", "A user name cannot contain spaces; use a dot or a hyphen instead.")
    return name, clean_full_name(full_name), clean_credentials(credentials)


def clean_clinic(clinic: Clinic) -> Clinic:
    """The clinic profile checked (store.clinic.setup and store.clinic.update): a name, and a time zone that exists,
    since every time on every screen and note is shown in it."""
    try:
        zone = zone_named(clinic.timezone).key
    except DomainError as exc:
        raise InputError("timezone", str(exc)) from None
    return dataclasses.replace(
        clinic,
        name=one_line(clinic.name, field="name", label="clinic's name", max_chars=SHORT_TEXT_MAX),
        address=free_text(clinic.address, field="address", label="clinic's address", max_chars=SHORT_TEXT_MAX * 2),
        phone=one_line(clinic.phone, field="phone", label="clinic's phone", max_chars=SHORT_TEXT_MAX, required=False),
        hours=one_line(clinic.hours, field="hours", label="clinic's hours", max_chars=SHORT_TEXT_MAX, required=False),
        timezone=zone,
        tax_id=one_line(clinic.tax_id, field="tax_id", label="clinic's tax id", max_chars=32, required=False),
        provider_name=one_line(clinic.provider_name, field="provider_name", label="billing provider's name",
                               max_chars=SHORT_TEXT_MAX, required=False),
        npi=_clean_npi(clinic.npi))


def _clean_npi(text: str) -> str:
    """Empty (no superbills yet) or a National Provider Identifier with a correct CMS check digit."""
    from infusiondesk.billing.npi import npi_problem

    npi = one_line(text, field="npi", label="NPI", max_chars=32, required=False).replace(" ", "")
    problem = npi_problem(npi) if npi else None
    if problem is not None:
        raise InputError("npi", problem)
    return npi
