"""The columns an import reads, named as the Patient record names its fields, and one row of text turned into a
Patient with the same checks as the patient form and the store: `infusiondesk.validation` (names, MRN, sex,
allergies, a birth after today) and `infusiondesk.units.parse_date`. Dates must be year-month-day: a file has no
locale, so 03/04/1980 could be March or April and is refused."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from infusiondesk.errors import InputError
from infusiondesk.records.models import Allergy, PatientDetails, PregnancyStatus, RenalStatus, Sex
from infusiondesk.units import parse_date
from infusiondesk.validation import PATIENT_SEXES, check_patient_facts, clean_patient, clean_sex


@dataclass(frozen=True)
class Column:
    name: str      # the header, exactly as the Patient field is named
    required: bool
    accepted: str  # what a cell may hold, for the README and the refusals


_YES, _NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0", "")
_BOOL = "yes or no (also true/false, 1/0); empty is no"

COLUMNS: tuple[Column, ...] = (
    Column("mrn", True, "the clinic's medical record number, at most 64 characters"),
    Column("family_name", True, "at most 100 characters"),
    Column("given_name", True, "at most 100 characters"),
    Column("date_of_birth", True, "year-month-day, as 1980-04-03; not after today"),
    Column("sex", True, ", ".join(PATIENT_SEXES)),
    Column("weight_kg", False, "a number of kilograms, as 70.5; empty when not known"),
    Column("allergies", False, "separated by ';', a reaction in brackets: penicillin (rash); latex"),
    Column("no_known_allergies", False, _BOOL),
    Column("medicines", False, "separated by ';'"),
    Column("migraine_diagnosis", False, _BOOL),
    Column("egfr_ml_min", False, "eGFR or creatinine clearance in mL/min, as 90; empty when not known"),
    Column("renal_status", False, ", ".join(r.value for r in RenalStatus) + "; empty is unknown"),
    Column("heart_block", False, _BOOL),
    Column("myasthenia_gravis", False, _BOOL),
    Column("pregnancy", False, ", ".join(p.value for p in PregnancyStatus) + "; empty is unknown"),
    Column("history_notes", False, "free text, at most 4000 characters"),
    Column("address", False, "the home address, lines as the clinic writes them (a quoted cell may hold line "
                             "breaks); at most 400 characters"),
    Column("phone", False, "digits, spaces and + ( ) -, as +44 20 7946 0958; empty when not known"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED = tuple(c.name for c in COLUMNS if c.required)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def allergies_from_text(text: str) -> tuple[Allergy, ...]:
    """"penicillin (rash); latex" → the allergies (the format the patient form shows and reads)."""
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        if "(" in part and part.endswith(")"):
            substance, reaction = part[:-1].split("(", 1)
            out.append(Allergy(substance.strip(), reaction.strip()))
        else:
            out.append(Allergy(part))
    return tuple(out)


def iso_date(text: str, field: str) -> date:
    """A date written year-month-day; any other writing is refused with what is accepted."""
    shown = text.strip()
    if shown and not _ISO.match(shown):
        raise InputError(field, f'"{shown}" is not a year-month-day date; write dates as YYYY-MM-DD (1980-04-03): '
                                "a date such as 03/04/1980 could be March or April and is not guessed.")
    try:
        return parse_date(shown, field.replace("_", " "), day_first=False)
    except InputError as exc:
        said = exc.message.split("; enter ")[0]  # the parser's own rule names the clinic's typing order
        raise InputError(field, f"{said}; write dates as YYYY-MM-DD (1980-04-03).") from None


def _number(text: str, field: str) -> float | None:
    shown = text.strip()
    if not shown:
        return None
    try:
        value = float(shown)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise InputError(field, f'"{shown}" is not a positive number; write a number such as 70.5, or leave it '
                                "empty.")
    return value


def _flag(text: str, field: str) -> bool:
    shown = text.strip().lower()
    if shown in _YES:
        return True
    if shown in _NO:
        return False
    raise InputError(field, f'"{text.strip()}" is not yes or no; write yes or no (or leave it empty for no).')


def _choice(text: str, field: str, enum: type[RenalStatus] | type[PregnancyStatus]) -> str:
    shown = text.strip().lower().replace(" ", "_")
    if not shown:
        return "unknown"
    allowed = [m.value for m in enum]
    if shown not in allowed:
        raise InputError(field, f'"{text.strip()}" is not one of {", ".join(allowed)}.')
    return shown


def patient_from_fields(cells: Mapping[str, str], today: date) -> PatientDetails:
    """The patient a row describes (absent optional columns take the record's defaults), checked and normalised
    as the store will; InputError naming the first field at fault, in column order."""
    def cell(name: str) -> str:
        return cells.get(name) or ""

    # one at a time, in column order, so the refusal names the first field at fault
    mrn_name = clean_patient(PatientDetails(cell("mrn"), cell("family_name"), cell("given_name"), today,
                                            Sex.UNKNOWN))
    dob = iso_date(cell("date_of_birth"), "date_of_birth")
    sex = clean_sex(cell("sex"))
    weight = _number(cell("weight_kg"), "weight_kg")
    allergies = allergies_from_text(cell("allergies"))
    nka = _flag(cell("no_known_allergies"), "no_known_allergies")
    medicines = tuple(m for m in (x.strip() for x in cell("medicines").split(";")) if m)
    migraine = _flag(cell("migraine_diagnosis"), "migraine_diagnosis")
    egfr = _number(cell("egfr_ml_min"), "egfr_ml_min")
    renal = RenalStatus(_choice(cell("renal_status"), "renal_status", RenalStatus))
    heart_block = _flag(cell("heart_block"), "heart_block")
    myasthenia = _flag(cell("myasthenia_gravis"), "myasthenia_gravis")
    pregnancy = PregnancyStatus(_choice(cell("pregnancy"), "pregnancy", PregnancyStatus))
    patient = clean_patient(PatientDetails(
        mrn=mrn_name.mrn, family_name=mrn_name.family_name, given_name=mrn_name.given_name,
        date_of_birth=dob, sex=sex, weight_kg=weight, allergies=allergies, no_known_allergies=nka,
        medicines=medicines, migraine_diagnosis=migraine, egfr_ml_min=egfr, renal_status=renal,
        heart_block=heart_block, myasthenia_gravis=myasthenia, pregnancy=pregnancy,
        history_notes=cell("history_notes"), address=cell("address"), phone=cell("phone")))
    check_patient_facts(patient, today)
    return patient
