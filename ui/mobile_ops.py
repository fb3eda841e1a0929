"""The app's calls into the mobile day's core, in one place: the conflict functions may move (into a `store.mobile`
part), so every screen reaches them through `conflicts(store)` and only this module changes when they do.

Everything here is slow (SQLCipher, PBKDF2, whole transactions): screens run it with `StoreOp`, never on the UI
thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

APP = "InfusionDesk"


@dataclass(frozen=True)
class Conflicts:
    """Open sync conflicts of a clinic store, and keeping one side of one (audited in the core)."""

    store: Any

    def open(self, *, by: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.store.mobile.open_conflicts(by=by)
        return found

    def resolve(self, conflict_id: int, keep: str, *, by: Any) -> None:
        self.store.mobile.resolve(conflict_id, keep, by=by)

    def laptop_pdf(self, conflict_id: int, *, by: Any) -> bytes:
        """The laptop's signed PDF a note conflict keeps whole."""
        pdf: bytes = self.store.mobile.conflict_pdf(conflict_id, by=by)
        return pdf


def conflicts(store: Any) -> Conflicts:
    """THE adapter to the clinic's conflict functions (re-point it here when they move)."""
    return Conflicts(store)


def default_laptop_file(username: str, today: datetime) -> Path:
    """Where a checkout goes unless she chooses: the user's data folder, one file per nurse and day."""
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False) / "laptop" / f"{username}-{today:%Y-%m-%d}.db"


def check_out(store: Any, session: Any, password: str, mrns: list[str], out: Path, also: list[str], *,
              ca_passphrase: str | None = None, also_passwords: dict[str, str] | None = None) -> str:
    """Her password is confirmed first (it seals the laptop database: a typo would lock her out of it), then
    `mobile.day.checkout` (with the CA passphrase: signing keys for this laptop). Returns the laptop id."""
    from infusiondesk.mobile import day

    store.users.confirm_password(session, password)
    # the copy is written here, in the clinic, so it is dated by the clinic's clock (the app's, in tests)
    laptop_id: str = day.checkout(store, session, password, mrns, out, also=also, laptop_clock=store._now,
                                  ca_passphrase=ca_passphrase, also_passwords=also_passwords)
    return laptop_id


@dataclass
class ClinicLink:
    """The clinic database opened from the laptop for a sync, and the nurse signed in to it (kept open so the
    conflicts the sync found can be resolved at once); `close()` signs out and closes."""

    store: Any
    session: Any

    def close(self) -> None:
        try:
            self.store.users.sign_out(self.session)
        finally:
            self.store.close()


def open_clinic(url: str, username: str, password: str, clock: Any) -> ClinicLink:
    """The clinic database (never created here: a wrong path is a sentence) with the nurse signed in to it."""
    from infusiondesk.mobile import MobileError
    from infusiondesk.store import Store

    if not url.strip():
        raise MobileError("Give the clinic database: its file or its postgresql:// address.")
    store = Store.open(url.strip(), clock=clock, create=False)
    try:
        return ClinicLink(store, store.users.sign_in(username, password))
    except BaseException:
        store.close()
        raise


def sync(link: ClinicLink, laptop_path: Path, password: str) -> Any:
    """`mobile.day.sync` of this laptop file against the clinic; the SyncReport. The laptop's signed notes are
    checked against the clinic CA before the clinic accepts them (the reports layer's validator)."""
    from infusiondesk.mobile import day
    from infusiondesk_reports.laptop_notes import check_laptop_note

    return day.sync(link.store, link.session, laptop_path, password, check_note=check_laptop_note)
