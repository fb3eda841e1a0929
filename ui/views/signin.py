"""Sign-in, first-run setup and choosing a new password. Kept light: the app window is interactive before the
store is loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

if TYPE_CHECKING:  # the sign-in card is built before the window first shows: what it does not use is not imported
    from PySide6.QtGui import QShowEvent  # (importing it builds QEvent.Type's 179-member Python enum)

    from infusiondesk_ui.widgets.messages import MessageLabel


class _Card(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QGroupBox(title)
        self.box.setFixedWidth(480)  # one width, so a wrapped message is measured at the width it is shown
        self.form = QFormLayout()
        self._error: MessageLabel | None = None  # made when first asked for (`error`): most cards never say anything
        self._inner = QVBoxLayout(self.box)
        self._inner.addLayout(self.form)
        # centred between stretches, not by alignment: an aligned card's height was worked out for the whole
        # window's width, one line for the message, and the fields were squeezed to make room for the second
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.box)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    @property
    def error(self) -> MessageLabel:
        """The card's message, below its fields; made at first use, so the sign-in card of the first frame has
        no label (and no messages module) until there is something to say. It sits inside the card, as wide as
        the card: centred on its own below the card, a long sentence (the lockout's) was given one line's width
        and clipped."""
        if self._error is None:
            from infusiondesk_ui.widgets.messages import MessageLabel

            self._error = MessageLabel(screen_message=True)
            self._error.setObjectName("fieldError")
            self._inner.addWidget(self._error)
        return self._error

    def line(self, label: str, *, secret: bool = False) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(label.replace("&", ""))
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(label, edit)
        return edit

    def show_error(self, text: str) -> None:
        if text or self._error is not None:  # clearing a message never said makes no label
            from infusiondesk_ui.widgets.messages import MessageKind

            self.error.say(text, MessageKind.ERROR)


class SignInView(_Card):
    """User name, password, Enter. `submitted(username, password)`; the window checks them."""

    submitted = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sign in to InfusionDesk", parent)
        self.username = self.line("&User name")
        self.password = self.line("&Password", secret=True)
        self.button = QPushButton("&Sign in")
        self.form.addRow(self.button)
        self.status = QLabel("Opening the clinic database…")
        self.status.setObjectName("loadingStatus")
        self.form.addRow(self.status)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self._submit)
        self.button.clicked.connect(self._submit)
        self.setFocusProxy(self.username)

    def _submit(self) -> None:
        self.submitted.emit(self.username.text().strip(), self.password.text())

    def waiting(self, on: bool) -> None:
        """Enter was pressed before the clinic database (or drug library) was open: say so on the button and with
        a busy cursor while the sign-in waits for it. The fields stay as typed and can still be corrected (Enter
        again sends the corrected ones)."""
        self.button.setText("Signing in…" if on else "&Sign in")
        if on:
            from PySide6.QtCore import Qt  # not at import: the sign-in screen is built before the window shows

            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def reset(self) -> None:
        self.password.clear()
        self.show_error("")
        (self.password if self.username.text() else self.username).setFocus()


class SetupView(_Card):
    """First run: the clinic's name and details, the first admin account, and the passphrase of the clinic's
    certificate authority (the clinic keeps it, not one admin: any admin who knows it can enrol staff)."""

    submitted = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Set up this clinic (first run)", parent)
        self._where()
        self.clinic = self.line("Clinic &name")
        self.address = self.line("&Address")
        self.phone = self.line("P&hone")
        self.timezone = self.line("&Time zone")
        self.admin_username = self.line("Admin &user name")
        self.admin_name = self.line("Admin &full name")
        self.admin_password = self.line("Admin pass&word", secret=True)
        self.admin_confirm = self.line("&Repeat the password", secret=True)
        hint = QLabel("The certificate authority passphrase protects the key that issues everyone's signing "
                      "certificates. Choose one different from your password, write it down and keep it "
                      "where the clinic keeps its keys: an admin needs it to add nurses and clinicians.")
        hint.setWordWrap(True)
        self.form.addRow(hint)
        self.ca_passphrase = self.line("C&ertificate authority passphrase", secret=True)
        self.ca_confirm = self.line("Repeat the pa&ssphrase", secret=True)
        self.button = QPushButton("&Create the clinic")
        self.form.addRow(self.button)
        for e in (self.clinic, self.address, self.phone, self.timezone, self.admin_username, self.admin_name,
                  self.admin_password, self.admin_confirm, self.ca_passphrase):
            e.returnPressed.connect(e.focusNextChild)
        self.ca_confirm.returnPressed.connect(self._submit)
        self.button.clicked.connect(self._submit)
        self.setFocusProxy(self.clinic)

    def showEvent(self, event: QShowEvent) -> None:
        """Propose the computer's zone (every screen and note shows the clinic's time) with a list of every
        IANA zone to pick from; done at first show, since reading the zone database costs start-up time."""
        if self.timezone.completer() is None:
            from zoneinfo import available_timezones

            from PySide6.QtCore import Qt  # not at import: the sign-in screen is built before the window shows
            from PySide6.QtWidgets import QCompleter

            from infusiondesk.clinic_time import computer_zone_name

            if not self.timezone.text():
                self.timezone.setText(computer_zone_name())
            zones = QCompleter(sorted(available_timezones()), self.timezone)
            zones.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            zones.setFilterMode(Qt.MatchFlag.MatchContains)
            self.timezone.setCompleter(zones)
        super().showEvent(event)

    def _where(self) -> None:
        """Where the records live, asked only at a first run that may still choose (`offer_locations`)."""
        from PySide6.QtWidgets import QButtonGroup, QRadioButton

        self.where_label = QLabel("Keep the clinic's records for:")
        self.personal = QRadioButton("This computer account &only")
        self.shared = QRadioButton("E&very account on this computer (a shared PC)")
        self.personal.setChecked(True)
        self.where_hint = QLabel()
        self.where_hint.setWordWrap(True)
        self.where_hint.setObjectName("hint")
        group = QButtonGroup(self)
        group.addButton(self.personal)
        group.addButton(self.shared)
        for w in (self.where_label, self.personal, self.shared, self.where_hint):
            self.form.addRow(w)
        self.personal.toggled.connect(self._say_where)
        self._paths: tuple[str, str] | None = None
        self.offer_locations(None)

    def offer_locations(self, paths: tuple[str, str] | None) -> None:
        """Show the choice with the two database files (this account's, the machine's), or hide it (None)."""
        self._paths = paths
        for w in (self.where_label, self.personal, self.shared, self.where_hint):
            w.setVisible(paths is not None)
        if paths is None:
            self.personal.setChecked(True)
        self._say_where()

    def _say_where(self) -> None:
        if self._paths is None:
            self.where_hint.setText("")
            return
        personal, shared = self._paths
        path = (personal if self.personal.isChecked() else shared).replace("/", "/\u200b").replace("\\", "\\\u200b")
        self.where_hint.setText(f"Records in {path}." +
                                ("" if self.personal.isChecked() else " Every clinic account on this computer "
                                 "must be able to write to that folder (IT sets this up once)."))

    def _submit(self) -> None:
        from infusiondesk.clinic_time import zone_named
        from infusiondesk.errors import DomainError

        if not self.clinic.text().strip():
            self.show_error("The clinic name is empty; enter it as it should appear on visit notes.")
            return
        try:
            zone_named(self.timezone.text())
        except DomainError as exc:
            self.show_error(exc.message)
            self.timezone.setFocus()
            return
        if not self.admin_username.text().strip() or not self.admin_name.text().strip():
            self.show_error("Enter the admin's user name and full name.")
            return
        if self.admin_password.text() != self.admin_confirm.text():
            self.show_error("The two passwords differ; type the same password twice.")
            return
        if self.ca_passphrase.text() != self.ca_confirm.text():
            self.show_error("The two certificate authority passphrases differ; type the same one twice.")
            return
        self.submitted.emit({"clinic": self.clinic.text().strip(), "address": self.address.text().strip(),
                             "phone": self.phone.text().strip(), "timezone": self.timezone.text().strip(),
                             "username": self.admin_username.text().strip(),
                             "full_name": self.admin_name.text().strip(), "password": self.admin_password.text(),
                             "ca_passphrase": self.ca_passphrase.text(),
                             "shared": self._paths is not None and self.shared.isChecked()})


class ChangePasswordView(_Card):
    """Choose a new password: after an admin's reset (the current one was just typed at sign-in) or by choice
    (then the current one is asked). `submitted(current, new)`; the window changes it."""

    submitted = Signal(str, str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Choose a new password", parent)
        self.why = QLabel()
        self.why.setWordWrap(True)
        self.form.addRow(self.why)
        self.current = self.line("&Current password", secret=True)
        self.new = self.line("&New password", secret=True)
        self.confirm = self.line("&Repeat the new password", secret=True)
        self.button = QPushButton("&Change password")
        self.cancel = QPushButton("Cancel")
        self.form.addRow(self.button)
        self.form.addRow(self.cancel)
        self.current.returnPressed.connect(self.new.setFocus)
        self.new.returnPressed.connect(self.confirm.setFocus)
        self.confirm.returnPressed.connect(self._submit)
        self.button.clicked.connect(self._submit)
        self.cancel.clicked.connect(self.cancelled)
        self._known_current: str | None = None

    def ask(self, why: str, current: str | None = None) -> None:
        """Ready the form; `current` when the person has just typed it (it is not asked again)."""
        self._known_current = current
        self.why.setText(why)
        for e in (self.current, self.new, self.confirm):
            e.clear()
        self.current.setVisible(current is None)
        self.form.labelForField(self.current).setVisible(current is None)
        self.show_error("")
        self.setFocusProxy(self.current if current is None else self.new)

    def _submit(self) -> None:
        if self.new.text() != self.confirm.text():
            self.show_error("The two new passwords differ; type the same password twice.")
            self.confirm.clear()
            return
        current = self._known_current if self._known_current is not None else self.current.text()
        self.submitted.emit(current, self.new.text())

    def forget(self) -> None:
        """Drop the passwords held by the form."""
        self._known_current = None
        for e in (self.current, self.new, self.confirm):
            e.clear()


class LockView(_Card):
    """The lock (idle, or Ctrl+L): the screen is hidden, unsaved work stays, the same person unlocks."""

    unlock = Signal(str)
    sign_out = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Locked", parent)
        self.who = QLabel()
        self.who.setWordWrap(True)
        self.who.setMinimumHeight(self.who.fontMetrics().lineSpacing() * 3)  # a centred card gets no extra lines
        self.form.addRow(self.who)
        self.password = self.line("&Password", secret=True)
        self.button = QPushButton("&Unlock")
        self.switch = QPushButton("Sign out (your work is kept as a draft)")
        self.form.addRow(self.button)
        self.form.addRow(self.switch)
        self.password.returnPressed.connect(lambda: self.unlock.emit(self.password.text()))
        self.button.clicked.connect(lambda: self.unlock.emit(self.password.text()))
        self.switch.clicked.connect(self.sign_out)
        self.setFocusProxy(self.password)

    def locked_for(self, full_name: str, *, idle: bool) -> None:
        """Say truthfully who or what locked the screen: the idle time, or the person (Ctrl+L)."""
        how = "InfusionDesk locked itself after a time without use." if idle else f"{full_name} locked InfusionDesk."
        self.who.setText(f"{how} {full_name}'s unsaved work is kept. Enter your password to carry on.")
        self.password.clear()
        self.show_error("")
