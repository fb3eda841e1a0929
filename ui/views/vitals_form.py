"""Vital signs as typed numbers, one row: BP, heart rate, breathing, SpO2, temperature, pain, reflex."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from infusiondesk.records.models import VitalSigns, VitalsPhase
from infusiondesk_ui.widgets.forms import ChoiceBox
from infusiondesk_ui.widgets.number_edit import NumberEdit

REFLEX = (("not checked", None), ("present", "present"), ("diminished", "diminished"), ("absent", "absent"))


class VitalsForm(QWidget):
    """`vitals(now, phase, by)` builds the value; the workflow checks the ranges."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.systolic = NumberEdit("Systolic", "mmHg", "120")
        self.diastolic = NumberEdit("Diastolic", "mmHg", "80")
        self.heart_rate = NumberEdit("Heart rate", "/min", "72")
        self.resp_rate = NumberEdit("Respiratory rate", "/min", "16")
        self.spo2 = NumberEdit("SpO2", "%", "98")
        self.temperature = NumberEdit("Temperature", "°C", "36.8", integer=False)
        self.pain = NumberEdit("Pain", "0-10", "5")
        self.reflex = ChoiceBox("Patellar reflex", REFLEX)
        self.numbers = (self.systolic, self.diastolic, self.heart_rate, self.resp_rate, self.spo2,
                        self.temperature, self.pain)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        if title:
            self.setAccessibleName(title)
        self.labels: dict[QWidget, QLabel] = {}
        for col, w in enumerate((*self.numbers, self.reflex)):
            self.labels[w] = QLabel(w.accessibleName())
            self.labels[w].setWordWrap(True)  # "Respiratory rate (/min)" on two lines keeps the row on a laptop screen
            grid.addWidget(self.labels[w], 0, col)
            grid.addWidget(w, 1, col)
            grid.setColumnStretch(col, 1)
        self.errors = QLabel()
        self.errors.setObjectName("fieldError")
        self.errors.setWordWrap(True)
        grid.addWidget(self.errors, 2, 0, 1, len(self.numbers) + 1)
        for n in self.numbers:
            n.textChanged.connect(self._show_errors)
        self._show_errors()

    def leave_out(self, field: QWidget) -> None:
        """Hide a field charted elsewhere on the same screen (the assessment's pain is "Pain before")."""
        grid = self.layout()
        assert isinstance(grid, QGridLayout)
        # PySide6's stub says getItemPosition returns `object`; it is (row, column, row span, column span)
        col = cast(tuple[int, int, int, int], grid.getItemPosition(grid.indexOf(field)))[1]
        for w in (field, self.labels[field]):
            w.hide()
            grid.removeWidget(w)
        grid.setColumnStretch(col, 0)  # no empty column left where it stood

    def _show_errors(self) -> None:
        text = " ".join(n.message for n in self.numbers if n.message)
        self.errors.setText(text)
        self.errors.setVisible(bool(text))

    @property
    def valid(self) -> bool:
        return all(n.valid for n in self.numbers)

    @property
    def empty(self) -> bool:
        return all(n.value is None for n in self.numbers) and self.reflex.value is None

    def vitals(self, now: datetime, phase: VitalsPhase, by: int | None) -> VitalSigns:
        def i(n: NumberEdit) -> int | None:
            return int(n.value) if n.value is not None else None

        return VitalSigns(
            taken_at=now, systolic=i(self.systolic), diastolic=i(self.diastolic), heart_rate=i(self.heart_rate),
            resp_rate=i(self.resp_rate), spo2=i(self.spo2),
            temperature_c=float(self.temperature.value) if self.temperature.value is not None else None,
            pain_score=i(self.pain), patellar_reflex=self.reflex.value, phase=phase, recorded_by=by)

    def clear(self) -> None:
        for n in self.numbers:
            n.clear()
        self.reflex.setCurrentIndex(0)

    def state(self) -> dict[str, str]:
        return {n.field: n.text() for n in self.numbers} | {"reflex": self.reflex.value or ""}

    def restore(self, state: dict[str, str]) -> None:
        for n in self.numbers:
            n.setText(state.get(n.field, ""))
        self.reflex.set_value(state.get("reflex") or None)

    def show_vitals(self, v: VitalSigns | None) -> None:
        if v is None:
            return
        for n, value in ((self.systolic, v.systolic), (self.diastolic, v.diastolic),
                         (self.heart_rate, v.heart_rate), (self.resp_rate, v.resp_rate), (self.spo2, v.spo2),
                         (self.temperature, v.temperature_c), (self.pain, v.pain_score)):
            n.set_value(value)
        self.reflex.set_value(v.patellar_reflex)

    def set_read_only(self, ro: bool) -> None:
        for n in self.numbers:
            n.setReadOnly(ro)
        self.reflex.setEnabled(not ro)
