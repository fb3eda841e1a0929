"""Messages in words, each styled by what it is: success, info, warning or error (ui/style.py colours them
for the palette), so a nurse never reads "Added Noor Kim" in the red of a refusal.

A screen's own message (not a field's) is marked `screen_message`: the window clears it when another screen
opens, so a message never stays behind to be read as news about a later screen or visit.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtWidgets import QLabel, QWidget


class MessageKind(StrEnum):
    SUCCESS = "success"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_SPOKEN = {MessageKind.SUCCESS: "Done", MessageKind.INFO: "Note", MessageKind.WARNING: "Warning",
           MessageKind.ERROR: "Problem"}


class MessageLabel(QLabel):
    """A wrapped, selectable sentence; hidden while empty. `say(text, kind)` shows it in that kind's style.

    Made without touching PySide6's `Qt` namespace or a QStyle: the first use of either builds Python enums for
    all of it (~100 enums, 1,200 members: tens of ms), and the sign-in screen's labels are made before the window
    first shows. Nothing is selectable in an empty label, so it becomes selectable when it first says something."""

    def __init__(self, kind: MessageKind = MessageKind.ERROR, *, screen_message: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.screen_message = screen_message
        self._selectable = False
        self.setWordWrap(True)
        self.setVisible(False)
        self.setProperty("kind", kind.value)  # not yet polished: the stylesheet reads it when first shown

    @property
    def kind(self) -> MessageKind:
        return MessageKind(str(self.property("kind")))

    def _set_kind(self, kind: MessageKind) -> None:
        if self.property("kind") != kind.value:
            self.setProperty("kind", kind.value)
            self.style().unpolish(self)  # a dynamic property is only re-read by the stylesheet on re-polish
            self.style().polish(self)

    def say(self, text: str, kind: MessageKind = MessageKind.ERROR) -> None:
        self._set_kind(kind)
        if text and not self._selectable:
            from PySide6.QtCore import Qt

            self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._selectable = True
        self.setText(text)
        self.setAccessibleName(f"{_SPOKEN[kind]}: {text}" if text else "")
        # a label never placed in a layout (the vitals row shows its fields' words in one line) must not
        # become a window of its own when it has something to say
        self.setVisible(bool(text) and self.parent() is not None)

    def show_message(self, text: str) -> None:
        """An error (or nothing): the words a refusal or a field check gives."""
        self.say(text, MessageKind.ERROR)

    def clear_message(self) -> None:
        self.say("", self.kind)


def clear_screen_messages(screen: QWidget) -> None:
    """Forget what a screen said about itself (not its fields' errors, which describe what is typed)."""
    for label in screen.findChildren(MessageLabel):
        if label.screen_message:
            label.clear_message()
