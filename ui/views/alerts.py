"""Open toxicity alerts, shown at the top of the infusion step until someone records what was done.

The alerts are raised by the visit service (a charted value at a sign of magnesium toxicity, a severe side
effect); while one is open the service refuses to resume or speed up the infusion. Acknowledging needs one of
the four actions (`AlertAction`): paused, stopped, calcium gluconate given, clinician informed.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from infusiondesk.records.models import AlertAction, Visit
from infusiondesk_ui.widgets.forms import ChoiceBox
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit

ACTION_WORDS = {
    AlertAction.PAUSED: "infusion paused",
    AlertAction.STOPPED: "infusion stopped",
    AlertAction.CALCIUM_GLUCONATE_GIVEN: "calcium gluconate given",
    AlertAction.CLINICIAN_INFORMED: "clinician informed",
}


class AlertBox(QFrame):
    """Red, above the pump controls: every open alert with its source, and the Acknowledge control."""

    acknowledge = Signal(object, str)  # AlertAction, note

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertBox")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#alertBox { border: 2px solid #c62828; border-radius: 4px; }"
                           "#alertText { color: #c62828; }")
        self.text = QLabel()
        self.text.setObjectName("alertText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAccessibleName("Open alerts")
        self.action = ChoiceBox("What was done about the alert",
                                (("choose what was done…", None), *((w, a) for a, w in ACTION_WORDS.items())))
        self.note = EnterMovesOnLineEdit()
        self.note.setAccessibleName("Alert note")
        self.note.setPlaceholderText("what was seen and done, who was told")
        self.button = QPushButton("Ac&knowledge alert")
        self.button.setObjectName("acknowledgeAlert")
        row = QHBoxLayout()
        row.addWidget(self.action)
        row.addWidget(self.note, 1)
        row.addWidget(self.button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addLayout(row)
        self.button.clicked.connect(self._acknowledge)
        self.setVisible(False)

    def _acknowledge(self) -> None:
        self.acknowledge.emit(self.action.value, self.note.text())

    def show_visit(self, visit: Visit, editable: bool) -> None:
        pending = [a for a in visit.alerts if a.open]
        self.setVisible(bool(pending))
        if not pending:
            self.action.setCurrentIndex(0)
            self.note.clear()
            return
        items = "".join(f"<li>{a.raised_at.astimezone():%H:%M} {html.escape(a.message)}"
                        f"{' <small>(source: ' + html.escape(a.source) + ')</small>' if a.source else ''}</li>"
                        for a in pending)
        self.text.setText(f"<b>ALERT — not acknowledged.</b> Resuming and speeding up are blocked until you record "
                          f"what was done.<ul style='margin:0'>{items}</ul>")
        for w in (self.action, self.note, self.button):
            w.setEnabled(editable)
