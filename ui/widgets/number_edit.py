"""A plain-number field (mmHg, beats/min, pain 0-10): says in words when what was typed is not a number."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QWidget

from infusiondesk_ui.widgets.quantity_edit import NUMBER_MIN_WIDTH, EnterMovesOnLineEdit, ErrorLabel, example_hint

_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")


class NumberEdit(EnterMovesOnLineEdit):
    """`value` is the number typed, or None when empty; ranges are the workflow's to judge."""

    def __init__(self, field: str, unit: str, example: str, *, integer: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field, self.unit, self.example, self.integer = field, unit, example, integer
        self.value: float | int | None = None
        self.message = ""
        self.error_label = ErrorLabel()
        self.setAccessibleName(f"{field} ({unit})" if unit else field)
        self.setPlaceholderText(example_hint(example))
        self.setMinimumWidth(NUMBER_MIN_WIDTH)  # "36.8" and "e.g. 120" whole, not 75 px
        self.setMaximumWidth(140)
        self.textChanged.connect(self._reparse)

    @property
    def valid(self) -> bool:
        return not self.message

    def _reparse(self, text: str) -> None:
        s = text.strip()
        self.value, self.message = None, ""
        if s:
            if not _NUMBER.match(s) or (self.integer and "." in s):
                what = "a whole number" if self.integer else "a number"
                self.message = f'{self.field} "{s}" is not {what}; enter a number such as {self.example}.'
            else:
                self.value = int(s) if self.integer else float(s)
        self.error_label.show_message(self.message)

    def set_value(self, value: float | int | None) -> None:
        self.setText("" if value is None else f"{value:g}")
