"""The side-effect catalogue is cited data with a CTCAE v5-style definition for every grade it allows."""

from __future__ import annotations

import pytest

from infusiondesk.errors import LibraryError
from infusiondesk.workflow import side_effect_catalogue
from infusiondesk.workflow.side_effects import parse_catalogue


def test_the_catalogue_offers_the_side_effects_the_clinic_charts() -> None:
    assert side_effect_catalogue().codes == (
        "flushing", "warmth", "sweating", "injection_site_pain", "nausea_vomiting", "hypotension", "bradycardia",
        "drowsiness", "depressed_reflexes", "muscle_weakness", "respiratory_depression", "arrhythmia", "other")


def test_every_grade_shown_has_a_definition_and_every_type_a_source() -> None:
    cat = side_effect_catalogue()
    assert cat.ctcae_version == "5.0"
    for t in cat.types:
        assert t.source in cat.sources and cat.sources[t.source][1].startswith("http")
        assert set(t.definitions) == set(t.grades)
        assert all(text.strip() for text in t.definitions.values())


def test_generic_definitions_are_used_and_said_to_be_generic() -> None:
    cat = side_effect_catalogue()
    hypotension = cat.type("hypotension")
    assert hypotension.grading == "generic" and "Generic" in hypotension.note
    assert cat.definition("hypotension", 4) == "Life-threatening consequences; urgent intervention indicated."
    assert cat.definition("hypotension", 5) == "Death related to AE."
    assert cat.type("flushing").grades == (1, 2, 3)


def test_a_catalogue_without_all_five_generic_grades_is_refused() -> None:
    data = {"schema": 1, "sources": {"s": {"title": "t", "url": "u"}},
            "generic_grades": {"source": "s", "1": "a", "2": "b"}, "types": [{"code": "x", "source": "s"}]}
    with pytest.raises(LibraryError, match="grades 1 to 5"):
        parse_catalogue(data)


def test_a_type_citing_an_unknown_source_is_refused() -> None:
    grades = {str(g): f"g{g}" for g in range(1, 6)}
    data = {"schema": 1, "sources": {"s": {"title": "t", "url": "u"}}, "generic_grades": {"source": "s", **grades},
            "types": [{"code": "x", "source": "nowhere"}]}
    with pytest.raises(LibraryError, match="cites a source"):
        parse_catalogue(data)
