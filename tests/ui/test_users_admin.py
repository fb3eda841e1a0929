"""The admin's user screen and the new-password screen, driven from the keyboard: unlock, deactivate,
reactivate, change a role, reset a password (the person then chooses their own at sign-in), change one's own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLineEdit
from pytestqt.qtbot import QtBot

from infusiondesk import pki
from infusiondesk.auth import MAX_FAILED_SIGN_INS
from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Role
from infusiondesk.store import AuthError, Store
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.clock import FixedClock
from infusiondesk_ui.session import Session
from infusiondesk_ui.views.users import UsersView
from tests.ui.conftest import CLINIC_START, Clinic_
from tests.ui.steps import CA_PASSPHRASE, finish, give_signing_certificates, settle, sign_in

ADMIN_PASSWORD = "ward-office-key-1"
NURSE_PASSWORD = "nurse-chair-pass-1"


def _press(qtbot: QtBot, button: QAbstractButton) -> None:
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    settle(qtbot)  # the screen's operation runs off the UI thread


def _type(qtbot: QtBot, edit: QLineEdit, text: str, *, enter: bool = False) -> None:
    edit.setFocus()
    edit.clear()
    qtbot.keyClicks(edit, text)
    if enter:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def _admin_on(window: MainWindow, qtbot: QtBot, username: str) -> UsersView:
    sign_in(window, "admin", ADMIN_PASSWORD)
    settle(qtbot)  # the list is read off the UI thread
    users = window.users
    assert isinstance(users, UsersView) and window.stack.currentWidget() is users
    users.table.setFocus()
    qtbot.keyClick(users.table, Qt.Key.Key_Home)
    while users.current_user() is None or users.current_user().username != username:  # type: ignore[union-attr]
        before = users.table.currentRow()
        qtbot.keyClick(users.table, Qt.Key.Key_Down)
        assert users.table.currentRow() != before, f"{username} is not in the list"
    return users


def _cell(users: UsersView, column: int) -> str:
    return users.table.item(users.table.currentRow(), column).text()


def test_admin_unlocks_deactivates_reactivates_and_changes_a_role(qtbot: QtBot, window: MainWindow,
                                                                  clinic: Clinic_) -> None:
    for _ in range(MAX_FAILED_SIGN_INS):
        sign_in(window, "nkim", "wrong password")
    assert "locked" in window.signin.error.text()
    users = _admin_on(window, qtbot, "nkim")
    assert _cell(users, 3).startswith("locked until")
    _press(qtbot, users.unlock)
    assert "unlocked" in users.message.text() and _cell(users, 3) == "active"
    _press(qtbot, users.deactivate)
    assert _cell(users, 3) == "deactivated"
    try:
        clinic.store.users.sign_in("nkim", NURSE_PASSWORD)
        raise AssertionError("a deactivated nurse signed in")
    except AuthError as exc:
        assert "deactivated" in exc.message
    _press(qtbot, users.reactivate)
    assert _cell(users, 3) == "active"
    users.new_role.setFocus()
    users.new_role.set_value(Role.CLINICIAN.value)
    _press(qtbot, users.change_role)
    assert _cell(users, 2) == "clinician" and clinic.store.users.get(clinic.nurse.id).role is Role.CLINICIAN


def test_the_only_admin_cannot_deactivate_themselves_from_the_screen(qtbot: QtBot, window: MainWindow) -> None:
    users = _admin_on(window, qtbot, "admin")
    _press(qtbot, users.deactivate)
    assert "your own account" in users.message.text()
    assert _cell(users, 3) == "active"


def test_a_reset_clinician_chooses_a_new_password_at_sign_in_and_can_still_sign(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    give_signing_certificates(clinic)
    old_cert = pki.load_clinician_certificate(clinic.store, clinic.clinician.id)  # type: ignore[arg-type]
    users = _admin_on(window, qtbot, "drlee")
    _type(qtbot, users.temporary, "temporary lantern 5")
    _press(qtbot, users.reset)
    assert "CA passphrase" in users.message.text()  # their key opens only with the old password
    _type(qtbot, users.temporary, "temporary lantern 5")
    _type(qtbot, users.reset_ca_passphrase, CA_PASSPHRASE)
    _press(qtbot, users.reset)
    assert "password is reset" in users.message.text(), users.message.text()
    assert _cell(users, 3) == "must change password"
    window.sign_out()

    _type(qtbot, window.signin.username, "drlee", enter=True)
    _type(qtbot, window.signin.password, "temporary lantern 5", enter=True)
    finish()
    view = window.password_view
    assert window.stack.currentWidget() is view and window.session.user is None
    assert "reset your password" in view.why.text() and not view.current.isVisibleTo(view)
    _type(qtbot, view.new, "password12345678")
    _type(qtbot, view.confirm, "password12345678", enter=True)
    finish()
    assert "most common" in view.error.text()
    _type(qtbot, view.new, "dana signs with a new phrase")
    _type(qtbot, view.confirm, "dana signs with a new phrase", enter=True)
    finish()
    assert window.session.user is not None and window.session.user.username == "drlee"
    assert window.stack.currentWidget() is window.patients
    creds = pki.unlock_pkcs12(pki.load_clinician_pkcs12(clinic.store, window.session.require_session()),
                              "dana signs with a new phrase")
    assert old_cert is not None and creds.certificate.serial_number != old_cert.serial_number


def test_anyone_changes_their_own_password_with_the_current_one(qtbot: QtBot, window: MainWindow,
                                                                clinic: Clinic_) -> None:
    give_signing_certificates(clinic)
    sign_in(window, "nkim", NURSE_PASSWORD)
    window.act_password.trigger()
    view = window.password_view
    assert window.stack.currentWidget() is view and view.current.isVisibleTo(view)
    _type(qtbot, view.current, "not my password")
    _type(qtbot, view.new, "noor picks a new phrase")
    _type(qtbot, view.confirm, "noor picks a new phrase", enter=True)
    finish()
    assert "do not match" in view.error.text()
    _type(qtbot, view.current, NURSE_PASSWORD)
    _type(qtbot, view.new, "noor picks a new phrase")
    _type(qtbot, view.confirm, "noor picks a new phrase", enter=True)
    finish()
    assert window.stack.currentWidget() is window.patients
    assert clinic.store.users.sign_in("nkim", "noor picks a new phrase").user_id == clinic.nurse.id
    pki.unlock_pkcs12(pki.load_clinician_pkcs12(clinic.store, window.session.require_session()),
                      "noor picks a new phrase")  # the signing key moved to the new password


def test_adding_a_user_with_a_wrong_ca_passphrase_adds_nobody_and_a_retry_works(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    give_signing_certificates(clinic)
    users = _admin_on(window, qtbot, "admin")
    for edit, text in ((users.username, "drpark"), (users.full_name, "Jin Park"), (users.password,
                                                                                  "park-signs-notes")):
        _type(qtbot, edit, text)
    users.role.set_value(Role.CLINICIAN.value)
    _type(qtbot, users.ca_passphrase, ADMIN_PASSWORD)  # the admin's login password no longer opens the CA
    _press(qtbot, users.add)
    assert "passphrase is wrong" in users.message.text()
    assert "drpark" not in [u.username for u in clinic.store.users.all(by=clinic.admin_session)]
    _type(qtbot, users.ca_passphrase, CA_PASSPHRASE)
    _press(qtbot, users.add)
    assert "with a signing certificate" in users.message.text(), users.message.text()


def test_setup_asks_for_a_ca_passphrase_of_its_own(qtbot: QtBot, tmp_path: Path) -> None:
    clock = FixedClock(CLINIC_START)
    store = Store.open(str(tmp_path / "new.db"), clock=clock.now)
    window = MainWindow(Session(store=store, drug=load_drug(), clock=clock))
    qtbot.addWidget(window)
    window.show()  # the first-run card proposes the computer's time zone when it is shown
    finish()  # the store is looked at off the UI thread before the first-run card is chosen
    v = window.setup_view
    assert v.timezone.text()
    for edit, text in ((v.clinic, "Hilltop Clinic"), (v.admin_username, "boss"), (v.admin_name, "Bo Ss"),
                       (v.admin_password, "hilltop office phrase"), (v.admin_confirm, "hilltop office phrase"),
                       (v.ca_passphrase, "hilltop office phrase"), (v.ca_confirm, "hilltop office phrase")):
        _type(qtbot, edit, text)
    qtbot.keyClick(v.ca_confirm, Qt.Key.Key_Return)
    finish()  # the clinic is created (here: refused) off the UI thread
    assert "different from the admin" in v.error.text() and store.clinic.needs_setup()
    _type(qtbot, v.ca_passphrase, "hilltop vault granite")
    _type(qtbot, v.ca_confirm, "hilltop vault granite", enter=True)
    finish()
    assert not store.clinic.needs_setup()
    pki.load_clinic_ca(store).unlock("hilltop vault granite")
    store.close()
