"""Small form helpers: labelled rows with the error beside the field, yes/no/not-asked choices."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QWidget

from infusiondesk_ui.widgets.quantity_edit import MIN_FIELD_WIDTH

YES_NO = (("not asked", None), ("no", False), ("yes", True))


class ChoiceBox(QComboBox):
    """A keyboard-friendly choice whose `value` is the data of the current item."""

    def __init__(self, name: str, choices: tuple[tuple[str, Any], ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        for text, data in choices:
            self.addItem(text, data)

    @property
    def value(self) -> Any:
        return self.currentData()

    def set_value(self, value: Any) -> None:
        for i in range(self.count()):
            if self.itemData(i) == value:
                self.setCurrentIndex(i)
                return


class Form(QGridLayout):
    """Rows of label | field | words about what is wrong with the field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._row = 0
        self.setColumnStretch(1, 1)
        self.setColumnStretch(2, 1)

    def add(self, text: str, widget: QWidget, error: QWidget | None = None) -> QWidget:
        if isinstance(widget, QLineEdit) and widget.minimumWidth() < MIN_FIELD_WIDTH:
            widget.setMinimumWidth(MIN_FIELD_WIDTH)  # a field beside a long label was squeezed to ~75 px
        label = QLabel(text)
        label.setBuddy(widget)
        if not widget.accessibleName():
            widget.setAccessibleName(text.replace("&", ""))
        self.addWidget(label, self._row, 0)
        self.addWidget(widget, self._row, 1)
        if error is not None:
            self.addWidget(error, self._row, 2)
        self._row += 1
        return widget

    def add_wide(self, widget: QWidget) -> QWidget:
        self.addWidget(widget, self._row, 0, 1, 3)
        self._row += 1
        return widget
