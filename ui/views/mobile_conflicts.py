"""Sync conflicts: records changed both on a laptop and in the clinic, listed (never applied), what differs shown
side by side in words, and "Keep laptop version" / "Keep clinic version" (the core checks and audits the choice;
the laptop takes it at its next sync). Reached through `infusiondesk_ui.mobile_ops.conflicts`.

Used as a screen in the clinic (Mobile › Sync conflicts) and, right after a sync on the laptop, in a dialog over the
clinic database that sync opened: it is given the store and the session to act as.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from infusiondesk.patient_words import field_name, shown
from infusiondesk_ui.mobile_ops import conflicts
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.widgets.messages import MessageKind, MessageLabel
from infusiondesk_ui.widgets.tables import read_only_table

COLUMNS = ("#", "Record", "Laptop", "Found", "Fields changed on both sides")


def _first_up(words: str) -> str:
    """"signed PDF" -> "Signed PDF" (str.capitalize would say "Signed pdf")."""
    return words[:1].upper() + words[1:]


def differences(conflict: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field, laptop's value, clinic's value) for each field the two versions disagree on, in words (a visit, a
    payment, a follow-up or a note: the core's words, as `mobile conflicts` prints them)."""
    if conflict["kind"] == "visit":
        from infusiondesk.mobile.conflict_words import visit_differences

        return [(_first_up(name), a, b) for name, a, b in visit_differences(conflict["laptop"], conflict["clinic"])]
    if conflict["kind"] in ("payment", "follow_up", "note"):
        from infusiondesk.mobile.record_words import record_words

        return [(_first_up(name), a, b) for name, a, b in record_words(conflict)[1]]
    laptop, clinic = conflict["laptop"], conflict["clinic"]
    keys = sorted(k for k in laptop.keys() | clinic.keys() if laptop.get(k) != clinic.get(k))
    return [(field_name(k), shown(laptop.get(k)), shown(clinic.get(k))) for k in keys]


def record_label(conflict: dict[str, Any]) -> str:
    c = conflict["clinic"]
    if conflict["kind"] == "patient":
        name = ", ".join(x for x in (c.get("family_name"), c.get("given_name")) if x)
        return f"Patient {name} (MRN {c.get('mrn', '?')})"
    whose = conflict.get("patient") or str(conflict["uid"])[:8]
    if conflict["kind"] == "payment":
        return f"Payment, {whose}"
    if conflict["kind"] == "follow_up":
        return f"{conflict['laptop'].get('interval_days', '?')}-day follow-up, {whose}"
    if conflict["kind"] == "note":
        return f"Signed note, {whose}"
    return f"Visit, {whose}"


class ConflictsView(QWidget):
    """`store` and `by` (a callable giving the session to act as) name the clinic database and who resolves."""

    back = Signal()

    def __init__(self, store: Any, by: Callable[[], Any], local: Callable[[Any], Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.by, self.local = store, by, local
        self.found: list[dict[str, Any]] = []
        self._resolved_text = ""  # said once the list is read again after a resolution
        self.table = read_only_table(COLUMNS, "Open sync conflicts", stretch=(-1,))
        self.table.setTabKeyNavigation(False)  # arrows choose a conflict; Tab goes on to the Keep buttons
        self.detail = QLabel()
        self.detail.setObjectName("conflictDetail")
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("What differs")
        self.message = MessageLabel(screen_message=True)
        self.keep_laptop = QPushButton("Keep &laptop version")
        self.keep_clinic = QPushButton("Keep &clinic version")
        self.save_pdf = QPushButton("&Save laptop's PDF…")  # a note conflict keeps the laptop's signed PDF whole
        self.back_button = QPushButton("← &Back")
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.keep_laptop)
        buttons.addWidget(self.keep_clinic)
        buttons.addWidget(self.save_pdf)
        intro = QLabel("These records were changed both on a laptop and in the clinic. Neither change was applied. "
                       "Choose each one's version; the choice is audited and the laptop takes it at its next sync.")
        intro.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.detail)
        lay.addWidget(self.message)
        lay.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.keep_laptop.clicked.connect(lambda: self.keep("laptop"))
        self.keep_clinic.clicked.connect(lambda: self.keep("clinic"))
        self.save_pdf.clicked.connect(self._ask_pdf_file)
        self.back_button.clicked.connect(self.back)
        self.setFocusProxy(self.table)
        for first, then in ((self.table, self.keep_laptop), (self.keep_laptop, self.keep_clinic),
                            (self.keep_clinic, self.save_pdf), (self.save_pdf, self.back_button)):
            QWidget.setTabOrder(first, then)  # the choice first, then the way back
        self._enable()

    def refresh(self) -> None:
        store, by = self.store, self.by()
        StoreOp(self, lambda: conflicts(store).open(by=by)).busy(self._say_info, "Reading conflicts…") \
            .success(self.show_conflicts).failure(self.message.show_message).run()

    def _say_info(self, text: str) -> None:
        self.message.say(text, MessageKind.INFO)

    def show_conflicts(self, found: list[dict[str, Any]]) -> None:
        self.found = found
        self.table.setRowCount(len(found))
        for r, c in enumerate(found):
            changed = ", ".join(d[0] for d in differences(c))
            for col, text in enumerate((f"#{c['id']}", record_label(c), str(c["laptop_id"])[:8],
                                        f"{self.local(c['found_at']):%d %b %H:%M}", changed)):
                self.table.setItem(r, col, QTableWidgetItem(text))
        said, self._resolved_text = self._resolved_text, ""
        self.message.say(said + ("No open conflicts." if not found else
                         f"{len(found)} open conflict(s). Choose one, then keep the laptop's or the clinic's version."),
                         MessageKind.SUCCESS if said else MessageKind.INFO)
        if found:
            self.table.selectRow(0)
        else:
            self.detail.setText("")
        self._enable()

    def current(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.found[rows[0].row()] if rows and rows[0].row() < len(self.found) else None

    def _enable(self) -> None:
        c = self.current()
        note = c is not None and c["kind"] == "note"
        self.keep_laptop.setEnabled(c is not None and not note)  # a signed note is never overwritten
        self.keep_clinic.setEnabled(c is not None)
        self.save_pdf.setVisible(note)
        self.save_pdf.setEnabled(note)

    def _show_detail(self) -> None:
        c = self.current()
        self._enable()
        if c is None:
            self.detail.setText("")
            return
        from html import escape

        from infusiondesk.mobile.record_words import KEEP_WORDS, record_words

        head = record_words(c)[0] if c["kind"] in KEEP_WORDS else f"{record_label(c)}: what differs"
        def e(text: str) -> str:
            return escape(text, quote=False)

        lines = [f"<b>{e(head)}</b>"]
        lines += [f"{e(name)} — laptop: <b>{e(laptop)}</b>; clinic: <b>{e(clinic)}</b>"
                  for name, laptop, clinic in differences(c)]
        if c["kind"] in KEEP_WORDS:
            lines.append(e(KEEP_WORDS[c["kind"]]))
        self.detail.setText("<br>".join(lines))

    def keep(self, side: str) -> None:
        c = self.current()
        if c is None:
            return
        store, by, conflict_id = self.store, self.by(), int(c["id"])
        StoreOp(self, lambda: conflicts(store).resolve(conflict_id, side, by=by), kind="patients") \
            .busy(self._say_info, f"Keeping the {side}'s version…", self.keep_laptop, self.keep_clinic) \
            .success(lambda _none: self._resolved(conflict_id, side)).failure(self.message.show_message).run()

    def _ask_pdf_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        c = self.current()
        if c is None or c["kind"] != "note":
            return
        path, _filter = QFileDialog.getSaveFileName(self, "Save the laptop's signed PDF",
                                                    f"laptop-note-conflict-{c['id']}.pdf", "PDF (*.pdf)")
        if path:
            self.export_pdf(int(c["id"]), Path(path))

    def export_pdf(self, conflict_id: int, path: Path) -> None:
        """Write the laptop's signed PDF a note conflict keeps, as it was signed (off the UI thread)."""
        store, by = self.store, self.by()

        def write() -> int:
            from infusiondesk.errors import DomainError

            pdf: bytes = conflicts(store).laptop_pdf(conflict_id, by=by)
            try:
                with path.open("xb") as out:  # never over an existing file
                    out.write(pdf)
            except FileExistsError:
                raise DomainError(f"{path} already exists; choose another file (nothing is overwritten).") from None
            return len(pdf)

        StoreOp(self, write).busy(self._say_info, "Saving the laptop's PDF…", self.save_pdf) \
            .success(lambda size: self.message.say(f"Saved the laptop's signed note of conflict #{conflict_id} to "
                                                   f"{path} ({size:,} bytes); it is not the clinic's note.",
                                                   MessageKind.SUCCESS)) \
            .failure(self.message.show_message).run()

    def _resolved(self, conflict_id: int, side: str) -> None:
        self._resolved_text = (f"Conflict #{conflict_id} resolved: the {side}'s version is kept; the laptop takes it "
                               "at its next sync. ")
        self.refresh()
