"""The banner on every screen of a laptop copy: "Laptop copy — checked out … by …; last synced …; N visits not yet
synced". In words (and coloured), so nobody charts on a laptop believing it is the clinic's database.

It sits in a fixed tool bar above the screens (every screen, the sign-in and the lock included) and re-reads its
counts off the UI thread whenever the screen changes or something is saved. The time of the last sync is kept in
this workstation's settings (the laptop database records the sync's effects, not its time).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy, QToolBar

from infusiondesk_ui.operations import StoreOp, changes
from infusiondesk_ui.settings import FILE_NAME, ORGANIZATION

_SYNC_KEY = "mobile/last_sync/"
REFRESH_MS = 30_000


def last_sync(laptop_id: str) -> datetime | None:
    value = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, FILE_NAME).value(
        _SYNC_KEY + laptop_id)
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def remember_sync(laptop_id: str, at: datetime) -> None:
    q = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, FILE_NAME)
    q.setValue(_SYNC_KEY + laptop_id, at.isoformat())
    q.sync()


def might_be_laptop(store: Any) -> bool:
    """The store is an encrypted SQLite file (mobile.laptop.laptop_url): only those can be laptop copies."""
    engine = getattr(store, "engine", None)
    return engine is not None and "pysqlcipher" in engine.url.drivername


def marker_text(copy: Any, synced: datetime | None, local: Any) -> str:
    """The banner's sentence (local times; `local` turns a UTC time into the clinic's)."""
    out = f"{local(copy.checked_out_at):%d %b %H:%M}" if copy.checked_out_at else "at checkout"
    when = f"{local(synced):%d %b %H:%M}" if synced is not None else "never"
    n = copy.unsynced_visits
    visits = "no visits" if n == 0 else "1 visit" if n == 1 else f"{n} visits"
    return f"Laptop copy — checked out {out} by {copy.nurse}; last synced {when}; {visits} not yet synced"


class LaptopMarker(QToolBar):
    """Hidden until the store is known to be a laptop copy; `copy` is its last reading (None in the clinic)."""

    def __init__(self, window: QMainWindow, store: Any, local: Any) -> None:
        super().__init__("Laptop copy", window)
        self.store, self.local = store, local
        self.copy: Any = None
        self.setObjectName("laptopMarker")
        self.setMovable(False)
        self.setFloatable(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        self.label = QLabel()
        self.label.setObjectName("laptopMarkerText")
        self.label.setAccessibleName("Laptop copy")
        self.label.setStyleSheet("QLabel#laptopMarkerText { background: #7a3e00; color: white; font-weight: bold;"
                                 " padding: 6px 12px; }")
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(self.label)
        self.setVisible(False)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self)
        self._reading = False
        self._again = False  # asked while a reading was under way: read once more when it ends
        self.after_read: Any = None  # called after each reading (the Mobile menu offers what fits)
        # bound methods, not lambdas: Qt disconnects them when this bar is deleted (a lambda would call into a
        # deleted window from the app-wide change notice)
        changes.changed.connect(self._something_changed)
        self._timer = QTimer(self)  # a step charted in a visit changes the count without changing the screen
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    @property
    def text(self) -> str:
        return self.label.text()

    def _something_changed(self, _kind: str) -> None:
        self.refresh()

    def screen_changed(self, _index: int) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Re-read the laptop's counts (quietly, off the UI thread). A clinic database is never read: laptop
        copies are SQLCipher files, so the driver's name tells (and no read outlives a clinic window)."""
        if not might_be_laptop(self.store):
            if self.copy is not None or self.isVisible():
                self.show_copy(None)
            return
        if self._reading:
            self._again = True
            return
        self._reading = True
        from infusiondesk.mobile.status import laptop_copy

        store = self.store
        StoreOp(self, lambda: laptop_copy(store), busy_cursor=False).success(self.show_copy) \
            .failure(lambda _sentence: None).ended(self._read_done).run()

    def _read_done(self) -> None:
        self._reading = False
        if self._again:
            self._again = False
            self.refresh()

    def show_copy(self, copy: Any) -> None:
        self.copy = copy
        if copy is not None:
            self.label.setText(marker_text(copy, last_sync(copy.laptop_id), self.local))
        self.setVisible(copy is not None)
        if self.after_read is not None:
            self.after_read()
