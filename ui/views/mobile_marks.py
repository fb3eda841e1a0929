"""In the clinic, a patient out on a laptop is marked where the nurse finds them (patient search, Today's board,
chart, a new visit): "On Noor Kim's laptop since 08:05". A note, not a refusal: the clinic may still chart them
(what the laptop charts comes back at its sync; a record changed on both sides becomes a conflict, never
overwritten). Read with the list it marks, off the UI thread; the work returns data and touches no widget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any


def read_out(store: Any, by: Any) -> dict[int, Any]:
    """{patient id: OutOnLaptop}; slow-ish (a store read): call it off the UI thread."""
    out: dict[int, Any] = store.mobile.out_on_laptops(by=by)
    return out


def out_text(out: Any, local: Callable[[datetime], datetime], today: Any = None) -> str:
    """'On Noor Kim's laptop since 08:05' (the date too when it was not today)."""
    since = local(out.since)
    when = f"{since:%H:%M}" if today is None or since.date() == today else f"{since:%d %b %H:%M}"
    return f"On {out.nurse}'s laptop since {when}"


def board_detail(detail: str, out: Any, local: Callable[[datetime], datetime], today: Any = None) -> str:
    """The board's "Now" cell for a patient out on a laptop: the mark first, then what the row said."""
    mark = out_text(out, local, today)
    return f"{mark} · {detail}" if detail else mark


def visit_note(name: str, out: Any, local: Callable[[datetime], datetime], today: Any = None) -> str:
    """The note shown when the clinic charts a new visit for a patient out on a laptop."""
    return (f"{name} is out: {out_text(out, local, today)}. A visit charted on that laptop comes back at its sync; "
            "make sure the same infusion is not charted twice.")
