"""Asked at "Receipt…": the password that signs the receipt ("Issued by", as a note is signed), or an unsigned
DRAFT copy, and what to do with it (preview, save, print). Enter previews; Esc cancels."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ACTIONS = (("preview", "Pre&view"), ("save", "&Save PDF…"), ("print", "&Print…"))


class ReceiptDialog(QDialog):
    chosen = Signal(object, str)  # the password (None: an unsigned DRAFT) and "preview" | "save" | "print"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("InfusionDesk — receipt and superbill")
        explain = QLabel("The receipt is signed with your signing key, like a visit note (“Issued by”). Type your "
                         "password to sign it, or tick the box for an unsigned copy marked DRAFT on every page.")
        explain.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Your password, to sign the receipt")
        self.draft = QCheckBox("&Unsigned DRAFT (no password)")
        self.problem = QLabel()
        self.problem.setObjectName("receiptProblem")
        self.problem.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for action, text in ACTIONS:
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, a=action: self.choose(a))
            self.buttons[action] = button
            row.addWidget(button)
        cancel = QPushButton("Cancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        row.addWidget(cancel)
        self.buttons["preview"].setDefault(True)  # Enter in the password field previews
        pw_row = QHBoxLayout()
        pw_row.addWidget(QLabel("Password"))
        pw_row.addWidget(self.password, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(explain)
        lay.addLayout(pw_row)
        lay.addWidget(self.draft)
        lay.addWidget(self.problem)
        lay.addLayout(row)
        self.draft.toggled.connect(lambda on: self.password.setEnabled(not on))
        self.password.setFocus()

    def choose(self, action: str) -> None:
        if self.draft.isChecked():
            password: str | None = None
        else:
            password = self.password.text()
            if not password:  # nothing typed is not a wrong password: never sent to the store's lockout count
                self.problem.setText("Type your password to sign the receipt, or tick “Unsigned DRAFT”.")
                self.password.setFocus()
                return
        self.password.clear()
        self.accept()
        self.chosen.emit(password, action)
