"""Play the scenario files in files/ through the runner on a fresh SQLite file, with a stand-in note signer
(the real signed notes are tested through the command line in test_cli.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Patient, Role, UserSession, Visit
from infusiondesk.scenario import ScenarioResult, StepResult, load_scenario
from infusiondesk.scenario.runner import ScenarioRunner
from infusiondesk.service import SignedNote
from infusiondesk.store import Store

FILES = Path(__file__).parent / "files"
# Enough for the store's structural check of a signed PDF; what signs real notes is reports' business.
STAND_IN_NOTE = b"%PDF-1.7\n% stand-in for a signed note: /ByteRange [0 0 0 0] /Contents <00>\n%%EOF\n"


@dataclass
class Played:
    result: ScenarioResult
    store: Store
    notes_signed: list[Visit]
    reader: UserSession  # a nurse's or clinician's session of the run, to read what it left

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


@pytest.fixture(scope="session")
def _migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the newest schema, copied for each run (migrating once is most of a run's time)."""
    path = tmp_path_factory.mktemp("scenario-template") / "empty.db"
    Store.open(str(path)).close()
    return path


@pytest.fixture(scope="session")
def play(tmp_path_factory: pytest.TempPathFactory, _migrated_db: Path) -> Play:
    """Play a file once per session (tests only read what a run left)."""
    played: dict[str, Played] = {}

    def run(name: str) -> Played:
        if name in played:
            return played[name]
        scenario = load_scenario(FILES / f"{name}.json")
        db = tmp_path_factory.mktemp("scenario") / f"{name}.db"
        shutil.copyfile(_migrated_db, db)
        store = Store.open(str(db))
        signed: list[Visit] = []

        def note_signer(candidate: Visit, patient: Patient, signer: UserSession, admin: UserSession) -> SignedNote:
            assert candidate.patient_id == patient.id and signer.user.role is not Role.ADMIN
            signed.append(candidate)
            return SignedNote(STAND_IN_NOTE)

        runner = ScenarioRunner(scenario, store, load_drug(scenario.library), note_signer)
        result = runner.run()
        assert runner.reader is not None
        played[name] = Played(result, store, signed, runner.reader)
        return played[name]

    return run
