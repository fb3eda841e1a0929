"""The library's monitoring data: toxicity thresholds, the observation period and the side-effect alert grade,
each cited, and refused at load when malformed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from infusiondesk.drugs import load_drug
from infusiondesk.drugs.library import BUNDLED_DIR, Drug, Monitoring, ToxicitySign, parse_library
from infusiondesk.errors import LibraryError
from tests.infusiondesk.conftest import LibraryVariant

BUNDLED = BUNDLED_DIR / "magnesium_sulfate.toml"


@dataclass
class Vitals:
    resp_rate: int | None = 16
    patellar_reflex: str | None = "present"
    systolic: int | None = 120
    diastolic: int | None = 75
    heart_rate: int | None = 72
    spo2: int | None = 98


def signs() -> dict[str, ToxicitySign]:
    return {s.vital: s for s in load_drug(BUNDLED).monitoring.toxicity_signs}


def test_the_bundled_library_declares_a_cited_toxicity_sign_for_each_vital_the_label_names() -> None:
    drug = load_drug(BUNDLED)
    by_vital = signs()
    assert set(by_vital) == {"resp_rate", "patellar_reflex", "systolic", "heart_rate", "spo2"}
    assert by_vital["resp_rate"].below == 12
    assert by_vital["patellar_reflex"].is_ == "absent"
    for sign in by_vital.values():
        assert sign.sources and all(s in drug.sources for s in sign.sources), sign
        assert sign.basis.strip() and sign.message.strip(), sign
        assert sign.code.startswith("toxicity.")
    # Numbers that are not published thresholds say so.
    assert "clinic convention" in by_vital["systolic"].basis
    assert "clinic convention" in by_vital["heart_rate"].basis


def test_observation_period_and_alert_grade_are_cited_and_labelled_as_policy() -> None:
    drug = load_drug(BUNDLED)
    m = drug.monitoring
    assert m.observation_after_min == 30
    assert m.observation_source in drug.sources
    assert "Clinic policy" in m.observation_basis
    assert m.side_effect_alert_grade == 3
    assert m.side_effect_alert_source in drug.sources
    assert not m.side_effect_alerts(2)
    assert m.side_effect_alerts(3) and m.side_effect_alerts(4)


@pytest.mark.parametrize(
    ("vital", "fires_at", "quiet_at"),
    [
        ("resp_rate", 11, 12),
        ("systolic", 89, 90),
        ("heart_rate", 49, 50),
        ("spo2", 93, 94),
        ("patellar_reflex", "absent", "diminished"),
    ],
)
def test_each_sign_fires_on_one_side_of_its_threshold_only(vital: str, fires_at: object, quiet_at: object) -> None:
    m = load_drug(BUNDLED).monitoring
    assert [s.vital for s in m.toxicity_in(Vitals(**{vital: fires_at}))] == [vital]  # type: ignore[arg-type]
    assert m.toxicity_in(Vitals(**{vital: quiet_at})) == ()  # type: ignore[arg-type]


def test_normal_or_missing_vitals_show_no_sign_and_a_mapping_works_like_the_record() -> None:
    m = load_drug(BUNDLED).monitoring
    assert m.toxicity_in(Vitals()) == ()
    assert m.toxicity_in(Vitals(None, None, None, None, None, None)) == ()
    found = m.toxicity_in({"resp_rate": 8, "patellar_reflex": " Absent ", "spo2": 88})
    assert [s.code for s in found] == ["toxicity.resp_rate_low", "toxicity.patellar_reflex_absent",
                                       "toxicity.spo2_low"]


def test_junk_values_never_fire_a_numeric_sign() -> None:
    sign = signs()["resp_rate"]
    for junk in (True, "8", float("nan"), float("inf"), None):
        assert not sign.fires(junk), junk
    assert sign.fires(float("-inf")) is False


def test_a_drug_built_in_code_has_no_monitoring_by_default() -> None:
    drug = load_drug(BUNDLED)
    kwargs = {f: getattr(drug, f) for f in ("id", "name", "salt", "molar_mass", "valence", "elemental_name",
                                            "elemental_molar_mass", "products", "limits", "indications",
                                            "sources", "path")}
    bare = Drug(**kwargs)
    assert isinstance(bare.monitoring, Monitoring)
    assert bare.monitoring.toxicity_signs == ()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('vital = "resp_rate"', 'vital = "mood"', r'vital "mood" is not one of'),
        ("below = 12\nmessage", "below = 12\nabove = 30\nmessage", r"exactly one test .* it has 2"),
        ("below = 12\nmessage", "message", r"exactly one test .* it has 0"),
        ("below = 12\nmessage", "below = nan\nmessage", r"finite number"),
        ("below = 12\nmessage", "below = inf\nmessage", r"finite number"),
        ("below = 12\nmessage", "below = 1e400\nmessage", r"finite number"),
        ("below = 12\nmessage", 'below = "12"\nmessage', r'"below" must be a number'),
        ("below = 12\nmessage", "below = 0\nmessage", r"not a plausible resp_rate"),
        ('vital = "patellar_reflex"\nis = "absent"', 'vital = "patellar_reflex"\nis = "gone"',
         r'"is" must be one of present, diminished, absent'),
        ('vital = "patellar_reflex"\nis = "absent"', 'vital = "patellar_reflex"\nbelow = 1',
         r'"below" cannot test "patellar_reflex"'),
        ("below = 90\n", 'is = "absent"\n', r'"is" cannot test the number "systolic"'),
        ('source = ["plr-overdosage", "rcp-news2"]', 'source = ["plr-overdosage", "nowhere"]',
         r'cites source "nowhere"'),
        ('code = "toxicity.heart_rate_low"', 'code = "toxicity.resp_rate_low"', "two toxicity signs share"),
        ("observation_after_min = 30", "observation_after_min = -5", r"between 0 and 1,440"),
        ("observation_after_min = 30", "observation_after_min = nan", r"finite number"),
        ("side_effect_alert_grade = 3", "side_effect_alert_grade = 9", r"from 1 to 5"),
        ("side_effect_alert_grade = 3", "side_effect_alert_grade = true", r"from 1 to 5"),
        ('side_effect_alert_source = "ctcae-v5"', 'side_effect_alert_source = "ctcae-v9"',
         r'cites source "ctcae-v9"'),
        ("[monitoring]\n", "[monitoring]\nalarm_volume = 11\n",
         r'\[monitoring\]: unknown key "alarm_volume"; the keys are observation_after_min'),
        ("[monitoring]\n", "[monitoring_off]\n", r'"observation_after_min" is missing'),
    ],
)
def test_a_malformed_monitoring_table_stops_loading_with_its_name(library_variant: LibraryVariant, old: str,
                                                                  new: str, message: str) -> None:
    path = library_variant(old, new)
    with pytest.raises(LibraryError, match=message) as err:
        parse_library(path)
    assert str(path) in err.value.message
    assert "monitoring" in err.value.message


def test_a_library_without_monitoring_is_refused_rather_than_silently_alert_free(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    start = text.index("[monitoring]\n")
    end = text.rindex("# ----", 0, text.index("# Screening:"))
    path = tmp_path / "clinic.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(LibraryError, match=r"\[monitoring\]: the library declares no monitoring"):
        parse_library(path)
