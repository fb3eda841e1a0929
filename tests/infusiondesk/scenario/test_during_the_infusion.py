"""Issue 9, during and after the infusion: toxicity alerts, a free flow, the pump's rate as shown, amended
orders, and completing the visit."""

from __future__ import annotations

from tests.infusiondesk.scenario.conftest import Play


def test_rr_6_spo2_84_and_an_absent_reflex_raise_alerts_that_block_resuming_and_speeding_up(play: Play) -> None:
    p = play("toxicity_alerts")
    assert p.codes(8) == ["toxicity.resp_rate_low", "toxicity.patellar_reflex_absent", "toxicity.spo2_low"]
    assert p[9].message == "The infusion is still running: chart the pause (with the pump volume) first."
    assert p[10].ok, "slowing down is always allowed"
    assert p[11].message.startswith("Cannot speed up the infusion: an alert is not acknowledged")
    assert p[13].message.startswith("Cannot resume the infusion: an alert is not acknowledged")
    assert p[14].ok and p[16].ok and p[17].ok, "acknowledged as paused: resume and the ordered rate again"


def test_a_grade_4_respiratory_depression_raises_an_alert_of_its_own(play: Play) -> None:
    p = play("toxicity_alerts")
    assert p.codes(18) == ["side_effect.grade4"]
    assert p[20].message.startswith("Cannot resume the infusion: an alert is not acknowledged (Respiratory "
                                    "depression, grade 4")
    assert p[22].ok
    assert p.refused() == {9: "acknowledge", 11: "change_rate", 13: "resume", 20: "resume"}
    visit = p.store.visits.all(by=p.reader)[0]
    assert [a.action for a in visit.alerts] == ["paused", "paused", "paused", "stopped"]


def test_a_free_flow_is_charted_with_a_reason_and_an_impossible_volume_is_confirmed(play: Play) -> None:
    p = play("free_flow")
    assert p[8].message.startswith("Volume infused 60 mL is more than the ordered volume of 50 mL: an over-infusion")
    assert p[9].message.startswith("Volume infused 60 mL is more than the pump could give at its rate in the time "
                                   "it ran (about 10 mL)")
    assert p[10].ok and p[10].message == "Stopped at 60 mL."
    stop = p.store.visits.all(by=p.reader)[0].events[-1]
    assert stop.volume_infused_ml == 60 and stop.confirmed and "free-flowed" in stop.reason


def test_66_7_ml_per_h_as_shown_is_the_ordered_rate_not_faster(play: Play) -> None:
    p = play("rates_and_amendments")
    assert p[7].message == "Infusion started at 66.7 mL/h."
    assert p[9].ok and p[9].message == "Rate changed to 66.7 mL/h."
    assert p[10].message == ("66.8 mL/h is faster than the ordered 66.7 mL/h; a faster rate needs a new order from a "
                             "clinician.")
    assert p[11].message.startswith("The new rate must be at least 0.1 mL/h")


def test_while_infusing_a_clinician_amends_the_order_and_a_nurse_cannot(play: Play) -> None:
    p = play("rates_and_amendments")
    assert p[12].message == ("Only a clinician can amend the order while the infusion runs; Nina Novak is signed in "
                             "as nurse.")
    assert p[13].ok and p[13].message.startswith("Order amended while infusing (2 g: 50 mL at 50 mL/h over 1 h)")
    assert p[14].message.startswith("66.7 mL/h is faster than the ordered 50 mL/h"), "the amended order is in force"
    visit = p.store.visits.all(by=p.reader)[0]
    assert [o.duration_text for o in visit.superseded_orders] == ["45 min"]
    assert p.refused() == {10: "change_rate", 11: "change_rate", 12: "amend", 14: "change_rate"}


def test_complete_needs_vital_signs_after_the_stop_and_the_observation_period(play: Play) -> None:
    p = play("complete_rules")
    assert p[9].message == "Chart the vital signs after the infusion (observation) before completing the visit."
    assert p[11].message == ("The patient is observed for 30 min after the infusion; the visit can be completed in "
                             "19 min.")
    assert p[12].ok and p[12].status == "completed", "30 min after the stop"
    assert p.refused() == {9: "complete", 11: "complete"}


def test_a_signed_visit_takes_an_addendum_signed_into_a_new_note_version(play: Play) -> None:
    p = play("complete_rules")
    assert p[14].ok and p[14].status == "signed" and p[16].ok
    assert [v.status.value for v in p.notes_signed] == ["signed", "signed"]
    visit_id = p.store.visits.all(by=p.reader)[0].id
    assert [n["version"] for n in p.store.notes.versions(visit_id, by=p.reader)] == [1, 2]


def test_a_whole_standard_visit_ends_signed_with_an_intact_audit_trail(play: Play) -> None:
    p = play("standard_visit")
    assert p.refused() == {}
    assert [s.status for s in p.result.steps][-3:] == ["completed", "completed", "signed"]
    assert p.result.audit_intact
    assert len(p.notes_signed) == 1 and p.notes_signed[0].signatures[-1].meaning == "Reviewed and approved by"
