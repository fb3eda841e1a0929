"""Take patients out to a laptop (in the clinic, a nurse signed in): the day's mobile patients, the laptop file,
who else charts on it, her password again (it seals the laptop database) and, to give the laptop signing keys of
its own, the clinic CA passphrase (then each co-worker's password is asked, to seal theirs). `mobile.day.checkout`
does the work off the UI thread; at the end one sentence says where the file is and that it opens only with her
password.

Keyboard: type a name or MRN and press Enter to add the first patient found (Down to choose among them, Enter to
add); Delete removes the chosen patient from the list; Alt+K checks out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk_ui import mobile_ops
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.widgets.messages import MessageKind, MessageLabel
from infusiondesk_ui.widgets.tables import read_only_table

SEARCH_DELAY_MS = 150


class CheckoutDialog(QDialog):
    """`session` is the app's Session (store, signed-in nurse, clock)."""

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.laptop_id: str | None = None
        self.found: list[Any] = []
        self.chosen: dict[str, Any] = {}  # MRN -> Patient, in the order added
        self.setWindowTitle("Take patients out to a laptop — InfusionDesk")
        user = session.require_user()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Family name, given name or MRN; Enter adds the first found")
        self.search.setAccessibleName("Find a patient to take out")
        self.results = read_only_table(("Name", "MRN", "Born"), "Patients found", stretch=(0,))
        self.results.setMaximumHeight(160)
        self.patients = QListWidget()
        self.patients.setAccessibleName("Patients to take out")
        self.also = QLineEdit()
        self.also.setPlaceholderText("user names, e.g. drlee, nurse2")
        self.also.setAccessibleName("Also charting on this laptop")
        self.file = QLineEdit(str(mobile_ops.default_laptop_file(user.username, session.clock.now())))
        self.file.setAccessibleName("Laptop file")
        self.browse = QPushButton("C&hoose…")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Your password")
        self.ca_passphrase = QLineEdit()
        self.ca_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.ca_passphrase.setAccessibleName("Clinic CA passphrase, for this laptop's signing keys (optional)")
        self.ca_passphrase.setPlaceholderText("optional: without it the laptop carries no signing key")
        # asks a co-worker's password to seal their laptop key ("" or None: no key for them); tests replace it
        self.ask_password: Callable[[str], str | None] = self._ask_password
        self.message = MessageLabel()
        self.check_out = QPushButton("Chec&k out")
        self.close_button = QPushButton("Close")
        for b in (self.browse, self.check_out, self.close_button):
            b.setAutoDefault(False)  # Enter belongs to the field it is pressed in (add a patient, check out)
        form = QFormLayout()
        for text, field in (("&Find", self.search), ("", self.results), ("&Patients to take", self.patients),
                            ("&Also on this laptop", self.also)):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        where = QHBoxLayout()
        where.addWidget(self.file, 1)
        where.addWidget(self.browse)
        file_label = QLabel("Laptop &file")
        file_label.setBuddy(self.file)
        form.addRow(file_label, where)
        pw_label = QLabel("Your pass&word")
        pw_label.setBuddy(self.password)
        form.addRow(pw_label, self.password)
        ca_label = QLabel("&Signing keys: clinic CA passphrase")
        ca_label.setBuddy(self.ca_passphrase)
        form.addRow(ca_label, self.ca_passphrase)
        note = QLabel("Her password seals the laptop database: it opens only with it. A clinician approving remotely "
                      "or a second nurse for the double check signs in on the laptop with their own password. With "
                      "the clinic CA passphrase, she and each co-worker who types their password get signing keys "
                      "that work only on this laptop (revoking the laptop revokes them); without it, notes are "
                      "signed in the clinic after sync.")
        note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.check_out)
        buttons.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.message)
        lay.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self._searched = ""
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._add_first)
        self.results.activated.connect(lambda index: self.add(index.row()))
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.patients, self.remove_chosen,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.browse.clicked.connect(self.choose_file)
        self.password.returnPressed.connect(self.start)
        self.ca_passphrase.returnPressed.connect(self.start)
        self.check_out.clicked.connect(self.start)
        self.close_button.clicked.connect(self.reject)
        self.search.setFocus()
        self.resize(720, 620)

    # --- patients ---------------------------------------------------------------------------------
    def run_search(self, then: Any = None) -> None:
        text = self.search.text().strip()
        self._searched = text
        if not text:
            self.show_found(text, [])
            return
        store, by = self.session.store, self.session.require_session()
        StoreOp(self, lambda: store.patients.search(text, limit=20, by=by), busy_cursor=False) \
            .success(lambda found: self.show_found(text, found, then)).failure(self.message.show_message).run()

    def show_found(self, text: str, found: list[Any], then: Any = None) -> None:
        if text != self.search.text().strip():
            return  # typed on meanwhile
        self.found = found
        self.results.setRowCount(len(found))
        for r, p in enumerate(found):
            for c, value in enumerate((p.display_name, p.mrn, f"{p.date_of_birth:%d %b %Y}")):
                self.results.setItem(r, c, QTableWidgetItem(value))
        if found:
            self.results.selectRow(0)
        elif text:
            self.message.say(f'No patient matches "{text}".', MessageKind.INFO)
        if then is not None:
            then()

    def _add_first(self) -> None:
        if self._timer.isActive() or self._searched != self.search.text().strip():
            self._timer.stop()
            self.run_search(then=lambda: self.add(0))
            return
        self.add(0)

    def add(self, row: int) -> None:
        if not 0 <= row < len(self.found):
            return
        p = self.found[row]
        if p.mrn not in self.chosen:
            self.chosen[p.mrn] = p
            item = QListWidgetItem(f"{p.display_name} — MRN {p.mrn}")
            item.setData(Qt.ItemDataRole.UserRole, p.mrn)
            self.patients.addItem(item)
        self.message.say(f"{len(self.chosen)} patient(s) to take out.", MessageKind.INFO)
        self.search.clear()
        self.search.setFocus()

    def remove_chosen(self) -> None:
        item = self.patients.currentItem()
        if item is None:
            return
        self.chosen.pop(str(item.data(Qt.ItemDataRole.UserRole)), None)
        self.patients.takeItem(self.patients.row(item))

    @property
    def mrns(self) -> list[str]:
        return list(self.chosen)

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Laptop file", self.file.text(),
                                                    "Laptop databases (*.db);;All files (*)")
        if path:
            self.file.setText(path)

    # --- check out --------------------------------------------------------------------------------
    def start(self) -> None:
        if not self.chosen:
            self.message.show_message("Add the patients to take out first: type a name or MRN, then Enter.")
            self.search.setFocus()
            return
        if not self.password.text():
            self.message.show_message("Type your password: it seals the laptop database.")
            self.password.setFocus()
            return
        store, by, password = self.session.store, self.session.require_session(), self.password.text()
        mrns, out = self.mrns, Path(self.file.text().strip()).expanduser()
        also = [n.strip() for n in self.also.text().replace(";", ",").split(",") if n.strip()]
        ca = self.ca_passphrase.text() or None
        also_passwords: dict[str, str] = {}
        if ca is not None:
            for name in also:
                typed = self.ask_password(name)
                if typed:
                    also_passwords[name.lower()] = typed
        self.password.clear()
        self.ca_passphrase.clear()
        keys = [self.session.require_user().username, *also_passwords] if ca is not None else []
        StoreOp(self, lambda: mobile_ops.check_out(store, by, password, mrns, out, also, ca_passphrase=ca,
                                                   also_passwords=also_passwords), kind="patients") \
            .busy(self._say_busy, f"Checking out {len(mrns)} patient(s) to {out.name}: copying their records"
                                  + (", issuing the laptop's signing keys" if keys else "")
                                  + " and sealing the laptop database…", self.check_out, self.search, self.password,
                  self.ca_passphrase) \
            .success(lambda laptop_id: self._done(laptop_id, out, len(mrns), keys)).failure(self._refused).run()

    def _ask_password(self, username: str) -> str | None:
        text, ok = QInputDialog.getText(self, "Signing key for this laptop",
                                        f"Password of {username}, to seal their signing key for this laptop "
                                        "(leave empty: no key for them; they can still sign in there):",
                                        QLineEdit.EchoMode.Password)
        return text if ok else None

    def _say_busy(self, text: str) -> None:
        self.message.say(text, MessageKind.INFO)

    def _refused(self, sentence: str) -> None:
        self.message.show_message(sentence)
        self.password.setFocus()

    def _done(self, laptop_id: str, out: Path, count: int, keys: list[str]) -> None:
        self.laptop_id = laptop_id
        who = self.session.require_user().full_name
        signing = (f"Signing keys for this laptop only: {', '.join(keys)}." if keys else
                   "It carries no signing key: notes are signed in the clinic after sync.")
        self.message.say(f"Checked out {count} patient(s) to {out}. It opens only with your password ({who}'s): on "
                         f"the laptop, start InfusionDesk with --laptop {out}. {signing} Sync it when you are back.",
                         MessageKind.SUCCESS)
        self.check_out.setEnabled(False)
        self.close_button.setText("Close")
        self.close_button.setFocus()
