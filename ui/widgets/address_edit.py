"""A multi-line address field for a keyboard: Enter starts the next line of the address (street, city, postcode),
Tab moves to the next field (a plain QPlainTextEdit would type a tab character instead)."""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from infusiondesk_ui.widgets.quantity_edit import MIN_FIELD_WIDTH

VISIBLE_LINES = 4


class AddressEdit(QPlainTextEdit):
    """`text()` and `setText()` like a line edit, so a form reads it the same way."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setMinimumWidth(MIN_FIELD_WIDTH)
        lines = self.fontMetrics().lineSpacing() * VISIBLE_LINES
        margins = self.contentsMargins()
        self.setFixedHeight(lines + margins.top() + margins.bottom() + 2 * int(self.document().documentMargin()))

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)
