"""The lock is a lock: while the lock card shows, nothing else in the app can act or show anything.

Hiding the screens is not enough: window shortcuts (Ctrl+P), the menu bar, mnemonics and the F-keys of a
hidden page still fire, a timer still refreshes a page, a background result can open a window. `ScreenLock`
turns all of that off at once and puts it back exactly as it was for the person who unlocks.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QWidget

from infusiondesk_ui import ops

log = logging.getLogger("infusiondesk.ui")
_KEYS = {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride, QEvent.Type.Shortcut}


class ScreenLock(QObject):
    """Engaged by the window's lock, released by the same person's unlock, discarded at sign-out.

    `card` is the lock card: the only widget that keeps its keys. `keep_running` are timers that must go on
    (the idle check); every other active timer of the window stops until unlock.
    """

    def __init__(self, window: QMainWindow, card: QWidget, keep_running: tuple[QTimer, ...] = ()) -> None:
        super().__init__(window)
        self.window = window
        self.card = card
        self.keep_running = keep_running
        self.engaged = False
        self._disabled: list[QAction | QShortcut | QWidget] = []
        self._stopped: list[QTimer] = []
        self._hidden: list[QWidget] = []

    def engage(self, pages: list[QWidget]) -> None:
        """Lock: every action, shortcut, menu and page but the card off; other windows hidden; results held."""
        if self.engaged:
            return
        self.engaged = True
        ops.hold_results()
        w = self.window
        targets: list[QAction | QShortcut | QWidget] = [*w.findChildren(QAction), *w.findChildren(QShortcut),
                                                         w.menuBar(), *(p for p in pages if p is not self.card)]
        self._disabled = [t for t in targets if t.isEnabled() and not self._on_card(t)]
        for t in self._disabled:
            t.setEnabled(False)
        # the app's own timers (a page's clock tick, autosave, search delay), not Qt's internal ones
        self._stopped = [t for t in w.findChildren(QTimer) if t.isActive() and t not in self.keep_running
                         and type(t.parent()).__module__.startswith("infusiondesk_ui.")]
        for timer in self._stopped:
            timer.stop()
        self._hidden = []
        for top in QApplication.topLevelWidgets():
            if top is w or not top.isVisible():
                continue
            if isinstance(top, QDialog):
                top.reject()  # a form half-filled before the lock is abandoned, never saved half-way
            else:
                self._hidden.append(top)  # a note preview: back at unlock, closed at sign-out
            top.hide()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def release(self) -> None:
        """Unlocked by the person who locked: everything as it was, then the results that waited."""
        if not self._restore():
            return
        for top in self._hidden:
            top.show()
        self._hidden = []
        ops.release_results()

    def discard(self) -> None:
        """Signed out from the lock: the locked person's results and previews are dropped, not shown."""
        if not self._restore():
            return
        for top in self._hidden:
            top.close()
        self._hidden = []
        ops.drop_held_results()

    def _on_card(self, obj: QObject) -> bool:
        parent = obj if isinstance(obj, QWidget) else obj.parent()
        return isinstance(parent, QWidget) and (parent is self.card or self.card.isAncestorOf(parent))

    def _restore(self) -> bool:
        if not self.engaged:
            return False
        self.engaged = False
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        for t in self._disabled:
            t.setEnabled(True)
        self._disabled = []
        for timer in self._stopped:
            timer.start()
        self._stopped = []
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A key for anything but the lock card is swallowed: a focus left on a hidden page, a window shortcut,
        a mnemonic. The card's own keys (typing the password, Enter, Alt+U) pass."""
        if event.type() not in _KEYS or self._on_card(watched):
            return False
        if isinstance(watched, QWidget):
            event.accept()  # a ShortcutOverride accepted here is never tried as a shortcut
            return True
        return event.type() is QEvent.Type.Shortcut  # sent to a QAction or QShortcut owner
