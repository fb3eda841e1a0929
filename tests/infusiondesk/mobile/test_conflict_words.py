"""A visit conflict told in words: what the two versions say differently, and nothing they agree on."""

from __future__ import annotations

from infusiondesk.mobile.conflict_words import visit_differences

BASE = {"status": "assessed", "patient_id": 1, "version": 4, "started_at": None, "events": [], "vitals": [{}],
        "side_effects": [], "notes": "", "addenda": [], "readiness": {"lot": "LOT-A1"},
        "assessment": {"suitability": {"suitable": True, "decided_by": 3, "decided_at": "2025-03-03T13:05:00+00:00"}},
        "dose_order": {"dose_text": "2 g", "product_id": "premix-2g-50ml", "duration_text": "30 min"}}


def test_the_infusion_at_home_against_an_untouched_clinic_visit_in_words() -> None:
    home = {**BASE, "status": "completed", "version": 9, "started_at": "2025-03-03T13:20:00+00:00",
            "events": [{"kind": "start", "at": "2025-03-03T13:20:00+00:00", "rate_ml_h": 100.0},
                       {"kind": "stop", "at": "2025-03-03T13:50:00+00:00"}],
            "vitals": [{}, {}, {}], "readiness": {"lot": "LOT-B2"},
            "side_effects": [{"type_code": "flushing", "grade": 1, "onset_at": "2025-03-03T13:28:00+00:00"}],
            "dose_order": {"dose_text": "2 g", "product_id": "premix-2g-50ml", "duration_text": "30 min"}}
    clinic = {**BASE, "version": 5, "dose_order": {"dose_text": "1 g", "product_id": "premix-1g-100ml",
                                                   "duration_text": "1 h"}}

    lines = visit_differences(home, clinic)

    assert lines == [
        ("status", "completed", "assessed"),
        ("dose ordered", "2 g of premix-2g-50ml over 30 min", "1 g of premix-1g-100ml over 1 h"),
        ("infusion started", "03 Mar 13:20 UTC", "not yet"),
        ("pump events", "start 03 Mar 13:20 UTC at 100 mL/h, stop 03 Mar 13:50 UTC", "none"),
        ("vital signs", "3 sets", "1 set"),
        ("side effects", "flushing grade 1 at 03 Mar 13:28 UTC", "none"),
        ("other charting", "differs: readiness", "differs"),
    ]
    assert visit_differences(home, home) == []
