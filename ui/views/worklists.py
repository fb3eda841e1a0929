"""Worklists: "Today" (every visit of the clinic's day by status, live) and "Awaiting my signature" (the signed-in
person's queue across patients, oldest first). Enter opens the chosen visit; from an open visit, Ctrl+J opens the
next one in the queue, so a clinician signs through the day's notes without going back to a list.

What is listed comes from infusiondesk.worklists (the rules) over the store's worklist read; this view only
lays it out and keeps it fresh: on show, every 30 seconds while visible, and when asked (F5).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk import worklists
from infusiondesk.records.models import VisitStatus
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.worklists import BoardRow
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.pdf_output import PdfOutput
from infusiondesk_ui.session import Session
from infusiondesk_ui.views import mobile_marks
from infusiondesk_ui.widgets.tables import read_only_table

REFRESH_MS = 30_000
NEXT_IN_QUEUE = "Ctrl+J"
COLUMNS = ("Status", "Patient", "MRN", "Since", "Now")


class WorklistView(QWidget):
    """A table of visits; `open_visit(visit_id)` when one is chosen with Enter or a double click."""

    open_visit = Signal(int)
    back = Signal()
    title = ""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.rows: list[BoardRow] = []
        self._reading = self._again = False  # a background read is running / another was asked meanwhile
        self.heading = QLabel()
        self.heading.setObjectName("worklistHeading")
        self.summary = QLabel()
        self.summary.setObjectName("worklistSummary")
        self.summary.setWordWrap(True)
        self.back_button = QPushButton("← &Patients")
        self.refresh_button = QPushButton("&Refresh (F5)")
        self.table = read_only_table(COLUMNS, self.title)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.heading, 1)
        top.addWidget(self.refresh_button)
        self.actions_row = top
        lay = QVBoxLayout(self)
        self.column = lay  # a board adds its status line under the table
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.table.activated.connect(lambda index: self._open(index.row()))
        self.back_button.clicked.connect(self.back)
        self.refresh_button.clicked.connect(self.refresh)
        refresh = QShortcut(QKeySequence("F5"), self)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh.activated.connect(self.refresh)
        self.setFocusProxy(self.table)

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.open_visit.emit(self.rows[row].visit_id)

    def read(self) -> list[BoardRow]:  # pragma: no cover - each list says what it reads
        raise NotImplementedError

    def refresh(self) -> None:
        """Read the list again off the UI thread (the live board re-reads every minute, and a busy clinic's day
        is many rows); a refresh asked while one runs reads again when it ends, so the list is never older than
        the last ask."""
        if self._reading:
            self._again = True
            return
        self._reading, self._again = True, False

        def ended() -> None:
            self._reading = False
            if self._again:
                self.refresh()

        StoreOp(self, self.read, busy_cursor=False).success(self.show_rows).failure(self.summary.setText)\
            .ended(ended).run()

    def show_rows(self, rows: list[BoardRow]) -> None:
        """Show `rows`, keeping the selected visit selected if it is still there."""
        chosen = self.selected_visit()
        self.rows = rows
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            cells = (r.status.value, r.patient, r.mrn, self.session.hhmm(r.since), r.detail)
            for c, text in enumerate(cells):
                self.table.setItem(i, c, QTableWidgetItem(text))
        keep = next((i for i, r in enumerate(self.rows) if r.visit_id == chosen), 0)
        if self.rows:
            self.table.selectRow(keep)
        self.show_summary()

    def show_summary(self) -> None:
        self.summary.setText(f"{len(self.rows)} visit{'' if len(self.rows) == 1 else 's'}. "
                             f"{self.session.zone_label}; updated {self.session.hhmm(self.session.clock.now())}.")

    def selected_visit(self) -> int | None:
        row = self.table.currentRow()
        return self.rows[row].visit_id if 0 <= row < len(self.rows) else None

    def showEvent(self, event: QShowEvent) -> None:
        self.timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)


class TodayBoard(WorklistView):
    """Every visit opened on the clinic's calendar day, by status in workflow order."""

    title = "Today's visits by status"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.print_button = QPushButton("Pr&int day list…")
        self.actions_row.addWidget(self.print_button)
        self.status = QLabel()
        self.status.setObjectName("worklistStatus")
        self.column.addWidget(self.status)
        self.output = PdfOutput(self, self.status, (self.print_button,), "the day list", self._audit)
        self.print_button.clicked.connect(lambda: self.print_day_list())

    def _audit(self, event: AuditEvent, detail: dict[str, object]) -> None:
        """The print's audit entry, written off the UI thread once the pages are out (a refusal is said under
        the board: the pages are printed, the trail must not silently miss them)."""
        from infusiondesk_ui.audit_trail import record_later

        what = {"what": "day list", "day": self.session.today().isoformat(), "rows": len(self.rows), **detail}
        record_later(self, self.session, event, what, say=self.status.setText)

    def print_day_list(self, printer: Any = None) -> None:
        """Print what the board shows, read now: the day's rows and the clinic's heading are read off the UI
        thread (Print is off meanwhile), the board shows them, then the print dialog and the pages."""
        from infusiondesk_ui.note_worker import day_list_job

        store, today, zone = self.session.store, self.session.today(), self.session.zone

        def read() -> tuple[list[BoardRow], Any]:
            return self.read(), store.clinic.get()

        def got(read_: tuple[list[BoardRow], Any]) -> None:
            rows, clinic = read_
            self.show_rows(rows)
            self.output.print(day_list_job(self.rows, clinic, today, zone, self.session.clock.now()), printer)

        StoreOp(self, read).busy(self.status.setText, "Reading the day list…", self.print_button) \
            .success(got).failure(lambda sentence: self.status.setText(f"Not printed: {sentence}")).run()

    def read(self) -> list[BoardRow]:
        start, end = worklists.clinic_day(self.session.today(), self.session.zone)
        now = self.session.clock.now()
        session = self.session.require_session()
        visits = self.session.store.visits.worklist(by=session, opened_from=start, opened_before=end)
        rows = worklists.today_board(visits, now)
        out = mobile_marks.read_out(self.session.store, session)  # a patient out on a laptop says so
        return [dataclasses.replace(r, detail=mobile_marks.board_detail(r.detail, out[r.patient_id],
                                                                       self.session.local, self.session.today()))
                if r.patient_id in out else r for r in rows]

    def refresh(self) -> None:
        self.heading.setText(f"<b>Today</b> — {self.session.today():%A %d %B %Y}")
        super().refresh()

    def show_summary(self) -> None:
        counts = {s: 0 for s in worklists.BoardStatus}
        for r in self.rows:
            counts[r.status] += 1
        by_status = ", ".join(f"{s.value.lower()} {n}" for s, n in counts.items() if n)
        self.summary.setText(f"{len(self.rows)} visit{'' if len(self.rows) == 1 else 's'}"
                             f"{': ' + by_status if by_status else ''}. {self.session.zone_label}; updated "
                             f"{self.session.hhmm(self.session.clock.now())}.")


class SignatureQueue(WorklistView):
    """The notes waiting for the signed-in person's signature, oldest completed first."""

    title = "Notes awaiting my signature"

    def read(self) -> list[BoardRow]:
        user = self.session.require_user()
        visits = self.session.store.visits.worklist(by=self.session.require_session(),
                                                    statuses=(VisitStatus.COMPLETED,))
        return worklists.awaiting_signature(visits, user, self.session.clock.now())

    def refresh(self) -> None:
        self.heading.setText(f"<b>Awaiting my signature</b> — open one with Enter; in a visit, {NEXT_IN_QUEUE} "
                             "opens the next")
        super().refresh()
