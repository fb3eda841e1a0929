"""The visit note shows the infusion time for billing: start, stop, running minutes and the billed sequence."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from infusiondesk.billing.minutes import infusion_minutes
from infusiondesk_reports.visit_note import build_visit_note
from tests.reports import scenario


def test_the_note_shows_running_minutes_and_the_billed_sequence(tmp_path: Path) -> None:
    visit = scenario.standard_visit()
    minutes = infusion_minutes(visit)
    pdf = tmp_path / "note.pdf"
    pdf.write_bytes(build_visit_note(scenario.CLINIC, scenario.PATIENT, visit, scenario.USERS, scenario.drug(),
                                     draft=True))
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    found = re.search(r"Infusion time for billing: (\d\d:\d\d)–(\d\d:\d\d), (\d+) min running \(pauses removed: "
                      r"(\d+) min\) — initial hour 96365 × 1", text)
    assert found, text
    assert int(found.group(3)) == minutes.running_minutes and int(found.group(4)) == minutes.paused_minutes
