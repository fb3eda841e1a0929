"""A payment, follow-up or signed-note conflict in words, for `infusiondesk mobile conflicts` and the app's
conflicts screen: a headline saying whose record it is and what happened, then (aspect, laptop's words, clinic's
words) for each thing the two versions say differently. Pure: the listed conflict in, words out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

Doc = Mapping[str, Any]


def _time(text: Any) -> str:
    if not text:
        return "not given"
    return f"{datetime.fromisoformat(str(text)):%d %b %Y %H:%M} UTC"


def _money(d: Doc) -> str:
    cents = d.get("amount_cents")
    return "none" if cents is None else f"{int(cents) / 100:.2f}"


def _count(key: str) -> Callable[[Doc], str]:
    return lambda d: "not asked" if d.get(key) is None else str(d[key])


def _side_effects(d: Doc) -> str:
    said = d.get("side_effects")
    words = "not asked" if said is None else "yes" if said else "no"
    return words + (f" ({d['side_effects_text']})" if d.get("side_effects_text") else "")


_PAYMENT: tuple[tuple[str, Callable[[Doc], str]], ...] = (
    ("amount", _money),
    ("method", lambda d: str(d.get("method") or "none")),
    ("paid at", lambda d: _time(d.get("paid_at"))),
    ("recorded by", lambda d: f"user #{d.get('recorded_by')}"),
    ("items", lambda d: str(d.get("lines") or "none")),
)
_FOLLOW_UP: tuple[tuple[str, Callable[[Doc], str]], ...] = (
    ("outcome", lambda d: str(d.get("status") or "?")),
    ("attacks per month", _count("attacks_per_month")),
    ("headache days", _count("headache_days")),
    ("rescue medication", lambda d: str(d.get("rescue_medication") or "none")),
    ("rescue days", _count("rescue_days")),
    ("side effects", lambda d: _side_effects(d)),
    ("note", lambda d: str(d.get("note") or "none")),
    ("recorded at", lambda d: _time(d.get("recorded_at"))),
    ("recorded by", lambda d: f"user #{d.get('recorded_by')}"),
)


def _differences(aspects: tuple[tuple[str, Callable[[Doc], str]], ...], laptop: Doc,
                 clinic: Doc) -> list[tuple[str, str, str]]:
    out = [(name, words(laptop), words(clinic)) for name, words in aspects if words(laptop) != words(clinic)]
    return out or [("other fields", "differ", "differ")]


def record_words(c: Mapping[str, Any]) -> tuple[str, list[tuple[str, str, str]]]:
    """(headline, differences) of a listed payment, follow-up or note conflict (`store.mobile.conflicts`)."""
    laptop, clinic = c["laptop"], c["clinic"]
    whose = c.get("patient") or "a patient"
    where = f"(conflict #{c['id']}, laptop {str(c['laptop_id'])[:8]})"
    if c["kind"] == "payment":
        return (f"Payment for {whose}'s visit, recorded differently on the laptop and in the clinic {where}",
                _differences(_PAYMENT, laptop, clinic))
    if c["kind"] == "follow_up":
        return (f"{laptop.get('interval_days', '?')}-day follow-up of {whose}'s visit, recorded differently on the "
                f"laptop and in the clinic {where}", _differences(_FOLLOW_UP, laptop, clinic))
    return note_words(c)


def note_words(c: Mapping[str, Any]) -> tuple[str, list[tuple[str, str, str]]]:
    laptop, clinic = c["laptop"], c["clinic"]
    whose = c.get("patient") or "a patient"
    headline = (f"Signed note (version {laptop.get('version', '?')}) of {whose}'s visit from laptop "
                f"{str(c['laptop_id'])[:8]}, not taken by the clinic: {laptop.get('problem', 'it differs')} "
                f"(conflict #{c['id']})")
    sha = str(laptop.get("sha256") or "")[:12]
    size = f"{laptop['pdf_bytes']:,} bytes, " if laptop.get("pdf_bytes") else ""
    lines = [("signed PDF", f"{size}SHA-256 {sha}…, kept whole in the conflict (export it)",
              f"its own note, SHA-256 {str(clinic.get('sha256'))[:12]}…" if clinic.get("sha256")
              else "no note from the laptop")]
    if laptop.get("visit"):
        lines.append(("its visit", "signed on the laptop, held there until this conflict is closed",
                      "comes in unsigned when the conflict is closed, to be signed again here"))
    return headline, lines


KEEP_WORDS = {
    "payment": "A nurse or an admin keeps one payment; the other is kept whole in the conflict record.",
    "follow_up": "A nurse or a clinician keeps one follow-up; the other is kept whole in the conflict record.",
    "note": ("A clinician closes it keeping the clinic's version: a signed note is never overwritten, the laptop's "
             "PDF stays whole in the conflict record, and a visit it held comes in unsigned."),
}
