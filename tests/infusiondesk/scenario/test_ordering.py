"""Issue 9, the order: paediatric rules, what is stored is what was checked, the 24 h total read at order time,
and the library's typing-slip findings."""

from __future__ import annotations

import dataclasses

import pytest

from infusiondesk.dosing import calculate_from_text
from infusiondesk.drugs import load_drug
from infusiondesk.service import OrderEntry
from tests.infusiondesk.scenario.conftest import Play


def test_a_10_year_old_of_15_kg_is_ordered_by_the_paediatric_mg_per_kg_rules(play: Play) -> None:
    p = play("child_doses")
    assert p.refused() == {4: "order", 5: "order"}
    assert p[4].message.startswith("This dose cannot be ordered: Weight-based dose 133.3 mg/kg is above the hard "
                                   "maximum of 50 mg/kg (migraine, pediatric)")
    assert "weight_based_dose.max.hard" in p.codes(4)
    assert p[5].message.startswith("Write a reason for each warning before ordering: Weight-based dose 33.3 mg/kg "
                                   "is above the soft maximum of 25 mg/kg")
    assert p[6].ok, "the same 0.5 g with the clinician's reason"
    assert p[7].ok and "weight_based_dose.max.soft" not in p.codes(7), "25 mg/kg is within the soft limit"
    assert p[7].message.startswith("Order approved (375 mg: 9.4 mL at 18.8 mL/h over 30 min)")


def test_2_mg_for_a_child_is_flagged_as_a_mg_for_g_slip(play: Play) -> None:
    p = play("child_mg_slip")
    assert not p[4].ok or any(f["level"] in ("soft", "hard") for f in p[4].findings)


def test_the_stored_order_is_the_calculation_of_its_own_text(play: Play) -> None:
    """The order keeps what was typed and the numbers the service computed from it; recomputed from the stored
    text and inputs, the numbers agree. A caller has no field to hand in a calculation of its own."""
    assert not {"computed", "calculation", "volume_ml", "rate_ml_h"} & {x.name for x in
                                                                       dataclasses.fields(OrderEntry)}
    p = play("standard_visit")
    visit = p.store.visits.all(by=p.reader)[0]
    order = visit.dose_order
    assert order is not None and order.dose_text == "2 g" and order.product_id == "premix-2g-50ml"
    again = calculate_from_text(load_drug(), dose=order.dose_text, product=order.product_id,
                                duration=order.duration_text, weight=order.weight_text,
                                age=str(order.age_years), indication=order.indication).as_dict()
    for key in ("dose_mg", "volume_ml", "rate_ml_per_h", "duration_min", "concentration_mg_per_ml"):
        assert getattr(order.computed_dose, key) == pytest.approx(again[key]), key
    assert (order.computed_dose.volume_ml, order.computed_dose.rate_ml_per_h) == pytest.approx((50.0, 100.0))
    assert visit.events[0].rate_ml_h == pytest.approx(100.0), "the pump starts at the stored order's rate"


def test_a_second_visit_the_same_day_counts_the_first_in_the_24_h_total(play: Play) -> None:
    p = play("total_24h")
    second = p[26]
    assert second.ok and "dose_24h.prior" in p.codes(26)
    assert "2 g already given in the last 24 h; 4 g with this dose." in [f["message"] for f in second.findings]
    assert not p[27].ok and {"dose.max.soft", "dose_24h.max.soft"} <= set(p.codes(27))
    assert any(f["message"].startswith("Total in 24 h 4.5 g (this dose 2.5 g + 2 g already given)")
               for f in p[27].findings)


def test_an_infusion_started_over_48_h_ago_and_stopped_20_h_ago_counts_in_the_24_h_total(play: Play) -> None:
    p = play("total_24h")
    assert not p[33].ok and "Total in 24 h 8 g (this dose 2 g + 6 g already given)" in p[33].message
    # the other side: stopped 25 h ago, it no longer counts
    assert p[37].ok and "dose_24h.prior" not in p.codes(37)
    assert p.refused() == {27: "order", 33: "order"}


def test_a_free_flow_counts_in_a_later_orders_24_h_total(play: Play) -> None:
    p = play("free_flow")
    assert p[10].ok
    later = p[14]
    assert not later.ok and "Total in 24 h 4.4 g (this dose 2 g + 2.4 g already given)" in later.message


def test_2_g_of_2_mg_per_50_ml_is_a_hard_stop(play: Play) -> None:
    p = play("library_bounds")
    assert not p[4].ok and p[4].message.startswith("This dose cannot be ordered")


def test_an_order_at_0_01_ml_per_h_is_refused(play: Play) -> None:
    p = play("library_bounds")
    assert not p[5].ok


def test_a_repletion_dose_above_the_per_dose_limit_is_refused_or_needs_a_reason(play: Play) -> None:
    p = play("library_bounds")
    assert not p[6].ok

