"""Where the visit happens, before the start: in clinic, or a mobile visit at the patient's home or office with the
address and the travel times (typed as the clinic's local time, or "Now"). The visit service's `set_location`
step checks and records it; the checklist below then asks for the home-visit items. Choosing a home visit fills in
the patient's home address from their record (on one line, still editable); an office visit's address is typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from infusiondesk.records.location import VisitLocation, VisitSetting
from infusiondesk.service import LocationEntry
from infusiondesk_ui.widgets.forms import ChoiceBox, Form
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit, ErrorLabel, example_hint

_CLOCK = re.compile(r"^(\d{1,2})[:.h]?(\d{2})$")
SETTINGS = tuple((s.label, s.value) for s in VisitSetting)


def parse_clock(text: str, today: date, zone: ZoneInfo, what: str) -> tuple[datetime | None, str]:
    """A time typed as HH:MM (the clinic's zone, today) as a UTC-aware moment; the message says what is wrong."""
    s = text.strip()
    if not s:
        return None, ""
    m = _CLOCK.match(s)
    if m and int(m[1]) < 24 and int(m[2]) < 60:
        return datetime.combine(today, time(int(m[1]), int(m[2])), zone), ""
    return None, f'The {what} time "{s}" is not a time; type it as hours:minutes, such as 08:40, or press Now.'


def one_line_address(address: str) -> str:
    """A patient's address (one line per line of the envelope) as the location's one line: "14 Orchard Lane,
    Riverside, RV1 4AB"."""
    return ", ".join(line.strip() for line in address.splitlines() if line.strip())


class TimeField(QWidget):
    """A time typed as HH:MM with a "Now" button beside it (Tab reaches it; Space presses it)."""

    def __init__(self, name: str, now: Callable[[], str]) -> None:
        super().__init__()
        self.edit = EnterMovesOnLineEdit()
        self.edit.setAccessibleName(name)
        self.edit.setPlaceholderText(example_hint("08:40"))
        self.now = QPushButton("Now")
        self.now.setAccessibleName(f"{name}: now")
        self.now.clicked.connect(lambda: self.edit.setText(now()))
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.now)
        self.setFocusProxy(self.edit)
        self.setAccessibleName(name)


class LocationForm(QGroupBox):
    """The location section; `entry()` is what the visit service's set_location step is given."""

    def __init__(self, zone: ZoneInfo, today: Callable[[], date], hhmm_now: Callable[[], str],
                 parent: QWidget | None = None, *, home_address: str = "") -> None:
        super().__init__("Location", parent)
        self.zone, self.today = zone, today
        self.home_address = one_line_address(home_address)
        self._prefilled = ""  # the address this form filled in, until the nurse changes it
        self._loading = False
        self.setting = ChoiceBox("Visit location", SETTINGS)
        self.address = EnterMovesOnLineEdit()
        self.address.setAccessibleName("Address of the mobile visit")
        self.address.setPlaceholderText(example_hint("14 Orchard Lane, Riverside"))
        self.departed = TimeField("Departed for the visit", hhmm_now)
        self.arrived = TimeField("Arrived at the address", hhmm_now)
        self.error = ErrorLabel()
        self.error.setObjectName("locationError")
        self.record = QPushButton("Record locatio&n")
        form = Form()
        form.add("L&ocation", self.setting)
        form.add("A&ddress", self.address)
        form.add("Departed", self.departed)  # Tab from the address (no Alt letter is free)
        form.add("Arrived", self.arrived)
        form.add_wide(self.error)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.record)
        self.setting.currentIndexChanged.connect(self._show_mobile_fields)
        self._show_mobile_fields()

    @property
    def mobile(self) -> bool:
        return VisitSetting(self.setting.value).mobile

    def _show_mobile_fields(self, *_: object) -> None:
        for w in (self.address, self.departed, self.arrived):
            w.setEnabled(self.mobile)
        if not self._loading:
            self._prefill()

    def _prefill(self) -> None:
        """Home: the patient's address when nothing is typed. Leaving home takes away only what was filled in, never
        what the nurse typed or changed."""
        typed = self.address.text().strip()
        if VisitSetting(self.setting.value) is VisitSetting.HOME:
            if not typed and self.home_address:
                self.address.setText(self.home_address)
                self._prefilled = self.home_address
        elif typed and typed == self._prefilled:
            self.address.clear()

    def entry(self) -> LocationEntry | None:
        """The location as typed, or None (the error shown) when a time cannot be read."""
        day = self.today()
        departed, e1 = parse_clock(self.departed.edit.text(), day, self.zone, "departure")
        arrived, e2 = parse_clock(self.arrived.edit.text(), day, self.zone, "arrival")
        if e1 or e2:
            self.error.show_message(e1 or e2)
            return None
        self.error.show_message("")
        if not self.mobile:
            return LocationEntry("clinic")
        return LocationEntry(self.setting.value, self.address.text(), departed, arrived)

    def load(self, where: VisitLocation) -> None:
        """The location as recorded (a recorded address is shown as it was recorded, never replaced)."""
        self._loading = True
        try:
            self.setting.set_value(where.setting.value)
        finally:
            self._loading = False
        self.address.setText(where.address)
        for field, moment in ((self.departed, where.departed_at), (self.arrived, where.arrived_at)):
            field.edit.setText(moment.astimezone(self.zone).strftime("%H:%M") if moment is not None else "")
        self._show_mobile_fields()

    def set_read_only(self, ro: bool) -> None:
        for w in (self.setting, self.record):
            w.setEnabled(not ro)
        for field in (self.address, self.departed, self.arrived):
            field.setEnabled(not ro and self.mobile)
