"""A CSV file of patients read into an ImportReport: the header checked (unknown columns refused with a "did you
mean", missing required columns named), every record turned into a patient or a rejection naming its row and
field, and an MRN met twice in the file refused on its later rows. Nothing here touches the database: see
`infusiondesk.interop.writing` for the duplicates against it and for writing."""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterable
from datetime import date

from infusiondesk.errors import DomainError, InputError
from infusiondesk.interop.patient_fields import COLUMN_NAMES, REQUIRED, patient_from_fields
from infusiondesk.interop.report import Accepted, Action, ImportReport, Rejection, file_digest


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (not UTF-8 text, a header that is wrong): nothing is read from it."""


def decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{source} is not UTF-8 text (byte {exc.start + 1} cannot be read); save it as "
                              "UTF-8 (\"CSV UTF-8\" in a spreadsheet) and import it again.") from None


def check_header(header: list[str]) -> list[str]:
    """The header's column names, trimmed and lower-cased; ImportFileError listing every problem at once."""
    names = [h.strip().lower() for h in header]
    problems = []
    for name in names:
        if name and name not in COLUMN_NAMES:
            close = difflib.get_close_matches(name, COLUMN_NAMES, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            problems.append(f'unknown column "{name}"{hint}')
        elif not name:
            problems.append("a column has no name")
    for name in sorted({n for n in names if n and names.count(n) > 1}):
        problems.append(f'column "{name}" appears twice')
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        problems.append("missing required column(s): " + ", ".join(missing))
    if problems:
        raise ImportFileError("The header row cannot be imported: " + "; ".join(problems) + ". The columns are: "
                              + ", ".join(COLUMN_NAMES) + " (see README, \"Importing patients\").")
    return names


def sort_rows(rows: Iterable[tuple[int, Action, dict[str, str]]], today: date
              ) -> tuple[list[Accepted], list[Rejection]]:
    """Each (row, action, cells) checked into a patient or a rejection; a later row whose MRN an earlier row of
    the file already has is rejected (never merged), naming that earlier row."""
    accepted: list[Accepted] = []
    rejected: list[Rejection] = []
    first_row: dict[str, int] = {}
    for number, action, cells in rows:
        try:
            patient = patient_from_fields(cells, today)
        except InputError as exc:
            rejected.append(Rejection(number, exc.field, exc.message))
            continue
        earlier = first_row.setdefault(patient.mrn, number)
        if earlier != number:
            rejected.append(Rejection(number, "mrn", f"MRN {patient.mrn} is also on row {earlier} of this file; "
                                                     "this row is not imported (rows are never merged).",
                                      duplicate=True))
            continue
        accepted.append(Accepted(number, patient, action))
    return accepted, rejected


def read_patients_csv(data: bytes, source: str, today: date) -> ImportReport:
    """The dry-run report of a CSV file of patients (before the database is consulted)."""
    reader = csv.reader(io.StringIO(decode(data, source), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(f"{source} is empty; its first row must name the columns.") from None
    except csv.Error as exc:
        raise ImportFileError(f"{source} is not a CSV file the import can read ({exc}).") from None
    names = check_header(header)
    cells_of_rows: list[tuple[int, Action, dict[str, str]]] = []
    misshapen: list[Rejection] = []
    number = 1
    try:
        for record in reader:
            number += 1
            if not any(c.strip() for c in record):
                number -= 1  # a blank line (often the last) is no record
                continue
            if len(record) != len(names):
                misshapen.append(Rejection(number, "row", f"has {len(record)} cells where the header has "
                                                          f"{len(names)}; check for a missing or extra comma."))
                continue
            cells_of_rows.append((number, Action.CREATE, dict(zip(names, record, strict=True))))
    except csv.Error as exc:
        raise ImportFileError(f"{source}, row {number + 1}: the CSV cannot be read ({exc}); nothing was "
                              "imported.") from None
    accepted, rejected = sort_rows(cells_of_rows, today)
    return ImportReport(source=source, sha256=file_digest(data), kind="csv", rows=number - 1,
                        accepted=tuple(accepted),
                        rejected=tuple(sorted((*rejected, *misshapen), key=lambda r: r.row)))
