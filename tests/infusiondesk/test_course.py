"""The numbers of a course summary (infusiondesk.course): what was given, running totals, 24 h totals, attacks."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from infusiondesk.course import Period, parse_period, summarise
from infusiondesk.errors import DomainError
from tests import course_data
from tests.reports import scenario

NY = "America/New_York"


def test_six_two_gram_infusions_give_12_g_with_its_meq_and_mmol_and_a_running_total() -> None:
    visits = course_data.course(6)
    c = summarise(scenario.PATIENT, visits, scenario.drug(), Period(), timezone=NY)
    assert [v.visit_id for v in c.visits] == [101, 102, 103, 104, 105, 106]
    # 12 g / 246.47 g/mol = 48.69 mmol, x 2 = 97.38 mEq (the library's molar mass and valence)
    assert c.total == "12 g = 97.4 mEq = 48.7 mmol"
    assert c.total_g == pytest.approx(12)
    assert [v.cumulative for v in c.visits] == ["2 g", "4 g", "6 g", "8 g", "10 g", "12 g"]
    first = c.visits[0]
    assert first.dose == "2 g = 16.2 mEq = 8.1 mmol" and first.given == "2 g = 16.2 mEq = 8.1 mmol"
    assert (first.rate, first.duration, first.indication) == ("100 mL/h", "30 min",
                                                              scenario.drug().indication("migraine").name)
    assert first.side_effects == ("Flushing, grade 1",)
    assert first.signed_by == ("Jane Doe, RN (administered)", "Alan Smith, MD (reviewed and approved)")
    assert first.pain == "7 → 2"
    assert c.infusions == 6
    assert c.highest_24h == "2 g"  # two weeks apart: each 24 h holds one infusion


def test_the_period_is_the_clinics_calendar_days_both_ends_included() -> None:
    visits = course_data.course(6)  # 4, 18 March, 1, 15, 29 April, 13 May 2025 at 14:00 New York time
    c = summarise(scenario.PATIENT, visits, scenario.drug(), Period(date(2025, 3, 18), date(2025, 4, 15)),
                  timezone=NY)
    assert [v.visit_id for v in c.visits] == [102, 103, 104]
    assert c.total == "6 g = 48.7 mEq = 24.3 mmol"
    assert c.period_text == "2025-03-18 to 2025-04-15"
    # 22:30 in New York on 15 April is 02:30 UTC on the 16th: still the 15th at the clinic
    late = course_data.moved(visits[3], timedelta(hours=8, minutes=30), 200)
    c = summarise(scenario.PATIENT, [*visits, late], scenario.drug(), Period(date(2025, 4, 15), date(2025, 4, 15)),
                  timezone=NY)
    assert [v.visit_id for v in c.visits] == [104, 200]


def test_a_dose_stopped_at_half_counts_what_ran_and_a_declined_visit_counts_nothing() -> None:
    a, b, c_ = course_data.course(3)
    b = course_data.stopped_at_half(b)
    c_ = course_data.not_given(c_)
    c = summarise(scenario.PATIENT, [a, b, c_], scenario.drug(), Period(), timezone=NY)
    assert [v.given for v in c.visits] == ["2 g = 16.2 mEq = 8.1 mmol", "1 g = 8.1 mEq = 4.1 mmol", "not given"]
    assert [v.cumulative_g for v in c.visits] == pytest.approx([2, 3, 3])
    assert c.visits[2].dose == "" and c.visits[2].status.value == "draft"
    assert c.infusions == 2 and c.total == "3 g = 24.3 mEq = 12.2 mmol"


def test_the_24_h_total_counts_infusions_just_before_the_period_but_the_cumulative_does_not() -> None:
    a = course_data.course(1)[0]  # 4 March 14:00
    b = course_data.moved(a, timedelta(hours=6), 102)  # 20:00 the same day
    c_ = course_data.moved(a, timedelta(days=1, hours=3), 103)  # 5 March 17:00: 21 h after b, 27 h after a
    whole = summarise(scenario.PATIENT, [a, b, c_], scenario.drug(), Period(), timezone=NY)
    assert [v.in_24h for v in whole.visits] == ["2 g", "4 g", "4 g"]
    assert whole.highest_24h == "4 g"
    later = summarise(scenario.PATIENT, [a, b, c_], scenario.drug(), Period(first=date(2025, 3, 5)), timezone=NY)
    assert [v.visit_id for v in later.visits] == [103]
    assert later.visits[0].in_24h == "4 g" and later.visits[0].cumulative == "2 g"


def test_attacks_per_month_before_and_after_the_course() -> None:
    visits = course_data.course(6)  # attacks reported: 8, 7, 6, 5, 4, 3
    c = summarise(scenario.PATIENT, visits, scenario.drug(), Period(), timezone=NY)
    assert c.attacks_before is not None and c.attacks_after is not None
    assert (c.attacks_before.attacks_per_month, c.attacks_before.visit_id) == (8, 101)
    assert (c.attacks_after.attacks_per_month, c.attacks_after.visit_id) == (3, 106)
    assert c.attacks_change == "−5 a month"
    one = summarise(scenario.PATIENT, visits[:1], scenario.drug(), Period(), timezone=NY)
    assert one.attacks_after is None and one.attacks_change == "not enough reports to compare"


def test_a_period_ending_before_it_starts_and_a_date_that_is_no_date_are_refused_in_one_sentence() -> None:
    with pytest.raises(DomainError, match="starts on 2025-05-01, after it ends on 2025-04-01"):
        parse_period("2025-05-01", "2025-04-01")
    with pytest.raises(DomainError, match='--to "31/04/2025" is not a date; write it as year-month-day'):
        parse_period(None, "31/04/2025")
    assert parse_period("", None) == Period()


def test_another_patients_visit_is_refused() -> None:
    stranger = dataclasses.replace(course_data.course(1)[0], patient_id=999)
    with pytest.raises(DomainError, match="is not RIVERA, Ana Lucía's"):
        summarise(scenario.PATIENT, [stranger], scenario.drug(), Period(), timezone=NY)
