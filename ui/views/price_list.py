"""The admin's price list: every price each billed code has had (dated rows, never changed), which one is in force
now, and a new price from a date on. The store decides (admin only, no backdating under an existing price, whole
cents) and audits; this screen shows its answer in words. Reads and writes run off the UI thread."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from infusiondesk.billing.codes import billing_codes
from infusiondesk.billing.lines import money
from infusiondesk.errors import DomainError
from infusiondesk.units import date_rule, parse_date
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.session import Session
from infusiondesk_ui.views.patient_form import day_first_locale
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit
from infusiondesk_ui.widgets.tables import read_only_table

COLUMNS = ("Code", "Description", "Unit price", "Effective from", "State", "Set by", "Set at")


def price_states(entries: list[Any], now: datetime) -> list[str]:
    """For each price (oldest first per code): "in force", "upcoming" (not yet) or "superseded"."""
    newest_in_force: dict[str, int] = {}
    for i, e in enumerate(entries):
        if e.effective_from <= now:
            newest_in_force[e.code] = i
    out = []
    for i, e in enumerate(entries):
        if e.effective_from > now:
            out.append("upcoming")
        else:
            out.append("in force" if newest_in_force.get(e.code) == i else "superseded")
    return out


class PriceListView(QWidget):
    back = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.busy = False
        self.entries: list[Any] = []
        self.said = ""  # what the last change did, kept in front of the list's summary once it is read again
        self.day_first = day_first_locale()
        codes = billing_codes()
        self.back_button = QPushButton("← &Users")
        self.refresh_button = QPushButton("&Refresh")
        self.table = read_only_table(COLUMNS, "Prices, every one ever set", stretch=(1,))
        self.code = QComboBox()
        for code in codes.procedures.values():
            self.code.addItem(f"{code.code} — {code.description}", code.code)
        self.code.setAccessibleName("Billed code")
        self.price = EnterMovesOnLineEdit()
        self.price.setAccessibleName("Unit price, dollars")
        self.price.setPlaceholderText("e.g. 180.00")
        self.effective = EnterMovesOnLineEdit()
        self.effective.setAccessibleName(f"Effective from ({date_rule(self.day_first)})")
        self.effective.setPlaceholderText(f"today, or a later date ({date_rule(self.day_first)})")
        self.set_button = QPushButton("&Set price")
        self.message = QLabel()
        self.message.setObjectName("priceListMessage")
        self.message.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the store reports no steps
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        form = QFormLayout()
        form.addRow("&Code", self.code)
        form.addRow("Unit &price ($)", self.price)
        form.addRow("&Effective from", self.effective)
        new_box = QGroupBox("A new price (visits that started before it keep the price they had)")
        nl = QVBoxLayout(new_box)
        nl.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.set_button)
        row.addWidget(self.progress)
        row.addStretch(1)
        nl.addLayout(row)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(QLabel("Prices per unit, with the date each takes effect (clinic time)"), 1)
        top.addWidget(self.refresh_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(new_box)
        lay.addWidget(self.message)
        self.back_button.clicked.connect(self.back)
        self.refresh_button.clicked.connect(self.refresh)
        self.set_button.clicked.connect(self.set_price)
        self.effective.returnPressed.connect(self.set_price)  # the last field: Enter sets the price
        self.setFocusProxy(self.code)

    # --- busy ---------------------------------------------------------------------------------------
    def _busy(self, text: str) -> None:
        self.busy = True
        self.message.setText(text)
        self.progress.show()
        for w in (self.set_button, self.refresh_button):
            w.setEnabled(False)

    def _idle(self, text: str | None = None) -> None:
        self.busy = False
        self.progress.hide()
        if text is not None:
            self.message.setText(text)
        for w in (self.set_button, self.refresh_button):
            w.setEnabled(True)

    # --- reading ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.busy:
            return
        s = self.session
        session = s.require_session()

        def read() -> tuple[list[Any], dict[int, Any]]:
            return s.store.billing.price_history(by=session), s.store.users.staff_names(by=session)

        self._busy("Reading the price list…")
        StoreOp(self, read, busy_cursor=False).success(self._show) \
            .failure(lambda sentence: self._idle(f"The price list was not read: {sentence}")).run()

    def _show(self, found: tuple[list[Any], dict[int, Any]]) -> None:
        entries, staff = found
        self.entries = entries
        states = price_states(entries, self.session.clock.now())
        codes = billing_codes().procedures
        self.table.setRowCount(len(entries))
        for i, (e, state) in enumerate(zip(entries, states, strict=True)):
            who = staff.get(e.set_by)
            cells = (e.code, codes[e.code].description if e.code in codes else "", money(e.unit_price_cents),
                     f"{self.session.local(e.effective_from):%Y-%m-%d %H:%M}", state,
                     who.full_name if who is not None else f"user {e.set_by}",
                     f"{self.session.local(e.set_at):%Y-%m-%d %H:%M}")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, c, item)
        missing = [c for c in codes if c not in {e.code for e, s in zip(entries, states, strict=True)
                                                 if s == "in force"}]
        summary = (f"No price in force yet for {', '.join(missing)}: visits billing it cannot be priced."
                   if missing else f"{len(entries)} price{'s' if len(entries) != 1 else ''} set; every code has "
                   "a price in force.")
        self._idle(f"{self.said} {summary}".strip())
        self.said = ""

    # --- a new price --------------------------------------------------------------------------------
    def effective_from(self) -> datetime:
        """Today (or nothing typed): from now on, so no visit already started today is repriced. A later date:
        from the start of that day, clinic time."""
        s = self.session
        text = self.effective.text().strip()
        day = parse_date(text, "effective from", day_first=self.day_first) if text else s.today()
        return s.clock.now() if day == s.today() else datetime.combine(day, time(0), tzinfo=s.zone)

    def set_price(self) -> None:
        from infusiondesk.billing_cli import cents

        if self.busy:
            return
        s = self.session
        code = str(self.code.currentData())
        try:
            amount = cents(self.price.text())
            when = self.effective_from()
        except DomainError as exc:
            self.message.setText(f"Not set: {exc.message}")
            return
        session = s.require_session()

        def done(entry: Any) -> None:
            self._idle()
            self.price.clear()
            self.effective.clear()
            self.said = (f"Set: {entry.code} is {money(entry.unit_price_cents)} per unit from "
                         f"{s.local(entry.effective_from):%Y-%m-%d %H:%M}.")
            self.message.setText(self.said)
            self.refresh()

        self._busy(f"Setting {code} to {money(amount)}…")
        StoreOp(self, lambda: s.store.billing.set_price(code, amount, when, by=session), kind="prices",
                busy_cursor=False).success(done).failure(lambda sentence: self._idle(f"Not set: {sentence}")).run()
