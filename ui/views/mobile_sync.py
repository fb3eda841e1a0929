"""Sync with the clinic (on a laptop copy, the nurse who checked it out signed in): the clinic database is the one
this workstation is configured for (INFUSIONDESK_DB, else the data folder) unless she types another; her password
signs her in to the clinic and unlocks her laptop key. `mobile.day.sync` runs off the UI thread; its report is
shown in words; conflicts it found are listed with a button to resolve them at once, over the clinic database the
sync opened (kept open, and signed in, until the dialog closes). A refusal (revoked laptop, another nurse, the
wrong database) is one sentence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from infusiondesk_ui import mobile_ops
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.widgets.messages import MessageKind, MessageLabel


def configured_clinic_db() -> str:
    """This workstation's clinic database, as the app would open it without --db."""
    from infusiondesk.store import default_db_url

    return default_db_url()


class SyncDialog(QDialog):
    """`synced(report)` after a sync that ran (whatever it found)."""

    synced = Signal(object)

    def __init__(self, session: Any, laptop_path: Path, parent: QWidget | None = None, *,
                 clinic_db: str | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.laptop_path = laptop_path
        self.link: mobile_ops.ClinicLink | None = None
        self.report: Any = None
        self.conflicts_view: Any = None
        self.setWindowTitle("Sync with the clinic — InfusionDesk")
        intro = QLabel(f"Sync <b>{laptop_path.name}</b> with the clinic: your visits and audit entries go to the "
                       "clinic, what the clinic charted meanwhile comes here. Nothing changed on both sides is "
                       "applied: it is listed as a conflict.")
        intro.setWordWrap(True)
        self.clinic_db = QLineEdit(clinic_db if clinic_db is not None else configured_clinic_db())
        self.clinic_db.setAccessibleName("Clinic database")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Your password")
        self.message = MessageLabel()
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName("What the sync did")
        self.summary.setVisible(False)
        self.sync_button = QPushButton("&Sync")
        self.resolve_button = QPushButton("&Resolve conflicts…")
        self.resolve_button.setVisible(False)
        self.close_button = QPushButton("Close")
        for b in (self.sync_button, self.resolve_button, self.close_button):
            b.setAutoDefault(False)
        form = QFormLayout()
        db_label = QLabel("Clinic &database")
        db_label.setBuddy(self.clinic_db)
        form.addRow(db_label, self.clinic_db)
        pw_label = QLabel("Your pass&word")
        pw_label.setBuddy(self.password)
        form.addRow(pw_label, self.password)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resolve_button)
        buttons.addStretch(1)
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.summary, 1)
        lay.addLayout(buttons)
        self.password.returnPressed.connect(self.start)
        self.sync_button.clicked.connect(self.start)
        self.resolve_button.clicked.connect(self.show_conflicts)
        self.close_button.clicked.connect(self.reject)
        self.closed = False  # the dialog was closed: a sync that ends afterwards reports nothing to it
        self.finished.connect(self._on_closed)
        self.password.setFocus()
        self.resize(720, 480)

    def start(self) -> None:
        if not self.password.text():
            self.message.show_message("Type your password: it signs you in to the clinic and unlocks your key.")
            self.password.setFocus()
            return
        url, password = self.clinic_db.text(), self.password.text()
        username, clock, path = self.session.require_user().username, self.session.clock.now, self.laptop_path
        self.password.clear()
        self.closed = False
        previous, self.link = self.link, None  # a second sync opens the clinic again: the last link closes first

        def run() -> tuple[mobile_ops.ClinicLink, Any]:
            if previous is not None:
                _close_quietly(previous)
            link = mobile_ops.open_clinic(url, username, password, clock)
            try:
                return link, mobile_ops.sync(link, path, password)
            except BaseException:
                link.close()
                raise

        StoreOp(self, run, kind="visits").busy(
            lambda text: self.message.say(text, MessageKind.INFO),
            "Syncing with the clinic: pulling the clinic's changes, pushing yours, sealing the audit trail…",
            self.sync_button, self.password, self.clinic_db).success(self._done).failure(self._refused).run()

    def _refused(self, sentence: str) -> None:
        self.message.show_message(f"Not synced: {sentence}")
        self.password.setFocus()

    def _done(self, result: tuple[mobile_ops.ClinicLink, Any]) -> None:
        if self.closed:  # closed while it ran: the sync is done, but nobody is here to resolve its conflicts
            self.link = result[0]
            self._close_link()
            return
        self.link, self.report = result
        report = self.report
        self.summary.setPlainText(report.summary().replace(
            "resolve them with `infusiondesk mobile conflicts` and `mobile resolve`",
            "resolve them with Resolve conflicts… below, or in the clinic (Mobile › Sync conflicts)"))
        self.summary.setVisible(True)
        if report.conflicts:
            self.message.say(f"Synced, with {len(report.conflicts)} conflict(s) to resolve: those records were "
                             "changed both here and in the clinic and were NOT applied.", MessageKind.WARNING)
            self.resolve_button.setVisible(True)
            self.resolve_button.setFocus()
        else:
            self.message.say("Synced: the clinic and this laptop agree.", MessageKind.SUCCESS)
            self.close_button.setFocus()
        self.synced.emit(report)

    def show_conflicts(self) -> None:
        """The conflicts, over the clinic database this sync opened, as the nurse signed in to it."""
        if self.link is None:
            return
        from infusiondesk_ui.views.mobile_conflicts import ConflictsView

        link = self.link
        dialog = QDialog(self)
        dialog.setWindowTitle("Sync conflicts — InfusionDesk")
        view = ConflictsView(link.store, lambda: link.session, self.session.local, dialog)
        view.back_button.setText("&Close")
        view.back.connect(dialog.accept)
        QVBoxLayout(dialog).addWidget(view)
        dialog.resize(900, 520)
        self.conflicts_view = view
        view.refresh()
        dialog.open()

    def _on_closed(self, _code: int) -> None:
        self.closed = True
        self._close_link()

    def _close_link(self) -> None:
        """Sign out of the clinic and close its database, in the worker; nothing is reported back (the dialog may
        be gone by then), a failure is logged there."""
        link, self.link = self.link, None
        if link is not None:
            StoreOp(self, lambda: _close_quietly(link), busy_cursor=False).run()


def _close_quietly(link: mobile_ops.ClinicLink) -> None:
    """`link.close()` in the worker; the dialog closes either way, so a failure is only logged."""
    try:
        link.close()
    except Exception as exc:
        from infusiondesk import logs

        logs.unexpected(exc, "closing the clinic database after a sync")
