"""Issue 16 item 3 as a scenario file: both sides of the home-visit readiness boundary, under each cover policy."""

from __future__ import annotations

from infusiondesk.records.location import VisitSetting
from infusiondesk.records.remote_approval import RemoteApproval
from tests.infusiondesk.scenario.conftest import Play


def test_a_mobile_start_waits_for_the_home_visit_items_and_the_policys_cover(play: Play) -> None:
    p = play("mobile_visit")
    assert p.refused() == {8: "start", 17: "location", 20: "start"}
    first = p[8].message
    assert "The emergency plan for this mobile visit has not been reviewed" in first
    assert "is not confirmed in the mobile kit" in first
    assert ("needs a second person present for the infusion or a phone check-in with the clinic arranged"
            in first)
    assert "at the chair" not in first  # at a home the antidote is the one in the kit
    assert p[10].ok and p[10].status == "infusing", "either cover: a phone check-in is enough"
    assert p[17].message == "The arrival time 09:40 is before the departure time 09:50; correct one of them."
    assert p[20].message == ("The infusion cannot start yet: The clinic's policy for mobile visits needs a second "
                             "person present for the infusion; arrange it before the start.")
    assert p[22].ok and p[22].status == "infusing"
    assert p[11].message == ("Clinic policy: a mobile visit needs a second person present; on a laptop a dose "
                             "order is approved on the laptop by a clinician signed in there.")
    assert p.store.clinic.policy().mobile_remote_approval is RemoteApproval.ALLOWED
    patient = p.store.patients.by_mrn("P2", by=p.reader)
    office = p.store.visits.all(patient.id, by=p.reader)[0]
    assert office.location.setting is VisitSetting.OFFICE and office.location.address == "Harbour Offices, 2 Quay St"
