"""Asked at "Record payment…": how the patient paid (cash, card, HSA/FSA card), how much (the priced lines'
total already typed in) and on which day. Typed from the keyboard: Tab between fields, Enter records."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from infusiondesk.billing.receipt import PaymentMethod
from infusiondesk.errors import DomainError
from infusiondesk.units import date_rule, parse_date
from infusiondesk_ui.views.patient_form import day_first_locale


class PaymentDialog(QDialog):
    chosen = Signal(object, int, object)  # PaymentMethod, amount in cents, the day it was paid

    def __init__(self, parent: QWidget | None, amount: str, method: PaymentMethod, today: date, *,
                 total: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("InfusionDesk — record a payment")
        self.day_first = day_first_locale()
        self.method = QComboBox()
        for m in PaymentMethod:
            self.method.addItem(m.label, m.value)
        self.method.setCurrentIndex(list(PaymentMethod).index(method))
        self.method.setAccessibleName("Payment method")
        self.amount = QLineEdit(amount)
        self.amount.setAccessibleName("Amount paid, dollars")
        self.day = QLineEdit(today.isoformat())
        self.day.setAccessibleName(f"Date paid ({date_rule(self.day_first)})")
        self.problem = QLabel()
        self.problem.setObjectName("paymentProblem")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Method", self.method)  # (a QFormLayout label is its field's buddy: Alt+M, Alt+A, Alt+D)
        form.addRow("&Amount ($)", self.amount)
        form.addRow("&Date paid", self.day)
        buttons = QDialogButtonBox()
        self.record = buttons.addButton("&Record payment", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.record.setDefault(True)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        self.total = QLabel(f"The visit's priced lines come to {total}.")
        lay.addWidget(self.total)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)
        self.method.setFocus()

    def submit(self) -> None:
        """Read what was typed; a slip is said here in one sentence, the rest (who may take it, the amount's
        bounds) the store decides."""
        from infusiondesk.billing_cli import cents

        try:
            amount = cents(self.amount.text())
            day = parse_date(self.day.text(), "date paid", day_first=self.day_first)
        except DomainError as exc:
            self.problem.setText(exc.message)
            return
        method = self.method.currentData()
        self.accept()
        self.chosen.emit(PaymentMethod(method), amount, day)
