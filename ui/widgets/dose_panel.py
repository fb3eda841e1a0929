"""The dose panel: what the nurse types, and everything the dosing engine says about it, live.

Every number and every finding comes from infusiondesk.dosing; this panel only lays them out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from infusiondesk import display
from infusiondesk.dosing import DoseCalculation, DoseOrder, Finding, calculate
from infusiondesk.drugs.library import Drug, Product
from infusiondesk.errors import InputError
from infusiondesk.records.models import DoseOrderRecord
from infusiondesk.service.entries import OrderContext, OrderEntry
from infusiondesk.units import Kind, Q
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit, ErrorLabel, QuantityEdit

TYPED_CONCENTRATION = "Type a concentration below"


def product_text(product: Product) -> str:
    """How a product's strength is typed: "2 g/50 mL" for a bag, "500 mg/mL" for a vial."""
    if product.amount is not None and product.volume is not None:
        return f"{display.format_mass(product.amount)}/{display.format_volume(product.volume)}"
    return f"{display.format_number(float(product.concentration.to('mg/mL').magnitude), 2)} mg/mL"


class FindingsView(QWidget):
    """Findings inline: hard ones say the order is blocked and why; soft ones each ask for a reason."""

    reasonsChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._shown: tuple[tuple[str, str, str], ...] | None = None
        self.reasons: dict[str, str] = {}
        self.reason_edits: dict[str, EnterMovesOnLineEdit] = {}
        self.read_only = False

    def show_findings(self, findings: tuple[Finding, ...]) -> None:
        key = tuple((f.level, f.code, f.message) for f in findings)
        if key == self._shown:
            return  # nothing changed: keep the widgets (and the caret in a reason field)
        self._shown = key
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item is not None and (w := item.widget()) is not None:
                w.deleteLater()
        self.reason_edits = {}
        if not findings:
            ok = QLabel("No findings: within every library limit.")
            ok.setObjectName("findingOk")
            self._layout.addWidget(ok)
        for f in findings:
            self._layout.addWidget(self._finding_row(f))

    def _finding_row(self, f: Finding) -> QWidget:
        box = QFrame()
        box.setObjectName(f"finding_{f.level}")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(8, 4, 8, 4)
        title = {"hard": "BLOCKED", "soft": "Needs a reason", "info": "Note"}[f.level]
        label = QLabel(f"<b>{title}:</b> {_escape(f.message)}")
        label.setWordWrap(True)
        label.setAccessibleName(f"{title}: {f.message}")
        label.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(label)
        if f.limit is not None:
            src = QLabel(f"Source: {f.limit.source}. {f.limit.basis}")
            src.setWordWrap(True)
            src.setObjectName("findingSource")
            lay.addWidget(src)
        if f.level == "soft":
            edit = EnterMovesOnLineEdit()
            edit.setPlaceholderText("Write why this is right for this patient")
            edit.setAccessibleName(f"Reason to continue: {f.message}")
            edit.setObjectName(f"reason_{f.code}")
            edit.setText(self.reasons.get(f.code, ""))
            edit.setReadOnly(self.read_only)
            edit.textChanged.connect(lambda text, code=f.code: self._reason(code, text))
            self.reason_edits[f.code] = edit
            lay.addWidget(edit)
        return box

    def _reason(self, code: str, text: str) -> None:
        self.reasons[code] = text
        self.reasonsChanged.emit()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DosePanel(QWidget):
    """Product picker and dose / concentration / duration-or-rate / weight fields, with live results."""

    changed = Signal()

    def __init__(self, drug: Drug, *, now: Callable[[], datetime] | None = None,
                 local: Callable[[datetime], datetime] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drug = drug
        self._now = now or (lambda: datetime.now(UTC))
        self._local = local or (lambda t: t.astimezone(UTC))  # the clinic's clock (the app passes it)
        self.age_years: float | None = None
        self.given_last_24h_g = 0.0
        self.renal_status: str | None = None
        self.calculation: DoseCalculation | None = None
        self.problem = ""

        self.indication = QComboBox()
        self.indication.setAccessibleName("Indication")
        for ind in drug.indications:
            self.indication.addItem(ind.name, ind.id)
            if ind.default:
                self.indication.setCurrentIndex(self.indication.count() - 1)
        self.product = QComboBox()
        self.product.setAccessibleName("Product")
        self.product.addItem(TYPED_CONCENTRATION, None)
        for p in drug.products:
            self.product.addItem(p.name, p.id)
        self.dose = QuantityEdit(Kind.DOSE, "dose", placeholder='"2 g", "2000 mg", "16 mEq", "25 mg/kg"')
        self.concentration = QuantityEdit(Kind.CONCENTRATION, "concentration",
                                          placeholder='"2 g/50 mL", "40 mg/mL", "4 %"')
        self.duration = QuantityEdit(Kind.DURATION, "duration", required=False,
                                     placeholder='"30 min", "1.5 h", "1 h 30 min"')
        self.rate = QuantityEdit(Kind.RATE, "rate", required=False,
                                 placeholder='or a rate: "100 mL/h", "66.7 mg/min"')
        self.weight = QuantityEdit(Kind.WEIGHT, "weight", required=False, placeholder='"70 kg", "154 lb"')
        self.fields = (self.dose, self.concentration, self.duration, self.rate, self.weight)
        self.timing_hint = QLabel("Type the duration or the pump rate, not both: the other is calculated.")
        self.timing_hint.setObjectName("timingHint")
        self.timing_hint.setWordWrap(True)

        form = QGridLayout()
        rows: list[tuple[str, QWidget, QWidget | None]] = [
            ("Indic&ation", self.indication, None),
            ("&Product", self.product, None),
            ("&Dose", self.dose, self.dose.error_label),  # Alt+O is the step's "Order this dose"
            ("Co&ncentration", self.concentration, self.concentration.error_label),  # Alt+C is "← Chart"
            ("D&uration", self.duration, self.duration.error_label),
            ("or &rate", self.rate, self.rate.error_label),
            ("", self.timing_hint, None),
            ("&Weight", self.weight, self.weight.error_label),
        ]
        for r, (text, widget, error) in enumerate(rows):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addWidget(label, r, 0)
            form.addWidget(widget, r, 1)
            if error is not None:
                form.addWidget(error, r, 2)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(2, 2)

        self.salt_line = QLabel("")
        self.salt_line.setObjectName("saltLine")
        self.salt_line.setAccessibleName("Dose in salt and elemental amounts")
        font = self.salt_line.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.salt_line.setFont(font)
        self.volume_value = QLabel("—")
        self.rate_value = QLabel("—")
        self.dose_rate_value = QLabel("—")
        self.duration_value = QLabel("—")
        self.end_value = QLabel("—")
        self.weight_based_value = QLabel("—")
        results = QGroupBox("Pump program")
        rform = QFormLayout(results)
        for text, label in (("Volume to be infused", self.volume_value), ("Pump rate", self.rate_value),
                            ("Dose rate", self.dose_rate_value), ("Duration", self.duration_value),
                            ("Ends at", self.end_value), ("Per kilogram", self.weight_based_value)):
            label.setAccessibleName(text)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            rform.addRow(text, label)
        self.rate_value.setObjectName("pumpRate")
        bold = self.rate_value.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.2)
        self.rate_value.setFont(bold)
        self.volume_value.setFont(bold)

        self.general_error = ErrorLabel()
        self.findings = FindingsView()
        self.findings.reasonsChanged.connect(self.changed)
        findings_box = QGroupBox("Findings against the drug library")
        QVBoxLayout(findings_box).addWidget(self.findings)
        self.library_label = QLabel(f"Library: {drug.path} ({drug.provenance})")
        self.library_label.setObjectName("libraryPath")
        self.library_label.setWordWrap(True)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.general_error)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.salt_line)
        right.addWidget(results)
        right.addWidget(findings_box)
        right.addStretch(1)
        right.addWidget(self.library_label)
        outer = QHBoxLayout(self)
        outer.addLayout(left, 3)
        outer.addLayout(right, 2)

        QWidget.setTabOrder(self.indication, self.product)
        QWidget.setTabOrder(self.product, self.dose)
        QWidget.setTabOrder(self.dose, self.concentration)
        QWidget.setTabOrder(self.concentration, self.duration)
        QWidget.setTabOrder(self.duration, self.rate)
        QWidget.setTabOrder(self.rate, self.weight)

        for f in self.fields:
            f.quantityChanged.connect(self.recalculate)
        self.concentration.textEdited.connect(self._concentration_typed)
        self.product.currentIndexChanged.connect(self._product_chosen)
        self.indication.currentIndexChanged.connect(lambda _i: self.recalculate())
        self.recalculate()

    # --- context from the chart -------------------------------------------------------------------
    def set_context(self, ctx: OrderContext) -> None:
        """The facts the visit service calculates an order with (age, today's weight, the 24 h total, renal
        status), read when the visit opens or changes, so the live preview is the calculation the order gets."""
        self.renal_status = ctx.renal_status
        self.set_patient_context(weight_kg=ctx.weight_kg, age_years=ctx.age_years, given_last_24h_g=ctx.given_24h_g)

    def set_patient_context(self, *, weight_kg: float | None, age_years: float | None,
                            given_last_24h_g: float = 0.0) -> None:
        """Today's weight (pre-filled, editable), age (paediatric rules) and magnesium already given."""
        self.age_years = age_years
        self.given_last_24h_g = given_last_24h_g
        if weight_kg is not None and not self.weight.text():
            self.weight.setText(f"{display.format_number(weight_kg, 1)} kg")
        self.recalculate()

    # --- typing -----------------------------------------------------------------------------------
    def _both_timings(self) -> str:
        """A duration and a rate both typed: an order runs by one of them. Nothing typed is cleared for the nurse
        (a silently erased entry is worse than a question); the sentence says which to clear."""
        duration, rate = self.duration.text().strip(), self.rate.text().strip()
        if not (duration and rate):
            return ""
        return (f'Both a duration ("{duration}") and a rate ("{rate}") are typed; clear the one you do not mean '
                "(the other is calculated).")

    def _product_chosen(self, index: int) -> None:
        pid = self.product.itemData(index)
        if pid is not None:
            self.concentration.setText(product_text(self.drug.product(pid)))
        self.recalculate()

    def _concentration_typed(self, text: str) -> None:
        pid = self.product.currentData()
        if pid is not None and text.strip() != product_text(self.drug.product(pid)):
            self.product.blockSignals(True)
            self.product.setCurrentIndex(0)
            self.product.blockSignals(False)

    def product_id(self) -> str | None:
        pid = self.product.currentData()
        return str(pid) if pid is not None else None

    def recalculate(self) -> None:
        """Re-run the dosing engine on what is typed; show the numbers or say what is missing."""
        self.calculation = None
        self.problem = ""
        for f in self.fields:
            f.set_problem("")
        both = self._both_timings()
        if both:
            self.problem = both
            self.duration.set_problem(both)
            self.rate.set_problem("Duration or rate: clear one.")
        elif all(f.valid for f in self.fields) and self.dose.quantity is not None \
                and self.concentration.quantity is not None:
            order = DoseOrder(
                dose=self.dose.quantity, concentration=self.concentration.quantity,
                duration=self.duration.quantity, rate=self.rate.quantity, weight=self.weight.quantity,
                age_years=self.age_years, indication=self.indication.currentData(),
                given_last_24h=Q(self.given_last_24h_g, "gram") if self.given_last_24h_g else None,
                product_id=self.product_id())
            if self.renal_status is not None and "renal_status" in DoseOrder.__dataclass_fields__:
                order = dataclasses.replace(order, renal_status=self.renal_status)
            try:
                self.calculation = calculate(self.drug, order)
            except InputError as exc:
                target = {f.field: f for f in self.fields}.get(exc.field)
                if target is not None:
                    target.set_problem(exc.message)
                self.problem = exc.message
        elif not self.problem:
            missing = [f.accessibleName().lower() for f in (self.dose, self.concentration) if f.quantity is None]
            if missing:
                self.problem = f"Enter the {' and the '.join(missing)} to see the pump program."
        shown_problem = self.problem if not any(f.error_label.text() == self.problem for f in self.fields) else ""
        self.general_error.show_message("" if self.calculation else shown_problem)
        self._show_results()
        self.changed.emit()

    def _show_results(self) -> None:
        calc = self.calculation
        if calc is None:
            for label in (self.volume_value, self.rate_value, self.dose_rate_value, self.duration_value,
                          self.end_value, self.weight_based_value):
                label.setText("—")
            self.salt_line.setText("")
            self.findings.show_findings(())
            self.findings.setVisible(False)
            return
        shown = calc.display()
        self.findings.setVisible(True)
        self.salt_line.setText(shown["salt_and_elemental"])
        self.volume_value.setText(shown["volume"])
        self.rate_value.setText(shown["rate"])
        self.dose_rate_value.setText(shown["dose_rate"])
        self.duration_value.setText(shown["duration"])
        self.weight_based_value.setText(shown.get("weight_based_dose", "—"))
        minutes = float(calc.duration.to("min").magnitude)
        end = self._local(self._now() + timedelta(minutes=minutes))
        self.end_value.setText(f"{end:%H:%M} if started now")
        self.findings.show_findings(calc.findings)

    # --- what the workflow needs ------------------------------------------------------------------
    @property
    def blocked(self) -> bool:
        return self.calculation is not None and self.calculation.blocked

    def reasons(self) -> dict[str, str]:
        """The written override reason per soft finding code (only the ones currently found)."""
        if self.calculation is None:
            return {}
        return {f.code: self.findings.reasons.get(f.code, "").strip() for f in self.calculation.soft_findings}

    def missing_reasons(self) -> list[str]:
        return [code for code, text in self.reasons().items() if not text]

    def entry(self) -> OrderEntry:
        """The order as typed, for the visit service (which calculates it again, with the facts it reads then):
        a chosen product or a typed concentration, never both; the weight charts today's weight."""
        pid = self.product_id()
        indication = self.indication.currentData()
        return OrderEntry(dose=self.dose.text().strip(), product=pid,
                          concentration="" if pid is not None else self.concentration.text().strip(),
                          duration=self.duration.text().strip(), rate=self.rate.text().strip(),
                          indication=str(indication) if indication is not None else None,
                          weight=self.weight.text().strip(), reasons=self.reasons())

    def state(self) -> dict[str, Any]:
        """What was typed, for drafts."""
        return {"indication": self.indication.currentData(), "product": self.product_id(),
                **{f.field: f.text() for f in self.fields}, "reasons": dict(self.findings.reasons)}

    def restore(self, state: dict[str, Any]) -> None:
        ind = self.indication.findData(state.get("indication"))
        if ind >= 0:
            self.indication.setCurrentIndex(ind)
        self.findings.reasons.update(state.get("reasons", {}))
        prod = self.product.findData(state.get("product"))
        self.product.setCurrentIndex(max(prod, 0))
        for f in self.fields:
            if f.field in state:
                f.setText(str(state[f.field]))

    def load_record(self, record: DoseOrderRecord) -> None:
        """Show an order already placed (read back from the visit)."""
        self.restore({"indication": record.indication, "product": record.product_id, "dose": record.dose_text,
                      "concentration": record.concentration_text, "duration": record.duration_text,
                      "rate": record.rate_text, "weight": record.weight_text,
                      "reasons": {o.code: o.reason for o in record.overrides}})

    def set_read_only(self, read_only: bool) -> None:
        for f in self.fields:
            f.setReadOnly(read_only)
        self.indication.setEnabled(not read_only)
        self.product.setEnabled(not read_only)
        self.findings.read_only = read_only
        for edit in self.findings.reason_edits.values():
            edit.setReadOnly(read_only)
