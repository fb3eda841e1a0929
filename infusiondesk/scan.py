"""A product barcode scan: the GS1 element string a keyboard-wedge scanner types from a bag's DataMatrix.

(01) GTIN, (17) expiry YYMMDD, (10) lot, (21) serial, with FNC1/GS separators or in parentheses, read with biip
(a kept GS1 parser) rather than by hand. The GTIN names the library product (a US GTIN-14 is "003" + the
10-digit NDC + a check digit); a product other than the ordered one, or a lot past its expiry on the clinic's
date, is a hard stop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from biip import ParseError, parse
from biip.checksums import gs1_standard_check_digit
from biip.gs1_messages import GS1Message

from infusiondesk.dosing import Finding
from infusiondesk.drugs.library import Drug, Product
from infusiondesk.errors import InputError

GS = "\x1d"  # FNC1 as a scanner types it (ASCII group separator)
_SYMBOLOGY = re.compile(r"^\][A-Za-z]\d")  # "]d2": the symbology identifier some scanners send first
_GS1_START = re.compile(r"^(\(01\)\d{14}|01\d{14})")


def gtin_from_ndc(ndc: str) -> str:
    """The GTIN-14 of a US drug package: indicator 0, the "03" NDC prefix, the 10-digit NDC, a check digit."""
    digits = ndc.replace("-", "")
    if len(digits) != 10 or not digits.isdigit():
        raise InputError("ndc", f'NDC "{ndc}" is not a 10-digit NDC.')
    body = "003" + digits
    return body + str(gs1_standard_check_digit(body))


def looks_like_gs1(text: str) -> bool:
    """Whether typed text is a GS1 element string starting with a GTIN (a scan), not a lot typed by hand."""
    s = _SYMBOLOGY.sub("", text.strip().lstrip(GS))
    return bool(_GS1_START.match(s))


@dataclass(frozen=True)
class ProductScan:
    """What a scan says about the product, and its findings against the order and today's date."""

    gtin: str
    product: Product | None
    lot: str | None
    expiry: date | None
    serial: str | None
    findings: tuple[Finding, ...] = ()

    @property
    def blocked(self) -> bool:
        return any(f.level == "hard" for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        """The `scan --json` contract."""
        return {"gtin": self.gtin, "product": self.product.id if self.product else None, "lot": self.lot,
                "expiry": self.expiry.isoformat() if self.expiry else None, "serial": self.serial,
                "findings": [f.as_dict() for f in self.findings]}


def _message(text: str) -> GS1Message:
    s = _SYMBOLOGY.sub("", text.strip())
    unreadable = InputError("scan", f'The scan "{s.replace(GS, "<GS>")[:60]}" is not a GS1 product barcode with '
                                    "a GTIN; scan the bag's DataMatrix again, or type the lot and expiry.")
    try:
        message = GS1Message.parse_hri(s) if s.startswith("(") else parse(s).gs1_message
    except ParseError:
        raise unreadable from None
    if message is None:
        raise unreadable
    return message


def read_scan(drug: Drug, text: str) -> ProductScan:
    """Parse a scan and find its product in the library (None when no product carries that GTIN). Raises
    InputError for a string that is not a GS1 element string with a valid GTIN."""
    elements = _message(text).element_strings
    gtin_element = elements.get(ai="01")
    if gtin_element is None or gtin_element.gtin is None:
        why = (gtin_element.gtin_error or "").rstrip(".") if gtin_element is not None else "no (01) GTIN"
        raise InputError("scan", f"The scan has no readable product code ({why}); scan the bag's DataMatrix "
                                 "again, or type the lot and expiry.")
    gtin = gtin_element.gtin.value
    expiry_element, lot_element, serial_element = (elements.get(ai=ai) for ai in ("17", "10", "21"))
    product = next((p for p in drug.products if gtin in {gtin_from_ndc(n) for n in p.ndcs}), None)
    return ProductScan(gtin=gtin, product=product,
                       lot=lot_element.value if lot_element is not None else None,
                       expiry=expiry_element.date if expiry_element is not None else None,
                       serial=serial_element.value if serial_element is not None else None)


def scan_findings(scan: ProductScan, ordered: Product | None, today: date) -> tuple[Finding, ...]:
    """Hard stops: a product not in the library, a product other than the ordered one, a lot past its expiry
    on `today` (the clinic's local date; a lot is usable through its expiry date)."""
    found: list[Finding] = []
    if scan.product is None:
        found.append(Finding("hard", "scan.unknown_product",
                             f"The scanned product (GTIN {scan.gtin}) is not in the drug library: it is not a "
                             "magnesium sulfate product this clinic stocks. Do not use it; take the ordered product."))
    elif ordered is not None and scan.product.id != ordered.id:
        found.append(Finding("hard", "scan.wrong_product",
                             f"The scanned product is {scan.product.name}; the order is for {ordered.name}. Do not "
                             "use it; take the ordered product."))
    if scan.expiry is not None and scan.expiry < today:
        found.append(Finding("hard", "scan.expired",
                             f"Lot {scan.lot or '(no lot in the scan)'} expired on {scan.expiry.isoformat()} (today "
                             f"is {today.isoformat()} at the clinic); do not use it: take an in-date product."))
    return tuple(found)


def check_scan(drug: Drug, text: str, ordered_product_id: str | None, today: date) -> ProductScan:
    """Read a scan and check it against the ordered product (if the order names one) and the clinic's date."""
    scan = read_scan(drug, text)
    ordered = drug.product(ordered_product_id) if ordered_product_id else None
    return ProductScan(scan.gtin, scan.product, scan.lot, scan.expiry, scan.serial,
                       scan_findings(scan, ordered, today))
