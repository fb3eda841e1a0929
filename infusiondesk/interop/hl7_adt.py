"""HL7 v2 ADT messages from a file read into the same ImportReport as a CSV file: an A04 (register a patient)
creates, an A08 (update patient information) updates the patient of the MRN, any other message is reported and
skipped. Segments may end in \\r, \\n or \\r\\n; every MSH segment starts a message. The fields read, into the
same checks as a CSV row (`patient_fields`): PID-3 (MRN: the identifier of type MR, else the first), PID-5
(family^given), PID-7 (birth date, YYYYMMDD), PID-8 (sex: F, M, O, U, A, N), PID-11 (home address) and PID-13
(phone; `hl7_contact` reads both). Parsing is hl7apy's, imported when a file is read."""

from __future__ import annotations

from datetime import date
from typing import Any

from infusiondesk.errors import InputError
from infusiondesk.interop.hl7_contact import contact
from infusiondesk.interop.patient_import import ImportFileError, decode, sort_rows
from infusiondesk.interop.report import Action, ImportReport, Rejection, file_digest

HANDLED = {"A04": Action.CREATE, "A08": Action.UPDATE}
_SEX = {"F": "female", "M": "male", "O": "other", "A": "other", "N": "other", "U": "unknown", "": "unknown"}
EXTENSION_NOTE = ("A PID-13 extension (XTN-8) was read but not kept: the patient record keeps the number to dial, "
                  "without an extension.")


def split_messages(text: str) -> list[str]:
    """The file's messages, each with its segments joined by \\r (MLLP framing characters dropped)."""
    text = text.replace("\x0b", "").replace("\x1c", "")
    segments = [s.strip() for s in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if s.strip()]
    if not segments:
        return []
    if not segments[0].startswith("MSH"):
        raise ImportFileError("The file does not start with an MSH segment, so it is not a file of HL7 v2 "
                              "messages.")
    messages: list[list[str]] = []
    for segment in segments:
        if segment.startswith("MSH"):
            messages.append([])
        messages[-1].append(segment)
    return ["\r".join(m) for m in messages]


def _text(element: Any) -> str:
    return str(element.to_er7()).strip() if element is not None else ""


def _field(segment: Any, name: str) -> list[Any]:
    """The repetitions of a field, none when the message leaves it out."""
    try:
        return list(getattr(segment, name))
    except (AttributeError, IndexError, LookupError):
        return []


def _mrn(pid: Any) -> str:
    ids = _field(pid, "pid_3")
    for rep in ids:
        if _text(rep.cx_5) == "MR":
            return _text(rep.cx_1)
    return _text(ids[0].cx_1) if ids else ""


def _birth_date(text: str) -> str:
    """PID-7 (YYYYMMDD, maybe a time after it) as year-month-day for the shared date check."""
    if not text:
        return ""
    digits = text[:8]
    if len(digits) != 8 or not digits.isdigit():
        raise InputError("date_of_birth", f'PID-7 "{text}" is not a birth date written YYYYMMDD (19800403).')
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"


def message_cells(er7: str) -> tuple[str, dict[str, str], bool]:
    """(the trigger event, the patient's cells, whether a phone extension was left out) of one message; InputError
    naming the field when it cannot be read."""
    from hl7apy.consts import VALIDATION_LEVEL
    from hl7apy.exceptions import HL7apyException
    from hl7apy.parser import parse_message

    try:
        message = parse_message(er7, find_groups=False, validation_level=VALIDATION_LEVEL.TOLERANT)
    except (HL7apyException, ValueError, LookupError) as exc:
        raise InputError("message", f"cannot be read as an HL7 v2 message ({exc}).") from None
    kind = (_text(message.msh.msh_9.msh_9_1), _text(message.msh.msh_9.msh_9_2))
    if kind[0] != "ADT" or kind[1] not in HANDLED:
        return "^".join(kind), {}, False
    pids = [s for s in message.children if s.name == "PID"]
    if not pids:
        raise InputError("message", f"{kind[0]}^{kind[1]} has no PID segment, so there is no patient in it.")
    pid = pids[0]
    names = _field(pid, "pid_5")
    sex_code = _text(pid.pid_8).upper()
    if sex_code not in _SEX:
        raise InputError("sex", f'PID-8 "{sex_code}" is not an HL7 sex code (F, M, O, U, A, N).')
    cells = {"mrn": _mrn(pid), "family_name": _text(names[0].xpn_1) if names else "",
             "given_name": _text(names[0].xpn_2) if names else "",
             "date_of_birth": _birth_date(_text(pid.pid_7)), "sex": _SEX[sex_code]}
    found = contact(er7)
    cells.update(address=found.address, phone=found.phone)
    return kind[1], cells, found.extension_dropped


def read_adt_file(data: bytes, source: str, today: date) -> ImportReport:
    """The dry-run report of a file of ADT messages (before the database is consulted)."""
    messages = split_messages(decode(data, source))
    rows: list[tuple[int, Action, dict[str, str]]] = []
    rejected: list[Rejection] = []
    skipped: list[Rejection] = []
    extension = False
    for number, er7 in enumerate(messages, start=1):
        try:
            event, cells, dropped = message_cells(er7)
        except InputError as exc:
            rejected.append(Rejection(number, exc.field, exc.message))
            continue
        if event not in HANDLED:
            skipped.append(Rejection(number, "message_type", f"{event or 'no type'} is not imported (only ADT^A04 "
                                     "registrations and ADT^A08 updates); skipped."))
            continue
        extension = extension or dropped
        rows.append((number, HANDLED[event], cells))
    accepted, refused = sort_rows(rows, today)
    return ImportReport(source=source, sha256=file_digest(data), kind="hl7", rows=len(messages),
                        accepted=tuple(accepted), rejected=tuple(sorted((*rejected, *refused), key=lambda r: r.row)),
                        skipped=tuple(skipped), notes=(EXTENSION_NOTE,) if extension else ())
