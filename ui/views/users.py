"""Users, for the clinic admin: add nurses and clinicians (each with a signing certificate from the clinic's
certificate authority, issued with the CA passphrase), and manage accounts: unlock, deactivate, reactivate,
change a role, reset a password. Every action is the store's (which checks the admin again); this screen only
asks and shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk.records.models import Role, User, UserSession
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.session import Session
from infusiondesk_ui.widgets.forms import ChoiceBox, Form
from infusiondesk_ui.widgets.messages import MessageKind, MessageLabel
from infusiondesk_ui.widgets.tables import read_only_table

ROLES = (("nurse", Role.NURSE.value), ("clinician", Role.CLINICIAN.value), ("admin", Role.ADMIN.value))


def _secret() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class UsersView(QWidget):
    back = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.users: list[User] = []
        self.table = read_only_table(("User name", "Full name", "Role", "Account", "Signing certificate"), "Users",
                                     fit=False)
        self.message = MessageLabel(screen_message=True)
        self.message.setObjectName("usersMessage")
        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        left.addWidget(self.message)
        side = QVBoxLayout()
        side.addWidget(self._add_box())
        side.addWidget(self._manage_box())
        side.addStretch(1)
        row = QHBoxLayout(self)
        row.addLayout(left, 3)
        row.addLayout(side, 2)
        self.table.currentCellChanged.connect(lambda *_: self._selected_changed())
        self.setFocusProxy(self.username)

    def _add_box(self) -> QGroupBox:
        self.username = QLineEdit()
        self.full_name = QLineEdit()
        self.role = ChoiceBox("Role", ROLES)
        self.credentials = QLineEdit()
        self.credentials.setPlaceholderText("e.g. RN, MD")
        self.password = _secret()
        self.ca_passphrase = _secret()
        self.add = QPushButton("&Add user")
        form = Form()
        form.setColumnStretch(2, 0)  # no errors beside these fields: the fields take the width
        form.add("&User name", self.username)
        form.add("&Full name", self.full_name)
        form.add("&Role", self.role)
        form.add("&Credentials", self.credentials)
        form.add("First &password", self.password)
        form.add("CA pa&ssphrase (issues their signing certificate)", self.ca_passphrase)
        box = QGroupBox("Add a user")
        bl = QVBoxLayout(box)
        bl.addLayout(form)
        bl.addWidget(self.add)
        self.add.clicked.connect(self.add_user)
        return box

    def _manage_box(self) -> QGroupBox:
        self.selected = QLabel("Choose a user in the list.")
        self.selected.setWordWrap(True)
        self.unlock = QPushButton("U&nlock")
        self.deactivate = QPushButton("&Deactivate")
        self.reactivate = QPushButton("Reac&tivate")
        self.new_role = ChoiceBox("New role", ROLES)
        self.change_role = QPushButton("Chan&ge role")
        self.temporary = _secret()
        self.reset_ca_passphrase = _secret()
        self.reset = QPushButton("R&eset password")
        buttons = QHBoxLayout()
        for b in (self.unlock, self.deactivate, self.reactivate):
            buttons.addWidget(b)
        form = Form()
        form.setColumnStretch(2, 0)  # no errors beside these fields: the fields take the width
        form.add("New r&ole", self.new_role)
        form.add_wide(self.change_role)
        form.add("Temporary pass&word (they choose their own at sign-in)", self.temporary)
        form.add("CA passphrase (for a new signing &key)", self.reset_ca_passphrase)
        form.add_wide(self.reset)
        box = QGroupBox("Selected user")
        bl = QVBoxLayout(box)
        bl.addWidget(self.selected)
        bl.addLayout(buttons)
        bl.addLayout(form)
        self.unlock.clicked.connect(lambda: self._act("unlocked", lambda s, u, by: s.users.unlock(u.id, by)))
        self.deactivate.clicked.connect(
            lambda: self._act("deactivated", lambda s, u, by: s.users.set_active(u.id, False, by)))
        self.reactivate.clicked.connect(
            lambda: self._act("reactivated", lambda s, u, by: s.users.set_active(u.id, True, by)))
        self.change_role.clicked.connect(
            lambda: self._act("given a new role",
                              lambda s, u, by: s.users.set_role(u.id, Role(self.new_role.value), by)))
        self.reset.clicked.connect(self.reset_password)
        return box

    # -- the list ---------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the list off the UI thread (a user, their account status and certificate: three reads each)."""
        store, by = self.session.store, self.session.require_session()
        StoreOp(self, lambda: _read_accounts(store, by)).success(self._show_accounts).failure(
            lambda sentence: self._say(sentence, problem=True)).run()

    def _show_accounts(self, accounts: list[tuple[User, dict[str, Any], Any]]) -> None:
        current = self.current_user()
        self.users = [u for u, _, _ in accounts]
        self.table.setRowCount(len(self.users))
        for r, (u, status, cert) in enumerate(accounts):
            if not u.active:
                account = "deactivated"
            elif status["locked_until"] is not None:
                account = f"locked until {self.session.hhmm(status['locked_until'])} clinic time"
            else:
                account = "must change password" if status["must_change_password"] else "active"
            for c, text in enumerate((u.username, f"{u.full_name} {u.credentials}".strip(), u.role.value, account,
                                      f"valid to {cert.not_valid_after_utc:%d %b %Y}" if cert else "none")):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, u.id)
                self.table.setItem(r, c, item)
        if current is not None:
            self.select(current.username)
        self._selected_changed()

    def current_user(self) -> User | None:
        row = self.table.currentRow()
        return self.users[row] if 0 <= row < len(self.users) else None

    def select(self, username: str) -> None:
        for r, u in enumerate(self.users):
            if u.username == username:
                self.table.setCurrentCell(r, 0)

    def _selected_changed(self) -> None:
        user = self.current_user()
        for w in (self.unlock, self.deactivate, self.reactivate, self.change_role, self.reset):
            w.setEnabled(user is not None)
        if user is None:
            self.selected.setText("Choose a user in the list.")
            return
        self.selected.setText(f"{user.full_name} ({user.username}, {user.role.value}"
                              f"{'' if user.active else ', deactivated'})")
        self.new_role.set_value(user.role.value)

    def _say(self, text: str, problem: bool = False) -> None:
        """A refusal in the error style; what was done in the success style (never the red of a refusal)."""
        self.message.say(text, MessageKind.ERROR if problem else MessageKind.SUCCESS)

    # -- actions ----------------------------------------------------------------------------------------

    def _act(self, done: str, action: Callable[[Any, User, UserSession], User]) -> None:
        user = self.current_user()
        if user is None:
            return
        store, by = self.session.store, self.session.require_session()

        def changed(who: User) -> None:
            self.refresh()
            self._say(f"{who.full_name} is {done}.")

        StoreOp(self, lambda: action(store, user, by), kind="users").busy(self._working, "Saving…", *self._buttons())\
            .success(changed).failure(lambda sentence: self._say(sentence, problem=True)).run()

    def _buttons(self) -> tuple[QWidget, ...]:
        return (self.unlock, self.deactivate, self.reactivate, self.change_role, self.reset, self.add)

    def _working(self, text: str) -> None:
        self.message.say(text, MessageKind.INFO)

    def reset_password(self) -> None:
        from infusiondesk import enrolment

        user = self.current_user()
        if user is None:
            return
        s = self.session
        store, by, temporary, passphrase = s.store, s.require_session(), self.temporary.text(), \
            self.reset_ca_passphrase.text()
        self.reset_ca_passphrase.clear()

        def done(_: User) -> None:
            self.temporary.clear()
            self.refresh()
            self._say(f"{user.full_name}'s password is reset; they choose a new one when they next sign in.")

        StoreOp(self, lambda: enrolment.reset_password(store, by, user.id, temporary, ca_passphrase=passphrase,
                                                       now=s.clock.now()), kind="users")\
            .busy(self._working, f"Resetting {user.full_name}'s password…", *self._buttons())\
            .success(done).failure(lambda sentence: self._say(sentence, problem=True)).run()

    def add_user(self) -> None:
        from infusiondesk import enrolment

        s = self.session
        role = Role(self.role.value)
        store, by, now = s.store, s.require_session(), s.clock.now()
        typed = dict(username=self.username.text(), full_name=self.full_name.text(), password=self.password.text(),
                     credentials=self.credentials.text(), ca_passphrase=self.ca_passphrase.text())
        self.ca_passphrase.clear()
        note = " with a signing certificate (their first password protects it)" if role is not Role.ADMIN else ""

        def added(user: User) -> None:
            for e in (self.username, self.full_name, self.credentials, self.password):
                e.clear()
            self.refresh()
            self._say(f"Added {user.full_name} ({role.value}){note}.")

        StoreOp(self, lambda: enrolment.enrol_staff(store, by, role=role, now=now, **typed), kind="users")\
            .busy(self._working, f"Adding {typed['full_name'].strip() or 'the user'}…", *self._buttons())\
            .success(added).failure(lambda sentence: self._say(sentence, problem=True)).run()


def _read_accounts(store: Any, by: UserSession) -> list[tuple[User, dict[str, Any], Any]]:
    """Each user with their account status and certificate (None when they have none), read in one go."""
    from infusiondesk import pki

    return [(u, store.users.account_status(u.id, by=by), pki.load_clinician_certificate(store, u.id))
            for u in store.users.all(by=by)]
