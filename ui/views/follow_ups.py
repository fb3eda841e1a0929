"""Follow-ups due: the worklist of patients to ask, days after a course visit, whether it helped, and the form
that records the answers. Keyboard first: Enter on a row opens its form with the cursor in the first answer,
Enter moves from field to field, Ctrl+S (or Enter on the last field) saves, Esc goes back to the list.

What is due and every check of the answers are the core's (infusiondesk.followups, through
infusiondesk.store.followups); this view lays them out and shows the core's sentence when it refuses. Every read
and save runs off the UI thread (`StoreOp`); while a save runs, Enter and Ctrl+S do not start it again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk import followups
from infusiondesk.errors import DomainError
from infusiondesk.followups import DueFollowUp, FollowUpEntry, FollowUpPolicy, FollowUpStatus
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.session import Session
from infusiondesk_ui.widgets.forms import ChoiceBox, Form
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit
from infusiondesk_ui.widgets.tables import read_only_table

SHORTCUT_FOLLOW_UPS = "Ctrl+Shift+F"
SAVE = "Ctrl+S"
COLUMNS = ("Patient", "MRN", "Visit date", "Interval", "Due")
SIDE_EFFECTS = (("choose…", None), ("no", False), ("yes", True))


class FollowUpForm(QGroupBox):
    """The answers for one due follow-up; `saved` once the core has recorded them."""

    saved = Signal(str)
    cancelled = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Record follow-up", parent)
        self.session = session
        self.due: DueFollowUp | None = None
        self.saving = False  # a save is running: Enter and Ctrl+S wait for it
        self.about = QLabel()
        self.about.setObjectName("followUpAbout")
        self.about.setWordWrap(True)
        self.status = ChoiceBox("Outcome of the call", tuple((s.value, s) for s in FollowUpStatus))
        self.attacks = EnterMovesOnLineEdit()
        self.attacks.setPlaceholderText("0 to 31")
        self.headache_days = EnterMovesOnLineEdit()
        self.headache_days.setPlaceholderText("0 to 31")
        self.rescue_medication = EnterMovesOnLineEdit()
        self.rescue_medication.setPlaceholderText("which medicine, if any")
        self.rescue_days = EnterMovesOnLineEdit()
        self.rescue_days.setPlaceholderText("0 to 31")
        self.side_effects = ChoiceBox("Side effects since the visit", SIDE_EFFECTS)
        self.side_effects_text = EnterMovesOnLineEdit()
        self.side_effects_text.setPlaceholderText("what, and how bad")
        self.note = EnterMovesOnLineEdit()
        self.save_button = QPushButton(f"Save follow-up ({SAVE})")
        self.cancel_button = QPushButton("Back to the list (Esc)")
        self.error = QLabel()
        self.error.setObjectName("fieldError")  # red, as every refusal
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Follow-up problem")
        form = Form()
        form.add("&Attacks per month", self.attacks)
        form.add("&Headache days per month", self.headache_days)
        form.add("&Rescue medication", self.rescue_medication)
        form.add("Days with rescue &medication per month", self.rescue_days)
        form.add("Side &effects since the visit", self.side_effects)
        form.add("Side effects: &which", self.side_effects_text)
        form.add("N&ote", self.note)
        form.add("Out&come of the call", self.status)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.about)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addLayout(buttons)
        self.setTabOrder(self.attacks, self.headache_days)
        self.setTabOrder(self.headache_days, self.rescue_medication)
        self.setTabOrder(self.rescue_medication, self.rescue_days)
        self.setTabOrder(self.rescue_days, self.side_effects)
        self.setTabOrder(self.side_effects, self.side_effects_text)
        self.setTabOrder(self.side_effects_text, self.note)
        self.setTabOrder(self.note, self.status)
        self.setTabOrder(self.status, self.save_button)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.cancelled)
        self.status.currentIndexChanged.connect(self._answers_apply)
        for keys, slot in ((SAVE, self.save), ("Esc", self.cancelled.emit)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.note.returnPressed.connect(self.save)  # Enter on the last answer saves

    def open(self, due: DueFollowUp) -> None:
        """An empty form for `due`, the cursor in the first answer."""
        self.due = due
        self.about.setText(f"<b>{due.patient}</b> ({due.mrn}) — {due.interval} after the visit of "
                           f"{due.visit_day:%d %B %Y}; {due.due_text(self.session.today())}. Ask about the last "
                           "month (or since the visit, if sooner).")
        for field in (self.attacks, self.headache_days, self.rescue_medication, self.rescue_days,
                      self.side_effects_text, self.note):
            field.clear()
        self.side_effects.setCurrentIndex(0)
        self.status.set_value(FollowUpStatus.RECORDED)
        self.error.setText("")
        self.setVisible(True)
        self.attacks.setFocus()

    def _answers_apply(self, *_: object) -> None:
        answering = self.status.value is FollowUpStatus.RECORDED
        for w in (self.attacks, self.headache_days, self.rescue_medication, self.rescue_days, self.side_effects,
                  self.side_effects_text):
            w.setEnabled(answering)

    def entry(self) -> FollowUpEntry:
        """The answers as typed, counts read by the core (a sentence for anything that is not a count)."""
        assert self.due is not None
        status = FollowUpStatus(self.status.value)
        if status is not FollowUpStatus.RECORDED:
            return FollowUpEntry(self.due.visit_id, self.due.interval_days, status, note=self.note.text())
        return FollowUpEntry(
            self.due.visit_id, self.due.interval_days, status,
            attacks_per_month=followups.count_from_text(self.attacks.text(), "Attacks per month"),
            headache_days=followups.count_from_text(self.headache_days.text(), "Headache days per month"),
            rescue_medication=self.rescue_medication.text(),
            rescue_days=followups.count_from_text(self.rescue_days.text(), "Days with rescue medication per month"),
            side_effects=self.side_effects.value, side_effects_text=self.side_effects_text.text(),
            note=self.note.text())

    def save(self) -> None:
        """Record the answers in the worker; a second Enter or Ctrl+S while it runs is ignored (one follow-up)."""
        if self.due is None or not self.isVisible() or self.saving:
            return
        try:
            entry = self.entry()  # the typed counts are read here: a typo is refused before any store work
        except DomainError as exc:
            self.error.setText(exc.message)
            return
        store, by, due = self.session.store, self.session.require_session(), self.due
        self.saving = True
        self.error.setText("")  # the last refusal is answered; the disabled Save and busy pointer show it runs
        typing_in = QApplication.focusWidget()  # Enter moves on from here; a refusal brings the cursor back

        def ended() -> None:
            self.saving = False

        def refused(sentence: str) -> None:
            self.error.setText(sentence)
            if typing_in is not None and typing_in is not self.save_button and typing_in.isVisible():
                typing_in.setFocus()

        def saved(recorded: Any) -> None:
            self.error.setText("")
            self.saved.emit(f"Saved: the {due.interval} follow-up of {due.patient} ({recorded.status.value}).")

        StoreOp(self, lambda: store.follow_ups.record(entry, by=by), kind="follow_ups") \
            .busy(self.error.setText, "", self.save_button).ended(ended) \
            .success(saved).failure(refused).run()


class FollowUpList(QWidget):
    """The follow-ups due now across the clinic, the longest overdue first; Enter records the chosen one."""

    back = Signal()
    title = "Follow-ups due"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.rows: list[DueFollowUp] = []
        self.reading = False  # a read of the list is running
        self.read_again = False  # asked for again meanwhile: read once more when it ends
        self.heading = QLabel("<b>Follow-ups due</b> — Enter records the chosen one")
        self.summary = QLabel()
        self.summary.setObjectName("worklistSummary")
        self.summary.setWordWrap(True)
        self.back_button = QPushButton("← &Patients")
        self.refresh_button = QPushButton("&Refresh (F5)")
        self.table = read_only_table(COLUMNS, self.title)
        self.form = FollowUpForm(session)
        self.form.setVisible(False)
        self.done = QLabel()
        self.done.setObjectName("followUpSaved")
        self.done.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.heading, 1)
        top.addWidget(self.refresh_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.done)
        lay.addWidget(self.form)
        self.table.activated.connect(lambda index: self.record(index.row()))
        self.back_button.clicked.connect(self.back)
        self.refresh_button.clicked.connect(self.refresh)
        self.form.saved.connect(self._saved)
        self.form.cancelled.connect(self._closed)
        refresh = QShortcut(QKeySequence("F5"), self)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh.activated.connect(self.refresh)
        self.setFocusProxy(self.table)

    def refresh(self) -> None:
        """Read the list again in the worker, keeping the chosen follow-up chosen if it is still due. Asked again
        while a read runs (F5 twice, a save meanwhile), it reads once more when that one ends: never twice at
        once, never a list older than the last save."""
        if self.reading:
            self.read_again = True
            return
        self.reading, self.read_again = True, False
        store, by = self.session.store, self.session.require_session()

        def ended() -> None:
            self.reading = False
            if self.read_again:
                self.refresh()

        StoreOp(self, lambda: _due(store, by)).ended(ended).success(self.show_rows) \
            .failure(self.summary.setText).run()

    def show_rows(self, rows: list[DueFollowUp]) -> None:
        """The list as read (on the UI thread), the chosen follow-up still chosen if it is still due."""
        row = self.table.currentRow()
        chosen = self.rows[row] if 0 <= row < len(self.rows) else None
        self.rows = rows
        today = self.session.today()
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            cells = (r.patient, r.mrn, f"{r.visit_day:%Y-%m-%d}", r.interval, r.due_text(today))
            for c, text in enumerate(cells):
                self.table.setItem(i, c, QTableWidgetItem(text))
        keep = next((i for i, r in enumerate(self.rows) if r == chosen), 0)
        if self.rows:
            self.table.selectRow(keep)
        n = len(self.rows)
        self.summary.setText(f"{n} follow-up{'' if n == 1 else 's'} due. Due on the clinic's calendar "
                             f"({self.session.zone_label.removeprefix('Times in ')}); a later visit before the "
                             "due date replaces an earlier visit's follow-ups.")

    def record(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.done.setText("")
            self.form.open(self.rows[row])

    def _saved(self, message: str) -> None:
        self.form.setVisible(False)
        self.done.setText(message)
        self.refresh()
        self.table.setFocus()

    def _closed(self) -> None:
        self.form.setVisible(False)
        self.table.setFocus()


class FollowUpIntervalsBox(QGroupBox):
    """Settings, for the admin: the days after a course visit on which follow-ups fall due (kept in the database,
    audited; checked by the core)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Outcome follow-ups (every workstation)", parent)
        self.session = session
        self.saving = False  # a save is running: Enter waits for it
        self.intervals = EnterMovesOnLineEdit()
        self.intervals.setPlaceholderText("days after the visit, such as 7, 30")
        self.save_button = QPushButton("Save follo&w-up days")
        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        form = Form()
        form.add("Follow up after (days; 30 is one month)", self.intervals)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.save_button)
        lay.addWidget(self.message)
        self.save_button.clicked.connect(self.save)
        self.intervals.returnPressed.connect(self.save)

    def refresh(self) -> None:
        """The intervals as saved, read in the worker."""
        store = self.session.store
        self.message.setText("")

        def shown(policy: FollowUpPolicy) -> None:
            self.intervals.setText(_days(policy))

        StoreOp(self, store.follow_ups.policy).success(shown).failure(self.message.setText).run()

    def save(self) -> None:
        """Save in the worker; Enter again while it runs is ignored; the cursor stays in the days to correct."""
        if self.saving:
            return
        try:
            days = followups.parse_intervals(self.intervals.text())
        except DomainError as exc:
            self.message.setText(exc.message)
            return
        store, by = self.session.store, self.session.require_session()
        self.saving = True
        from_field = self.intervals.hasFocus()  # Enter moved the cursor on; it comes back to the days

        def ended() -> None:
            self.saving = False
            if from_field:
                self.intervals.setFocus()

        def saved(policy: FollowUpPolicy) -> None:
            self.intervals.setText(_days(policy))
            self.message.setText("Saved: follow-ups fall due " + ", ".join(
                followups.interval_label(d) for d in policy.intervals_days) + " after each course visit.")

        StoreOp(self, lambda: store.follow_ups.set_policy(days, by=by), kind="follow_ups") \
            .busy(self.message.setText, "Saving the follow-up days…", self.save_button).ended(ended) \
            .success(saved).failure(self.message.setText).run()


def _due(store: Any, by: Any) -> list[DueFollowUp]:
    """The follow-ups due now (in the worker)."""
    due: list[DueFollowUp] = store.follow_ups.due(by=by)
    return due


def _days(policy: FollowUpPolicy) -> str:
    return ", ".join(str(d) for d in policy.intervals_days)
