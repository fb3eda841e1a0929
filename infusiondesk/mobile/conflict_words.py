"""A visit conflict in words: what the laptop's and the clinic's versions say differently (status, decision, dose,
infusion times, side effects, notes), for `infusiondesk mobile conflicts`. Pure: two visit documents in, lines out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

Doc = Mapping[str, Any]


def _time(text: Any) -> str:
    if not text:
        return "not yet"
    return f"{datetime.fromisoformat(str(text)):%d %b %H:%M} UTC"


def _decision(d: Doc) -> str:
    s = (d.get("assessment") or {}).get("suitability")
    if not s:
        return "no decision"
    words = "suitable" if s.get("suitable") else "not suitable"
    return f"{words} ({s['reason']})" if s.get("reason") else words


def _dose(d: Doc) -> str:
    o = d.get("dose_order")
    if not o:
        return "no order"
    what = o.get("dose_text") or "?"
    made = o.get("product_id") or o.get("concentration_text") or ""
    over = o.get("duration_text") or o.get("rate_text") or ""
    return " ".join(x for x in (what, f"of {made}" if made else "", f"over {over}" if over else "") if x)


def _events(d: Doc) -> str:
    events = d.get("events") or []
    if not events:
        return "none"
    return ", ".join(f"{e.get('kind')} {_time(e.get('at'))}" + (f" at {e['rate_ml_h']:g} mL/h" if e.get("rate_ml_h")
                                                                  else "") for e in events)


def _side_effects(d: Doc) -> str:
    effects = d.get("side_effects") or []
    if not effects:
        return "none"
    return ", ".join(f"{e.get('type_code')} grade {e.get('grade')} at {_time(e.get('onset_at'))}" for e in effects)


def _vitals(d: Doc) -> str:
    n = len(d.get("vitals") or [])
    return f"{n} set{'' if n == 1 else 's'}"


_ASPECTS: tuple[tuple[str, Callable[[Doc], str]], ...] = (
    ("status", lambda d: str(d.get("status", "?"))),
    ("suitability", _decision),
    ("dose ordered", _dose),
    ("infusion started", lambda d: _time(d.get("started_at"))),
    ("pump events", _events),
    ("vital signs", _vitals),
    ("side effects", _side_effects),
    ("notes", lambda d: str(d.get("notes") or "none")),
    ("addenda", lambda d: str(len(d.get("addenda") or []))),
)


def visit_differences(laptop: Doc, clinic: Doc) -> list[tuple[str, str, str]]:
    """(aspect, the laptop's words, the clinic's words) for every aspect the two versions tell differently; an
    aspect the words do not cover but the documents differ in is named as "other charting"."""
    out = [(name, words(laptop), words(clinic)) for name, words in _ASPECTS if words(laptop) != words(clinic)]
    covered = {"status", "assessment", "dose_order", "started_at", "events", "vitals", "side_effects", "notes",
               "addenda", "version"}
    others = sorted(k for k in laptop.keys() | clinic.keys() if k not in covered and laptop.get(k) != clinic.get(k))
    if others:
        out.append(("other charting", "differs: " + ", ".join(others), "differs"))
    return out
