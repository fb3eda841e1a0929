"""Where a mobile visit happened, near the top of the visit note: "Mobile visit at the patient's home" (or office),
the address, when the nurse left and arrived, and the home-visit items checked before the start. An in-clinic
visit's note has none of this (it reads as it always did)."""

from __future__ import annotations

from reportlab.platypus import Flowable

from infusiondesk_reports import note_sections as ns


def location_section(ctx: ns.NoteContext) -> list[Flowable]:
    """The location block for a mobile visit; nothing for a visit in the clinic."""
    where = ctx.visit.location
    if not where.mobile:
        return []
    r = ctx.visit.readiness
    rows: list[tuple[str, object]] = [
        ("Address", where.address or "—"),
        ("Departed", ctx.when(where.departed_at) if where.departed_at else "not recorded"),
        ("Arrived", ctx.when(where.arrived_at) if where.arrived_at else "not recorded"),
    ]
    if where.departed_at is not None and where.arrived_at is not None:
        minutes = round((where.arrived_at - where.departed_at).total_seconds() / 60)
        rows.append(("Travel", f"{minutes} min"))
    rows += [("Emergency plan reviewed", _yes_no(r.emergency_plan_reviewed)),
             ("Calcium gluconate in the kit", _yes_no(r.calcium_gluconate_in_kit)),
             ("Second person present", _yes_no(r.second_person_present)),
             ("Phone check-in arranged", _yes_no(r.phone_check_in_arranged))]
    return [ns.section(where.setting.label), ns._pairs(rows, ctx.width)]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"
