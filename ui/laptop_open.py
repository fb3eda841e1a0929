"""Opening a laptop copy (`infusiondesk app --laptop FILE`): her password is asked in a dialog, before the main
window opens, and unlocks the database key off the UI thread (PBKDF2 takes a moment on purpose). A wrong password
says so and she types it again; Cancel closes the app."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from infusiondesk_ui.operations import StoreOp


class LaptopPasswordDialog(QDialog):
    """`url` is the unlocked database's address once accepted."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.url: str | None = None
        self.setWindowTitle("Open laptop copy — InfusionDesk")
        intro = QLabel(f"<b>{path.name}</b> is a laptop copy of the clinic's records, encrypted. It opens only with "
                       "the password of the nurse who checked it out.")
        intro.setWordWrap(True)
        self.where = QLabel(str(path))
        self.where.setObjectName("laptopFile")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password that opens the laptop copy")
        self.message = QLabel()
        self.message.setObjectName("dialogMessage")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.button(QDialogButtonBox.StandardButton.Open)
        form = QFormLayout()
        form.addRow("File", self.where)
        label = QLabel("&Password")
        label.setBuddy(self.password)
        form.addRow(label, self.password)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self.buttons.accepted.connect(self.try_open)
        self.buttons.rejected.connect(self.reject)
        self.password.setFocus()
        self.resize(520, self.sizeHint().height())

    def try_open(self) -> None:
        password = self.password.text()
        if not password:
            self.message.setText("Type your password.")
            return
        path = self.path
        StoreOp(self, lambda: _unlock(path, password)).busy(self.message.setText, "Opening the laptop copy…",
                                                             self.open_button, self.password) \
            .success(self._opened).failure(self._refused).run()

    def _opened(self, url: str) -> None:
        self.url = url
        self.accept()

    def _refused(self, sentence: str) -> None:
        self.message.setText(sentence)
        self.password.clear()
        self.password.setFocus()


def _unlock(path: Path, password: str) -> str:
    from infusiondesk.mobile import laptop

    return laptop.laptop_url(path, laptop.unlock(path, password))


def ask_laptop_url(path: Path) -> str | None:
    """The unlocked laptop database's URL, or None when she cancels."""
    dialog = LaptopPasswordDialog(path)
    return dialog.url if dialog.exec() == QDialog.DialogCode.Accepted else None
