"""Infusion events, the clock and the dose given: 2 g of 2 g/50 mL at 100 mL/h, started at 09:20."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infusiondesk import workflow as wf
from infusiondesk.drugs import Drug
from infusiondesk.records.models import InfusionEventKind, Patient, Visit, VisitStatus

from .conftest import ADMIN, NURSE, minutes, ready, running


def test_the_start_runs_at_the_ordered_rate_and_the_visit_is_infusing(drug: Drug, patient: Patient) -> None:
    visit = running(drug, patient)
    assert visit.status is VisitStatus.INFUSING and visit.started_at == minutes(20)
    (start,) = visit.events
    assert (start.kind, start.rate_ml_h, start.volume_infused_ml, start.by) == (
        InfusionEventKind.START, pytest.approx(100), 0.0, NURSE.id)


def test_an_admin_cannot_start_an_infusion(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="Only a nurse or clinician"):
        wf.start_infusion(ready(drug, patient), patient, 70.0, ADMIN, minutes(20))


def test_a_started_infusion_cannot_be_started_again(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="Cannot start the infusion: this visit is infusing"):
        wf.start_infusion(running(drug, patient), patient, 70.0, NURSE, minutes(21))


def test_a_blocked_order_cannot_start_even_if_it_reached_the_record(drug: Drug, patient: Patient) -> None:
    visit = ready(drug, patient)
    assert visit.dose_order is not None
    tampered = dataclasses.replace(visit, dose_order=dataclasses.replace(
        visit.dose_order, computed=dataclasses.replace(visit.dose_order.computed_dose, blocked=True)))
    with pytest.raises(wf.WorkflowError, match="breaks a hard limit"):
        wf.start_infusion(tampered, patient, 70.0, NURSE, minutes(20))


def test_the_clock_excludes_pauses_and_moves_the_planned_end(drug: Drug, patient: Patient) -> None:
    visit = running(drug, patient)
    at_10 = wf.infusion_clock(visit, minutes(30))
    assert at_10.phase == "running" and at_10.elapsed_running_min == pytest.approx(10)
    assert at_10.volume_ml == pytest.approx(100 / 6)
    assert at_10.planned_end == minutes(50)
    paused = wf.pause(visit, 16.0, "flushing", NURSE, minutes(30))
    during = wf.infusion_clock(paused, minutes(40))
    assert during.phase == "paused" and during.elapsed_running_min == pytest.approx(10)
    assert during.paused_min == pytest.approx(10) and during.volume_ml == pytest.approx(16)
    assert during.planned_end is None
    resumed = wf.resume(paused, NURSE, minutes(40))
    after = wf.infusion_clock(resumed, minutes(45))
    assert after.elapsed_running_min == pytest.approx(15) and after.rate_ml_h == pytest.approx(100)
    assert after.planned_end == minutes(45) + timedelta(hours=(50 - 16 - 100 / 12) / 100)


def test_slowing_for_warmth_changes_the_rate_and_the_estimate(drug: Drug, patient: Patient) -> None:
    visit = wf.change_rate(running(drug, patient), 50, "warmth", NURSE, minutes(26))
    clock = wf.infusion_clock(visit, minutes(32))
    assert clock.rate_ml_h == pytest.approx(50)
    assert clock.volume_ml == pytest.approx(10 + 5)  # 6 min at 100 mL/h, then 6 min at 50 mL/h


def test_a_rate_faster_than_ordered_needs_a_new_order(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="faster than the ordered 100 mL/h; a faster rate needs a new order"):
        wf.change_rate(running(drug, patient), 150, "catch up", NURSE, minutes(26))


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (["resume"], "not paused; there is nothing to resume"),
        (["pause", "pause"], "not running; it cannot be paused"),
        (["pause", "rate"], "the rate can only be changed while it runs"),
        (["stop", "stop"], "already been stopped"),
        (["stop", "pause"], "stopped, not running"),
        (["stop", "resume"], "not paused"),
    ],
)
def test_nonsense_sequences_are_refused(drug: Drug, patient: Patient, steps: list[str], message: str) -> None:
    visit = running(drug, patient)
    at = 21.0
    with pytest.raises(wf.WorkflowError, match=message):
        for step in steps:
            at += 1
            if step == "pause":
                visit = wf.pause(visit, 2, "patient request", NURSE, minutes(at))
            elif step == "resume":
                visit = wf.resume(visit, NURSE, minutes(at))
            elif step == "rate":
                visit = wf.change_rate(visit, 50, "warmth", NURSE, minutes(at))
            else:
                visit = wf.stop(visit, 2, "stopped early", NURSE, minutes(at))


def test_an_event_before_the_previous_one_is_refused(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="before the previous infusion event"):
        wf.pause(running(drug, patient), 0, "flushing", NURSE, minutes(19))


def test_the_volume_never_goes_down_and_never_exceeds_the_order(drug: Drug, patient: Patient) -> None:
    paused = wf.pause(running(drug, patient), 20, "flushing", NURSE, minutes(32))
    resumed = wf.resume(paused, NURSE, minutes(35))
    with pytest.raises(wf.WorkflowError, match="less than the earlier pump reading of 20 mL"):
        wf.stop(resumed, 15, "ended", NURSE, minutes(40))
    with pytest.raises(wf.WorkflowError, match="more than the ordered volume of 50 mL: an over-infusion"):
        wf.stop(resumed, 55, "", NURSE, minutes(60))


def test_a_free_flow_is_charted_with_its_reason_and_counts_in_the_dose_given(drug: Drug, patient: Patient) -> None:
    """60 mL of a 50 mL bag: charted as read (never refused), so the record does not understate the dose."""
    stopped = wf.stop(running(drug, patient), 60, "Pump free-flowed; clamped", NURSE, minutes(50), confirmed=True)
    assert stopped.events[-1].volume_infused_ml == 60
    assert wf.dose_given_g(stopped) == pytest.approx(2.4)  # 60 mL x 40 mg/mL
    assert wf.over_infused_ml(stopped) == pytest.approx(10)


def test_a_volume_impossible_for_the_time_at_the_rate_needs_confirmation(drug: Drug, patient: Patient) -> None:
    """At 100 mL/h, 5 min can give about 8 mL; 40 mL is a misread or a free flow: the nurse confirms it."""
    with pytest.raises(wf.WorkflowError, match="more than the pump could give at its rate"):
        wf.stop(running(drug, patient), 40, "stopped early", NURSE, minutes(25))
    confirmed = wf.stop(running(drug, patient), 40, "free flow seen", NURSE, minutes(25), confirmed=True)
    assert confirmed.events[-1].confirmed
    assert wf.stop(running(drug, patient), 9, "stopped early", NURSE, minutes(25)).events[-1].volume_infused_ml == 9


def test_a_pause_needs_a_reason(drug: Drug, patient: Patient) -> None:
    with pytest.raises(wf.WorkflowError, match="reason for the pause is empty"):
        wf.pause(running(drug, patient), 5, " ", NURSE, minutes(23))


def test_the_whole_bag_given_is_the_full_dose(drug: Drug, patient: Patient) -> None:
    done = wf.stop(running(drug, patient), 50, "", NURSE, minutes(50))
    assert wf.dose_given_g(done) == pytest.approx(2)
    assert wf.infusion_clock(done, minutes(60)).phase == "stopped"


def test_stopping_early_records_the_partial_dose_and_needs_a_reason(drug: Drug, patient: Patient) -> None:
    visit = running(drug, patient)
    with pytest.raises(wf.WorkflowError, match="Only 30 mL of 50 mL was infused; write why"):
        wf.stop(visit, 30, "", NURSE, minutes(38))
    stopped = wf.stop(visit, 30, "Chest tightness; clinician informed", NURSE, minutes(38))
    assert wf.dose_given_g(stopped) == pytest.approx(1.2)  # 30 mL x 40 mg/mL
    assert stopped.events[-1].reason == "Chest tightness; clinician informed"


def test_dose_given_is_zero_before_the_start_and_the_full_order_while_running(drug: Drug, patient: Patient) -> None:
    assert wf.dose_given_g(ready(drug, patient)) == 0
    assert wf.dose_given_g(running(drug, patient)) == pytest.approx(2)


def test_magnesium_given_in_the_last_24_h_counts_visits_that_overlap_the_window(drug: Drug,
                                                                              patient: Patient) -> None:
    full = wf.stop(running(drug, patient), 50, "", NURSE, minutes(50))  # ended 09:50
    partial = wf.stop(running(drug, patient), 25, "nausea", NURSE, minutes(40))  # 1 g, ended 09:40
    not_started = ready(drug, patient)
    visits = [full, partial, not_started]
    assert wf.magnesium_given_g(visits, minutes(0)) == pytest.approx(3)
    assert wf.magnesium_given_g(visits, minutes(45)) == pytest.approx(2)  # only the one still running at 09:45
    assert wf.magnesium_given_g(visits, minutes(51)) == 0
    assert wf.magnesium_given_g([running(drug, patient)], minutes(24 * 60)) == pytest.approx(2)


# --- any sequence of events is either accepted or refused with a WorkflowError; the record stays sane ----

_step = st.tuples(st.sampled_from(["pause", "resume", "rate", "stop"]),
                  st.floats(min_value=-5, max_value=30, allow_nan=False),   # minutes after the previous step
                  st.floats(min_value=-10, max_value=60, allow_nan=False),  # volume read from the pump
                  st.floats(min_value=-10, max_value=150, allow_nan=False))  # new rate


# The fixtures are frozen values, so sharing them between generated inputs is safe.
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_step, max_size=12))
def test_any_sequence_of_events_is_accepted_or_refused_cleanly(drug: Drug, patient: Patient,
                                                               steps: list[tuple[str, float, float, float]]) -> None:
    visit: Visit = running(drug, patient)
    at = minutes(20)
    for kind, gap, volume, rate in steps:
        at = at + timedelta(minutes=gap)
        try:
            if kind == "pause":
                visit = wf.pause(visit, volume, "flushing", NURSE, at)
            elif kind == "resume":
                visit = wf.resume(visit, NURSE, at)
            elif kind == "rate":
                visit = wf.change_rate(visit, rate, "warmth", NURSE, at)
            else:
                visit = wf.stop(visit, volume, "stopped early", NURSE, at, confirmed=True)
        except wf.WorkflowError as exc:
            assert exc.message.endswith(".")
    times = [e.at for e in visit.events]
    assert times == sorted(times)
    readings = [e.volume_infused_ml for e in visit.events if e.volume_infused_ml is not None]
    assert readings == sorted(readings) and all(r >= 0 for r in readings)
    assert all(e.rate_ml_h is None or 0 < e.rate_ml_h <= 100 for e in visit.events)
    kinds = [e.kind for e in visit.events]
    assert kinds.count(InfusionEventKind.STOP) <= 1 and kinds[0] is InfusionEventKind.START
    if InfusionEventKind.STOP in kinds:
        assert kinds[-1] is InfusionEventKind.STOP
    clock = wf.infusion_clock(visit, at + timedelta(minutes=5))
    assert 0 <= clock.volume_ml <= 50 and clock.elapsed_running_min >= 0
    assert 0 <= wf.dose_given_g(visit) <= max(2, readings[-1] * 0.04 if readings else 0) + 1e-9
