"""Workstation settings, for the admin: the idle auto-lock time and the vital signs reminder interval."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from infusiondesk.settings import SETTINGS, SettingError, Timing
from ui.session import Session
from ui.settings import WorkstationSettings
from ui.widgets.forms import Form
from ui.widgets.quantity_edit import EnterMovesOnLineEdit, ErrorLabel


class SettingsView(QWidget):
    saved = Signal(object)  # the new Timing

    def __init__(self, session: Session, settings: WorkstationSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.edits: dict[str, EnterMovesOnLineEdit] = {}
        self.errors: dict[str, ErrorLabel] = {}
        form = Form()
        for setting in SETTINGS:
            edit = EnterMovesOnLineEdit()
            edit.setAccessibleName(f"{setting.label} (minutes)")
            edit.setPlaceholderText(f"{setting.default} (default), {setting.minimum}–{setting.maximum}")
            self.edits[setting.key] = edit
            self.errors[setting.key] = ErrorLabel()
        form.add("Lock the screen after (minutes without a key or mouse)", self.edits["idle_lock_min"],
                 self.errors["idle_lock_min"])
        form.add("Remind to take vital signs every (minutes, during an infusion)", self.edits["vitals_every_min"],
                 self.errors["vitals_every_min"])
        self.save = QPushButton("&Save settings")
        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        self.where = QLabel()
        self.where.setObjectName("libraryPath")
        self.where.setWordWrap(True)
        box = QGroupBox("This workstation")
        bl = QVBoxLayout(box)
        bl.addLayout(form)
        bl.addWidget(self.save)
        bl.addWidget(self.message)
        bl.addWidget(self.where)
        lay = QVBoxLayout(self)
        lay.addWidget(box)
        lay.addStretch(1)
        self.save.clicked.connect(self.do_save)
        self.setFocusProxy(self.edits["idle_lock_min"])

    def refresh(self) -> None:
        timing = self.settings.effective()
        for setting in SETTINGS:
            self.edits[setting.key].setText(str(getattr(timing, setting.key)))
            self.errors[setting.key].show_message("")
        self.message.setText("")
        self.where.setText(f"Kept on this computer in {self.settings.path}.")

    def do_save(self) -> None:
        values: dict[str, int] = {}
        for setting in SETTINGS:
            try:
                values[setting.key] = setting.check(self.edits[setting.key].text())
            except SettingError as exc:
                self.errors[setting.key].show_message(exc.message)
                self.edits[setting.key].setFocus()
                return
            self.errors[setting.key].show_message("")
        timing = Timing.from_values(values)
        self.settings.save(timing)
        self.session.store.audit("settings", self.session.user, {"scope": "workstation", **values})
        self.message.setText(f"Saved: the screen locks after {timing.idle_lock_min} min without use; vital signs "
                             f"are due every {timing.vitals_every_min} min during an infusion.")
        self.saved.emit(timing)
