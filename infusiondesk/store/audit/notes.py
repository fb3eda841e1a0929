"""Signed notes against their records, for `audit verify`: every signed visit has its notes, and each note is
the one that was stored for that visit and patient, of a visit that has not changed since.

At storing, the note's audit entry records its SHA-256, visit, patient, MRN, version and a hash of the signed
visit as it was (`signed_visit_hash`: everything but the addenda, which a signed visit may still gain). A
checkpoint made right after anchors that entry, so a swapped PDF, a note moved to another visit, or a visit
edited after signing no longer matches what the anchored trail says, even when the rest of the chain was
recomputed. The patient's MRN and visit id printed into the PDF's title are compared as well.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from infusiondesk.store.codec import to_plain

SIGNED = "signed"
_TITLE = re.compile(rb"/Title\s*\(((?:\\.|[^\\)])*)\)", re.DOTALL)
_IDENTITY = re.compile(r"MRN (.+) visit (\d+) v(\d+)$")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def signed_visit_hash(row: Mapping[Any, Any]) -> str:
    """The hash of what a signature freezes in a visit row: every field but the addenda and the row version."""
    doc = orjson.loads(row["content"])
    doc.pop("addenda", None)
    doc.update(id=row["id"], patient_id=row["patient_id"], status=row["status"],
               created_at=to_plain(row["created_at"]), started_at=to_plain(row["started_at"]))
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


def signed_versions(content: str) -> int:
    """How many note versions a signed visit's record calls for: 1, plus one per signed addendum."""
    if '"addenda":[]' in content:  # the usual case, without parsing the record (the store writes compact JSON)
        return 1
    doc = json.loads(content)
    return 1 + sum(1 for a in doc.get("addenda") or () if a.get("signature"))


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i:i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        nxt = raw[i + 1:i + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def pdf_identity(pdf: bytes) -> tuple[str, int, int] | None:
    """(MRN, visit id, version) from the note's PDF title ("Visit note … MRN X visit 12 v1"), None if absent."""
    titles = [m.group(1) for m in _TITLE.finditer(pdf)]
    if not titles:
        return None
    raw = _unescape(titles[-1])
    text = raw[2:].decode("utf-16-be", "replace") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")
    found = _IDENTITY.search(text)
    return (found.group(1), int(found.group(2)), int(found.group(3))) if found else None


@dataclass
class NoteChecks:
    """Fed the trail's signed-note entries, then the patients, visits and notes as stored; lists what disagrees."""

    problems: list[tuple[int | None, str]] = field(default_factory=list)
    notes_checked: int = 0
    _stored: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _mrn: dict[int, str] = field(default_factory=dict)
    _visit_patient: dict[int, int] = field(default_factory=dict)
    _noted: set[int] = field(default_factory=set)  # visits the trail says have notes
    _hash: dict[int, str] = field(default_factory=dict)  # signed_visit_hash of those visits
    _signed: dict[int, int] = field(default_factory=dict)  # signed visit -> note versions its record calls for
    _versions: dict[int, set[int]] = field(default_factory=dict)

    def _flag(self, entry_id: int | None, message: str) -> None:
        self.problems.append((entry_id, message))

    def entry(self, entry_id: int, event: str, record_id: int, detail: str) -> None:
        """An audit entry about a signed_notes row: the first stores it; a stored note never changes after."""
        if record_id in self._stored:
            self._flag(entry_id, f"audit entry {entry_id} ({event}) changes signed note #{record_id}, but a "
                                 "stored signed note is never changed.")
            return
        parsed = json.loads(detail)
        parsed = parsed if isinstance(parsed, dict) else {}
        self._stored[record_id] = (entry_id, parsed)
        if isinstance(parsed.get("visit_id"), int):
            self._noted.add(parsed["visit_id"])

    def patient(self, row: Mapping[Any, Any]) -> None:
        self._mrn[row["id"]] = row["mrn"]

    def visit(self, row: Mapping[Any, Any]) -> None:
        self._visit_patient[row["id"]] = row["patient_id"]
        if row["status"] == SIGNED:
            self._signed[row["id"]] = signed_versions(row["content"])
        if row["id"] in self._noted:
            self._hash[row["id"]] = signed_visit_hash(row)

    def note(self, row: Mapping[Any, Any]) -> None:
        self.notes_checked += 1
        note_id, visit_id, version = row["id"], row["visit_id"], row["version"]
        pdf = bytes(row["pdf"])
        digest = hashlib.sha256(pdf).hexdigest()
        what = f"signed note #{note_id} (visit #{visit_id} version {version})"
        self._versions.setdefault(visit_id, set()).add(version)
        if digest != row["sha256"]:
            self._flag(None, f"{what}: its PDF does not match the SHA-256 stored beside it.")
        patient_id = self._visit_patient.get(visit_id)
        if patient_id is None:
            self._flag(None, f"{what} belongs to a visit that does not exist.")
        stored = self._stored.get(note_id)
        if stored is None:
            self._flag(None, f"{what} has no audit entry of its storing: it was added outside the app.")
        else:
            self._against_entry(what, stored, digest, visit_id, version, patient_id)
        identity = pdf_identity(pdf)
        if identity is not None and patient_id is not None:
            mrn, pdf_visit, pdf_version = identity
            # A note carried between a laptop and the clinic prints the visit id of the side that signed it; its
            # storing entry here records that id (infusiondesk.store.sync_notes).
            origin = stored[1].get("pdf_visit_id") if stored is not None else None
            if pdf_visit not in (visit_id, origin) or mrn != self._mrn.get(patient_id):
                self._flag(None, f"{what}: the PDF is the note of visit #{pdf_visit} (MRN {mrn}), not of visit "
                                 f"#{visit_id} (MRN {self._mrn.get(patient_id)}).")
            elif pdf_version != version:
                self._flag(None, f"{what}: the PDF is version {pdf_version} of that visit's note.")

    def _against_entry(self, what: str, stored: tuple[int, dict[str, Any]], digest: str, visit_id: int,
                       version: int, patient_id: int | None) -> None:
        entry_id, detail = stored
        if "sha256" not in detail:
            return  # stored before signed-note entries recorded their hash: nothing to compare
        said = f"audit entry {entry_id} recorded"
        if detail["sha256"] != digest:
            self._flag(entry_id, f"{what} is not the note that was stored: its SHA-256 differs from the one {said}.")
        if (detail.get("visit_id"), detail.get("version")) != (visit_id, version):
            self._flag(entry_id, f"{what} was stored as visit #{detail.get('visit_id')} version "
                                 f"{detail.get('version')} ({said} it).")
        if patient_id is not None and detail.get("patient_id") != patient_id:
            self._flag(entry_id, f"{what} was stored for patient #{detail.get('patient_id')}, but visit "
                                 f"#{visit_id} is patient #{patient_id}'s ({said} it).")
        if detail.get("signed_visit_sha256") not in (None, self._hash.get(visit_id, detail["signed_visit_sha256"])):
            self._flag(entry_id, f"visit #{visit_id} was changed after it was signed: it no longer matches what "
                                 f"{said} when its signed note version {version} was stored.")

    def finish(self) -> None:
        """Every signed visit must have a stored note for each version its record calls for."""
        for visit_id, versions in sorted(self._signed.items()):
            missing = sorted(set(range(1, versions + 1)) - self._versions.get(visit_id, set()))
            if missing:
                listed = ", ".join(str(v) for v in missing)
                self._flag(None, f"visit #{visit_id} is signed but its signed note (version {listed}) is missing.")
