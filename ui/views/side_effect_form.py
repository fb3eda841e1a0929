"""Side effects during the infusion: quick buttons for the common ones, the grade with its definition, the
action taken and the outcome (logged as "ongoing" while the nurse still watches it), and later updates of a
logged one's outcome, action and notes (so the note does not say "ongoing" once it resolved)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from infusiondesk import workflow
from infusiondesk.records.models import SideEffect, SideEffectAction, SideEffectOutcome
from infusiondesk_ui.widgets.forms import ChoiceBox, Form
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit

SHORTCUT_SIDE_EFFECT = "F9"


DEFAULT_OUTCOME = SideEffectOutcome.ONGOING  # the honest default: it is logged while the nurse still watches


class SideEffectForm(QGroupBox):
    """Quick buttons for the common side effects; grade 1-5 with its definition; action and outcome."""

    QUICK = 6
    updateRequested = Signal(int, object, object, str)  # index, outcome, action, notes

    def __init__(self, local: Callable[[datetime], datetime], parent: QWidget | None = None) -> None:
        super().__init__("Side effects", parent)
        self._local = local  # times in the clinic's zone
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
        self.which = ChoiceBox("Logged side effect to update", ())
        self.new_outcome = ChoiceBox("Updated outcome", tuple((o.value, o) for o in SideEffectOutcome))
        self.new_action = ChoiceBox("Updated action taken", tuple((a.value.replace("_", " "), a)
                                                                   for a in SideEffectAction))
        self.new_notes = EnterMovesOnLineEdit()
        self.new_notes.setAccessibleName("Updated side effect notes")
        self.new_notes.setPlaceholderText("notes")
        self.update_button = QPushButton("Update side e&ffect")
        self.update_box = QWidget()  # one row: it must not crowd the infusion screen at 1280×800
        self.update_box.setAccessibleName("Update a logged side effect")
        ul = QHBoxLayout(self.update_box)
        ul.setContentsMargins(0, 0, 0, 0)
        update_label = QLabel("Update:")
        update_label.setBuddy(self.which)
        ul.addWidget(update_label)
        ul.addWidget(self.which, 2)
        ul.addWidget(self.new_outcome, 1)
        ul.addWidget(self.new_action, 1)
        ul.addWidget(self.new_notes, 2)
        ul.addWidget(self.update_button)
        self.update_box.setVisible(False)
        lay.addWidget(self.update_box)
        self.which.currentIndexChanged.connect(self._prefill)
        self.update_button.clicked.connect(self._request_update)
        self._effects: tuple[SideEffect, ...] = ()
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

    def _prefill(self, *_: object) -> None:
        """The chosen side effect's outcome, action and notes as logged, ready to be changed."""
        index = self.which.value
        if index is None or not 0 <= index < len(self._effects):
            return
        e = self._effects[index]
        self.new_outcome.set_value(e.outcome)
        self.new_action.set_value(e.action)
        self.new_notes.setText(e.notes)

    def _request_update(self) -> None:
        index = self.which.value
        if index is not None:
            self.updateRequested.emit(int(index), self.new_outcome.value, self.new_action.value,
                                      self.new_notes.text())

    def _show_updatable(self, effects: tuple[SideEffect, ...]) -> None:
        """The logged side effects to choose from; keeps the one chosen (and what was typed) when the list is the
        same, so a refused update loses nothing."""
        names = {t.code: t.name for t in self.catalogue.types}
        labels = [f"{self._local(e.onset_at):%H:%M} {names.get(e.type_code, e.type_code)}, grade {e.grade}"
                  for e in effects]
        same = [self.which.itemText(i) for i in range(self.which.count())] == labels
        changed = effects != self._effects
        self._effects = effects
        self.update_box.setVisible(bool(effects))
        if not same:
            keep = self.which.currentIndex()
            self.which.blockSignals(True)
            self.which.clear()
            for i, label in enumerate(labels):
                self.which.addItem(label, i)
            self.which.setCurrentIndex(min(max(keep, 0), len(labels) - 1) if labels else -1)
            self.which.blockSignals(False)
        if changed:
            self._prefill()

    def set_updatable(self, allowed: bool) -> None:
        """Updates are charted while infusing and once completed; never on a signed visit."""
        for w in (self.which, self.new_outcome, self.new_action, self.new_notes, self.update_button):
            w.setEnabled(allowed)

    def show_logged(self, effects: tuple[SideEffect, ...]) -> None:
        self._show_updatable(effects)
        if not effects:
            self.logged.setText("None logged.")
            return
        names = {t.code: t.name for t in self.catalogue.types}
        self.logged.setText("<br>".join(
            f"{self._local(e.onset_at):%H:%M} {names.get(e.type_code, e.type_code)}, grade {e.grade}, "
            f"{e.action.value.replace('_', ' ')}, {e.outcome.value}{': ' + e.notes if e.notes else ''}"
            for e in effects))
