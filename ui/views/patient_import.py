"""Import patients, for the clinic admin: a CSV file or a file of HL7 v2 ADT messages is checked first (a dry run:
the report of rejected rows, with row, field and reason, and of duplicate MRNs), and only "Import N patients"
writes, off the UI thread, with a progress bar. The checks and the writing are the core's
(infusiondesk.interop); this screen only asks and shows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk.errors import DomainError
from infusiondesk.interop.report import ImportReport, Rejection
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.ops import user_message
from infusiondesk_ui.session import Session
from infusiondesk_ui.widgets.messages import MessageKind, MessageLabel
from infusiondesk_ui.widgets.tables import read_only_table

FILE_FILTER = "Patient files (*.csv *.hl7 *.txt);;All files (*)"


def is_hl7(data: bytes) -> bool:
    """A file of HL7 messages starts with an MSH segment (maybe after a BOM or an MLLP start byte)."""
    return data.lstrip(b"\xef\xbb\xbf\x0b \r\n\t").startswith(b"MSH")


class _Progress(QObject):
    """Carries the rows written from the worker thread to the progress bar (a queued signal)."""

    moved = Signal(int)


class PatientImportView(QWidget):
    """Choose a file (type its path, or Browse), Enter checks it, then "Import N patients" writes it."""

    done = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.report: ImportReport | None = None
        self._checked_by = 0  # the session that checked `report`
        self.busy = False
        intro = QLabel("Import patients from a CSV file (the columns are in the README, \"Importing patients\") "
                       "or from HL7 v2 ADT^A04/A08 messages. The file is checked first; nothing is written until "
                       "you press Import.")
        intro.setWordWrap(True)
        self.path = QLineEdit()
        self.path.setAccessibleName("File to import")
        self.path.setPlaceholderText("the file's full path; Enter checks it")
        path_label = QLabel("&File:")
        path_label.setBuddy(self.path)
        self.browse = QPushButton("&Browse…")
        self.check = QPushButton("&Check file")
        row = QHBoxLayout()
        row.addWidget(path_label)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        row.addWidget(self.check)
        self.summary = MessageLabel(MessageKind.INFO, screen_message=True)
        self.summary.setObjectName("importSummary")
        self.table = read_only_table(("Row", "Field", "Problem", "Reason"), "Rows not imported", fit=False)
        self.table.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.hide()
        self.commit_button = QPushButton("&Import patients")
        self.commit_button.setEnabled(False)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(row)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.progress)
        lay.addWidget(self.commit_button, 0, Qt.AlignmentFlag.AlignRight)
        self._progress = _Progress(self)
        self._progress.moved.connect(self.progress.setValue)
        self.path.returnPressed.connect(self.check_file)
        self.check.clicked.connect(self.check_file)
        self.browse.clicked.connect(self.choose_file)
        self.commit_button.clicked.connect(self.commit)
        QWidget.setTabOrder(self.path, self.browse)
        QWidget.setTabOrder(self.browse, self.check)
        QWidget.setTabOrder(self.check, self.table)
        QWidget.setTabOrder(self.table, self.commit_button)
        self.setFocusProxy(self.path)

    def forget_if_not(self, session_id: int) -> None:
        """Another sign-in: what the last admin checked is not shown to the next person."""
        if self.report is not None and self._checked_by != session_id and not self.busy:
            self.report = None
            self.path.clear()
            self.table.setRowCount(0)
            self.summary.clear_message()
            self.commit_button.setEnabled(False)

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import patients from", str(Path.home()), FILE_FILTER)
        if name:
            self.path.setText(name)
            self.check_file()

    def _say(self, text: str, kind: MessageKind) -> None:
        self.summary.say(text, kind)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for w in (self.path, self.browse, self.check):
            w.setEnabled(not busy)
        self.commit_button.setEnabled(not busy and self.report is not None and not self.report.committed
                                      and bool(self.report.accepted))

    # -- the dry run ------------------------------------------------------------------------------------

    def check_file(self) -> None:
        """Read and check the file off the UI thread (5,000 rows take seconds); nothing is written."""
        if self.busy:
            return
        text = self.path.text().strip()
        if not text:
            self._say("Type the file's path, or press Browse (Alt+B).", MessageKind.ERROR)
            return
        from infusiondesk.interop.hl7_adt import read_adt_file
        from infusiondesk.interop.patient_import import read_patients_csv
        from infusiondesk.interop.writing import check_against_database

        path = Path(text)
        try:
            session, store, today = self.session.require_session(), self.session.store, self.session.today()
        except Exception as exc:  # signed out meanwhile: the sentence, not a traceback
            self._failed(exc)
            return
        self._checked_by = session.id

        def work() -> ImportReport:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise DomainError(f"Cannot read {path}: {exc.strerror or exc}.") from None
            read = read_adt_file if is_hl7(data) else read_patients_csv
            return check_against_database(read(data, path.name, today), store, session)

        self.report = None
        self.table.setRowCount(0)
        self._say(f"Checking {path.name}…", MessageKind.INFO)
        self._set_busy(True)
        StoreOp(self, work, busy_cursor=False).success(self._checked).failure(self._refused).run()

    def _checked(self, report: ImportReport) -> None:
        self.report = report
        self._show(report)
        self._set_busy(False)
        n = len(report.accepted)
        self.commit_button.setText(f"&Import {n} patient{'s' if n != 1 else ''}")
        (self.commit_button if n else self.table).setFocus()

    def _failed(self, exc: Exception) -> None:
        self._refused(user_message(exc))

    def _refused(self, sentence: str) -> None:
        self._set_busy(False)
        self.progress.hide()
        self._say(sentence, MessageKind.ERROR)
        self.path.setFocus()

    def _show(self, report: ImportReport) -> None:
        kind = MessageKind.WARNING if report.rejected else MessageKind.SUCCESS
        self._say("\n".join([report.summary(), *report.notes]), kind)
        rows: list[tuple[Rejection, str]] = [
            *((r, "duplicate MRN" if r.duplicate else "refused") for r in report.rejected),
            *((r, "skipped") for r in report.skipped)]
        rows.sort(key=lambda pair: pair[0].row)
        self.table.setRowCount(len(rows))
        for i, (r, problem) in enumerate(rows):
            for col, value in enumerate((str(r.row), r.field, problem, r.reason)):
                item = QTableWidgetItem(value)
                item.setToolTip(r.reason)
                self.table.setItem(i, col, item)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()

    # -- writing ----------------------------------------------------------------------------------------

    def commit(self) -> None:
        """Write the checked file's accepted rows, off the UI thread, the progress bar following."""
        report = self.report
        if self.busy or report is None or report.committed or not report.accepted:
            return
        from infusiondesk.interop.writing import commit

        try:
            session = self.session.require_session()
        except Exception as exc:
            self._failed(exc)
            return
        # a Store of its own for the worker: a batch is one connection, and the UI's own calls must not share it
        store = self.session.store.with_clock(self.session.clock.now)
        moved = self._progress.moved

        def work() -> ImportReport:
            return commit(report, store, session, progress=moved.emit)

        self.progress.setRange(0, len(report.accepted))
        self.progress.setValue(0)
        self.progress.show()
        self._say(f"Importing {len(report.accepted)} patients…", MessageKind.INFO)
        self._set_busy(True)
        StoreOp(self, work, kind="patients", busy_cursor=False).success(self._committed).failure(self._refused).run()

    def _committed(self, report: ImportReport) -> None:
        self.report = report
        self.progress.setValue(self.progress.maximum())
        self._show(report)
        self._set_busy(False)
        self.commit_button.setText("&Import patients")
        self.path.setFocus()
        self.done.emit()
