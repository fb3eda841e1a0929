"""The note reads in order and whole: pain before, then after; source names never cut mid-word."""

from __future__ import annotations

import io
from dataclasses import replace

from pypdf import PdfReader

from infusiondesk.records.models import Screening, ScreeningLevel
from infusiondesk_reports import styles
from infusiondesk_reports.note_sections import unbroken_names
from infusiondesk_reports.visit_note import build_visit_note
from infusiondesk_reports.wrapping import break_lines
from tests.reports import scenario
from tests.reports.scenario import CLINIC, PATIENT, USERS

SOURCES = "fda-50pct-label, pfizer-premix-how-supplied, lexicomp-conversion"
NAMES = ("fda", "50pct", "label", "pfizer", "premix", "how", "supplied", "lexicomp", "conversion")


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def test_source_names_break_after_punctuation_not_mid_word() -> None:
    styles.register_fonts()
    for width in (60, 80, 105, 140):
        lines = break_lines(SOURCES, width, styles.FONT, 8.5)
        rejoined = "".join(line + (" " if line.endswith(",") else "") for line in lines[:-1]) + lines[-1]
        assert rejoined == SOURCES  # nothing lost or added, only line breaks
        for line in lines[:-1]:
            assert line[-1] in "-,", (width, lines)  # every line but the last ends at a break of the name
        for line in lines:
            assert styles_width(line) <= width
            for part in line.replace(",", " ").replace("-", " ").split():
                assert part in NAMES, (width, lines)


def styles_width(line: str) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(line, styles.FONT, 8.5))


def test_a_part_wider_than_the_column_is_the_only_thing_split() -> None:
    styles.register_fonts()
    lines = break_lines("ab, supercalifragilisticexpialidocious", 40, styles.FONT, 8.5)
    assert lines[0] == "ab,"
    assert "".join(lines[1:]) == "supercalifragilisticexpialidocious"
    assert all(styles_width(line) <= 40 for line in lines)


def test_the_screening_table_keeps_source_names_whole() -> None:
    styles.register_fonts()
    cell = unbroken_names(SOURCES, 110)
    lines = cell.text.split("<br/>")
    assert len(lines) > 1 and all(line[-1] in "-," for line in lines[:-1])
    visit = scenario.standard_visit()
    screening = (Screening("propranolol", ScreeningLevel.CAUTION,
                             "Beta blocker: watch for bradycardia and hypotension.",
                           SOURCES),)
    visit = replace(visit, assessment=replace(visit.assessment, screening=screening))
    text = _text(build_visit_note(CLINIC, PATIENT, visit, USERS, scenario.drug(), draft=False))
    words = text.replace("\n", " ").replace("- ", "-").split()
    for name in ("pfizer-premix-how-supplied,", "lexicomp-conversion"):
        assert name in words, name  # broken only where a hyphen or space was


def test_pain_before_is_shown_before_pain_after() -> None:
    text = _text(build_visit_note(CLINIC, PATIENT, scenario.standard_visit(), USERS, scenario.drug(), draft=False))
    after = text.index("After the infusion")
    section = text[after:]
    assert section.index("Pain before (0–10)") < section.index("Pain after (0–10)")
