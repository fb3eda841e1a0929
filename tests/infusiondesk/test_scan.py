"""A product barcode scan: GS1 element strings with GS separators or parentheses, the product found by its GTIN
(derived from the cited NDC), and the hard stops: another product, an unknown one, an expired lot."""

from __future__ import annotations

import json
from datetime import date

import pytest

from infusiondesk.cli import main
from infusiondesk.drugs import load_drug
from infusiondesk.drugs.library import BUNDLED_DIR
from infusiondesk.errors import InputError
from infusiondesk.scan import GS, check_scan, gtin_from_ndc, looks_like_gs1, read_scan

DRUG = load_drug(BUNDLED_DIR / "magnesium_sulfate.toml")
BAG_2G = gtin_from_ndc("0409-6729-24")  # 2 g/50 mL, Pfizer How Supplied
BAG_4G = gtin_from_ndc("0409-6729-23")  # 4 g/100 mL
SCAN_GS = f"{GS}01{BAG_2G}17270731" + f"10A123B{GS}21SN0042"
SCAN_HRI = f"(01){BAG_2G}(17)270731(10)A123B(21)SN0042"


def test_a_gtin_14_is_003_then_the_ndc_then_a_check_digit() -> None:
    assert BAG_2G == "00304096729242"
    assert gtin_from_ndc("63323-108-02") == "00363323108021"


def test_every_library_product_has_a_cited_ndc() -> None:
    for p in DRUG.products:
        assert p.ndcs and p.ndc_source in DRUG.sources and p.ndc_basis, p.id


@pytest.mark.parametrize("text", [SCAN_GS, SCAN_HRI, "]d2" + SCAN_GS.lstrip(GS)])
def test_gs_separators_parentheses_and_a_symbology_prefix_read_the_same(text: str) -> None:
    scan = read_scan(DRUG, text)
    assert (scan.gtin, scan.lot, scan.expiry, scan.serial) == (BAG_2G, "A123B", date(2027, 7, 31), "SN0042")
    assert scan.product is not None and scan.product.id == "premix-2g-50ml"
    assert looks_like_gs1(text)


def test_a_lot_typed_by_hand_is_not_a_scan() -> None:
    assert not looks_like_gs1("LOT-2291A") and not looks_like_gs1("0123")


def test_the_ordered_product_in_date_has_no_findings() -> None:
    assert check_scan(DRUG, SCAN_HRI, "premix-2g-50ml", date(2027, 7, 31)).findings == ()


def test_a_lot_expiring_today_is_usable_and_expired_yesterday_is_a_hard_stop() -> None:
    assert check_scan(DRUG, SCAN_HRI, "premix-2g-50ml", date(2027, 7, 31)).findings == ()
    late = check_scan(DRUG, SCAN_HRI, "premix-2g-50ml", date(2027, 8, 1))
    assert [(f.level, f.code) for f in late.findings] == [("hard", "scan.expired")]
    assert "Lot A123B expired on 2027-07-31 (today is 2027-08-01 at the clinic)" in late.findings[0].message


def test_another_product_is_a_hard_stop_naming_both() -> None:
    scan = check_scan(DRUG, f"(01){BAG_4G}(17)270731(10)X1", "premix-2g-50ml", date(2027, 1, 1))
    assert [(f.level, f.code) for f in scan.findings] == [("hard", "scan.wrong_product")]
    assert "4 g/100 mL" in scan.findings[0].message and "2 g/50 mL" in scan.findings[0].message


def test_a_gtin_no_library_product_carries_is_a_hard_stop() -> None:
    stranger = gtin_from_ndc("0338-1708-41")
    scan = check_scan(DRUG, f"(01){stranger}(17)270731(10)X1", "premix-2g-50ml", date(2027, 1, 1))
    assert scan.product is None
    assert [f.code for f in scan.findings] == ["scan.unknown_product"]


@pytest.mark.parametrize("text", ["garbage", "", "(01)123", f"(01){BAG_2G[:-1]}0(17)270731"])
def test_garbage_is_refused_with_a_sentence(text: str) -> None:
    with pytest.raises(InputError, match="scan"):
        read_scan(DRUG, text)


def test_the_scan_command_prints_the_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", SCAN_GS, "--product", "premix-4g-100ml", "--date", "2027-08-01", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in ("gtin", "product", "lot", "expiry", "serial")} == {
        "gtin": BAG_2G, "product": "premix-2g-50ml", "lot": "A123B", "expiry": "2027-07-31", "serial": "SN0042"}
    assert [f["code"] for f in out["findings"]] == ["scan.wrong_product", "scan.expired"]
    assert main(["scan", "not a barcode", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a GS1 product barcode" in err
