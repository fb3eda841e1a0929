"""Step 2: the dose panel, the order (a clinician's is approved at once; a nurse's waits for a clinician's
approval, with the reasons for soft findings), and the independent double check by a second person."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from infusiondesk.records.models import DoseOrderRecord, Role, Visit, VisitStatus
from infusiondesk_ui.session import VisitController
from infusiondesk_ui.widgets.dose_panel import DosePanel

AWAITING_APPROVAL = "awaiting a clinician's approval"


class DoseStep(QWidget):
    def __init__(self, controller: VisitController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.c = controller
        s = controller.session
        self.panel = DosePanel(s.drug, now=s.clock.now, local=s.local)
        self.order = QPushButton("&Order this dose")
        self.order.setToolTip("A clinician's order is approved at once; a nurse's order waits for a clinician's "
                              "approval. Each warning needs its written reason.")
        self.approve = QPushButton("Appro&ve the order")
        self.approve.setToolTip("A clinician approves the order a nurse entered; each warning needs its written "
                                "reason (the nurse's proposal, or your own).")
        self.check = QPushButton("Second-person double chec&k")
        self.status = QLabel()
        self.status.setObjectName("orderStatus")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.order)
        row.addWidget(self.approve)
        row.addWidget(self.check)
        row.addWidget(self.status, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.panel, 1)
        lay.addLayout(row)
        self.order.clicked.connect(self.place_order)
        self.approve.clicked.connect(self.approve_order)
        self.check.clicked.connect(self.double_check)
        self.panel.changed.connect(self._enable)
        self._context_asked = 0  # the newest order-context read; an older one arriving late is not shown
        self._names: dict[int, str] = {}  # user id -> full name, read off the UI thread as orders name them
        controller.visitChanged.connect(self.show_visit)
        self.show_visit(controller.visit)

    def refresh_context(self, visit: Visit) -> None:
        """Age, today's weight and the 24 h total as the service reads them now (once per visit change), read
        off the UI thread; only the newest read is shown (an older one arriving late is dropped)."""
        from infusiondesk_ui.operations import StoreOp

        if visit.status not in (VisitStatus.DRAFT, VisitStatus.ASSESSED):
            return
        self._context_asked += 1
        asked, service = self._context_asked, self.c.session.service
        visit_id, now, by = visit.id, self.c.session.clock.now(), self.c.session.require_session()

        def shown(ctx: Any) -> None:
            if asked == self._context_asked:
                self.panel.set_context(ctx)

        def refused(sentence: str) -> None:
            if asked == self._context_asked:
                self.c.problem.emit(sentence)

        StoreOp(self, lambda: service.order_context(visit_id, now, by=by), busy_cursor=False) \
            .success(shown).failure(refused).run()

    def place_order(self) -> None:
        if self.panel.calculation is None:
            self.c.problem.emit(self.panel.problem or "Complete the dose fields first.")
            return
        missing = self.panel.missing_reasons()
        if missing and not self.panel.blocked:
            edit = self.panel.findings.reason_edits.get(missing[0])
            if edit is not None:
                edit.setFocus()
        # a hard stop is refused and audited by the service
        self.c.run("order", self.panel.entry(), disable=self._actions())

    def approve_order(self) -> None:
        self.c.run("approve_order", self.panel.reasons(), disable=self._actions())

    def _actions(self) -> tuple[QWidget, ...]:
        """Off while a step runs: a second press or Enter saves nothing."""
        return (self.order, self.approve, self.check)

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

    def check_by(self, username: str, password: str) -> bool:
        """The checker signs in on the spot (a short session of their own, ended after the step), and the double
        check is their step: the service checks their session, so nobody names a witness without their password.
        Signing in (slow on purpose) and the step both run off the UI thread; False when not started."""
        from infusiondesk.errors import DomainError
        from infusiondesk.service import Step

        store, service = self.c.session.store, self.c.session.service
        visit_id, version, at = self.c.visit.id, self.c.visit.version, self.c.session.clock.now()

        def checked() -> Visit:
            try:
                checker = store.users.sign_in(username.strip(), password)
            except DomainError as exc:
                raise DomainError(f"Not double-checked: {exc.message}") from exc
            try:
                saved: Visit = service.double_check(Step(checker, visit_id, version, at))
                return saved
            finally:
                store.users.sign_out(checker)

        return self.c.start(checked, disable=self._actions())

    def _enable(self) -> None:
        editable = self.c.visit.status is VisitStatus.ASSESSED
        self.order.setEnabled(editable and self.panel.calculation is not None)

    def _name(self, user_id: int | None) -> str:
        """The name as read (`_read_names`); "user #7" until it arrives or when it cannot be read."""
        if user_id is None:
            return "someone"
        return self._names.get(user_id, f"user #{user_id}")

    def _read_names(self, order: DoseOrderRecord) -> None:
        """Read the names the order shows that are not known yet, off the UI thread; then show the order again."""
        from infusiondesk_ui.operations import StoreOp

        dc = order.double_check
        wanted = {i for i in (order.ordered_by, order.approved_by, dc.by if dc else None) if i is not None}
        missing = sorted(wanted - self._names.keys())
        if not missing:
            return
        users = self.c.session.store.users

        def read() -> dict[int, str]:
            names = {}
            for user_id in missing:
                try:
                    names[user_id] = str(users.get(user_id).full_name)
                except Exception:  # a name that cannot be read is shown as its number
                    names[user_id] = f"user #{user_id}"
            return names

        def arrived(names: dict[int, str]) -> None:
            self._names.update(names)
            order_now = self.c.visit.dose_order
            if order_now is not None:
                self.status.setText(self._order_text(order_now))

        StoreOp(self, read, busy_cursor=False).success(arrived).failure(self.c.problem.emit).run()

    def _order_text(self, order: DoseOrderRecord) -> str:
        shown = order.computed.display if order.computed else {}
        what = f"{shown.get('salt_and_elemental', order.dose_text)} at {shown.get('rate', '')}"
        entered = f"{self.c.session.hhmm(order.ordered_at)}" if order.ordered_at else ""
        if order.approved_by is None:
            return (f"Entered {what} by {self._name(order.ordered_by)} ({entered}): <b>{AWAITING_APPROVAL}</b>"
                    ". It cannot be double-checked or started until a clinician approves it.")
        dc = order.double_check
        check = (f"double-checked by {self._name(dc.by)} at {self.c.session.hhmm(dc.at)}" if dc
                 else "not double-checked yet")
        who = (f"by {self._name(order.approved_by)}" if order.approved_by == order.ordered_by else
               f"by {self._name(order.ordered_by)}, approved by {self._name(order.approved_by)}")
        overrides = f"; {len(order.overrides)} warning(s) passed with a reason" if order.overrides else ""
        return f"Ordered {what} {who} ({entered}), {check}{overrides}."

    def show_visit(self, visit: Visit) -> None:
        order = visit.dose_order
        assessed = visit.status is VisitStatus.ASSESSED
        if order is None:
            self.status.setText("No dose ordered yet." if assessed
                                else "The dose can be ordered once a clinician has found the patient suitable.")
        else:
            self.status.setText(self._order_text(order))
            self._read_names(order)
        user = self.c.session.user
        clinician = user is not None and user.role is Role.CLINICIAN
        awaiting = order is not None and order.approved_by is None
        self.approve.setVisible(clinician and awaiting and assessed)
        self.approve.setEnabled(clinician and awaiting and assessed)
        self.check.setEnabled(order is not None and not awaiting and order.double_check is None and assessed)
        self.check.setToolTip(f"The order is {AWAITING_APPROVAL}." if awaiting else "")
        self.panel.set_read_only(visit.status not in (VisitStatus.DRAFT, VisitStatus.ASSESSED))
        self.refresh_context(visit)
        self._enable()
