"""ISMP display: leading zero, no trailing zero, units always shown."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infusiondesk.display import (
    format_concentration,
    format_duration,
    format_mass,
    format_number,
    format_quantity,
    format_volume,
)
from infusiondesk.units import Kind, Q, parse_quantity


@pytest.mark.parametrize(
    ("q", "shown"),
    [
        (Q(2, "g"), "2 g"),
        (Q(2.0, "g"), "2 g"),
        (Q(1.5, "g"), "1.5 g"),
        (Q(1.25, "g"), "1.25 g"),
        (Q(0.5, "g"), "500 mg"),
        (Q(2000, "mg"), "2 g"),
        (Q(0.5, "mg"), "500 mcg"),
        (Q(0.5, "mL"), "0.5 mL"),
        (Q(1000, "mL"), "1,000 mL"),
        (Q(100, "mL/h"), "100 mL/h"),
        (Q(33.333333, "mL/h"), "33.3 mL/h"),
        (Q(30, "min"), "30 min"),
        (Q(90, "min"), "1 h 30 min"),
        (Q(2, "h"), "2 h"),
        (Q(40, "mg/mL"), "40 mg/mL (4 %)"),
        (Q(200, "mg/mL"), "200 mg/mL (20 %)"),
    ],
)
def test_quantities_display_the_ismp_way(q: object, shown: str) -> None:
    assert format_quantity(q) == shown


def test_no_helpers_produce_trailing_or_missing_leading_zero() -> None:
    assert format_volume(Q(0.25, "mL")) == "0.3 mL"
    assert format_concentration(Q(10, "mg/mL")) == "10 mg/mL (1 %)"
    assert format_duration(Q(6.666, "min")) == "6.7 min"
    assert format_mass(Q(4, "g")) == "4 g"


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False), st.integers(min_value=0, max_value=3))
def test_numbers_never_have_a_trailing_zero_or_a_bare_point(value: float, decimals: int) -> None:
    text = format_number(value, decimals)
    if "." in text:
        assert not text.endswith("0") and not text.endswith(".")
        assert not text.startswith(".")
    assert text == "0" or not text.startswith("0") or text.startswith("0.")


@given(st.floats(min_value=0.001, max_value=900, allow_nan=False))
def test_a_displayed_dose_reads_back_to_the_same_dose_within_display_precision(grams: float) -> None:
    shown = format_mass(Q(grams, "g"))
    back = parse_quantity(shown, Kind.DOSE)
    assert back.to("g").magnitude == pytest.approx(grams, rel=0.01, abs=0.0001)
    assert "MgSO4" not in shown
