"""Workstation settings refuse out-of-range minutes with a sentence, and command-line values that were not
given change nothing."""

from __future__ import annotations

import pytest

from infusiondesk.settings import IDLE_LOCK, VITALS_EVERY, SettingError, Timing


def test_defaults_are_a_ten_minute_lock_and_vitals_every_fifteen_minutes() -> None:
    assert Timing() == Timing(idle_lock_min=10, vitals_every_min=15)


@pytest.mark.parametrize(("value", "minutes"), [(1, 1), ("5", 5), (" 120 ", 120)])
def test_whole_minutes_in_range_are_accepted(value: object, minutes: int) -> None:
    assert IDLE_LOCK.check(value) == minutes


@pytest.mark.parametrize(("value", "message"), [
    (0, "Idle auto-lock: 0 min is outside 1–120 min."),
    ("ten", "Idle auto-lock: “ten” is not a whole number of minutes; enter e.g. 10."),
    ("2.5", "Idle auto-lock: “2.5” is not a whole number of minutes; enter e.g. 10."),
    (True, "Idle auto-lock: enter a whole number of minutes."),
])
def test_other_values_are_refused_in_words(value: object, message: str) -> None:
    with pytest.raises(SettingError) as caught:
        IDLE_LOCK.check(value)
    assert caught.value.message == message


def test_values_not_given_keep_the_base() -> None:
    base = Timing(idle_lock_min=3, vitals_every_min=20)
    assert Timing.from_values({"idle_lock_min": None, "vitals_every_min": 5}, base) == Timing(3, 5)
    with pytest.raises(SettingError, match="Vital signs reminder: 500 min"):
        Timing.from_values({VITALS_EVERY.key: 500})
