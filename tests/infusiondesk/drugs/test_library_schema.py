"""The library's schema is declared: a pharmacist's typo is refused with a suggestion, not loaded as a default, and
every problem of the file is listed at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infusiondesk.cli import main
from infusiondesk.drugs.library import BUNDLED_DIR, LibraryFileErrors, parse_library
from infusiondesk.errors import LibraryError
from tests.infusiondesk.conftest import LibraryVariant

BUNDLED = BUNDLED_DIR / "magnesium_sulfate.toml"
RENAL_UNKNOWN_MATCH = 'match = "all"\n[[screening.when]]\nfact = "renal_status"'
SOFT_MIGRAINE_RATE = 'level = "soft"\nvalue = "8 g/h"'


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LibraryFileErrors) as err:
        parse_library(path)
    assert str(path) in err.value.message
    return [str(p) for p in err.value.problems]


def test_mach_all_on_a_screening_rule_is_refused_not_loaded_as_match_any(library_variant: LibraryVariant) -> None:
    path = library_variant(RENAL_UNKNOWN_MATCH, RENAL_UNKNOWN_MATCH.replace("match", "mach"))
    assert problems_of(path) == ['screening[4] (renal.unknown): unknown key "mach" — did you mean "match"?']


def test_levle_soft_on_a_limit_is_refused_with_the_key_it_meant(library_variant: LibraryVariant) -> None:
    path = library_variant(SOFT_MIGRAINE_RATE, SOFT_MIGRAINE_RATE.replace("level", "levle"))
    # one mistake, one line: not also '"level" is missing'
    assert problems_of(path) == ['limits[2] (dose_rate max ?, migraine, all): unknown key "levle" — did you mean '
                                 '"level"?']


def test_a_misspelt_top_level_section_is_refused_with_the_section_it_meant(library_variant: LibraryVariant) -> None:
    path = library_variant("[indications.repletion]", "[indicatons.repletion]")
    found = problems_of(path)
    assert 'top level: unknown key "indicatons" — did you mean "indications"?' in found


def test_a_misspelt_limit_key_is_refused(library_variant: LibraryVariant) -> None:
    path = library_variant('value = "1200 mL/h"\nindication = "*"', 'vaule = "1200 mL/h"\nindication = "*"')
    assert problems_of(path) == ['limits[18] (pump_rate max hard, *, all): unknown key "vaule" — did you mean '
                                 '"value"?']


def test_a_misspelt_word_in_a_value_is_refused_with_a_suggestion(library_variant: LibraryVariant) -> None:
    path = library_variant(SOFT_MIGRAINE_RATE, SOFT_MIGRAINE_RATE.replace('"soft"', '"sotf"'))
    assert problems_of(path) == ['limits[2] (dose_rate max sotf, migraine, all): level "sotf" must be hard or soft'
                                 ' — did you mean "soft"?']


def test_an_unknown_key_far_from_any_is_refused_with_the_keys_allowed(library_variant: LibraryVariant) -> None:
    path = library_variant('[drug]\nid = "magnesium-sulfate"', '[drug]\nflavour = "mint"\nid = "magnesium-sulfate"')
    (problem,) = problems_of(path)
    assert problem.startswith('[drug]: unknown key "flavour"; the keys are id, name, salt, route')


def test_a_file_with_three_different_errors_reports_all_three_at_once(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    text = text.replace(RENAL_UNKNOWN_MATCH, RENAL_UNKNOWN_MATCH.replace("match", "mach"))  # unknown key
    text = text.replace('source = "alaris-gp-spec"', 'source = "alaris-gp-specs"')  # a source that is not there
    text = text.replace("iv_ready = false", 'iv_ready = "no"')  # a wrong type
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        parse_library(path)
    lines = err.value.message.splitlines()
    assert lines[0] == f"Drug library {path} has 3 problems:"
    assert lines[1:] == [  # in the file's order, though found by the schema, the checks, the schema
        '  products[6] (vial-50pct): "iv_ready" must be true or false.',
        '  limits[18] (pump_rate max hard, *, all): cites source "alaris-gp-specs", which is not in [sources] — '
        'did you mean "alaris-gp-spec"?',
        '  screening[4] (renal.unknown): unknown key "mach" — did you mean "match"?',
    ]
    assert isinstance(err.value, LibraryFileErrors)  # callers catch LibraryError; the list is there for who wants it
    assert len(err.value.problems) == 3 and err.value.problems[0].where == "products[6] (vial-50pct)"


def test_calc_with_a_library_with_two_problems_prints_both_and_exits_2(library_variant: LibraryVariant,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = library_variant(SOFT_MIGRAINE_RATE, SOFT_MIGRAINE_RATE.replace("level", "levle"))
    path.write_text(path.read_text(encoding="utf-8").replace(RENAL_UNKNOWN_MATCH,
                                                             RENAL_UNKNOWN_MATCH.replace("match", "mach")))
    args = ["calc", "--dose", "2 g", "--concentration", "2 g/50 mL", "--duration", "30 min", "--library", str(path)]
    assert main(args) == 2
    out = capsys.readouterr()
    assert out.out == "" and "Traceback" not in out.err
    assert out.err.splitlines() == [
        f"infusiondesk: Drug library {path} has 2 problems:",
        '  limits[2] (dose_rate max ?, migraine, all): unknown key "levle" — did you mean "level"?',
        '  screening[4] (renal.unknown): unknown key "mach" — did you mean "match"?',
    ]


def test_errors_inside_nested_entries_name_the_entry_and_the_condition(library_variant: LibraryVariant) -> None:
    path = library_variant('fact = "myasthenia_gravis"\nis = true', 'fcat = "myasthenia_gravis"\nis = true')
    found = problems_of(path)
    assert found == ['screening[5] (neuromuscular.myasthenia_gravis) when[0]: unknown key "fcat" — did you mean '
                     '"fact"?']


def test_a_toxicity_sign_with_a_misspelt_key_names_the_sign(library_variant: LibraryVariant) -> None:
    path = library_variant('vital = "spo2"\nbelow = 94', 'vital = "spo2"\nbelwo = 94')
    assert problems_of(path) == ['[monitoring] toxicity[4] (toxicity.spo2_low): unknown key "belwo" — did you mean '
                                 '"below"?']


def test_quoted_numbers_are_not_coerced(library_variant: LibraryVariant) -> None:
    path = library_variant("valence = 2", 'valence = "2"')
    assert problems_of(path) == ['[drug]: "valence" must be a whole number, 1 or more.']


def test_one_problem_reads_as_one_sentence_naming_the_file(library_variant: LibraryVariant) -> None:
    path = library_variant(RENAL_UNKNOWN_MATCH, RENAL_UNKNOWN_MATCH.replace("match", "mach"))
    with pytest.raises(LibraryError) as err:
        parse_library(path)
    assert err.value.message == (f'Drug library {path}: screening[4] (renal.unknown): unknown key "mach" — did you '
                                 'mean "match"?')
    assert "\n" not in err.value.message


def test_the_keys_the_bundled_library_uses_are_all_declared() -> None:
    """The shipped file loads under the strict schema (it declares route and high_alert, which the app keeps only as
    documentation, and cites a source for high_alert that must exist)."""
    drug = parse_library(BUNDLED)
    assert drug.name == "magnesium sulfate" and len(drug.limits) == 27 and len(drug.screening) == 19


def test_a_high_alert_source_that_is_not_in_sources_is_refused(library_variant: LibraryVariant) -> None:
    path = library_variant('high_alert_source = "ismp-high-alert"', 'high_alert_source = "ismp"')
    assert any(re.match(r'\[drug\]: cites source "ismp", which is not in \[sources\]', p) for p in problems_of(path))
