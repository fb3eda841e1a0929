"""The app's Mobile menu: take patients out to a laptop (in the clinic), sync with the clinic (on a laptop copy),
sync conflicts (in the clinic), and the laptop marker. Kept apart from app.py so the window only creates it, tells
it when the store is open and who signed in, and asks it for a screen's title.

Which actions are offered follows where the app is: on a laptop copy a nurse syncs (a copy is never checked out
again); in the clinic a nurse checks out and nurses, clinicians and admins see conflicts. The core checks roles
again at the moment of action.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

CHECKOUT_KEYS, SYNC_KEYS, CONFLICTS_KEYS = "Ctrl+Shift+O", "Ctrl+Shift+Y", "Ctrl+Shift+K"


class MobileMenu:
    """Owns the actions and the marker; `laptop_path` is the laptop file when the app was opened on one."""

    def __init__(self, window: QMainWindow) -> None:
        self.window: Any = window
        self.laptop_path: Path | None = None
        self.marker: Any = None
        self.conflicts: Any = None  # the clinic's conflicts screen, made when first shown
        self.last_note = ""  # the latest "out on a laptop" note said in the status bar
        self.dialog: QWidget | None = None  # the open checkout or sync dialog (kept referenced while open)

        def action(text: str, keys: str, slot: Any) -> QAction:
            a = QAction(window)
            a.setText(text)
            a.setShortcuts([QKeySequence(keys)])
            a.triggered.connect(slot)
            a.setEnabled(False)
            window.addAction(a)
            return a

        self.act_checkout = action("&Take patients out to a laptop…", CHECKOUT_KEYS, self.check_out)
        self.act_sync = action("&Sync with the clinic…", SYNC_KEYS, self.sync)
        self.act_conflicts = action("Sync &conflicts", CONFLICTS_KEYS, self.show_conflicts)
        # no Alt letter: none of "Mobile" is free on every visit tab (test_mnemonics); the actions have shortcuts
        menu = window.menuBar().addMenu("Mobile")
        for a in self.actions:
            menu.addAction(a)

    @property
    def actions(self) -> tuple[QAction, ...]:
        return self.act_checkout, self.act_sync, self.act_conflicts

    @property
    def on_laptop(self) -> bool:
        return self.laptop_path is not None or (self.marker is not None and self.marker.copy is not None)

    def store_ready(self, store: Any) -> None:
        """The database is open: find out (off the UI thread) whether it is a laptop copy, and say so."""
        from infusiondesk_ui.laptop_marker import LaptopMarker, might_be_laptop

        if self.marker is None and not might_be_laptop(store):
            return  # a clinic database: no marker bar at all (only SQLCipher files can be laptop copies)
        if self.marker is None:
            self.marker = LaptopMarker(self.window, store, self.window.session.local)
            self.window.stack.currentChanged.connect(self.marker.screen_changed)
            self.marker.after_read = self._offer
        self.marker.store = store
        self.marker.refresh()

    def _offer(self) -> None:
        user = self.window.session.user if self.window.session is not None else None
        if user is not None:
            self._enable(user)

    def signed_in(self, user: Any) -> None:
        self._enable(user)
        if self.marker is not None:
            self.marker.refresh()

    def _enable(self, user: Any) -> None:
        from infusiondesk.records.models import Role

        nurse = user.role is Role.NURSE
        self.act_checkout.setEnabled(nurse and not self.on_laptop)
        self.act_sync.setEnabled(nurse and self.on_laptop)
        self.act_conflicts.setEnabled(not self.on_laptop)

    def signed_out(self) -> None:
        for a in self.actions:
            a.setEnabled(False)

    def title_for(self, widget: QWidget) -> str | None:
        return "Sync conflicts" if widget is not None and widget is self.conflicts else None

    # --- the actions ------------------------------------------------------------------------------
    def check_out(self) -> None:
        from infusiondesk_ui.views.mobile_checkout import CheckoutDialog

        dialog = CheckoutDialog(self.window.session, self.window)
        dialog.open()
        self.dialog = dialog

    def sync(self) -> None:
        if self.laptop_path is None:
            self.window.statusBar().showMessage("This laptop copy was opened without its file name; start the app "
                                                "with --laptop FILE to sync it.", 10_000)
            return
        from infusiondesk_ui.views.mobile_sync import SyncDialog

        dialog = SyncDialog(self.window.session, self.laptop_path, self.window)
        dialog.synced.connect(self._synced)
        dialog.open()
        self.dialog = dialog

    def _synced(self, _report: Any) -> None:
        from infusiondesk_ui.laptop_marker import remember_sync

        if self.marker is not None and self.marker.copy is not None:
            remember_sync(self.marker.copy.laptop_id, self.window.clock.now())
            self.marker.refresh()

    def note_if_out(self, patient: Any) -> None:
        """In the clinic, say in the status bar (read off the UI thread) that this patient is out on a laptop."""
        session = self.window.session
        if self.on_laptop or session is None or session.signed_in is None or patient.id is None:
            return
        from infusiondesk_ui.operations import StoreOp
        from infusiondesk_ui.views import mobile_marks

        store, by, patient_id = session.store, session.signed_in, patient.id
        StoreOp(self.window, lambda: mobile_marks.read_out(store, by).get(patient_id), busy_cursor=False) \
            .success(lambda out: self._say_out(patient, out)).failure(lambda _sentence: None).run()

    def _say_out(self, patient: Any, out: Any) -> None:
        from infusiondesk_ui.views import mobile_marks

        if out is not None:
            session = self.window.session
            self.last_note = mobile_marks.visit_note(patient.display_name, out, session.local, session.today())
            self.window.statusBar().showMessage(self.last_note)

    def show_conflicts(self) -> None:
        if self.conflicts is None:
            from infusiondesk_ui.views.mobile_conflicts import ConflictsView

            session = self.window.session
            self.conflicts = ConflictsView(session.store, session.require_session, session.local)
            self.conflicts.back.connect(self.window._back_from_reports)
        self.window._show(self.conflicts, "Sync conflicts")
        self.conflicts.refresh()
