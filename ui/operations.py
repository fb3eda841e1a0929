"""One way for a screen to run a store or core operation: off the UI thread, with a busy sign, and the outcome
back on the UI thread (Anki's `CollectionOp(parent, op).success(...).run_in_background()` is the model).

    StoreOp(self, lambda: enrolment.enrol_staff(store, by, ...)).busy(self.message.say, "Adding…", self.add)
        .success(lambda user: ...).failure(lambda sentence: ...).run()

While it runs the app shows a busy cursor, the given buttons are disabled (a second press cannot start it
twice) and the busy text is said; keyboard focus comes back to where it was. A DomainError reaches `failure`
as its own sentence; anything else is logged without patient data and said as "something went wrong, nothing
was lost" (`ops.user_message`). Without a `failure` callback the sentence is shown in a message box. After a
success, `changes.changed` is emitted with the operation's `kind` so other screens can refresh. The busy sign
ends when the work does; what the screen is told is held while the screen is locked and dropped at sign-out,
like all background results (`ops.deliver`) — except the lock card's own unlock check (`while_locked()`), which
must reach the lock card while the screen is locked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from infusiondesk_ui.ops import deliver, run_in_thread, user_message

T = TypeVar("T")


class _Changes(QObject):
    """Fired after an operation changed something: the kind ("users", "patients", ...) it names."""

    changed = Signal(str)


changes = _Changes()
_pending: list[StoreOp[Any]] = []


def pending(of: QObject | None = None) -> int:
    """How many operations are still running (tests wait for 0; closing the app can too); with `of`, only those
    that screen (or controller) asked for: a draft autosave or a context read may be running beside them."""
    return sum(1 for op in _pending if of is None or op.parent is of)


class StoreOp(Generic[T]):
    """An operation on the store or the core, run once with `run()`; configure with the chained setters."""

    def __init__(self, parent: QObject, op: Callable[[], T], *, kind: str = "", busy_cursor: bool = True) -> None:
        """`parent`: the screen (or a visit's controller) that asks; once it is gone nothing is reported. `kind`
        names what a success changed (for `changes`); `busy_cursor=False` for a quiet background read (a live
        list re-reading every minute must not flicker the pointer)."""
        self.parent = parent
        self.busy_cursor = busy_cursor
        self.op = op
        self.kind = kind
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[str], None] | None = None
        self._say: Callable[[str], None] | None = None
        self._busy_text = ""
        self._disable: tuple[QWidget, ...] = ()
        self._focus: QWidget | None = None
        self._ended: Callable[[], None] | None = None
        self._was_enabled: list[bool] = []
        self._while_locked = False

    def busy(self, say: Callable[[str], None], text: str, *disable: QWidget) -> StoreOp[T]:
        """Say `text` while it runs, and disable `disable` until it ends."""
        self._say, self._busy_text, self._disable = say, text, disable
        return self

    def success(self, fn: Callable[[T], None]) -> StoreOp[T]:
        self._success = fn
        return self

    def failure(self, fn: Callable[[str], None]) -> StoreOp[T]:
        """`fn(sentence)`: the refusal's own words, or the "something went wrong" sentence."""
        self._failure = fn
        return self

    def ended(self, fn: Callable[[], None]) -> StoreOp[T]:
        """`fn()` as soon as the work ends, even while the screen is locked or if its result is dropped at
        sign-out (for a screen's own "a read is running" flag)."""
        self._ended = fn
        return self

    def while_locked(self) -> StoreOp[T]:
        """Report at once even while the screen is locked. Only for the lock card's own unlock check: its outcome
        is what ends the lock, so holding it until the unlock would never deliver it; every other result waits."""
        self._while_locked = True
        return self

    def run(self) -> None:
        _pending.append(self)  # kept alive until it reports
        self._focus = QApplication.focusWidget()
        if self.busy_cursor:
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self._was_enabled = [w.isEnabled() for w in self._disable]  # given back as they were, not all on
        for w in self._disable:
            w.setEnabled(False)
        if self._say is not None and self._busy_text:
            self._say(self._busy_text)
        # The busy sign ends when the work does (shows=False); what the screen is told waits for an unlock.
        run_in_thread(self.op, self._arrived, self._arrived_failed, shows=False)

    def _arrived(self, result: T) -> None:
        if self._end():
            self._report(self._done, result)

    def _arrived_failed(self, exc: Exception) -> None:
        if self._end():
            self._report(self._failed, exc)

    def _report(self, fn: Callable[[Any], None], value: Any) -> None:
        if self._while_locked:
            fn(value)  # the lock card's own check (while_locked): it is what ends the lock
        else:
            deliver(fn, value)

    def _end(self) -> bool:
        """Undo the busy sign; False when the screen that asked is gone (nothing is reported to it)."""
        if self in _pending:
            _pending.remove(self)
        if self.busy_cursor:
            QApplication.restoreOverrideCursor()
        from shiboken6 import isValid

        if not isValid(self.parent):
            return False
        for w, was in zip(self._disable, self._was_enabled, strict=True):
            if isValid(w):
                w.setEnabled(was)
        if self._focus is not None and isValid(self._focus) and any(self._focus is w for w in self._disable):
            self._focus.setFocus()  # disabling the pressed button moved the focus on; give it back
        if self._ended is not None:
            self._ended()
        return True

    def _done(self, result: T) -> None:
        from shiboken6 import isValid

        if not isValid(self.parent):
            return
        if self._success is not None:
            self._success(result)
        if self.kind:
            changes.changed.emit(self.kind)

    def _failed(self, exc: Exception) -> None:
        from shiboken6 import isValid

        sentence = user_message(exc)
        if not isValid(self.parent):
            return
        if self._failure is not None:
            self._failure(sentence)
        else:
            QMessageBox.warning(self.parent if isinstance(self.parent, QWidget) else None, "Not done", sentence)
