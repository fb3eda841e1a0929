"""The money side of a visit in the app, by keyboard: the admin prices the codes on the Price list screen, the
nurse records that the patient paid $190.00 in cash for 2 g over 30 minutes (96365 × 1 at $180.00, J3475 × 4 at
$2.50), and makes the signed receipt, which the note worker builds and pyHanko and pdfsig accept."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from infusiondesk.billing.receipt import PaymentMethod
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.payment_dialog import PaymentDialog
from infusiondesk_ui.views.receipt_dialog import ReceiptDialog
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import PASSWORDS, Clinic_
from tests.ui.steps import finish, give_signing_certificates, open_visit_as, run_to_completed, sign_in

PRICES = (("96365", 18000), ("96366", 4500), ("96374", 9000), ("J3475", 250))


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "receipt-text.pdf"
    path.write_bytes(pdf)
    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def _active(qtbot: QtBot, dialog: QWidget) -> None:
    """The dialog as the nurse sees it: shown over the window, with the keyboard."""
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)


def _price_everything(clinic: Clinic_) -> None:
    for code, cents in PRICES:
        clinic.store.billing.set_price(code, cents, datetime(2026, 1, 1, tzinfo=UTC), by=clinic.admin_session)


def _stopped_visit(window: MainWindow, clinic: Clinic_, user: str = "nkim") -> VisitWorkspace:
    """Dr Lee charts 2 g over 30 minutes to completion; then `user` opens the visit."""
    sign_in(window, "drlee", PASSWORDS["drlee"])
    window.session.idle_lock_min = 240  # the test clock jumps an hour: no idle lock
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    run_to_completed(ws, clinic.clock)
    users = {"nkim": clinic.nurse, "drlee": clinic.clinician}
    ws = open_visit_as(window, clinic, users[user], PASSWORDS[user], ws.visit.id or 0)
    window.session.idle_lock_min = 240
    ws.tabs.setCurrentWidget(ws.review)
    return ws


def test_the_admin_sets_a_price_by_keyboard_and_a_refusal_is_said_in_words(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, tmp_path: Path) -> None:
    sign_in(window, "admin", PASSWORDS["admin"])
    assert window.act_prices.isEnabled()
    window.act_prices.trigger()  # Ctrl+Shift+L
    view = window.price_list
    assert window.stack.currentWidget() is view
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    finish()
    assert "No price in force yet for 96365, 96366, 96374, J3475" in view.message.text()

    view.code.setFocus()
    qtbot.keyClick(view.code, Qt.Key.Key_Home)  # 96365, the first code
    finish()
    assert view.code.currentData() == "96365"
    qtbot.keyClick(view.code, Qt.Key.Key_Tab)
    assert view.price.hasFocus()
    qtbot.keyClicks(view.price, "180.00")
    qtbot.keyClick(view.price, Qt.Key.Key_Return)  # Enter moves on to the date
    finish()
    assert view.effective.hasFocus()
    qtbot.keyClicks(view.effective, "2026-04-01")
    qtbot.keyClick(view.effective, Qt.Key.Key_Return)  # Enter on the last field sets the price
    finish()
    qtbot.waitUntil(lambda: not view.busy and view.table.rowCount() == 1, timeout=10_000)
    finish()
    assert view.message.text().startswith("Set: 96365 is $180.00 per unit from 2026-04-01 00:00"), view.message.text()
    history = clinic.store.billing.price_history(by=clinic.admin_session)
    assert [(e.code, e.unit_price_cents) for e in history] == [("96365", 18000)]
    assert [view.table.item(0, c).text() for c in (0, 2, 4)] == ["96365", "$180.00", "upcoming"]
    assert view.table.item(0, 5).text() == "Ada Admin"
    audit = [e for e in clinic.store.audit.entries(by=clinic.admin_session) if e["event"] == "create"]
    assert any("96365" in str(e) for e in audit)
    window.grab().save(str(tmp_path / "price-list.png"))

    # today is before the April price: the store refuses a backdated price, and the screen says why
    qtbot.keyClicks(view.price, "175.00")
    view.set_price()
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    finish()
    assert view.message.text().startswith("Not set: 96365 already has a price from 2026-04-01"), view.message.text()
    # a typing slip is said before the store is asked
    view.price.setText("one hundred")
    view.set_price()
    assert "is not an amount" in view.message.text()
    assert len(clinic.store.billing.price_history(by=clinic.admin_session)) == 1


def test_a_nurse_has_no_price_list_action(window: MainWindow) -> None:
    sign_in(window, "nkim", PASSWORDS["nkim"])
    assert not window.act_prices.isEnabled()


def test_the_nurse_records_a_cash_payment_and_makes_the_signed_receipt(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, tmp_path: Path) -> None:
    _price_everything(clinic)
    ca_pem = give_signing_certificates(clinic)
    ws = _stopped_visit(window, clinic)
    review, billing = ws.review, ws.review.billing
    assert review.pay.isVisible() and review.pay.isEnabled() and review.receipt.isEnabled()

    review.pay.click()  # Alt+Y
    finish()  # the visit's charges are read off the UI thread, then the dialog opens
    dialog = billing.dialog
    assert isinstance(dialog, PaymentDialog)
    _active(qtbot, dialog)
    assert dialog.method.hasFocus()
    assert dialog.amount.text() == "190.00" and "$190.00" in dialog.total.text()
    assert dialog.method.currentData() == PaymentMethod.CARD.value
    qtbot.keyClick(dialog.method, Qt.Key.Key_Home)  # Cash, the first method
    finish()
    qtbot.keyClick(dialog.method, Qt.Key.Key_Tab)
    assert dialog.amount.hasFocus()
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Tab)
    assert dialog.day.hasFocus() and dialog.day.text() == "2026-03-02"
    dialog.grab().save(str(tmp_path / "payment-dialog.png"))
    qtbot.keyClick(dialog.day, Qt.Key.Key_Return)  # Record payment
    finish()
    qtbot.waitUntil(lambda: not billing.busy, timeout=10_000)
    finish()
    assert review.money_status.text().startswith("Recorded $190.00 paid by Cash for visit"), \
        review.money_status.text()
    payment = clinic.store.billing.get_payment(ws.visit.id or 0, by=clinic.reader)
    assert payment is not None and payment.method is PaymentMethod.CASH and payment.amount_cents == 19000
    assert [(x.code, x.units) for x in payment.lines] == [("96365", 1), ("J3475", 4)]

    review.receipt.click()  # Alt+E
    asked = billing.dialog
    assert isinstance(asked, ReceiptDialog)
    _active(qtbot, asked)
    assert asked.password.hasFocus()
    qtbot.keyClicks(asked.password, PASSWORDS["nkim"])
    qtbot.keyClick(asked.password, Qt.Key.Key_Return)  # Enter previews
    finish()
    assert billing.busy and "Making the signed receipt" in review.money_status.text()
    qtbot.waitUntil(lambda: not billing.busy, timeout=60_000)
    finish()
    assert billing.viewer is not None, review.money_status.text()
    assert billing.viewer.page_count >= 1
    billing.viewer.grab().save(str(tmp_path / "receipt-preview.png"))
    billing.viewer.close()
    window.grab().save(str(tmp_path / "visit-money.png"))
    pdf = billing.last_pdf
    assert pdf is not None
    text = _text(pdf, tmp_path)
    assert "Total $190.00" in text and "Cash" in text and "DRAFT" not in text, text

    from infusiondesk_reports.signing import verify_pdf

    report = verify_pdf(pdf, [ca_pem])
    assert report.valid and report.intact and report.trusted, report.problems
    assert report.signatures[0].signer == "Noor Kim" and report.signatures[0].reason.startswith("Issued by")
    issued = [e for e in clinic.store.audit.entries(by=clinic.admin_session) if e["event"] == "receipt_issued"]
    assert len(issued) == 1 and issued[0]["detail"]["signed"] is True and issued[0]["detail"]["total_cents"] == 19000


def test_an_unsigned_receipt_is_marked_draft_and_saved(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _price_everything(clinic)
    ws = _stopped_visit(window, clinic)
    billing = ws.review.billing
    out = tmp_path / "receipt.pdf"
    monkeypatch.setattr("infusiondesk_ui.receipts.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), "PDF"))
    ws.review.receipt.click()
    asked = billing.dialog
    _active(qtbot, asked)
    qtbot.keyClick(asked.password, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # Unsigned DRAFT
    qtbot.waitUntil(asked.draft.isChecked, timeout=2_000)  # (a mnemonic "clicks" as an animated click)
    assert not asked.password.isEnabled()
    qtbot.keyClick(asked.draft, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # Save PDF…
    finish()
    qtbot.waitUntil(lambda: not billing.busy and out.exists(), timeout=60_000)
    text = _text(out.read_bytes(), tmp_path)
    assert "DRAFT — not signed: this copy is not the signed receipt" in text, text
    assert "NOT PAID" in text and "Not paid: balance due $190.00" in text, text
    assert ws.review.money_status.text() == f"Saved the DRAFT receipt to {out}."


def test_no_password_no_receipt_and_a_wrong_one_is_said(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    _price_everything(clinic)
    ws = _stopped_visit(window, clinic)
    billing = ws.review.billing
    ws.review.receipt.click()
    asked = billing.dialog
    _active(qtbot, asked)
    qtbot.keyClick(asked.password, Qt.Key.Key_Return)
    finish()
    assert "Type your password" in asked.problem.text() and asked.isVisible()
    qtbot.keyClicks(asked.password, "not-my-password-at-all")
    qtbot.keyClick(asked.password, Qt.Key.Key_Return)
    # checked off the UI thread: meanwhile the screen says so and Receipt… cannot be pressed again
    assert billing.busy and ws.review.money_status.text() == "Checking your password…"
    assert not ws.review.receipt.isEnabled()
    ws.review.receipt.click()
    assert billing.dialog is asked and not asked.isVisible()  # no second dialog
    finish()
    assert not billing.busy
    assert ws.review.money_status.text() == ("No receipt made: That user name and password do not match; check them "
                                             "and try again.")
    assert ws.review.receipt.isEnabled()
    assert window.focusWidget() is ws.review.receipt  # the window's keys carry on there: Space asks again


def test_a_double_press_of_record_payment_reads_the_charges_once(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _price_everything(clinic)
    ws = _stopped_visit(window, clinic)
    reads: list[int] = []
    real = clinic.store.billing.receipt_for

    def counted(visit_id: int, **kw: object) -> object:
        reads.append(visit_id)
        return real(visit_id, **kw)

    monkeypatch.setattr(clinic.store.billing, "receipt_for", counted)
    ws.review.pay.click()
    assert not ws.review.pay.isEnabled() and "Reading the visit's charges" in ws.review.money_status.text()
    ws.review.pay.click()  # disabled meanwhile: nothing more starts
    finish()
    assert reads == [ws.visit.id]
    assert isinstance(ws.review.billing.dialog, PaymentDialog)
    _active(qtbot, ws.review.billing.dialog)
    assert ws.review.billing.dialog.method.hasFocus()  # the nurse types into the dialog at once


def test_a_clinician_sees_no_payment_action_and_the_store_refuses_one(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    _price_everything(clinic)
    ws = _stopped_visit(window, clinic, user="drlee")
    assert not ws.review.pay.isVisible() and ws.review.receipt.isEnabled()
    ws.review.billing.record_payment(PaymentMethod.CARD, 19000, clinic.clock.now() - timedelta(minutes=5))
    qtbot.waitUntil(lambda: not ws.review.billing.busy, timeout=10_000)
    finish()
    assert ws.review.money_status.text().startswith("No payment recorded:"), ws.review.money_status.text()
    assert "record a payment" in ws.review.money_status.text()
    assert clinic.store.billing.get_payment(ws.visit.id or 0, by=clinic.reader) is None


def test_an_unpriced_code_is_said_before_the_payment_dialog(window: MainWindow, clinic: Clinic_) -> None:
    ws = _stopped_visit(window, clinic)
    ws.review.pay.click()
    finish()
    assert ws.review.billing.dialog is None
    assert "The price list has no price for 96365, J3475" in ws.review.money_status.text()


def test_of_three_prices_of_a_code_the_newest_started_is_in_force_the_older_superseded_the_later_upcoming() -> None:
    from infusiondesk.store.billing import PriceEntry
    from infusiondesk_ui.views.price_list import price_states

    def at(day: int) -> datetime:
        return datetime(2026, 3, day, tzinfo=UTC)

    entries = [PriceEntry("96365", 17000, at(1), 1, at(1)), PriceEntry("96365", 18000, at(5), 1, at(1)),
               PriceEntry("96365", 19000, at(20), 1, at(1)), PriceEntry("J3475", 250, at(1), 1, at(1))]
    assert price_states(entries, at(10)) == ["superseded", "in force", "upcoming", "in force"]
    assert price_states(entries, at(2)) == ["in force", "upcoming", "upcoming", "in force"]
