"""Outcome follow-ups as pure rules: when each is due on the clinic's calendar, what supersedes it, what is refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from infusiondesk import followups
from infusiondesk.errors import DomainError, InputError
from infusiondesk.followups import AnchorVisit, FollowUpEntry, FollowUpPolicy, FollowUpStatus

NEW_YORK = ZoneInfo("America/New_York")
# 21:00 in New York on Monday 6 January 2025 is already 02:00 on the 7th in UTC.
EVENING = datetime(2025, 1, 7, 2, 0, tzinfo=UTC)
POLICY = FollowUpPolicy((7, 30))


def anchor(visit_id: int, at: datetime, patient_id: int = 1) -> AnchorVisit:
    return AnchorVisit(visit_id, patient_id, "RIVERA, Ana", "MRN-1", at)


def due_at(anchors: list[AnchorVisit], now: datetime,
           done: set[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    return [(f.visit_id, f.interval_days)
            for f in followups.due_follow_ups(anchors, done or set(), POLICY, NEW_YORK, now)]


def test_the_defaults_come_from_the_cited_data_file() -> None:
    r = followups.rules()
    assert r.default_days == (7, 30) and r.max_per_month == 31
    assert FollowUpPolicy.default().intervals_days == (7, 30)


def test_day_six_is_not_due_day_seven_is_from_the_clinics_midnight() -> None:
    visit = [anchor(10, EVENING)]  # the clinic's date is 6 January, not the 7th
    six_days_later_late = datetime(2025, 1, 13, 4, 59, tzinfo=UTC)  # 23:59 on 12 January in New York
    assert due_at(visit, six_days_later_late) == []
    assert due_at(visit, datetime(2025, 1, 13, 5, 0, tzinfo=UTC)) == [(10, 7)]  # 00:00 on 13 January
    (row,) = followups.due_follow_ups(visit, set(), POLICY, NEW_YORK, datetime(2025, 1, 15, 15, tzinfo=UTC))
    assert row.visit_day.isoformat() == "2025-01-06" and row.due_on.isoformat() == "2025-01-13"
    assert row.due_text(datetime(2025, 1, 15).date()) == "due since 2025-01-13 (2 days)"
    assert row.interval == "7 days"


def test_one_month_is_thirty_days_and_done_ones_leave_the_list() -> None:
    visit = [anchor(10, EVENING)]
    day_30 = datetime(2025, 2, 5, 17, 0, tzinfo=UTC)  # 5 February in New York: 30 days after 6 January
    assert due_at(visit, day_30 - timedelta(days=1)) == [(10, 7)]
    assert due_at(visit, day_30) == [(10, 7), (10, 30)]
    assert due_at(visit, day_30, {(10, 7)}) == [(10, 30)]


def test_a_later_visit_before_the_due_date_supersedes_but_one_after_it_does_not() -> None:
    later = [anchor(10, EVENING), anchor(11, EVENING + timedelta(days=5))]
    assert due_at(later, EVENING + timedelta(days=9)) == []  # visit 11's own 7 days are not up yet
    assert due_at(later, EVENING + timedelta(days=12)) == [(11, 7)]
    after_due = [anchor(10, EVENING), anchor(11, EVENING + timedelta(days=10))]
    assert due_at(after_due, EVENING + timedelta(days=10)) == [(10, 7)]  # still owed: nobody asked in time
    other_patient = [anchor(10, EVENING), anchor(12, EVENING + timedelta(days=2), patient_id=2)]
    assert due_at(other_patient, EVENING + timedelta(days=9)) == [(10, 7), (12, 7)]


def test_recording_checks_it_is_due_now() -> None:
    visits = [anchor(10, EVENING), anchor(11, EVENING + timedelta(days=5))]
    now = EVENING + timedelta(days=40)
    with pytest.raises(DomainError, match="superseded by a later visit"):
        followups.check_due(10, 7, visits, set(), POLICY, NEW_YORK, now)
    with pytest.raises(DomainError, match="not due until 2025-01-18"):
        followups.check_due(11, 7, visits, set(), POLICY, NEW_YORK, EVENING + timedelta(days=6))
    with pytest.raises(DomainError, match="already recorded"):
        followups.check_due(11, 7, visits, {(11, 7)}, POLICY, NEW_YORK, now)
    with pytest.raises(DomainError, match="does not follow up after 14 days"):
        followups.check_due(11, 14, visits, set(), POLICY, NEW_YORK, now)
    with pytest.raises(DomainError, match="completed or signed"):
        followups.check_due(99, 7, visits, set(), POLICY, NEW_YORK, now)
    assert followups.check_due(11, 30, visits, set(), POLICY, NEW_YORK, now).due_on.isoformat() == "2025-02-10"


@pytest.mark.parametrize(("entry", "message"), [
    (FollowUpEntry(1, 7, attacks_per_month=32, headache_days=3, side_effects=False),
     "Attacks per month must be 0 to 31; 32 was entered."),
    (FollowUpEntry(1, 7, attacks_per_month=2, headache_days=-1, side_effects=False),
     "Headache days per month must be 0 to 31; -1 was entered."),
    (FollowUpEntry(1, 7, attacks_per_month=2, headache_days=3, rescue_days=40, side_effects=False),
     "Days with rescue medication per month must be 0 to 31; 40 was entered."),
    (FollowUpEntry(1, 7, headache_days=3, side_effects=False), "Enter the attacks per month"),
    (FollowUpEntry(1, 7, attacks_per_month=2, headache_days=3), "side effects since the visit (yes or no)"),
    (FollowUpEntry(1, 7, attacks_per_month=2, headache_days=3, side_effects=True), "Describe the side effects"),
    (FollowUpEntry(1, 7, FollowUpStatus.COULD_NOT_REACH, attacks_per_month=2),
     'marked "could not reach" holds no answers'),
])
def test_answers_out_of_range_or_missing_are_refused_with_a_sentence(entry: FollowUpEntry, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        followups.check_entry(entry)


def test_a_good_entry_is_trimmed_and_kept() -> None:
    entry = followups.check_entry(FollowUpEntry(1, 7, attacks_per_month=0, headache_days=31, rescue_days=0,
                                                side_effects=True, side_effects_text="  tired next day ",
                                                rescue_medication=" sumatriptan "))
    assert entry.side_effects_text == "tired next day" and entry.rescue_medication == "sumatriptan"
    assert followups.check_entry(FollowUpEntry(1, 7, FollowUpStatus.DECLINED, note="busy")).note == "busy"


def test_intervals_and_counts_as_typed() -> None:
    assert followups.parse_intervals("30, 7 14") == (7, 14, 30)
    with pytest.raises(InputError, match="whole days"):
        followups.parse_intervals("7, one month")
    with pytest.raises(InputError, match="1 to 365 days"):
        followups.parse_intervals("0")
    with pytest.raises(InputError, match="at most 4"):
        followups.parse_intervals("1 2 3 4 5")
    with pytest.raises(InputError, match="at least one"):
        followups.parse_intervals("  ")
    assert followups.count_from_text(" 4 ", "Attacks per month") == 4
    assert followups.count_from_text("", "Attacks per month") is None
    with pytest.raises(InputError, match=re.escape('Attacks per month "4.5" is not a whole number')):
        followups.count_from_text("4.5", "Attacks per month")
