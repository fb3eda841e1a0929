"""Mobile visits: where the visit is (validated before it is recorded) and what a visit at a home or office
needs before the start beside the clinic's checklist (the items are data in readiness.toml, each cited)."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache

from infusiondesk.errors import LibraryError
from infusiondesk.records.location import MobileCover, VisitLocation, VisitSetting
from infusiondesk.records.models import Readiness, User, Visit, VisitStatus
from infusiondesk.resources import bundled
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.guards import ensure_editable, require_aware, require_charting

READINESS_FILE = bundled("infusiondesk.workflow", "readiness.toml")
_READINESS_FIELDS = frozenset(f.name for f in dataclasses.fields(Readiness) if f.type in ("bool", bool))


@dataclass(frozen=True)
class MobileItem:
    """One thing a mobile visit needs before the start: the Readiness field that records it, its words on the
    checklist, the sentence a refused start shows (for a cover item, the words "needs ..." ends with), and its
    source."""

    field: str
    label: str
    problem: str
    source: str


@dataclass(frozen=True)
class MobileRules:
    items: tuple[MobileItem, ...]            # always needed on a mobile visit
    cover: dict[str, MobileItem]             # second_person_present / phone_check_in_arranged


@lru_cache(maxsize=1)
def mobile_rules() -> MobileRules:
    """The mobile items from readiness.toml; a missing field, source or unknown Readiness field is refused."""
    try:
        data = tomllib.loads(READINESS_FILE.read_text(encoding="utf-8"))
        sources = data["sources"]
        items = tuple(MobileItem(str(i["field"]), str(i["label"]), str(i["problem"]), str(i["source"]))
                      for i in data["mobile_items"])
        cover = {name: MobileItem(name, str(c["label"]), str(c["needs"]), str(c["source"]))
                 for name, c in data["mobile_cover"].items()}
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise LibraryError(f"Readiness rules {READINESS_FILE}: the mobile items are missing or malformed ({exc}).") \
            from None
    for item in (*items, *cover.values()):
        if item.field not in _READINESS_FIELDS:
            raise LibraryError(f"Readiness rules {READINESS_FILE}: {item.field!r} is not a checklist item.")
        if item.source not in sources:
            raise LibraryError(f"Readiness rules {READINESS_FILE}: {item.field} cites {item.source!r}, which is not "
                               "in [sources].")
    if set(cover) != {"second_person_present", "phone_check_in_arranged"}:
        raise LibraryError(f"Readiness rules {READINESS_FILE}: [mobile_cover] must name second_person_present and "
                           "phone_check_in_arranged.")
    return MobileRules(items, cover)


def cover_fields(policy: MobileCover) -> tuple[str, ...]:
    """The Readiness fields the clinic's policy accepts as cover for the nurse (one of them is enough)."""
    return {MobileCover.SECOND_PERSON: ("second_person_present",),
            MobileCover.PHONE_CHECK_IN: ("phone_check_in_arranged",),
            MobileCover.EITHER: ("second_person_present", "phone_check_in_arranged")}[MobileCover(policy)]


def mobile_problems(visit: Visit, cover: MobileCover) -> list[str]:
    """What a mobile visit still needs before the start (none for an in-clinic visit): the address and arrival,
    the emergency plan, the antidote in the kit, and the cover the clinic's policy asks for."""
    where = visit.location
    if not where.mobile:
        return []
    problems: list[str] = []
    if not where.address.strip():
        problems.append("The address of this mobile visit is not recorded; record where the infusion is given.")
    if where.arrived_at is None:
        problems.append("The arrival time at the patient's address is not recorded; record when you arrived.")
    rules = mobile_rules()
    r = visit.readiness
    problems.extend(item.problem for item in rules.items if not getattr(r, item.field))
    accepted = cover_fields(cover)
    if not any(getattr(r, name) for name in accepted):
        wanted = " or ".join(rules.cover[name].problem for name in accepted)
        problems.append(f"The clinic's policy for mobile visits needs {wanted}; arrange it before the start.")
    return problems


def check_location(where: VisitLocation, now: datetime, zone: tzinfo) -> VisitLocation:
    """`where` cleaned, or a WorkflowError naming what is wrong: a mobile visit needs an address; travel times
    are for mobile visits only, not in the future, and the arrival is not before the departure (times shown in
    the clinic's zone)."""
    require_aware(now)
    setting = VisitSetting(where.setting)
    address = where.address.strip()
    if not setting.mobile:
        if where.departed_at is not None or where.arrived_at is not None:
            raise WorkflowError("Travel times are for mobile visits only; choose home or office, or clear the times.")
        return VisitLocation()
    if not address:
        raise WorkflowError(f"Enter the address of the patient's {setting.value} for a mobile visit.")
    for name, moment in (("departure", where.departed_at), ("arrival", where.arrived_at)):
        if moment is None:
            continue
        require_aware(moment)
        if moment > now:
            raise WorkflowError(f"The {name} time {_local(moment, zone)} is in the future (it is now "
                                f"{_local(now, zone)}); enter the time it happened.")
    if where.departed_at is not None and where.arrived_at is not None and where.arrived_at < where.departed_at:
        raise WorkflowError(f"The arrival time {_local(where.arrived_at, zone)} is before the departure time "
                            f"{_local(where.departed_at, zone)}; correct one of them.")
    return dataclasses.replace(where, setting=setting, address=address)


def set_location(visit: Visit, where: VisitLocation, user: User, now: datetime, zone: tzinfo) -> Visit:
    """Record where the visit happens, before the infusion starts (the start checks the mobile items against it)."""
    by = require_charting(user, "record the visit's location")
    ensure_editable(visit)
    if visit.status not in (VisitStatus.DRAFT, VisitStatus.ASSESSED):
        raise WorkflowError("The location is recorded before the start; the infusion has started. Add an addendum "
                            "to correct it.")
    clean = check_location(where, now, zone)
    return dataclasses.replace(visit, location=dataclasses.replace(clean, recorded_by=by, recorded_at=now))


def _local(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")
