"""Step 2: the dose panel, the clinician's order (with reasons for soft findings) and the double check."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from infusiondesk import workflow
from infusiondesk.records.models import Visit, VisitStatus
from ui.session import VisitController
from ui.widgets.dose_panel import DosePanel


class DoseStep(QWidget):
    def __init__(self, controller: VisitController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.c = controller
        s = controller.session
        self.panel = DosePanel(s.drug, now=s.clock.now)
        self.order = QPushButton("&Order this dose")
        self.order.setToolTip("A clinician accepts the calculation; each warning needs its written reason.")
        self.check = QPushButton("Second-person double chec&k")
        self.status = QLabel()
        self.status.setObjectName("orderStatus")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.order)
        row.addWidget(self.check)
        row.addWidget(self.status, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.panel, 1)
        lay.addLayout(row)
        self.order.clicked.connect(self.place_order)
        self.check.clicked.connect(self.double_check)
        self.panel.changed.connect(self._enable)
        controller.visitChanged.connect(self.show_visit)
        self.show_visit(controller.visit)

    def place_order(self) -> None:
        calc = self.panel.calculation
        s = self.c.session
        user = s.require_user()
        if calc is None:
            self.c.problem.emit(self.panel.problem or "Complete the dose fields first.")
            return
        if calc.blocked:
            hard = [f for f in calc.findings if f.level == "hard"]
            s.store.audit("hard_stop", user, {
                "visit_id": self.c.visit.id, "patient_id": self.c.patient.id,
                "code": ", ".join(f.code for f in hard), "message": " ".join(f.message for f in hard),
                "dose": calc.display()["dose"], "rate": calc.display()["rate"]})
        missing = self.panel.missing_reasons()
        if missing and not calc.blocked:
            edit = self.panel.findings.reason_edits.get(missing[0])
            if edit is not None:
                edit.setFocus()
        self.c.apply(workflow.order_dose, self.panel.order_record(), calc, self.panel.reasons(), user,
                     s.clock.now())

    def double_check(self) -> None:
        """The second person signs in here (user name and password) without signing the first one out."""
        from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit

        dialog = QDialog(self)
        dialog.setWindowTitle("InfusionDesk — independent double check")
        username, password = QLineEdit(), QLineEdit()
        username.setAccessibleName("Second person's user name")
        password.setAccessibleName("Second person's password")
        password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(dialog)
        form.addRow("Second person's user name", username)
        form.addRow("Password", password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.check_by(username.text(), password.text())

    def check_by(self, username: str, password: str) -> None:
        from infusiondesk.errors import DomainError

        s = self.c.session
        try:
            checker = s.store.authenticate(username.strip(), password)
        except DomainError as exc:
            self.c.problem.emit(f"Not double-checked: {exc.message}")
            return
        self.c.apply(workflow.double_check, checker, s.clock.now())

    def _enable(self) -> None:
        editable = self.c.visit.status is VisitStatus.ASSESSED
        self.order.setEnabled(editable and self.panel.calculation is not None)

    def show_visit(self, visit: Visit) -> None:
        order = visit.dose_order
        if order is None:
            self.status.setText("No dose ordered yet." if visit.status is VisitStatus.ASSESSED
                                else "The dose can be ordered once a clinician has found the patient suitable.")
        else:
            computed = order.computed.get("display", {})
            check = (f"double-checked at {order.double_check.at:%H:%M}" if order.double_check
                     else "not double-checked")
            overrides = f"; {len(order.overrides)} warning(s) passed with a reason" if order.overrides else ""
            self.status.setText(f"Ordered {computed.get('salt_and_elemental', order.dose_text)} at "
                                f"{computed.get('rate', '')} ({order.ordered_at:%H:%M}), {check}{overrides}.")
        self.check.setEnabled(order is not None and visit.status is VisitStatus.ASSESSED)
        self.panel.set_read_only(visit.status not in (VisitStatus.DRAFT, VisitStatus.ASSESSED))
        self._enable()
