"""A finished visit's money: "Receipt…" (the signed receipt and superbill, previewed, saved or printed like the
note) and "Record payment…" (cash, card or HSA/FSA card).

The receipt is made by the warm note worker (`kind: receipt`), so reportlab and pyHanko never load into the app;
it is signed with the signed-in person's key when they type their password, else it is an unsigned copy marked
DRAFT on every page. The payment goes to the store off the UI thread; the store decides who may take it (nurse or
admin) and this screen only shows its answer in words.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QWidget

from infusiondesk.billing.receipt import PaymentMethod
from infusiondesk.records.models import Role, Visit
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.workflow.infusion import STOPPED, infusion_state
from infusiondesk_ui.audit_trail import record_later
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.session import VisitController
from infusiondesk_ui.warm_worker import run_note_job

PAYMENT_TAKERS = (Role.NURSE, Role.ADMIN)  # shown to them only; the store checks it again at the moment of payment


def infusion_stopped(visit: Visit) -> bool:
    """A receipt and a payment need the infusion's billable time, known once it has stopped."""
    return infusion_state(visit).phase == STOPPED


class VisitBilling:
    """Wires the review step's Receipt… and Record payment… buttons to the note worker and the store."""

    def __init__(self, controller: VisitController, status: QLabel, receipt: QPushButton, pay: QPushButton,
                 parent: QWidget) -> None:
        self.c = controller
        self.status = status
        self.receipt_button, self.pay_button = receipt, pay
        self.parent = parent
        self.busy = False
        self.pressed: QPushButton | None = None  # Receipt… or Record payment… while its work runs: focused after
        self.dialog: Any = None  # the receipt or payment dialog while it is open
        self.viewer: Any = None
        self.last_pdf: bytes | None = None
        receipt.clicked.connect(self.ask_receipt)
        pay.clicked.connect(self.ask_payment)
        controller.visitChanged.connect(self.show_visit)
        self.show_visit(controller.visit)

    @property
    def visit_id(self) -> int:
        """The open visit's id: a visit in a workspace is a saved one."""
        visit_id = self.c.visit.id
        assert visit_id is not None
        return visit_id

    def show_visit(self, visit: Visit) -> None:
        user = self.c.session.user
        self.pay_button.setVisible(user is not None and user.role in PAYMENT_TAKERS)
        stopped = infusion_stopped(visit)
        for button in (self.receipt_button, self.pay_button):
            button.setEnabled(stopped and not self.busy)
            button.setToolTip("" if stopped else "Once the infusion has stopped (its billable time is known then).")

    def _busy(self, text: str) -> None:
        self.busy = True
        self.status.setText(text)
        for button in (self.receipt_button, self.pay_button):
            button.setEnabled(False)

    def _idle(self, text: str) -> None:
        self.busy = False
        self.status.setText(text)
        self.show_visit(self.c.visit)
        if self.pressed is not None and self.pressed.isEnabled():  # the keys carry on from the button pressed
            self.pressed.setFocus()
        self.pressed = None

    # --- the receipt --------------------------------------------------------------------------------
    def ask_receipt(self) -> None:
        from infusiondesk_ui.views.receipt_dialog import ReceiptDialog

        if self.busy:
            return
        self.dialog = ReceiptDialog(self.parent)
        self.dialog.chosen.connect(lambda password, action: self.make(password, action))
        self.dialog.open()

    def make(self, password: str | None, action: str, *, path: str | None = None, printer: Any = None) -> None:
        """Make the receipt (signed when `password` is the signed-in person's, else a DRAFT), then `action`:
        "preview", "save" (to `path`, asked when None) or "print" (on `printer`, asked when None)."""
        if self.busy:
            return
        s = self.c.session
        session = s.require_session()
        self.pressed = self.receipt_button
        if password is None:
            self._build(None, action, path, printer)
            return
        store = s.store

        def check() -> None:  # in the worker: a wrong password, or no signing key, is said before any PDF work
            from infusiondesk import pki

            store.users.confirm_password(session, password)
            pki.load_clinician_pkcs12(store, session)

        self._busy("Checking your password…")
        StoreOp(self.c, check).success(lambda _: self._build(password, action, path, printer)) \
            .failure(lambda sentence: self._idle(f"No receipt made: {sentence}")).run()

    def _build(self, password: str | None, action: str, path: str | None, printer: Any) -> None:
        """The receipt made by the note worker (the password, when given, already checked), then `action`."""
        from infusiondesk_ui.note_worker import receipt_job

        s = self.c.session
        signed = password is not None
        job = receipt_job(s.store.url, self.visit_id, s.require_session(), password, s.clock.now())
        self._busy(f"Making the {'signed' if signed else 'DRAFT'} receipt of visit {self.c.visit.id}…")

        def made(pdf: bytes) -> None:
            self._idle("")
            self.last_pdf = pdf
            if action == "preview":
                self.preview(pdf, signed)
            elif action == "print":
                self.print(pdf, signed, printer)
            else:
                self.save(pdf, signed, path)

        run_note_job(job, made, lambda message: self._idle(f"No receipt made: {message}"))

    def _what(self, signed: bool) -> str:
        return "signed receipt" if signed else "DRAFT receipt"

    def preview(self, pdf: bytes, signed: bool) -> None:
        from infusiondesk_ui.views.pdf_preview import PdfPreview

        self.viewer = PdfPreview(pdf, f"InfusionDesk — receipt, visit {self.c.visit.id} "
                                      f"{'(signed)' if signed else '(DRAFT, not signed)'}")
        self.viewer.show()
        self.status.setText(f"Showing the {self._what(signed)} (Esc closes it).")

    def save(self, pdf: bytes, signed: bool, path: str | None = None) -> None:
        if path is None:
            suggested = f"receipt-visit-{self.c.visit.id}-{self.c.patient.mrn}{'' if signed else '-DRAFT'}.pdf"
            path, _ = QFileDialog.getSaveFileName(self.parent, "InfusionDesk — save the receipt", suggested,
                                                  "PDF (*.pdf)")
        if not path:
            return
        try:
            Path(path).write_bytes(pdf)
        except OSError as exc:
            self.status.setText(f"Not saved: cannot write {path} ({exc.strerror or exc}).")
            return
        self.status.setText(f"Saved the {self._what(signed)} to {path}.")
        self._audit(AuditEvent.EXPORT, pdf, signed, {"file": Path(path).name})

    def print(self, pdf: bytes, signed: bool, printer: Any = None) -> None:
        from infusiondesk_ui.views.pdf_preview import ask_printer, pages_sent, printer_label, send_to_printer

        if printer is None:
            printer = ask_printer(self.parent)
            if printer is None:
                return

        def sent(pages: int) -> None:
            self.status.setText(pages_sent(pages, f"the {self._what(signed)}"))
            self._audit(AuditEvent.PRINT, pdf, signed, {"pages": pages, "printer": printer_label(printer)})

        self.status.setText("Sending the receipt to the printer…")
        send_to_printer(pdf, printer, sent, lambda message: self.status.setText(f"Not printed: {message}"))

    def _audit(self, event: AuditEvent, pdf: bytes, signed: bool, extra: dict[str, Any]) -> None:
        record_later(self.c, self.c.session, event, {
            "visit_id": self.c.visit.id, "what": "receipt", "signed": signed,
            "sha256": hashlib.sha256(pdf).hexdigest(), **extra}, say=self.status.setText)

    # --- the payment --------------------------------------------------------------------------------
    def ask_payment(self) -> None:
        """The payment dialog, its amount the visit's priced lines (or what was recorded before), read off the UI
        thread first."""
        if self.busy:
            return
        store, by, visit_id = self.c.session.store, self.c.session.require_session(), self.visit_id
        self.pressed = self.pay_button
        self._busy("Reading the visit's charges…")
        StoreOp(self.c, lambda: store.billing.receipt_for(visit_id, by=by)).success(self._open_payment) \
            .failure(lambda sentence: self._idle(f"No payment recorded: {sentence}")).run()

    def _open_payment(self, receipt: Any) -> None:
        """The payment dialog over the charges read off the UI thread (`ask_payment`)."""
        from infusiondesk.billing.lines import money
        from infusiondesk_ui.views.payment_dialog import PaymentDialog

        self._idle("")
        amount = receipt.payment.amount_cents if receipt.payment is not None else receipt.total_cents
        method = receipt.payment.method if receipt.payment is not None else PaymentMethod.CARD
        self.dialog = PaymentDialog(self.parent, money(amount).lstrip("$").replace(",", ""), method,
                                    self.c.session.today(), total=money(receipt.total_cents))
        self.dialog.chosen.connect(self._paid_as_typed)
        self.dialog.open()

    def _paid_as_typed(self, method: PaymentMethod, amount_cents: int, day: Any) -> None:
        s = self.c.session
        now = s.clock.now()
        # today: the moment it is recorded; an earlier day: noon there (the receipt shows the date)
        paid_at = now if day == s.today() else datetime.combine(day, time(12), tzinfo=s.zone)
        self.record_payment(method, amount_cents, paid_at)

    def record_payment(self, method: PaymentMethod, amount_cents: int, paid_at: datetime,
                       then: Callable[[Any], None] | None = None) -> None:
        """Record the payment through the store, off the UI thread; its refusal is shown as its sentence."""
        from infusiondesk.billing.lines import money

        s = self.c.session
        session = s.require_session()
        visit_id = self.visit_id
        self._busy(f"Recording {money(amount_cents)} paid by {method.label}…")

        def done(payment: Any) -> None:
            self._idle(f"Recorded {money(payment.amount_cents)} paid by {payment.method.label} for visit "
                       f"{visit_id}, {s.local(payment.paid_at):%Y-%m-%d}.")
            if then is not None:
                then(payment)

        StoreOp(self.c, lambda: s.store.billing.record_payment(visit_id, method, amount_cents, paid_at, by=session),
                kind="payments", busy_cursor=False).success(done) \
            .failure(lambda sentence: self._idle(f"No payment recorded: {sentence}")).run()
