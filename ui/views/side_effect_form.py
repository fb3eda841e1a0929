"""Side effects during the infusion: quick buttons for the common ones, the grade with its definition, the
action taken and the outcome (logged as "ongoing" while the nurse still watches it)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from infusiondesk import workflow
from infusiondesk.records.models import SideEffect, SideEffectAction, SideEffectOutcome
from ui.widgets.forms import ChoiceBox, Form
from ui.widgets.quantity_edit import EnterMovesOnLineEdit

SHORTCUT_SIDE_EFFECT = "F9"


DEFAULT_OUTCOME = SideEffectOutcome.ONGOING  # the honest default: it is logged while the nurse still watches


class SideEffectForm(QGroupBox):
    """Quick buttons for the common side effects; grade 1-5 with its definition; action and outcome."""

    QUICK = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Side effects", parent)
        self.catalogue = workflow.side_effect_catalogue()
        self.type = ChoiceBox("Side effect", (("choose…", None), *((t.name, t.code) for t in self.catalogue.types)))
        self.grade = ChoiceBox("Grade", tuple((f"Grade {g}", g) for g in range(1, 6)))
        self.definition = QLabel()
        self.definition.setObjectName("gradeDefinition")
        self.definition.setWordWrap(True)
        self.definition.setAccessibleName("Grade definition")
        self.action = ChoiceBox("Action taken", tuple((a.value.replace("_", " "), a) for a in SideEffectAction))
        self.outcome = ChoiceBox("Outcome", tuple((o.value, o) for o in SideEffectOutcome))
        self.notes = EnterMovesOnLineEdit()
        self.notes.setAccessibleName("Side effect notes")
        self.log = QPushButton(f"Log side effect ({SHORTCUT_SIDE_EFFECT})")
        quick = QHBoxLayout()
        self.quick_buttons: dict[str, QPushButton] = {}
        for t in self.catalogue.types[: self.QUICK]:
            b = QPushButton(t.name)
            b.setAccessibleName(f"Quick: {t.name}")
            b.clicked.connect(lambda _c=False, code=t.code: self.choose(code))
            quick.addWidget(b)
            self.quick_buttons[t.code] = b
        form = Form()
        form.add("Side &effect", self.type)
        form.add("&Grade", self.grade)
        form.add_wide(self.definition)
        form.add("Action taken", self.action)
        form.add("Outcome", self.outcome)
        form.add("Notes", self.notes)
        self.logged = QLabel("None logged.")
        self.logged.setObjectName("sideEffectsLogged")
        self.logged.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(quick)
        lay.addLayout(form)
        lay.addWidget(self.log)
        lay.addWidget(self.logged)
        self.type.currentIndexChanged.connect(self._define)
        self.grade.currentIndexChanged.connect(self._define)
        self.outcome.set_value(DEFAULT_OUTCOME)
        self._define()

    def choose(self, code: str) -> None:
        self.type.set_value(code)
        self.grade.setFocus()

    def _define(self, *_: object) -> None:
        code = self.type.value
        grade = int(self.grade.value)
        if code is None:
            self.definition.setText(f"Grade {grade}: {self.catalogue.generic[grade]}")
            return
        t = self.catalogue.type(code)
        text = t.definitions.get(grade) or "not a grade this side effect has"
        self.definition.setText(f"Grade {grade}: {text}")

    def side_effect(self, now: Any, by: int | None) -> SideEffect | None:
        if self.type.value is None:
            return None
        return SideEffect(type_code=self.type.value, onset_at=now, grade=int(self.grade.value),
                          action=SideEffectAction(self.action.value),
                          outcome=SideEffectOutcome(self.outcome.value), notes=self.notes.text().strip(),
                          recorded_by=by)

    def reset(self) -> None:
        self.type.setCurrentIndex(0)
        self.grade.setCurrentIndex(0)
        self.action.setCurrentIndex(0)
        self.outcome.set_value(DEFAULT_OUTCOME)
        self.notes.clear()

    def show_logged(self, effects: tuple[SideEffect, ...]) -> None:
        if not effects:
            self.logged.setText("None logged.")
            return
        names = {t.code: t.name for t in self.catalogue.types}
        self.logged.setText("<br>".join(
            f"{e.onset_at.astimezone():%H:%M} {names.get(e.type_code, e.type_code)}, grade {e.grade}, "
            f"{e.action.value.replace('_', ' ')}, {e.outcome.value}{': ' + e.notes if e.notes else ''}"
            for e in effects))
