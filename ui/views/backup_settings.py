"""Settings, Backups (admin): the folder the clinic's backups go to, the daily automatic backup and how many to
keep (kept in the clinic database, audited), and "Back up now", which runs in the background with a progress
line. The rules (admin only, folder checks, atomic verified copy) are the core's: infusiondesk.store.backup. Reading
the schedule, saving it and the backup itself run off the UI thread (`StoreOp`)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFileDialog, QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from infusiondesk.errors import DomainError
from infusiondesk_ui.backup_ops import describe
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.session import Session
from infusiondesk_ui.widgets.forms import Form
from infusiondesk_ui.widgets.messages import MessageKind, MessageLabel
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit

if TYPE_CHECKING:
    from infusiondesk.store.backup import BackupResult, BackupSchedule


class BackupBox(QGroupBox):
    """The clinic's backup schedule and "Back up now"; every read, save and copy runs in the worker (`StoreOp`)."""

    _copied = Signal(int, int)  # bytes copied so far, of the total: emitted by the worker, shown on the UI thread

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
        self.backing_up = False  # "Back up now" is running (its button is off meanwhile)
        self._copied.connect(self._say_progress)  # queued: the copy reports from the worker
        self.choose.clicked.connect(self.choose_folder)
        self.save.clicked.connect(self.do_save)
        self.now.clicked.connect(self.back_up_now)

    def refresh(self) -> None:
        """The schedule as saved, read in the worker."""
        from infusiondesk.store.backup import KEEP_DEFAULT, backup_schedule

        store = self.session.store

        def shown(schedule: BackupSchedule | None) -> None:
            self.folder.setText(schedule.folder if schedule else "")
            self.keep.setText(str(schedule.keep if schedule else KEEP_DEFAULT))
            self.daily.setChecked(schedule.daily if schedule else True)
            if not self.backing_up:
                self.message.say("" if schedule else "No backup folder is set yet: choose one and save.",
                                 MessageKind.INFO)

        StoreOp(self, lambda: backup_schedule(store)).success(shown).failure(self._refused).run()

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "InfusionDesk — the backup folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def do_save(self) -> None:
        """Check the typed count here, then save in the worker (the folder is checked there: it touches the disk)."""
        from infusiondesk.store.backup import BackupSchedule, check_keep, set_backup_schedule

        try:
            schedule = BackupSchedule(self.folder.text(), check_keep(self.keep.text()), self.daily.isChecked())
        except DomainError as exc:
            self.message.say(exc.message, MessageKind.ERROR)
            return
        store, by = self.session.store, self.session.require_session()

        def saved(saved: BackupSchedule) -> None:
            self.folder.setText(saved.folder)
            self.message.say(f"Saved: backups go to {saved.folder}, keeping the newest {saved.keep}; "
                             + ("one is made each clinic day while the app is open." if saved.daily else
                                "no automatic backup (use Back up now)."), MessageKind.SUCCESS)

        StoreOp(self, lambda: set_backup_schedule(store, schedule, by), kind="backups") \
            .busy(self._say_info, "Saving the backup settings…", self.save).success(saved) \
            .failure(self._refused).run()

    def back_up_now(self) -> None:
        """Read the saved folder and copy the database, both in the worker, with a progress line; the button is
        off until it ends. No folder saved yet: a sentence, and the cursor in the folder field."""
        from infusiondesk.store.backup import back_up, backup_schedule

        store, by, emit = self.session.store, self.session.require_session(), self._copied.emit

        def copied(done: int, total: int) -> None:  # in the worker: the copy never fails for want of a screen
            with contextlib.suppress(RuntimeError):  # the screen was deleted meanwhile (the app is closing)
                emit(done, total)

        def work() -> BackupResult | None:
            schedule = backup_schedule(store)
            if schedule is None:
                return None
            return back_up(store, Path(schedule.folder), by, keep=schedule.keep, progress=copied)

        def done(result: BackupResult | None) -> None:
            if result is None:
                self.message.say("Save a backup folder first.", MessageKind.ERROR)
                self.folder.setFocus()
                return
            self.message.say(describe(result), MessageKind.SUCCESS)

        def ended() -> None:
            self.backing_up = False

        self.backing_up = True
        StoreOp(self, work, busy_cursor=False).busy(self._say_info, "Backing up…", self.now).ended(ended) \
            .success(done).failure(lambda sentence: self._refused(f"Backing up failed: {sentence}")).run()

    def _say_progress(self, done: int, total: int) -> None:
        if self.backing_up:
            self.message.say(f"Backing up… {100 * done // max(total, 1)} %", MessageKind.INFO)

    def _say_info(self, text: str) -> None:
        self.message.say(text, MessageKind.INFO)

    def _refused(self, sentence: str) -> None:
        self.message.say(sentence, MessageKind.ERROR)
