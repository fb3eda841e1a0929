"""What an import found: the rows it would write, the rows it refuses (row, field, reason in words) and the
messages it does not handle. The same report for a CSV file and an HL7 file, for the CLI and the admin screen."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from infusiondesk.records.models import Patient, PatientDetails


class Action(StrEnum):
    CREATE = "create"  # a new patient (a CSV row, an HL7 A04)
    UPDATE = "update"  # an existing patient found by MRN (an HL7 A08)


@dataclass(frozen=True)
class Rejection:
    """A row (a CSV record, an HL7 message) that is not imported, and why, in one sentence naming the field."""

    row: int
    field: str
    reason: str
    duplicate: bool = False  # the MRN is met twice (earlier in the file, or already in the database)

    def line(self) -> str:
        return f"row {self.row}, {self.field}: {self.reason}"


@dataclass(frozen=True)
class Accepted:
    """A row that passed every check: the patient to create (details, not yet registered), or for an update the
    registered `Patient` as updated, once `writing.check_against_database` has found it by MRN."""

    row: int
    patient: PatientDetails | Patient
    action: Action = Action.CREATE
    found: Patient | None = None  # an update's patient as read from the database (its changes are written over it)


@dataclass(frozen=True)
class ImportReport:
    """One file checked (and, when `committed`, written). Row numbers count records from 1, the CSV header being
    row 1 and an HL7 file's first message being row 1."""

    source: str        # the file's name, as audited
    sha256: str        # of the file's bytes, as audited
    kind: str          # "csv" | "hl7"
    rows: int          # records read (not counting a CSV header)
    accepted: tuple[Accepted, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    skipped: tuple[Rejection, ...] = ()  # HL7 messages of a type the import does not handle
    committed: bool = False
    written: int = 0   # rows written, when committed
    notes: tuple[str, ...] = field(default=())  # what the import read but does not keep (an HL7 phone number)

    @property
    def creates(self) -> int:
        return sum(1 for a in self.accepted if a.action is Action.CREATE)

    @property
    def updates(self) -> int:
        return sum(1 for a in self.accepted if a.action is Action.UPDATE)

    @property
    def duplicates(self) -> tuple[Rejection, ...]:
        """The rejections for an MRN met twice: earlier in the file, or already in the database."""
        return tuple(r for r in self.rejected if r.duplicate)

    def summary(self, how_to_write: str = "") -> str:
        """One line: what was read, what is (or would be) written, what is refused. `how_to_write` tells a dry
        run's reader how to write it ("--commit" for the CLI)."""
        how = f", {how_to_write}" if how_to_write else ""
        verb = "imported" if self.committed else f"would import (a check only: nothing written{how})"
        done = self.written if self.committed else len(self.accepted)
        what = f"{done} patient(s)"
        if self.updates:
            created = self.creates if not self.committed else done - self.updates
            what = f"{done} patient(s): {created} new, {self.updates} updated"
        skipped = f", skipped {len(self.skipped)} message(s) of other types" if self.skipped else ""
        unit = "message(s)" if self.kind == "hl7" else "row(s)"
        return (f"{self.source}: read {self.rows} {unit}; {verb} {what}; rejected {len(self.rejected)} "
                f"{unit}{skipped}.")

    def lines(self, how_to_write: str = "") -> list[str]:
        """The summary, then one line per rejected row and per skipped message, in row order."""
        out = [self.summary(how_to_write)]
        out += [r.line() for r in sorted((*self.rejected, *self.skipped), key=lambda r: r.row)]
        out += list(self.notes)
        return out


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
