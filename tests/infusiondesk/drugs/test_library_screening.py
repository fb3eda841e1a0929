"""The library's [[screening]] section is validated on load like its limits: a bad rule names itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from infusiondesk.drugs.library import BUNDLED_DIR, parse_library
from infusiondesk.errors import LibraryError
from tests.infusiondesk.conftest import LibraryVariant

BUNDLED = BUNDLED_DIR / "magnesium_sulfate.toml"


def test_the_bundled_library_has_the_screening_rules_the_issue_lists() -> None:
    codes = {r.code for r in parse_library(BUNDLED).screening}
    assert {"cardiac.heart_block", "renal.severe", "renal.failure_or_dialysis", "renal.moderate",
            "neuromuscular.myasthenia_gravis", "pregnancy", "metabolic.hypermagnesemia",
            "interaction.cns_depressants", "interaction.neuromuscular_blockers",
            "interaction.calcium_channel_blockers", "interaction.digoxin", "allergy.magnesium_sulfate",
            "monitoring.respiratory_rate_low", "monitoring.patellar_reflex_absent"} <= codes


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('level = "contraindication"\nmessage = "Heart block', 'level = "forbidden"\nmessage = "Heart block',
         r'cardiac.heart_block\): level "forbidden" is not one of'),
        ('fact = "heart_block"\nis = true', 'fact = "heartblock"\nis = true', r'fact "heartblock" is not one of'),
        ('fact = "heart_block"\nis = true', 'fact = "heart_block"\nbelow = 3', r'"below" cannot test the bool fact'),
        ('fact = "egfr_ml_min"\nbelow = 30', 'fact = "egfr_ml_min"\nbelow = "30"', r'"below" must be a number'),
        ('source = "plr-warnings-monitoring"', 'source = "nowhere"', r'cites source "nowhere"'),
        ('code = "renal.moderate"', 'code = "renal.severe"', r"two screening rules share a code"),
        ('fact = "myasthenia_gravis"\nis = true', 'fact = "myasthenia_gravis"', r"names a fact but no test"),
        ('match = "all"\n[[screening.when]]', 'match = "both"\n[[screening.when]]', r'match "both" must be any or all'),
    ],
)
def test_a_malformed_screening_rule_stops_loading_with_its_name(library_variant: LibraryVariant, old: str, new: str,
                                                                 message: str) -> None:
    with pytest.raises(LibraryError, match=message):
        parse_library(library_variant(old, new))


def test_a_library_without_screening_rules_still_loads(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    start = text.index("[[screening]]")
    end = text.index("# Sources. Titles")
    end = text.rindex("# ----", 0, end)
    path = tmp_path / "no-screening.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert parse_library(path).screening == ()
