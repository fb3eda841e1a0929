"""The readiness checklist before the start, as typed: what the visit service charts (`Preparation`) and what the
workflow's readiness rule reads to say what still stops the start. Baseline vital signs are the charted ones,
never a tick box here."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QVBoxLayout, QWidget

from infusiondesk import display
from infusiondesk.errors import InputError
from infusiondesk.pump_check import PumpReadback, parse_readback
from infusiondesk.records.location import MobileCover
from infusiondesk.records.models import IVAccess, Readiness
from infusiondesk.scan import GS, ProductScan, looks_like_gs1
from infusiondesk.service import Preparation
from infusiondesk.units import Kind, Q
from infusiondesk.workflow.mobile import cover_fields, mobile_rules
from infusiondesk_ui.widgets.forms import Form
from infusiondesk_ui.widgets.number_edit import NumberEdit
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit, ErrorLabel, QuantityEdit, example_hint

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_expiry(text: str) -> tuple[date | None, str]:
    """An expiry typed or scanned as YYYY-MM-DD; the message says what is wrong in words."""
    s = text.strip()
    if not s:
        return None, ""
    m = _DATE.match(s)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])), ""
        except ValueError:
            pass
    return None, f'Expiry "{s}" is not a date; enter it as year-month-day, such as 2027-03-31.'


# Beside the lot field the scan's stops are short (the column is narrow); the full sentences are in "Not ready".
_SHORT = {"scan.wrong_product": "Not the ordered product: do not use it.",
          "scan.unknown_product": "Not a product in the drug library: do not use it.",
          "scan.expired": "Expired on {expiry}: do not use it."}


class ScanLineEdit(EnterMovesOnLineEdit):
    """The lot field: a keyboard-wedge scanner types the GS1 string into it, FNC1 as the GS control character,
    which a line edit would drop (the lot would then swallow the serial number)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text() == GS:
            self.insert(GS)
            event.accept()
            return
        super().keyPressEvent(event)


def scan_as_hri(r: Readiness) -> str:
    """A recorded scan written back as the GS1 human-readable string it was read from (to re-chart it)."""
    if not r.scanned_gtin:
        return ""
    parts = [f"(01){r.scanned_gtin}"]
    if r.lot_expiry is not None:
        parts.append(f"(17){r.lot_expiry:%y%m%d}")
    if r.lot_number:
        parts.append(f"(10){r.lot_number}")
    if r.scanned_serial:
        parts.append(f"(21){r.scanned_serial}")
    return "".join(parts)


class ReadinessForm(QGroupBox):
    """The checklist before Start; its problems come from workflow.readiness_problems, live."""

    scan_changed = Signal()  # a scan was read, refused or typed over: what stops the start may have changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Before the start", parent)
        self.consent = QCheckBox("Consent recorded")
        self.allergies = QCheckBox("Allergies reviewed with the patient")
        self.weight = QuantityEdit(Kind.WEIGHT, "today's weight", required=False, placeholder='"70 kg"')
        self.weight_ack = QCheckBox("Weight change acknowledged")
        self.iv_site = EnterMovesOnLineEdit()
        self.iv_site.setAccessibleName("IV site")
        self.iv_site.setPlaceholderText(example_hint("left antecubital"))
        self.iv_gauge = EnterMovesOnLineEdit()
        self.iv_gauge.setAccessibleName("IV gauge")
        self.iv_gauge.setPlaceholderText(example_hint("22 G"))
        self.iv_attempts = NumberEdit("IV attempts", "", "1")
        self.iv_by = EnterMovesOnLineEdit()
        self.iv_by.setAccessibleName("IV placed by")
        self.lot = ScanLineEdit()
        self.lot.setAccessibleName("Lot number (scan or type)")
        # a scan (a GS1 string typed into the lot field) fills lot and expiry; the product and its checks show here
        self.scan_reader: Callable[[str], ProductScan] | None = None
        self.scan_text = ""
        self.last_scan: ProductScan | None = None
        self._filling = False
        self.scanned = QLabel()
        self.scanned.setObjectName("scannedProduct")
        self.scanned.setWordWrap(True)
        self.scanned.setAccessibleName("Product scanned")
        self.scan_error = ErrorLabel()
        self.lot.setPlaceholderText("scan the bag's barcode, or type the lot")
        self.expiry = EnterMovesOnLineEdit()
        self.expiry.setAccessibleName("Lot expiry date")
        self.expiry.setPlaceholderText(example_hint("2027-03-31"))
        self.expiry_error = ErrorLabel()
        self.calcium = QCheckBox("Calcium gluconate 10 % at the chair")
        # the home-visit items (readiness.toml's words), shown only for a mobile visit: show_mobile()
        rules = mobile_rules()
        self.mobile_items = {item.field: QCheckBox(item.label) for item in (*rules.items, *rules.cover.values())}
        self.is_mobile = False
        # the pump readback: what the pump shows once programmed, typed from its display (ISMP: the bag volume
        # keyed as the rate); the sentence beside them says how it differs from the order
        self.pump_rate = QuantityEdit(Kind.RATE, "pump rate (as the pump shows it)", required=False,
                                      placeholder="rate the pump shows, in mL/h")
        self.pump_vtbi = QuantityEdit(Kind.VOLUME, "pump volume to be infused (as the pump shows it)",
                                      required=False, placeholder="VTBI the pump shows, in mL")
        self.pump_check = ErrorLabel()
        self.pump_check.setObjectName("pumpCheck")
        form = Form()
        for w in (self.consent, self.allergies):
            form.add_wide(w)
        form.add("Today's &weight", self.weight, self.weight.error_label)
        form.add_wide(self.weight_ack)
        form.add("IV &access site", self.iv_site)
        form.add("IV gauge", self.iv_gauge)
        form.add("IV attempts", self.iv_attempts, self.iv_attempts.error_label)
        form.add("IV placed by", self.iv_by)
        form.add("&Lot", self.lot)
        form.add_wide(self.scanned)
        form.add_wide(self.scan_error)
        form.add("E&xpiry", self.expiry, self.expiry_error)
        form.add("P&ump rate shown", self.pump_rate, self.pump_rate.error_label)
        form.add("Pump VT&BI shown", self.pump_vtbi, self.pump_vtbi.error_label)
        form.add_wide(self.pump_check)
        form.add_wide(self.calcium)
        for cb in self.mobile_items.values():
            form.add_wide(cb)
            cb.setVisible(False)
        self.problems = QLabel()
        self.problems.setObjectName("readinessProblems")
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("What stops the start")
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.problems)
        self.expiry.textChanged.connect(lambda t: self.expiry_error.show_message(parse_expiry(t)[1]))
        self.lot.editingFinished.connect(self._lot_entered)
        self.lot.textChanged.connect(self._lot_typed)
        self.expiry.textChanged.connect(self._lot_typed)
        for cb in self.checks():
            cb.setAccessibleName(cb.text())

    def _lot_entered(self) -> None:
        """A GS1 string in the lot field is a scan: fill lot and expiry from it, name the product, say what stops."""
        text = self.lot.text()
        if not looks_like_gs1(text) or self.scan_reader is None:
            return
        try:
            scan = self.scan_reader(text)
        except InputError as exc:
            self.scan_text, self.last_scan = "", None
            self.show_scan()
            self.scan_error.show_message(exc.message)
            return
        self._filling = True
        try:
            self.lot.setText(scan.lot or "")
            self.expiry.setText(scan.expiry.isoformat() if scan.expiry else "")
        finally:
            self._filling = False
        self.scan_text, self.last_scan = text, scan
        self.show_scan()

    def _lot_typed(self, *_: object) -> None:
        """Typing over a scanned lot or expiry makes it a typed one: the scan no longer stands."""
        if self._filling or not self.scan_text or looks_like_gs1(self.lot.text()):
            return
        self.scan_text, self.last_scan = "", None
        self.show_scan()

    def show_scan(self) -> None:
        scan = self.last_scan
        if scan is None:
            self.scanned.setText("")
            self.scan_error.show_message("")
            self.scan_changed.emit()
            return
        what = scan.product.name if scan.product is not None else "a product not in the drug library"
        serial = f", serial {scan.serial}" if scan.serial else ""
        self.scanned.setText(f"Scanned: {what} (GTIN {scan.gtin}{serial}).")
        self.scan_error.show_message(" ".join(_SHORT.get(f.code, f.message).format(expiry=scan.expiry)
                                              for f in scan.findings))
        self.scan_changed.emit()

    def show_charted_weight(self, kg: float | None) -> None:
        """Today's weight is typed once: once charted (with the order, or here), it is shown read-only; the dose
        step, before the order, is where it is corrected."""
        if kg is None:
            self.weight.setReadOnly(False)
            self.weight.setToolTip("")
            return
        shown = display.format_weight(Q(kg, "kg"))
        if self.weight.quantity is None or abs(float(self.weight.quantity.to("kg").magnitude) - kg) > 1e-9:
            self.weight.setText(shown)
        self.weight.setReadOnly(True)
        self.weight.setToolTip(f"Today's weight is charted ({shown}); it is typed once.")

    def show_mobile(self, mobile: bool, cover: MobileCover) -> None:
        """A mobile visit asks for the home-visit items (the cover its clinic's policy accepts) and the antidote in
        the kit instead of at the chair; an in-clinic visit shows the chair's checklist only."""
        self.is_mobile = mobile
        accepted = cover_fields(cover)
        cover_names = set(mobile_rules().cover)
        for name, cb in self.mobile_items.items():
            cb.setVisible(mobile and (name not in cover_names or name in accepted))
        self.calcium.setVisible(not mobile)

    def checks(self) -> tuple[QCheckBox, ...]:
        return (self.consent, self.allergies, self.weight_ack, self.calcium, *self.mobile_items.values())

    def inputs(self) -> tuple[QWidget, ...]:
        return (self.consent, self.allergies, self.weight, self.weight_ack, self.iv_site, self.iv_gauge,
                self.iv_attempts, self.iv_by, self.lot, self.expiry, self.pump_rate, self.pump_vtbi, self.calcium,
                *self.mobile_items.values())

    def _mobile_checked(self) -> dict[str, bool]:
        """The home-visit items as ticked; none counts for an in-clinic visit."""
        return {name: self.is_mobile and cb.isChecked() and cb.isVisibleTo(self)
                for name, cb in self.mobile_items.items()}

    def readback(self) -> PumpReadback:
        """The pump readback as typed; a part that cannot be read counts as not read back (its field says why)."""
        try:
            return parse_readback(self.pump_rate.text(), self.pump_vtbi.text())
        except InputError:
            return PumpReadback(self.pump_rate.text().strip(), self.pump_vtbi.text().strip())

    def _iv_access(self) -> IVAccess | None:
        if not any(w.text().strip() for w in (self.iv_site, self.iv_gauge, self.iv_by, self.iv_attempts)):
            return None
        return IVAccess(site=self.iv_site.text().strip(), gauge=self.iv_gauge.text().strip(),
                        attempts=int(self.iv_attempts.value or 0), placed_by=self.iv_by.text().strip())

    def preparation(self) -> Preparation:
        """The checklist as charted, for the visit service; today's weight as typed (empty keeps what the
        order charted)."""
        return Preparation(consent=self.consent.isChecked(), allergies_reviewed=self.allergies.isChecked(),
                           weight=self.weight.text().strip(), weight_change_acknowledged=self.weight_ack.isChecked(),
                           iv=self._iv_access(), lot=self.lot.text().strip(),
                           expiry=parse_expiry(self.expiry.text())[0],
                           calcium_gluconate_at_chair=self.calcium.isChecked(),
                           pump_rate=self.pump_rate.text().strip(), pump_vtbi=self.pump_vtbi.text().strip(),
                           scan=self.scan_text, **self._mobile_checked())

    def readiness(self, charted_weight_kg: float | None = None) -> Readiness:
        """The checklist as it would read once charted (for showing what still stops the start)."""
        weight = self.weight.quantity
        pump = self.readback()
        scan = self.last_scan
        return Readiness(
            consent=self.consent.isChecked(), allergies_reviewed=self.allergies.isChecked(),
            weight_kg_today=float(weight.to("kg").magnitude) if weight is not None else charted_weight_kg,
            weight_change_acknowledged=self.weight_ack.isChecked(), iv_access=self._iv_access(),
            lot_number=self.lot.text().strip(), lot_expiry=parse_expiry(self.expiry.text())[0],
            calcium_gluconate_available=self.calcium.isChecked(), pump_rate_text=pump.rate_text,
            pump_vtbi_text=pump.vtbi_text, pump_rate_ml_h=pump.rate_ml_h, pump_vtbi_ml=pump.vtbi_ml,
            scanned_gtin=scan.gtin if scan else "", scanned_serial=(scan.serial or "") if scan else "",
            scanned_product_id=scan.product.id if scan and scan.product else "",
            scanned_product_name=scan.product.name if scan and scan.product else "", **self._mobile_checked())

    def load(self, r: Readiness) -> None:
        self.consent.setChecked(r.consent)
        self.allergies.setChecked(r.allergies_reviewed)
        if r.weight_kg_today is not None:
            self.weight.setText(display.format_weight(Q(r.weight_kg_today, "kg")))
        self.weight_ack.setChecked(r.weight_change_acknowledged)
        if r.iv_access is not None:
            self.iv_site.setText(r.iv_access.site)
            self.iv_gauge.setText(r.iv_access.gauge)
            self.iv_attempts.set_value(r.iv_access.attempts)
            self.iv_by.setText(r.iv_access.placed_by)
        self._filling = True
        try:
            self.lot.setText(r.lot_number)
            self.expiry.setText(r.lot_expiry.isoformat() if r.lot_expiry else "")
        finally:
            self._filling = False
        self.scan_text = scan_as_hri(r)
        self.last_scan = None
        if self.scan_text and self.scan_reader is not None:
            try:
                self.last_scan = self.scan_reader(self.scan_text)
            except InputError:
                self.scan_text = ""
        self.show_scan()
        self.calcium.setChecked(r.calcium_gluconate_available)
        for name, cb in self.mobile_items.items():
            cb.setChecked(bool(getattr(r, name)))
        self.pump_rate.setText(r.pump_rate_text)
        self.pump_vtbi.setText(r.pump_vtbi_text)

    def state(self) -> dict[str, Any]:
        return {"checks": {cb.text(): cb.isChecked() for cb in self.checks()},
                "texts": {w.accessibleName(): w.text() for w in self._texts()}}

    def _texts(self) -> tuple[Any, ...]:
        return (self.weight, self.iv_site, self.iv_gauge, self.iv_attempts, self.iv_by, self.lot, self.expiry,
                self.pump_rate, self.pump_vtbi)

    def restore(self, state: dict[str, Any]) -> None:
        for cb in self.checks():
            cb.setChecked(bool(state.get("checks", {}).get(cb.text(), False)))
        for w in self._texts():
            w.setText(state.get("texts", {}).get(w.accessibleName(), ""))

    def set_read_only(self, ro: bool) -> None:
        for w in self.inputs():
            w.setEnabled(not ro)
