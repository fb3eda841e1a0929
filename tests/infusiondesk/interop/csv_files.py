"""Patient CSV files for the import tests: many good rows, and bad rows of each kind at known row numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

HEADER = ("mrn", "family_name", "given_name", "date_of_birth", "sex", "weight_kg", "allergies",
          "no_known_allergies", "renal_status")


def good_row(i: int) -> dict[str, str]:
    return {"mrn": f"IMP{i:06d}", "family_name": f"Family{i}", "given_name": "Alex",
            "date_of_birth": f"{1940 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}", "sex": "female" if i % 2 else "male",
            "weight_kg": f"{50 + i % 50}.5", "allergies": "penicillin (rash)" if i % 7 == 0 else "",
            "no_known_allergies": "" if i % 7 == 0 else "yes", "renal_status": "normal"}


def to_csv(rows: Sequence[Mapping[str, str] | Sequence[str]], header: Sequence[str] = HEADER) -> bytes:
    """The file; a row given as a list of cells is written as it is (a row with a cell missing)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header] if isinstance(row, Mapping) else row)
    return out.getvalue().encode("utf-8")


IN_DATABASE = ("IMP000100", "IMP004000")  # the tests register these before importing


def clinic_file(n: int = 5000) -> tuple[bytes, dict[int, str]]:
    """`n` patients, 20 of them wrong in 20 ways: the file and {row number: the field the report must name}
    (row numbers as a spreadsheet shows them: the header is row 1, patient i is row i + 2)."""
    rows: list[dict[str, str] | list[str]] = [good_row(i) for i in range(n)]
    bad: dict[int, str] = {}

    def spoil(i: int, field: str, **cells: str) -> None:
        row = rows[i]
        assert isinstance(row, dict)
        row.update(cells)
        bad[i + 2] = field

    spoil(17, "date_of_birth", date_of_birth="03/04/1980")      # day or month first? refused, never guessed
    spoil(250, "date_of_birth", date_of_birth="1980-02-30")
    spoil(400, "date_of_birth", date_of_birth="2031-06-01")     # after today
    spoil(555, "date_of_birth", date_of_birth="80-04-03")
    spoil(640, "date_of_birth", date_of_birth="")
    spoil(800, "mrn", mrn="")
    spoil(900, "mrn", mrn="IMP000003")                         # also on row 5 of the file
    spoil(4999, "mrn", mrn="IMP002500")                        # also on row 2502
    spoil(100, "mrn")                                          # IN_DATABASE
    spoil(4000, "mrn")                                         # IN_DATABASE
    spoil(1200, "sex", sex="X")
    spoil(1300, "family_name", family_name="A" * 101)
    spoil(1400, "family_name", family_name="Smith\x1b[2J")
    spoil(1500, "given_name", given_name="  ")
    spoil(1600, "weight_kg", weight_kg="seventy")
    spoil(1700, "weight_kg", weight_kg="-3")
    spoil(1800, "no_known_allergies", no_known_allergies="maybe")
    spoil(1900, "renal_status", renal_status="fine")
    spoil(2000, "allergies", allergies="latex", no_known_allergies="yes")
    rows[3000] = list(good_row(3000).values())[:-1]            # a cell missing
    bad[3002] = "row"
    assert len(bad) == 20
    return to_csv(rows), bad
