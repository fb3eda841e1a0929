"""Play the scenario files in files/ through the runner on a fresh SQLite file, with a stand-in note signer
(the real signed notes are tested through the command line in test_cli.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Patient, Visit
from infusiondesk.scenario import ScenarioResult, StepResult, load_scenario, run_scenario
from infusiondesk.store import Store

FILES = Path(__file__).parent / "files"
# Enough for the store's structural check of a signed PDF; what signs real notes is reports' business.
STAND_IN_NOTE = b"%PDF-1.7\n% stand-in for a signed note: /ByteRange [0 0 0 0] /Contents <00>\n%%EOF\n"


@dataclass
class Played:
    result: ScenarioResult
    store: Store
    notes_signed: list[Visit]

    def __getitem__(self, index: int) -> StepResult:
        """Step `index` as the file numbers it (from 1)."""
        step = self.result.steps[index - 1]
        assert step.index == index
        return step

    def refused(self) -> dict[int, str]:
        """{step number: step name} of every refused step."""
        return {s.index: s.do for s in self.result.steps if not s.ok}

    def codes(self, index: int) -> list[str]:
        return [f["code"] for f in self[index].findings]


Play = Callable[[str], Played]


@pytest.fixture
def play(tmp_path: Path) -> Play:
    def run(name: str) -> Played:
        scenario = load_scenario(FILES / f"{name}.json")
        store = Store.open(str(tmp_path / f"{name}.db"))
        signed: list[Visit] = []

        def note_signer(candidate: Visit, patient: Patient) -> bytes:
            assert candidate.patient_id == patient.id
            signed.append(candidate)
            return STAND_IN_NOTE

        result = run_scenario(scenario, store, load_drug(scenario.library), note_signer)
        return Played(result, store, signed)

    return run
