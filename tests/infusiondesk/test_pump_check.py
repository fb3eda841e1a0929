"""The pump readback against the order: equal on the pump's display passes, beyond it is a hard stop naming both
numbers, and the bag volume keyed as the rate says so in its own sentence."""

from __future__ import annotations

import pytest

from infusiondesk.dosing import calculate_from_text
from infusiondesk.drugs import load_drug
from infusiondesk.drugs.library import BUNDLED_DIR
from infusiondesk.errors import InputError
from infusiondesk.pump_check import (
    BAG_VOLUME_AS_RATE,
    MISMATCH,
    calc_pump_findings,
    parse_readback,
    pump_display,
    pump_findings,
)


def codes(rate: str, vtbi: str, ordered_rate: float = 100.0, ordered_vtbi: float = 50.0,
          bag: float | None = None) -> list[str]:
    return [f.code for f in pump_findings(ordered_rate, ordered_vtbi, parse_readback(rate, vtbi), bag)]


def test_the_display_steps_come_from_the_cited_data_file() -> None:
    shown = pump_display()
    assert (shown.rate_step_ml_h, shown.vtbi_step_ml) == (0.1, 0.1)
    assert shown.slip_source == "ismp-1997-magnesium"


def test_a_pump_showing_the_order_passes() -> None:
    assert codes("100 mL/h", "50 mL") == []


def test_a_readback_within_the_display_step_passes() -> None:
    # 2 g over 45 min is 66.667 mL/h: the pump shows 66.7, and 100.04 mL/h reads 100.0
    assert codes("66.7 mL/h", "50 mL", ordered_rate=66.6667) == []
    assert codes("100.04 mL/h", "50.04 mL") == []


def test_one_display_step_off_is_a_hard_stop_naming_both_numbers() -> None:
    found = pump_findings(100.0, 50.0, parse_readback("100.1 mL/h", "50 mL"))
    assert [(f.level, f.code) for f in found] == [("hard", MISMATCH)]
    assert "100.1 mL/h on the pump and 100 mL/h in the order" in found[0].message
    assert codes("66.6 mL/h", "50 mL", ordered_rate=66.6667) == [MISMATCH]
    vtbi = pump_findings(100.0, 50.0, parse_readback("100 mL/h", "50.1 mL"))
    assert [f.code for f in vtbi] == [MISMATCH]
    assert "50.1 mL on the pump and 50 mL in the order" in vtbi[0].message


def test_the_bag_volume_keyed_as_the_rate_has_its_own_sentence() -> None:
    found = pump_findings(100.0, 50.0, parse_readback("50 mL/h", "50 mL"))
    assert [(f.level, f.code) for f in found] == [("hard", MISMATCH), ("hard", BAG_VOLUME_AS_RATE)]
    assert found[1].message.startswith("The rate keyed, 50 mL/h, is the bag's volume (50 mL), not its rate")
    assert "over 30 min" in found[1].message and "key the ordered rate, 100 mL/h" in found[1].message


def test_a_partial_bags_volume_keyed_as_the_rate_is_the_slip_too() -> None:
    # 1 g from a 2 g/50 mL bag over 15 min: 25 mL at 100 mL/h; keying the bag's 50 is the slip
    assert codes("50 mL/h", "25 mL", ordered_vtbi=25.0, bag=50.0) == [MISMATCH, BAG_VOLUME_AS_RATE]
    assert codes("60 mL/h", "25 mL", ordered_vtbi=25.0, bag=50.0) == [MISMATCH]


def test_a_rate_equal_to_the_volume_by_order_is_no_slip() -> None:
    # 2 g/50 mL over 1 h runs at 50 mL/h: the same number, as ordered
    assert codes("50 mL/h", "50 mL", ordered_rate=50.0) == []


def test_a_readback_must_be_a_volume_rate_and_a_volume() -> None:
    with pytest.raises(InputError, match="dose rate"):
        parse_readback("66 mg/min", "50 mL")
    with pytest.raises(InputError, match=r"(?i)pump VTBI"):
        parse_readback("100 mL/h", "50 mL/h")
    with pytest.raises(InputError, match="no unit"):
        parse_readback("100", "50 mL")
    assert not parse_readback("100 mL/h", "").complete


def test_against_a_calculation_the_rate_is_compared_as_the_pump_is_programmed() -> None:
    drug = load_drug(BUNDLED_DIR / "magnesium_sulfate.toml")
    calc = calculate_from_text(drug, dose="2 g", product="premix-2g-50ml", duration="45 min")
    assert calc_pump_findings(calc, parse_readback("66.7 mL/h", "50 mL")) == ()
    slipped = calc_pump_findings(calc, parse_readback("50 mL/h", "50 mL"))
    assert [f.code for f in slipped] == [MISMATCH, BAG_VOLUME_AS_RATE]
