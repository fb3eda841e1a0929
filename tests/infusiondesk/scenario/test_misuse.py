"""Acting out of role through the public API, as a careless or hostile user would: each is refused with the
sentence the app shows, and nothing is saved."""

from __future__ import annotations

from tests.infusiondesk.scenario.conftest import Play


def test_every_out_of_role_step_is_refused_and_the_rest_of_the_visit_goes_on(play: Play) -> None:
    p = play("misuse")
    assert p.refused() == {1: "new_visit", 4: "decide", 7: "approve_order", 9: "double_check", 10: "double_check",
                           15: "acknowledge", 20: "sign", 21: "sign", 23: "vitals", 24: "sign"}
    assert p[1].message == "Only a nurse or clinician can open a visit; Clinic Admin is signed in as admin."
    assert p[4].message == ("Only a clinician can decide whether the patient is suitable; Nina Novak is signed in as "
                            "nurse.")
    assert p[7].message == "Only a clinician can approve a dose order; Nina Novak is signed in as nurse."
    assert p[15].message.startswith('"ignored" is not an action for an alert; choose one of: paused, stopped')
    assert p[20].message == 'Only a clinician can sign "Reviewed and approved by"; Nina Novak is signed in as nurse.'
    assert p[21].message.startswith("Only a nurse or clinician can sign the visit; Clinic Admin is signed in as admin")
    assert p[22].ok and p[22].status == "signed"
    assert p[23].message.startswith("This visit is signed: signed visits are never edited; add an addendum")
    assert p[24].status == "signed" and not p[24].ok
    assert len(p.notes_signed) == 1, "a refused signature never has a note made for it"
    assert p.result.audit_intact
