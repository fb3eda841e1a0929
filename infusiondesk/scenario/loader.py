"""Read and check a scenario file as a whole before anything runs: every unknown key (with a suggestion), every
missing user, patient or visit, every value that cannot be read, reported together in one `ScenarioError`.

What the visit service itself judges (a dose's text, an alert action, a screening answer's value) is left to it,
so the run shows the sentence the app would show.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from infusiondesk.errors import DomainError
from infusiondesk.records.models import Clinic, Role
from infusiondesk.scenario import fields as f

TOP_KEYS = ("clinic", "library", "users", "patients", "steps", "comment")
CLINIC_KEYS = {"name": f.nonempty_text, "time_zone": f.nonempty_text, "address": f.text, "phone": f.text,
               "hours": f.text}
USER_KEYS = {"username": f.nonempty_text, "name": f.nonempty_text, "role": f.choice("nurse", "clinician", "admin"),
             "credentials": f.text}
ADMIN_USERNAME = "admin"  # the clinic admin the runner creates; `as` of the admin steps by default


class ScenarioError(DomainError):
    """A scenario file that cannot run; `problems` lists every one found, the message joins them."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source} is not a valid scenario file: " + "; ".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class UserSpec:
    username: str
    name: str
    role: Role
    credentials: str = ""


@dataclass(frozen=True)
class PatientSpec:
    """A patient as the file gives it: read values by the file's key names (see fields.PATIENT_FIELDS)."""

    mrn: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class StepSpec:
    index: int  # 1-based, as the output numbers steps
    do: str
    at: datetime
    actor: str  # a username
    visit: str | None
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    clinic: Clinic
    library: Path | None
    users: tuple[UserSpec, ...]
    patients: tuple[PatientSpec, ...]
    steps: tuple[StepSpec, ...]


def load_scenario(path: Path | str) -> Scenario:
    """Read a scenario file; a library path in it is relative to the file."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(str(p), [f"cannot be read ({exc.strerror or exc})"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(str(p), [f"is not JSON ({exc})"]) from None
    return parse_scenario(data, source=str(p), base=p.parent)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def keys(self, where: str, obj: Mapping[str, Any], allowed: tuple[str, ...] | Mapping[str, Any]) -> None:
        for key in obj:
            if key not in allowed:
                self.add(where, f'unknown key "{key}"{f.suggest(key, list(allowed))}')

    def read(self, where: str, key: str, reader: f.Reader, raw: Any) -> Any:
        try:
            return reader(raw)
        except f.Bad as exc:
            self.add(where, f"{key} {exc}")
            return None


def parse_scenario(data: Any, *, source: str = "scenario", base: Path | None = None) -> Scenario:
    """Check the whole parsed file and return it typed, or raise ScenarioError with every problem."""
    c = _Checker()
    if not isinstance(data, dict):
        raise ScenarioError(source, ["must be a JSON object with clinic, users, patients and steps"])
    c.keys("file", data, TOP_KEYS)
    clinic = _clinic(c, data.get("clinic"))
    library = None
    if data.get("library") is not None:
        lib = c.read("file", "library", f.nonempty_text, data["library"])
        if lib is not None:
            library = (base or Path.cwd()) / lib
            if not library.is_file():
                c.add("file", f"library {library} does not exist")
    users = _users(c, data.get("users", []))
    patients = _patients(c, data.get("patients", []))
    zone = _zone(clinic)
    steps = _steps(c, data.get("steps"), {u.username: u for u in users}, {p.mrn for p in patients}, zone)
    if c.problems:
        raise ScenarioError(source, c.problems)
    return Scenario(clinic, library, users, patients, steps)


def _zone(clinic: Clinic) -> ZoneInfo | None:
    try:
        return ZoneInfo(clinic.timezone)
    except Exception:
        return None


def _clinic(c: _Checker, raw: Any) -> Clinic:
    if not isinstance(raw, dict):
        c.add("clinic", 'must be an object such as {"name": "…", "time_zone": "Europe/Dublin"}')
        return Clinic(name="?")
    c.keys("clinic", raw, CLINIC_KEYS)
    values = {k: c.read("clinic", k, CLINIC_KEYS[k], v) for k, v in raw.items() if k in CLINIC_KEYS}
    if "name" not in raw:
        c.add("clinic", "name is missing")
    zone = values.get("time_zone") or "UTC"
    try:
        ZoneInfo(zone)
    except Exception:
        c.add("clinic", f'time_zone "{zone}" is not an IANA time zone such as "Europe/Dublin"')
    return Clinic(name=values.get("name") or "?", address=values.get("address") or "",
                  phone=values.get("phone") or "", hours=values.get("hours") or "", timezone=zone)


def _users(c: _Checker, raw: Any) -> tuple[UserSpec, ...]:
    if not isinstance(raw, list):
        c.add("users", "must be a list")
        return ()
    out: list[UserSpec] = []
    for i, u in enumerate(raw):
        where = f"users[{i}]"
        if not isinstance(u, dict):
            c.add(where, "must be an object {username, name, role}")
            continue
        c.keys(where, u, USER_KEYS)
        missing = [k for k in ("username", "name", "role") if k not in u]
        if missing:
            c.add(where, f"{', '.join(missing)} missing")
            continue
        v = {k: c.read(where, k, USER_KEYS[k], raw_v) for k, raw_v in u.items() if k in USER_KEYS}
        if None in (v.get("username"), v.get("name"), v.get("role")):
            continue
        username = str(v["username"]).lower()
        if username == ADMIN_USERNAME or username in {x.username for x in out}:
            c.add(where, f'user name "{username}" is taken' + (" (the runner's clinic admin)"
                                                                 if username == ADMIN_USERNAME else ""))
            continue
        out.append(UserSpec(username, v["name"], Role(v["role"]), v.get("credentials") or ""))
    return tuple(out)


def _patients(c: _Checker, raw: Any) -> tuple[PatientSpec, ...]:
    if not isinstance(raw, list):
        c.add("patients", "must be a list")
        return ()
    out: list[PatientSpec] = []
    for i, p in enumerate(raw):
        where = f"patients[{i}]"
        if not isinstance(p, dict):
            c.add(where, "must be an object {mrn, family, given, born, …}")
            continue
        c.keys(where, p, f.PATIENT_FIELDS)
        missing = [k for k in f.PATIENT_REQUIRED if k not in p]
        if missing:
            c.add(where, f"{', '.join(missing)} missing")
        values = {k: c.read(where, k, f.PATIENT_FIELDS[k], v) for k, v in p.items() if k in f.PATIENT_FIELDS}
        mrn = values.get("mrn")
        if mrn is None:
            continue
        if mrn in {x.mrn for x in out}:
            c.add(where, f'MRN "{mrn}" is used twice')
            continue
        out.append(PatientSpec(mrn, values))
    return tuple(out)


def _when(c: _Checker, where: str, raw: Any, previous: datetime | None, zone: ZoneInfo | None) -> datetime | None:
    if raw is None:
        if previous is None:
            c.add(where, 'the first step needs "at" (later steps default to one minute after the previous one)')
            return None
        return previous + timedelta(minutes=1)
    try:
        at = datetime.fromisoformat(f.text(raw))
    except (f.Bad, ValueError):
        c.add(where, f'at {raw!r} is not a time such as "2026-03-02T09:00:00+00:00"')
        return None
    if at.tzinfo is None:  # a time without an offset is the clinic's local time
        if zone is None:
            return None
        at = at.replace(tzinfo=zone)
    if previous is not None and at < previous:
        c.add(where, f"at {raw} is before the previous step; steps run in time order")
    return at


def _steps(c: _Checker, raw: Any, users: Mapping[str, UserSpec], mrns: set[str],
           zone: ZoneInfo | None) -> tuple[StepSpec, ...]:
    if not isinstance(raw, list) or not raw:
        c.add("steps", "must be a list with at least one step")
        return ()
    out: list[StepSpec] = []
    visits: set[str] = set()
    previous: datetime | None = None
    for i, s in enumerate(raw, start=1):
        where = f"steps[{i}]"
        if not isinstance(s, dict):
            c.add(where, 'must be an object such as {"do": "start", "as": "nina", "visit": "v1"}')
            continue
        do = s.get("do")
        if not isinstance(do, str) or do not in f.STEPS:
            c.add(where, f'"do" {json.dumps(do)} is not a step{f.suggest(str(do), f.STEPS)}' if do is not None
                  else '"do" is missing')
            continue
        where = f"steps[{i}] ({do})"
        c.keys(where, s, f.allowed_keys(do))
        required, optional = f.STEPS[do]
        for key in required:
            if key not in s:
                c.add(where, f"{key} is missing")
        values = {k: c.read(where, k, {**required, **optional}[k], v) for k, v in s.items()
                  if k in required or k in optional}
        at = _when(c, where, s.get("at"), previous, zone)
        previous = at or previous
        actor = s.get("as")
        if actor is None and do in f.ADMIN_STEPS:
            actor = ADMIN_USERNAME
        if not isinstance(actor, str):
            c.add(where, '"as" (the user name who acts) is missing')
        elif actor.lower() not in users and actor.lower() != ADMIN_USERNAME:
            c.add(where, f'user "{actor}" is not in users{f.suggest(actor, list(users))}')
        visit = s.get("visit")
        if do not in f.NO_VISIT:
            if not isinstance(visit, str) or not visit:
                c.add(where, '"visit" (the name of the visit) is missing')
            elif do == "new_visit":
                if visit in visits:
                    c.add(where, f'visit "{visit}" is already opened by an earlier step')
                visits.add(visit)
            elif visit not in visits:
                c.add(where, f'visit "{visit}" is not opened by an earlier new_visit step'
                      f"{f.suggest(visit, sorted(visits))}")
        patient = values.get("patient")
        if patient is not None and patient not in mrns:
            c.add(where, f'patient "{patient}" is not in patients{f.suggest(patient, sorted(mrns))}')
        if at is not None and isinstance(actor, str):
            out.append(StepSpec(i, do, at, actor.lower(), visit if isinstance(visit, str) else None, values))
    return tuple(out)
