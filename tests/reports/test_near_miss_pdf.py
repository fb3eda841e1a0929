"""The near-miss report's PDF: every row as text (vector, no images), the header on each page, Page X of Y."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from infusiondesk import near_miss
from infusiondesk.errors import DomainError
from infusiondesk_reports.near_miss_pdf import near_miss_pdf
from infusiondesk_reports.visit_note import build_visit_note
from tests.reports import scenario
from tests.reports.scenario import CLINIC, PATIENT, USERS

SINCE = datetime(2026, 3, 1, tzinfo=UTC)


def report(n: int) -> near_miss.NearMissReport:
    entries = [{"at": SINCE + timedelta(hours=5 * i), "kind": "hard_stop" if i % 3 == 0 else "override",
                "username": f"user{i % 4}", "rule": "rate_hard_max" if i % 3 == 0 else "dose_soft_max",
                "reason": "" if i % 3 == 0 else f"reason number {i}: weight-based dosing agreed with the clinician",
                "message": "The rate is above the hard maximum of 150 mL/h", "visit_id": i} for i in range(n)]
    return near_miss.report(entries, SINCE, SINCE + timedelta(days=30), ZoneInfo("America/New_York"))


def test_every_row_is_text_on_numbered_landscape_pages() -> None:
    pdf = near_miss_pdf(report(60), CLINIC, SINCE + timedelta(days=30))
    reader = PdfReader(io.BytesIO(pdf))
    pages = [p.extract_text() or "" for p in reader.pages]
    assert len(pages) >= 2
    for i, text in enumerate(pages, start=1):
        assert f"Page {i} of {len(pages)}" in text
        assert "Date and time" in text and "Reason given" in text  # the header row repeats
    everything = "\n".join(pages)
    for i in range(60):
        if i % 3:
            assert f"reason number {i}:" in everything
    assert "40 soft overrides and 20 hard stops" in everything
    assert "times in America/New_York" in everything
    first = reader.pages[0]
    assert float(first.mediabox.width) > float(first.mediabox.height)  # landscape
    assert not any(page.images for page in reader.pages)  # vector text, not a picture of it
    assert len(pdf) < 1_000_000


def test_an_empty_period_says_so() -> None:
    text = PdfReader(io.BytesIO(near_miss_pdf(report(0), CLINIC, SINCE))).pages[0].extract_text() or ""
    assert "No overrides or hard stops in this period." in text


def test_a_note_never_falls_back_to_utc_for_an_unknown_zone() -> None:
    broken = dataclasses.replace(CLINIC, timezone="Nowhere/Atlantis")
    with pytest.raises(DomainError, match="Nowhere/Atlantis"):
        build_visit_note(broken, PATIENT, scenario.standard_visit(), USERS, scenario.drug(), draft=False)
