"""Follow-ups due: the worklist of patients to ask, days after a course visit, whether it helped, and the form
that records the answers. Keyboard first: Enter on a row opens its form with the cursor in the first answer,
Enter moves from field to field, Ctrl+S (or Enter on the last field) saves, Esc goes back to the list.

What is due and every check of the answers are the core's (infusiondesk.followups, through
infusiondesk.store.followups); this view lays them out and shows the core's sentence when it refuses.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
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
from infusiondesk.followups import DueFollowUp, FollowUpEntry, FollowUpStatus
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
        if self.due is None or not self.isVisible():
            return
        try:
            saved = self.session.store.follow_ups.record(self.entry(), by=self.session.require_session())
        except DomainError as exc:
            self.error.setText(exc.message)
            return
        self.error.setText("")
        self.saved.emit(f"Saved: the {self.due.interval} follow-up of {self.due.patient} "
                        f"({saved.status.value}).")


class FollowUpList(QWidget):
    """The follow-ups due now across the clinic, the longest overdue first; Enter records the chosen one."""

    back = Signal()
    title = "Follow-ups due"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.rows: list[DueFollowUp] = []
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

    def read(self) -> list[DueFollowUp]:
        due: list[DueFollowUp] = self.session.store.follow_ups.due(by=self.session.require_session())
        return due

    def refresh(self) -> None:
        """Read the list again, keeping the chosen follow-up chosen if it is still due."""
        row = self.table.currentRow()
        chosen = self.rows[row] if 0 <= row < len(self.rows) else None
        self.rows = self.read()
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
        days = self.session.store.follow_ups.policy().intervals_days
        self.intervals.setText(", ".join(str(d) for d in days))
        self.message.setText("")

    def save(self) -> None:
        try:
            days = followups.parse_intervals(self.intervals.text())
            saved = self.session.store.follow_ups.set_policy(days, by=self.session.require_session())
        except DomainError as exc:
            self.message.setText(exc.message)
            return
        self.intervals.setText(", ".join(str(d) for d in saved.intervals_days))
        self.message.setText("Saved: follow-ups fall due " + ", ".join(
            followups.interval_label(d) for d in saved.intervals_days) + " after each course visit.")
