"""What nurses type into quantity fields: accepted spellings, and a clear sentence for everything else."""

import contextlib
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infusiondesk.errors import InputError
from infusiondesk.units import Kind, dimension_name, parse_quantity


@pytest.mark.parametrize(
    ("text", "kind", "unit", "value"),
    [
        ("2 g", Kind.DOSE, "g", 2),
        ("2g", Kind.DOSE, "g", 2),
        ("2000 mg", Kind.DOSE, "g", 2),
        ("0.5 g", Kind.DOSE, "mg", 500),
        ("16 mEq", Kind.DOSE, "mEq", 16),
        ("8 mmol", Kind.DOSE, "mmol", 8),
        ("25 mg/kg", Kind.DOSE, "mg/kg", 25),
        ("2 g/50 mL", Kind.CONCENTRATION, "mg/mL", 40),
        ("40 mg/mL", Kind.CONCENTRATION, "mg/mL", 40),
        ("20 %", Kind.CONCENTRATION, "mg/mL", 200),
        ("50%", Kind.CONCENTRATION, "mg/mL", 500),
        ("30 min", Kind.DURATION, "min", 30),
        ("1.5 h", Kind.DURATION, "min", 90),
        ("100 mL/h", Kind.RATE, "mL/h", 100),
        ("67 mg/min", Kind.RATE, "mg/min", 67),
        ("2 g/h", Kind.RATE, "mg/min", 2000 / 60),
        ("70 kg", Kind.WEIGHT, "kg", 70),
        ("154 lb", Kind.WEIGHT, "kg", 154 * 0.45359237),
        ("  2   G  ", Kind.DOSE, "g", 2),
        ("50 ML", Kind.VOLUME, "mL", 50),
    ],
)
def test_accepted_spellings(text: str, kind: Kind, unit: str, value: float) -> None:
    q = parse_quantity(text, kind)
    assert q.to(unit).magnitude == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "kind", "field", "expected"),
    [
        ("2 g", Kind.DURATION, "duration",
         'Duration "2 g" is a mass; enter a time such as "30 min" or "1.5 h".'),
        ("", Kind.DOSE, "dose", "Dose is empty; enter a dose such as"),
        ("   ", Kind.DOSE, "dose", "Dose is empty"),
        ("2", Kind.DOSE, "dose", 'Dose "2" has no unit'),
        ("2 furlongs", Kind.DOSE, "dose", 'unknown unit "furlongs"'),
        ("310 mL", Kind.RATE, "rate", 'Rate "310 mL" is a volume; enter a rate such as "100 mL/h"'),
        ("0 g", Kind.DOSE, "dose", "must be more than zero"),
        ("-2 g", Kind.DOSE, "dose", "is negative"),
        ("nan g", Kind.DOSE, "dose", "not a number with a unit"),
        ("inf g", Kind.DOSE, "dose", "not a number with a unit"),
        ("2000000 g", Kind.DOSE, "dose", "implausibly large"),
        ("99999999999999999999999 mg", Kind.DOSE, "dose", "implausibly large"),
        ("1e3 mg", Kind.DOSE, "dose", "exponent notation"),
        ("2,5 g", Kind.DOSE, "dose", 'has a decimal comma; use a decimal point, as in "2.5 g".'),
        ("2,000 mg", Kind.DOSE, "dose", "thousands comma"),
        (".5 g", Kind.DOSE, "dose", 'no leading zero; write "0.5"'),
        ("2. g", Kind.DOSE, "dose", "ends a number with a point"),
        ("two grams", Kind.DOSE, "dose", "not a number with a unit"),
        ("2 cc", Kind.VOLUME, "volume", 'write "mL"'),
        ("500 µg", Kind.DOSE, "dose", 'write "mcg"'),
        ("2 Mg", Kind.DOSE, "dose", "megagram, or magnesium"),
        ("__import__('os').system('true')", Kind.DOSE, "dose", "not a number with a unit"),
        ("2 g/0 mL", Kind.CONCENTRATION, "concentration", "divides by zero"),
        ("2 g", Kind.WEIGHT, "weight", "implausibly small"),
        ("900 kg", Kind.WEIGHT, "weight", "implausibly large"),
        ("30 min", Kind.DOSE, "dose", "is a time"),
        ("100 mL/h", Kind.DOSE, "dose", "is a rate"),
    ],
)
def test_rejections_name_field_problem_and_what_is_accepted(text: str, kind: Kind, field: str,
                                                            expected: str) -> None:
    with pytest.raises(InputError) as err:
        parse_quantity(text, kind)
    assert err.value.field == field
    assert expected in err.value.message
    assert err.value.message.startswith(field.capitalize())
    assert err.value.message.endswith(".")


def test_field_name_in_message_is_the_one_given() -> None:
    with pytest.raises(InputError, match=r'^Bag volume "2 g" is a mass'):
        parse_quantity("2 g", Kind.VOLUME, "bag volume")


@given(st.text(max_size=40))
def test_any_string_parses_to_the_right_dimension_or_raises_the_domain_error(text: str) -> None:
    for kind in (Kind.DOSE, Kind.CONCENTRATION, Kind.DURATION, Kind.RATE, Kind.WEIGHT, Kind.VOLUME):
        try:
            q = parse_quantity(text, kind)
        except InputError as exc:
            assert exc.message
            continue
        assert math.isfinite(q.magnitude) and q.magnitude > 0
        assert dimension_name(q) is not None


_units = st.sampled_from(["g", "mg", "mcg", "mEq", "mmol", "mL", "min", "h", "mL/h", "mg/min", "kg", "%", "mg/mL"])


@given(st.decimals(min_value="0.001", max_value="5000", places=3), _units)
def test_number_and_unit_strings_never_raise_anything_but_the_domain_error(number: object, unit: str) -> None:
    text = f"{number} {unit}"
    for kind in Kind:
        if kind is Kind.AGE:
            continue
        with contextlib.suppress(InputError):
            parse_quantity(text, kind)


@pytest.mark.parametrize("minutes", [60, 61, 90, 119, 120, 150, 24 * 60 + 5])
def test_the_apps_own_duration_display_reads_back_as_the_same_time(minutes: int) -> None:
    """What the dose screen shows ("1 h 30 min") can be typed back into a duration field."""
    from infusiondesk.display import format_duration
    from infusiondesk.units import Q

    shown = format_duration(Q(minutes, "min"))
    assert parse_quantity(shown, Kind.DURATION).to("min").magnitude == pytest.approx(minutes)


@pytest.mark.parametrize(("text", "minutes"), [("1 h 30 min", 90), ("1h 30min", 90), ("2 hours 5 minutes", 125),
                                               ("1 H 0 MIN", 60)])
def test_hours_and_minutes_are_a_duration(text: str, minutes: int) -> None:
    assert parse_quantity(text, Kind.DURATION).to("min").magnitude == pytest.approx(minutes)


@pytest.mark.parametrize(("text", "said"), [
    ("1 h 60 min", "minutes below 60"),        # minutes past the hour that are an hour themselves
    ("1 h 75 min", "minutes below 60"),
    ("1.5 h 30 min", "not understood"),        # the display writes whole hours only
    ("1 h 30.5 min", "not understood"),
    ("30 min 1 h", "not understood"),          # minutes before hours is not the display's order
    ("1 h 30", "not understood"),              # a bare number after the hours
    ("1 h 30 min 10 s", "not understood"),
    ("1 h, 30 min", "comma"),
])
def test_hours_and_minutes_outside_the_display_grammar_are_refused(text: str, said: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_quantity(text, Kind.DURATION, "duration")
    assert said in exc.value.message
    assert exc.value.message.startswith("Duration")


def test_hours_and_minutes_are_only_a_duration() -> None:
    """A dose or rate field does not take the two-part time."""
    with pytest.raises(InputError):
        parse_quantity("1 h 30 min", Kind.DOSE, "dose")
    with pytest.raises(InputError):
        parse_quantity("1 h 30 min", Kind.RATE, "rate")


@pytest.mark.parametrize(("text", "day_first", "expected"), [
    ("14/02/1979", True, (1979, 2, 14)),
    ("14.02.1979", True, (1979, 2, 14)),
    ("14-02-1979", True, (1979, 2, 14)),
    ("5/12/1964", True, (1964, 12, 5)),       # day-first: 5 December, by the rule, not by guessing
    ("5/12/1964", False, (1964, 5, 12)),      # month-first: 12 May
    ("02/14/1979", False, (1979, 2, 14)),
    ("1979-02-14", True, (1979, 2, 14)),      # year-month-day always
    ("1979-02-14", False, (1979, 2, 14)),
    (" 29/02/2000 ", True, (2000, 2, 29)),
])
def test_dates_in_the_clinics_order_or_year_month_day(text: str, day_first: bool,
                                                       expected: tuple[int, int, int]) -> None:
    from datetime import date

    from infusiondesk.units import parse_date

    assert parse_date(text, "date of birth", day_first=day_first) == date(*expected)


@pytest.mark.parametrize(("text", "day_first", "said"), [
    ("02/14/1979", True, 'Date of birth "02/14/1979" has no month 14 when read as day/month/year'),
    ("14/02/1979", False, "has no month 14 when read as month/day/year"),
    ("14/02/79", True, "does not have a four-digit year"),
    ("31/02/1979", True, "February 1979 has no day 31"),
    ("29/02/1979", True, "February 1979 has no day 29"),
    ("1979-13-01", True, "has no month 13 when read as year-month-day"),
    ("14/02-1979", True, "is not a date"),    # mixed separators
    ("14 Feb 1979", True, "is not a date"),
    ("19790214", True, "is not a date"),
    ("", True, "is empty"),
])
def test_dates_that_are_not_dates_in_the_rule_are_refused_naming_the_rule(text: str, day_first: bool,
                                                                           said: str) -> None:
    from infusiondesk.units import date_rule, parse_date

    with pytest.raises(InputError) as exc:
        parse_date(text, "date of birth", day_first=day_first)
    assert said in exc.value.message
    assert exc.value.message.endswith(f"{date_rule(day_first)}.")
