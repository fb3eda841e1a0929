"""The home-visit items are cited data (readiness.toml), checked on load like the drug library."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infusiondesk.errors import LibraryError
from infusiondesk.workflow import mobile


@pytest.fixture
def fresh_rules() -> Iterator[None]:
    mobile.mobile_rules.cache_clear()
    yield
    mobile.mobile_rules.cache_clear()


def test_the_antidote_in_the_kit_cites_the_label_and_every_item_has_a_source(fresh_rules: None) -> None:
    rules = mobile.mobile_rules()
    kit = {i.field: i for i in rules.items}["calcium_gluconate_in_kit"]
    assert kit.source == "plr-warnings-monitoring"
    assert [i.field for i in rules.items] == ["emergency_plan_reviewed", "calcium_gluconate_in_kit"]
    assert set(rules.cover) == {"second_person_present", "phone_check_in_arranged"}


@pytest.mark.parametrize(("change", "message"), [
    (('field = "emergency_plan_reviewed"', 'field = "emergency_plan_read"'),
     "'emergency_plan_read' is not a checklist item"),
    (('source = "plr-warnings-monitoring"', 'source = "a-blog"'), "cites 'a-blog', which is not in [sources]"),
])
def test_a_broken_mobile_item_is_refused_on_load(fresh_rules: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 change: tuple[str, str], message: str) -> None:
    text = mobile.READINESS_FILE.read_text(encoding="utf-8")
    assert change[0] in text
    broken = tmp_path / "readiness.toml"
    broken.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    monkeypatch.setattr(mobile, "READINESS_FILE", broken)
    with pytest.raises(LibraryError) as caught:
        mobile.mobile_rules()
    assert message in str(caught.value)
