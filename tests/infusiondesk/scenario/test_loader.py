"""A scenario file is checked whole before anything runs: every problem at once, unknown names with a
suggestion, and nothing that would let a file hand the service a calculation."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from infusiondesk.scenario import ScenarioError, parse_scenario
from tests.infusiondesk.scenario.conftest import FILES


def standard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FILES / "standard_visit.json").read_text(encoding="utf-8"))
    return data


def problems(data: Any) -> tuple[str, ...]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, source="clinic.json")
    assert caught.value.message.startswith("clinic.json is not a valid scenario file: ")
    return caught.value.problems


def test_every_file_in_files_is_valid() -> None:
    names = sorted(p.stem for p in FILES.glob("*.json"))
    assert len(names) >= 14
    for path in FILES.glob("*.json"):
        parse_scenario(json.loads(path.read_text(encoding="utf-8")), source=path.name, base=FILES)


def test_times_left_out_follow_the_previous_step_by_a_minute_and_local_times_are_the_clinics() -> None:
    data = standard()
    data["clinic"]["time_zone"] = "Australia/Sydney"
    data["steps"][0]["at"] = "2026-03-02T19:00:00"  # no offset: Sydney time, 08:00 UTC
    steps = parse_scenario(data).steps
    assert steps[0].at.isoformat() == "2026-03-02T19:00:00+11:00"
    assert (steps[1].at - steps[0].at).total_seconds() == 60


def test_misspelt_step_and_key_names_are_refused_with_a_suggestion_all_at_once() -> None:
    data = standard()
    data["steps"][6]["do"] = "strat"
    data["steps"][3]["dos"] = data["steps"][3].pop("dose")
    data["steps"][5]["calcium_gluconate_chair"] = True  # (plain "calcium_gluconate" is as near the kit's key)
    data["patients"][0]["alergies"] = []
    found = problems(data)
    assert 'steps[7]: "do" "strat" is not a step; did you mean "start"?' in found
    assert 'steps[4] (order): unknown key "dos"; did you mean "dose"?' in found
    assert "steps[4] (order): dose is missing" in found
    assert ('steps[6] (prepare): unknown key "calcium_gluconate_chair"; did you mean "calcium_gluconate_at_chair"?'
            in found)
    assert 'patients[0]: unknown key "alergies"; did you mean "allergies"?' in found
    assert len(found) == 5


def test_missing_users_patients_and_visits_are_named() -> None:
    data = standard()
    data["steps"][0]["patient"] = "P9"
    data["steps"][2]["as"] = "carl"
    data["steps"][4]["visit"] = "v2"
    data["steps"][1].pop("as")
    found = problems(data)
    assert 'steps[1] (new_visit): patient "P9" is not in patients' in found
    assert 'steps[3] (decide): user "carl" is not in users; did you mean "carla"?' in found
    assert 'steps[5] (double_check): visit "v2" is not opened by an earlier new_visit step' in found
    assert 'steps[2] (assess): "as" (the user name who acts) is missing' in found


def test_values_that_cannot_be_read_are_refused_before_anything_runs() -> None:
    data = standard()
    data["steps"][2]["suitable"] = "yes"
    data["steps"][1]["vitals"]["patellar_reflex"] = "brisk"
    data["steps"][7]["vitals"]["heartrate"] = 70
    data["steps"][1]["answers"]["heartblock"] = True
    data["steps"][8]["volume"] = "fifty"
    data["steps"][0]["at"] = "2 March"
    data["steps"].append({"as": "nina", "do": "side_effect", "visit": "v1", "code": "flushing", "grade": 1,
                          "onset": "2026-03-02T09:20:00"})
    data["patients"][0]["born"] = "01/06/1985"
    data["clinic"]["time_zone"] = "Dublin"
    found = "\n".join(problems(data))
    for expected in ("steps[3] (decide): suitable must be true or false, not text",
                     'steps[2] (assess): vitals patellar_reflex "brisk" is not one of present, diminished, absent',
                     'steps[8] (vitals): vitals "heartrate" is not a vital sign; did you mean "heart_rate"?',
                     'answers "heartblock" is not a screening fact; did you mean "heart_block"?',
                     'steps[9] (stop): volume "fifty" is not a volume',
                     "steps[1] (new_visit): at '2 March' is not a time",
                     'patients[0]: born "01/06/1985" is not a date written YYYY-MM-DD',
                     'clinic: time_zone "Dublin" is not an IANA time zone',
                     'steps[14] (side_effect): onset "2026-03-02T09:20:00" has no offset'):
        assert expected in found


def test_a_file_cannot_hand_the_service_a_calculation() -> None:
    data = standard()
    data["steps"][3].update(computed={"volume_ml": 5}, rate_ml_h=10)
    found = problems(data)
    assert 'steps[4] (order): unknown key "computed"' in found
    assert any(p.startswith('steps[4] (order): unknown key "rate_ml_h"') for p in found)


def test_steps_run_in_time_order_and_visits_and_users_are_named_once() -> None:
    data = standard()
    data["steps"][5]["at"] = "2026-03-02T08:00:00+00:00"
    data["steps"].append(copy.deepcopy(data["steps"][0]) | {"at": "2026-03-02T11:00:00+00:00"})
    data["users"].append({"username": "Nina", "name": "Another Nina", "role": "nurse"})
    data["users"].append({"username": "admin", "name": "Sneaky", "role": "admin"})
    found = problems(data)
    assert any("is before the previous step; steps run in time order" in p for p in found)
    assert 'steps[14] (new_visit): visit "v1" is already opened by an earlier step' in found
    assert 'users[3]: user name "nina" is taken' in found
    assert "users[4]: user name \"admin\" is taken (the runner's clinic admin)" in found


@pytest.mark.parametrize("data", [[], "steps", {"clinic": {"name": "x"}, "steps": []}, {"steps": [1]}])
def test_the_wrong_shape_is_refused_not_a_crash(data: Any) -> None:
    assert problems(data)
