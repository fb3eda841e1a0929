"""Issue 9, before the start: every refusal reproduced as a scenario file, with the other side of its boundary."""

from __future__ import annotations

from infusiondesk.records.models import VisitStatus
from tests.infusiondesk.scenario.conftest import Play


def test_rr_8_and_an_absent_reflex_after_the_decision_withdraw_it_and_the_start_is_refused(play: Play) -> None:
    p = play("vitals_after_decision")
    assert p.refused() == {8: "start"}
    charted = p[7]
    assert charted.ok and charted.status == "draft", "the values are charted, and the decision withdrawn"
    assert "New contraindication since the suitability decision" in charted.message
    assert "a clinician must decide again" in charted.message
    assert sorted(p.codes(7)) == ["monitoring.hypotension", "monitoring.patellar_reflex_absent",
                                  "monitoring.respiratory_rate_low"]  # BP 78/40, reflex absent, RR 8
    assert p[8].message == "Cannot start the infusion: this visit is a draft (not yet assessed as suitable)."
    # the other side: normal vital signs after the decision leave it standing
    assert p[15].ok and p[15].status == "assessed" and p[15].findings == ()
    assert p[16].ok and p[16].status == "infusing"


def test_a_record_changed_to_dialysis_and_heart_block_after_screening_refuses_the_start(play: Play) -> None:
    p = play("record_changed_after_screening")
    assert p.refused() == {8: "start"}
    assert p[7].ok and p[7].status is None
    refusal = p[8].message
    assert refusal.startswith("The infusion cannot start: New contraindication since the suitability decision")
    assert "Heart block" in refusal and "Renal failure or dialysis" in refusal
    assert p[8].status == "draft", "the decision is withdrawn on the record, not only refused"
    withdrawn = p.store.visits.all(p.store.patients.by_mrn("P1", by=p.reader).id, by=p.reader)[0]
    assert withdrawn.assessment.suitability is None and "Renal failure" in withdrawn.assessment.withdrawn
    # a change that is no contraindication does not stop P2's start
    assert p[16].ok and p[16].status == "infusing"


def test_no_vital_signs_ever_charted_refuses_the_start_until_they_are(play: Play) -> None:
    p = play("no_vital_signs")
    assert p.refused() == {7: "start"}
    assert p[7].message == ("The infusion cannot start yet: Baseline vital signs are not charted; take and chart "
                            "them before the start.")
    assert p[8].ok and p[9].ok and p[9].status == "infusing"


def test_a_lot_expiring_on_4_march_is_refused_at_0830_on_5_march_in_sydney_though_utc_says_4_march(
        play: Play) -> None:
    p = play("lot_expiry_sydney")
    assert p.refused() == {14: "start"}
    assert p[7].ok and p[7].status == "infusing", "08:30 on 4 March local: in date"
    assert p[14].message == ("The infusion cannot start yet: Lot L123456 expired on 2026-03-04; do not use it: take "
                             "an in-date product.")


def test_a_nurses_order_needs_a_clinicians_approval_then_a_double_check_by_someone_else(play: Play) -> None:
    p = play("nurse_order_approval")
    assert "waits for a clinician's approval" in p[4].message
    assert p.codes(4) == ["dose.max.soft", "product.partial_bag"]
    assert p[6].message == "A clinician must approve this order before it is double-checked."
    assert p[7].message == ("The infusion cannot start yet: The dose order was entered by a nurse and waits for a "
                            "clinician's approval.")
    assert p[8].ok and p[8].message.startswith("Order approved (3.5 g: 87.5 mL at 87.5 mL/h over 1 h)")
    approved = p.store.visits.all(p.store.patients.by_mrn("P1", by=p.reader).id, by=p.reader)[0].dose_order
    assert approved is not None and [o.code for o in approved.overrides] == ["dose.max.soft"]
    assert approved.overrides[0].by == approved.approved_by, "the nurse's reason became the approver's"
    for who in (9, 10):  # the approving clinician, then the nurse who entered it
        assert p[who].message.startswith("The independent double check must be done by someone other than")
    assert p[11].ok and p[12].ok and p[12].status == "infusing"


def test_the_admins_double_check_policy_is_what_the_start_enforces(play: Play) -> None:
    p = play("nurse_order_approval")
    assert p[13].ok and p[13].message == "Clinic policy: double check not required before the start."
    assert p[19].ok and p[19].status == "infusing", "no double check needed while the policy is off"
    assert not p[20].ok and p[20].message.startswith("Only an admin can change the clinic's rules")
    assert p[21].ok
    assert p[27].message == ("The infusion cannot start yet: The dose order has not been independently "
                             "double-checked; a second person must check it.")
    assert p.refused() == {6: "double_check", 7: "start", 9: "double_check", 10: "double_check", 20: "policy",
                           27: "start"}
    assert p.store.clinic.policy().double_check_required is True


def test_a_draft_cannot_become_infusing_completed_or_signed(play: Play) -> None:
    p = play("draft_cannot_jump")
    assert p.refused() == {2: "start", 3: "stop", 4: "complete", 5: "sign", 6: "sign"}
    assert all(s.status == "draft" for s in p.result.steps)
    assert p[5].message == "Cannot sign the visit: this visit is a draft (not yet assessed as suitable)."
    assert p.notes_signed == [], "no note is made for a signature that cannot be"
    assert [v.status for v in p.store.visits.all(by=p.reader)] == [VisitStatus.DRAFT]


def test_a_scanned_bag_and_the_pump_readback_are_checked_at_the_start_in_the_clinics_zone(play: Play) -> None:
    p = play("scan_and_pump_sydney")
    assert p.refused() == {14: "start", 15: "prepare", 17: "start"}
    assert p[7].ok and p[7].status == "infusing", "a lot expiring today (4 March, Sydney) is in date"
    v1 = p.store.visits.all(p.store.patients.by_mrn("P1", by=p.reader).id, by=p.reader)[0].readiness
    assert (v1.lot_number, v1.lot_expiry.isoformat(), v1.scanned_product_id, v1.scanned_serial) == (
        "L123456", "2026-03-04", "premix-2g-50ml", "S0001"), "the scan filled lot, expiry and product"
    refusal = p[14].message
    assert "The scanned product is 4 g/100 mL (4 %) in water for injection" in refusal
    assert "the rate is 50 mL/h on the pump and 100 mL/h in the order" in refusal
    assert "is the bag's volume (50 mL), not its rate" in refusal
    assert p[15].message.startswith('The scan "hello-not-a-scan" is not a GS1 product barcode')
    assert p[17].message == ("The infusion cannot start yet: Lot L123456 expired on 2026-03-04; do not use it: take "
                             "an in-date product."), "08:30 on 5 March in Sydney, though UTC says 4 March"
    assert p[19].ok and p[19].status == "infusing"
