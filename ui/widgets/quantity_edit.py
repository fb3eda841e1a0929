"""A line edit for a quantity with a unit, checked by the core parser on every keystroke.

The error message is the domain's own sentence (infusiondesk.units.parse_quantity), shown next to the
field in words; the field never resets what was typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from infusiondesk.errors import InputError
from infusiondesk.units import Kind, parse_quantity
from infusiondesk_ui.widgets.messages import MessageKind, MessageLabel

# Fields were ~75 px wide: too narrow for "2000 mg/100 mL" or "1 h 30 min" or a placeholder's example.
MIN_FIELD_WIDTH = 140  # any text field
QUANTITY_MIN_WIDTH = 180  # a quantity with its unit: 2 g/50 mL, e.g. "30 min", "1.5 h"
NUMBER_MIN_WIDTH = 90  # a plain number beside its unit ("e.g. 120", "36.8")


def example_hint(text: str) -> str:
    """A placeholder that shows an example reads as one ("e.g. 22 G"), never as a value already entered."""
    return text if not text or text.lower().startswith("e.g.") else f"e.g. {text}"


class EnterMovesOnLineEdit(QLineEdit):
    """Enter (or a barcode scanner's final Return) commits the field and moves focus to the next one.

    An empty field's placeholder is drawn in the stylesheet's hint colour and italics, so a hint never
    looks like something typed; what is typed is upright in the text colour, also when read-only.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(MIN_FIELD_WIDTH)
        self.textChanged.connect(self._hint_style)
        self._hint_style(self.text())

    def setPlaceholderText(self, text: str) -> None:  # Qt's name: every caller gets the hint style
        super().setPlaceholderText(text)
        self._hint_style(self.text())

    def _hint_style(self, text: str) -> None:
        """The `hint` property (ui/style.py) styles the field while only its placeholder shows."""
        hint = not text and bool(self.placeholderText())
        if self.property("hint") != hint:
            self.setProperty("hint", hint)
            self.style().unpolish(self)
            self.style().polish(self)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.editingFinished.emit()
            self.returnPressed.emit()
            self.focusNextChild()
            event.accept()
            return
        super().keyPressEvent(event)


class ErrorLabel(MessageLabel):
    """The words under a field saying what is wrong with it; empty when the field is fine."""

    def __init__(self, parent: QWidget | None = None, *, screen_message: bool = False) -> None:
        super().__init__(MessageKind.ERROR, screen_message=screen_message, parent=parent)
        self.setObjectName("fieldError")


class QuantityEdit(EnterMovesOnLineEdit):
    """A typed quantity field ("2 g", "2 g/50 mL", "30 min") with its error label.

    `quantity` is the parsed pint quantity, or None when the field is empty (optional) or invalid;
    `message` is the sentence shown in `error_label`.
    """

    quantityChanged = Signal()

    def __init__(self, kind: Kind, field: str, *, required: bool = True, placeholder: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.field = field
        self.required = required
        self.quantity: Any = None
        self.message = ""
        self._external = ""
        self.error_label = ErrorLabel()
        self.setAccessibleName(field[:1].upper() + field[1:])
        self.setAccessibleDescription(f"Type a number and a unit, for example {placeholder}" if placeholder else "")
        self.setPlaceholderText(example_hint(placeholder))
        self.setMinimumWidth(QUANTITY_MIN_WIDTH)
        self.setObjectName(f"quantity_{field.replace(' ', '_')}")
        self.textChanged.connect(self._reparse)
        self._reparse(self.text())

    @property
    def valid(self) -> bool:
        return not self.message

    def _reparse(self, text: str) -> None:
        self._external = ""
        if not text.strip() and not self.required:
            self.quantity, self.message = None, ""
        else:
            try:
                self.quantity, self.message = parse_quantity(text, self.kind, self.field), ""
            except InputError as exc:
                self.quantity, self.message = None, exc.message
        self._show()
        self.quantityChanged.emit()

    def set_problem(self, message: str) -> None:
        """Show a problem found beyond parsing (e.g. by the dose engine) against this field."""
        self._external = message
        self._show()

    def _show(self) -> None:
        shown = self.message or self._external
        # An empty required field is not an error until the person has typed something there.
        if not self.text() and self.required and not self._external:
            shown = ""
        self.error_label.show_message(shown)
        self.setProperty("invalid", bool(shown))
        self.style().unpolish(self)
        self.style().polish(self)
