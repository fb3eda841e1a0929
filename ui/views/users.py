"""Users, for the clinic admin: add nurses and clinicians, each with a signing certificate from the
clinic's certificate authority (their first password protects it)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk.records.models import Role
from ui.ops import user_message
from ui.session import Session
from ui.widgets.forms import ChoiceBox, Form
from ui.widgets.quantity_edit import ErrorLabel


class UsersView(QWidget):
    back = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["User name", "Full name", "Role", "Signing certificate"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Users")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.username = QLineEdit()
        self.full_name = QLineEdit()
        self.role = ChoiceBox("Role", (("nurse", Role.NURSE.value), ("clinician", Role.CLINICIAN.value),
                                       ("admin", Role.ADMIN.value)))
        self.credentials = QLineEdit()
        self.credentials.setPlaceholderText("RN, MD …")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.admin_password = QLineEdit()
        self.admin_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.add = QPushButton("&Add user")
        self.message = ErrorLabel()
        form = Form()
        form.add("&User name", self.username)
        form.add("&Full name", self.full_name)
        form.add("&Role", self.role)
        form.add("&Credentials", self.credentials)
        form.add("First &password", self.password)
        form.add("Your password (unlocks the clinic certificate authority)", self.admin_password)
        box = QGroupBox("Add a user")
        bl = QVBoxLayout(box)
        bl.addLayout(form)
        bl.addWidget(self.add)
        bl.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(self.table, 3)
        row.addWidget(box, 2)
        QVBoxLayout(self).addLayout(row)
        self.add.clicked.connect(self.add_user)
        self.setFocusProxy(self.username)

    def refresh(self) -> None:
        from infusiondesk import pki

        users = self.session.store.list_users()
        self.table.setRowCount(len(users))
        for r, u in enumerate(users):
            cert = pki.load_clinician_certificate(self.session.store, u.id) if u.id is not None else None
            for c, text in enumerate((u.username, f"{u.full_name} {u.credentials}".strip(), u.role.value,
                                      f"valid to {cert.not_valid_after_utc:%d %b %Y}" if cert else "none")):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def add_user(self) -> None:
        from infusiondesk import pki

        s = self.session
        admin = s.require_user()
        try:
            s.store.authenticate(admin.username, self.admin_password.text())
            role = Role(self.role.value)
            password = self.password.text()
            if role is not Role.ADMIN:
                pki.check_passphrase(password)
            user = s.store.create_user(self.username.text().strip(), self.full_name.text().strip(), role, password,
                                       self.credentials.text().strip(), by=admin)
            note = ""
            if role is not Role.ADMIN:
                ca = pki.load_clinic_ca(s.store)
                p12 = pki.issue_clinician_pkcs12(ca, self.admin_password.text(), full_name=user.full_name,
                                                 username=user.username, passphrase=password, now=s.clock.now(),
                                                 credentials=user.credentials)
                pki.save_clinician_pkcs12(s.store, user.id or 0, p12, password)
                note = " with a signing certificate (their first password protects it)"
        except Exception as exc:
            self.message.show_message(user_message(exc))
            return
        finally:
            self.admin_password.clear()
        self.message.show_message("")
        self.message.setVisible(True)
        self.message.setText(f"Added {user.full_name} ({role.value}){note}.")
        for e in (self.username, self.full_name, self.credentials, self.password):
            e.clear()
        self.refresh()
