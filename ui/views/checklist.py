"""The readiness checklist before the start, as typed: what the visit service charts (`Preparation`) and what the
workflow's readiness rule reads to say what still stops the start. Baseline vital signs are the charted ones,
never a tick box here."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QVBoxLayout, QWidget

from infusiondesk import display
from infusiondesk.records.models import IVAccess, Readiness
from infusiondesk.service import Preparation
from infusiondesk.units import Kind, Q
from ui.widgets.forms import Form
from ui.widgets.number_edit import NumberEdit
from ui.widgets.quantity_edit import EnterMovesOnLineEdit, ErrorLabel, QuantityEdit

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_expiry(text: str) -> tuple[date | None, str]:
    """An expiry typed or scanned as YYYY-MM-DD; the message says what is wrong in words."""
    s = text.strip()
    if not s:
        return None, ""
    m = _DATE.match(s)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])), ""
        except ValueError:
            pass
    return None, f'Expiry "{s}" is not a date; enter it as year-month-day, such as 2027-03-31.'


class ReadinessForm(QGroupBox):
    """The checklist before Start; its problems come from workflow.readiness_problems, live."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Before the start", parent)
        self.consent = QCheckBox("Consent recorded")
        self.allergies = QCheckBox("Allergies reviewed with the patient")
        self.weight = QuantityEdit(Kind.WEIGHT, "today's weight", required=False, placeholder='"70 kg"')
        self.weight_ack = QCheckBox("Weight change acknowledged")
        self.iv_site = EnterMovesOnLineEdit()
        self.iv_site.setAccessibleName("IV site")
        self.iv_site.setPlaceholderText("left antecubital")
        self.iv_gauge = EnterMovesOnLineEdit()
        self.iv_gauge.setAccessibleName("IV gauge")
        self.iv_gauge.setPlaceholderText("22 G")
        self.iv_attempts = NumberEdit("IV attempts", "", "1")
        self.iv_by = EnterMovesOnLineEdit()
        self.iv_by.setAccessibleName("IV placed by")
        self.lot = EnterMovesOnLineEdit()
        self.lot.setAccessibleName("Lot number (scan or type)")
        self.lot.setPlaceholderText("scan the bag's barcode, or type the lot")
        self.expiry = EnterMovesOnLineEdit()
        self.expiry.setAccessibleName("Lot expiry date")
        self.expiry.setPlaceholderText("2027-03-31")
        self.expiry_error = ErrorLabel()
        self.calcium = QCheckBox("Calcium gluconate 10 % at the chair")
        form = Form()
        for w in (self.consent, self.allergies):
            form.add_wide(w)
        form.add("Today's &weight", self.weight, self.weight.error_label)
        form.add_wide(self.weight_ack)
        form.add("IV &site", self.iv_site)
        form.add("IV gauge", self.iv_gauge)
        form.add("IV attempts", self.iv_attempts, self.iv_attempts.error_label)
        form.add("IV placed by", self.iv_by)
        form.add("&Lot", self.lot)
        form.add("E&xpiry", self.expiry, self.expiry_error)
        form.add_wide(self.calcium)
        self.problems = QLabel()
        self.problems.setObjectName("readinessProblems")
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("What stops the start")
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.problems)
        self.expiry.textChanged.connect(lambda t: self.expiry_error.show_message(parse_expiry(t)[1]))
        for cb in self.checks():
            cb.setAccessibleName(cb.text())

    def show_charted_weight(self, kg: float | None) -> None:
        """Today's weight is typed once: once charted (with the order, or here), it is shown read-only; the dose
        step, before the order, is where it is corrected."""
        if kg is None:
            self.weight.setReadOnly(False)
            self.weight.setToolTip("")
            return
        shown = display.format_weight(Q(kg, "kg"))
        if self.weight.quantity is None or abs(float(self.weight.quantity.to("kg").magnitude) - kg) > 1e-9:
            self.weight.setText(shown)
        self.weight.setReadOnly(True)
        self.weight.setToolTip(f"Today's weight is charted ({shown}); it is typed once.")

    def checks(self) -> tuple[QCheckBox, ...]:
        return (self.consent, self.allergies, self.weight_ack, self.calcium)

    def inputs(self) -> tuple[QWidget, ...]:
        return (self.consent, self.allergies, self.weight, self.weight_ack, self.iv_site, self.iv_gauge,
                self.iv_attempts, self.iv_by, self.lot, self.expiry, self.calcium)

    def _iv_access(self) -> IVAccess | None:
        if not any(w.text().strip() for w in (self.iv_site, self.iv_gauge, self.iv_by, self.iv_attempts)):
            return None
        return IVAccess(site=self.iv_site.text().strip(), gauge=self.iv_gauge.text().strip(),
                        attempts=int(self.iv_attempts.value or 0), placed_by=self.iv_by.text().strip())

    def preparation(self) -> Preparation:
        """The checklist as charted, for the visit service; today's weight as typed (empty keeps what the
        order charted)."""
        return Preparation(consent=self.consent.isChecked(), allergies_reviewed=self.allergies.isChecked(),
                           weight=self.weight.text().strip(), weight_change_acknowledged=self.weight_ack.isChecked(),
                           iv=self._iv_access(), lot=self.lot.text().strip(),
                           expiry=parse_expiry(self.expiry.text())[0],
                           calcium_gluconate_at_chair=self.calcium.isChecked())

    def readiness(self, charted_weight_kg: float | None = None) -> Readiness:
        """The checklist as it would read once charted (for showing what still stops the start)."""
        weight = self.weight.quantity
        return Readiness(
            consent=self.consent.isChecked(), allergies_reviewed=self.allergies.isChecked(),
            weight_kg_today=float(weight.to("kg").magnitude) if weight is not None else charted_weight_kg,
            weight_change_acknowledged=self.weight_ack.isChecked(), iv_access=self._iv_access(),
            lot_number=self.lot.text().strip(), lot_expiry=parse_expiry(self.expiry.text())[0],
            calcium_gluconate_available=self.calcium.isChecked())

    def load(self, r: Readiness) -> None:
        self.consent.setChecked(r.consent)
        self.allergies.setChecked(r.allergies_reviewed)
        if r.weight_kg_today is not None:
            self.weight.setText(display.format_weight(Q(r.weight_kg_today, "kg")))
        self.weight_ack.setChecked(r.weight_change_acknowledged)
        if r.iv_access is not None:
            self.iv_site.setText(r.iv_access.site)
            self.iv_gauge.setText(r.iv_access.gauge)
            self.iv_attempts.set_value(r.iv_access.attempts)
            self.iv_by.setText(r.iv_access.placed_by)
        self.lot.setText(r.lot_number)
        self.expiry.setText(r.lot_expiry.isoformat() if r.lot_expiry else "")
        self.calcium.setChecked(r.calcium_gluconate_available)

    def state(self) -> dict[str, Any]:
        return {"checks": {cb.text(): cb.isChecked() for cb in self.checks()},
                "texts": {w.accessibleName(): w.text() for w in (self.weight, self.iv_site, self.iv_gauge,
                                                                 self.iv_attempts, self.iv_by, self.lot,
                                                                 self.expiry)}}

    def restore(self, state: dict[str, Any]) -> None:
        for cb in self.checks():
            cb.setChecked(bool(state.get("checks", {}).get(cb.text(), False)))
        for w in (self.weight, self.iv_site, self.iv_gauge, self.iv_attempts, self.iv_by, self.lot, self.expiry):
            w.setText(state.get("texts", {}).get(w.accessibleName(), ""))

    def set_read_only(self, ro: bool) -> None:
        for w in self.inputs():
            w.setEnabled(not ro)
