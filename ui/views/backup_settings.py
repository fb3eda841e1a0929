"""Settings, Backups (admin): the folder the clinic's backups go to, the daily automatic backup and how many to
keep (kept in the clinic database, audited), and "Back up now", which runs in the background with a progress
line. The rules (admin only, folder checks, atomic verified copy) are the core's: infusiondesk.store.backup."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QFileDialog, QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from infusiondesk.errors import DomainError
from infusiondesk_ui.backup_ops import BackupJob
from infusiondesk_ui.session import Session
from infusiondesk_ui.widgets.forms import Form
from infusiondesk_ui.widgets.messages import MessageKind, MessageLabel
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit


class BackupBox(QGroupBox):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Backups (every workstation)", parent)
        from infusiondesk.store.backup_policy import KEEP_DEFAULT, KEEP_MAX, KEEP_MIN

        self.session = session
        self.folder = EnterMovesOnLineEdit()
        self.folder.setAccessibleName("Backup folder")
        self.folder.setPlaceholderText("e.g. /media/clinic-backup (a full path)")
        self.choose = QPushButton("C&hoose…")
        self.choose.setAccessibleName("Choose the backup folder")
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.folder, 1)
        row_layout.addWidget(self.choose)
        self.keep = EnterMovesOnLineEdit()
        self.keep.setAccessibleName("Backups to keep")
        self.keep.setPlaceholderText(f"e.g. {KEEP_DEFAULT} ({KEEP_MIN}–{KEEP_MAX})")
        self.daily = QCheckBox("Back up &automatically once a day (while the app is open)")
        self.daily.setAccessibleName("Back up automatically once a day")
        form = Form()
        form.add("Backup folder", row)
        form.add("Backups to keep (the newest; older ones are deleted)", self.keep)
        self.save = QPushButton("Save &backup settings")
        self.now = QPushButton("Back &up now")
        self.message = MessageLabel(MessageKind.INFO)
        self.message.setObjectName("backupMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save)
        buttons.addWidget(self.now)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.daily)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        self.job = BackupJob(self)
        self.job.progress.connect(lambda text: self.message.say(text, MessageKind.INFO))
        self.job.finished.connect(self._finished)
        self.choose.clicked.connect(self.choose_folder)
        self.save.clicked.connect(self.do_save)
        self.now.clicked.connect(self.back_up_now)

    def refresh(self) -> None:
        from infusiondesk.store.backup import KEEP_DEFAULT, backup_schedule

        schedule = backup_schedule(self.session.store)
        self.folder.setText(schedule.folder if schedule else "")
        self.keep.setText(str(schedule.keep if schedule else KEEP_DEFAULT))
        self.daily.setChecked(schedule.daily if schedule else True)
        if not self.job.running:
            self.message.say("" if schedule else "No backup folder is set yet: choose one and save.",
                             MessageKind.INFO)

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "InfusionDesk — the backup folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def do_save(self) -> None:
        from infusiondesk.store.backup import BackupSchedule, check_keep, set_backup_schedule

        try:
            schedule = BackupSchedule(self.folder.text(), check_keep(self.keep.text()), self.daily.isChecked())
            saved = set_backup_schedule(self.session.store, schedule, self.session.require_session())
        except DomainError as exc:
            self.message.say(exc.message, MessageKind.ERROR)
            return
        self.folder.setText(saved.folder)
        self.message.say(f"Saved: backups go to {saved.folder}, keeping the newest {saved.keep}; "
                         + ("one is made each clinic day while the app is open." if saved.daily else
                            "no automatic backup (use Back up now)."), MessageKind.SUCCESS)

    def back_up_now(self) -> None:
        from infusiondesk.store.backup import back_up, backup_schedule

        schedule = backup_schedule(self.session.store)
        if schedule is None:
            self.message.say("Save a backup folder first.", MessageKind.ERROR)
            self.folder.setFocus()
            return
        store, user, folder, keep = self.session.store, self.session.require_session(), Path(schedule.folder), \
            schedule.keep
        if self.job.start("Backing up", lambda progress: back_up(store, folder, user, keep=keep, progress=progress)):
            self.now.setEnabled(False)

    def _finished(self, ok: bool, text: str) -> None:
        self.now.setEnabled(True)
        self.message.say(text, MessageKind.SUCCESS if ok else MessageKind.ERROR)
