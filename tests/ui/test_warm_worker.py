"""The warm note worker: one child answers a nurse's previews one after another; a killed child costs only the job
it was running; results wait behind the lock; sign-out ends the worker. Timings are for the benchmarks."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.service import VisitService
from infusiondesk_ui import ops, warm_worker
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.note_server import serve
from infusiondesk_ui.note_worker import session_job
from tests.ui.conftest import PASSWORDS, Clinic_
from tests.ui.test_service_steps import new_visit_as

WAIT_MS = 60_000


@pytest.fixture
def worker() -> Iterator[warm_worker.WarmWorker]:
    """The app's warm worker, ended after the test (as closing the app does)."""
    warm_worker.stop(5_000)
    yield warm_worker.worker()
    warm_worker.stop(5_000)
    ops.drop_held_results()


class Answers:
    """What came back, in order: ("pdf", first bytes) or ("error", sentence)."""

    def __init__(self) -> None:
        self.got: list[tuple[str, Any]] = []

    def done(self, tag: str) -> Any:
        return lambda pdf: self.got.append((tag, pdf[:5]))

    def error(self, tag: str) -> Any:
        return lambda message: self.got.append((tag, message))


def draft_job(clinic: Clinic_, visit_id: int) -> dict[str, Any]:
    return {"db": clinic.store.url, "visit_id": visit_id, "library": None,
            "session": session_job(clinic.session(clinic.nurse))}


def new_visit(clinic: Clinic_) -> int:
    visit = VisitService(clinic.store, load_drug()).new_visit(clinic.session(clinic.nurse), clinic.patient.id)
    return visit.id


def test_three_drafts_and_a_refused_job_are_answered_in_order_by_one_child(
        qtbot: QtBot, clinic: Clinic_, worker: warm_worker.WarmWorker) -> None:
    first, second = new_visit(clinic), new_visit(clinic)
    answers = Answers()
    warm_worker.run_note_job(draft_job(clinic, first), answers.done("first"), answers.error("first"))
    pid = worker.pid()
    warm_worker.run_note_job(draft_job(clinic, second), answers.done("second"), answers.error("second"))
    warm_worker.run_note_job(draft_job(clinic, 9999), answers.done("missing"), answers.error("missing"))
    warm_worker.run_note_job(draft_job(clinic, first), answers.done("again"), answers.error("again"))
    qtbot.waitUntil(lambda: len(answers.got) == 4, timeout=WAIT_MS)

    assert [tag for tag, _ in answers.got] == ["first", "second", "missing", "again"]
    assert answers.got[0][1] == answers.got[1][1] == answers.got[3][1] == b"%PDF-"
    assert "9999" in answers.got[2][1] or "not found" in answers.got[2][1].lower(), answers.got[2][1]
    assert worker.starts == 1 and worker.pid() == pid and pid is not None  # the same child answered all four
    qtbot.wait(200)
    assert len(answers.got) == 4  # each job answered exactly once


def test_a_killed_worker_fails_the_job_in_flight_in_one_sentence_and_the_next_job_starts_a_new_one(
        qtbot: QtBot, clinic: Clinic_, worker: warm_worker.WarmWorker) -> None:
    visit_id = new_visit(clinic)
    answers = Answers()
    job = warm_worker.run_note_job(draft_job(clinic, visit_id), answers.done("killed"), answers.error("killed"))
    killed = worker.pid()
    assert killed is not None and worker.current is job
    os.kill(killed, signal.SIGKILL)  # kill -9 while the preview is being built
    qtbot.waitUntil(lambda: len(answers.got) == 1, timeout=WAIT_MS)
    assert answers.got == [("killed", warm_worker.DIED)]
    assert "nothing was lost" in warm_worker.DIED and warm_worker.DIED.count(". ") == 1

    warm_worker.run_note_job(draft_job(clinic, visit_id), answers.done("next"), answers.error("next"))
    qtbot.waitUntil(lambda: len(answers.got) == 2, timeout=WAIT_MS)
    assert answers.got[1] == ("next", b"%PDF-")
    assert worker.starts == 2 and worker.pid() not in (None, killed)


def test_a_preview_that_arrives_while_locked_waits_for_the_unlock(
        qtbot: QtBot, clinic: Clinic_, worker: warm_worker.WarmWorker) -> None:
    answers = Answers()
    ops.hold_results()
    warm_worker.run_note_job(draft_job(clinic, new_visit(clinic)), answers.done("preview"), answers.error("preview"))
    qtbot.waitUntil(lambda: worker.current is None, timeout=WAIT_MS)  # the worker has answered
    assert answers.got == []
    ops.release_results()
    assert answers.got == [("preview", b"%PDF-")]


def test_sign_out_keeps_what_stores_data_drops_what_shows_and_the_next_person_gets_a_fresh_worker(
        qtbot: QtBot, clinic: Clinic_, worker: warm_worker.WarmWorker) -> None:
    visit_id = new_visit(clinic)
    answers = Answers()
    warm_worker.run_note_job(draft_job(clinic, visit_id), answers.done("kept"), answers.error("kept"), shows=False)
    warm_worker.run_note_job(draft_job(clinic, visit_id), answers.done("preview"), answers.error("preview"))
    first = worker.pid()
    warm_worker.stop(WAIT_MS, signed_out=True)
    assert answers.got == [("preview", warm_worker.SIGNED_OUT), ("kept", b"%PDF-")]
    assert worker.proc is None  # ended, not left running

    fresh = warm_worker.worker()
    assert fresh is not worker
    warm_worker.run_note_job(draft_job(clinic, visit_id), answers.done("next"), answers.error("next"))
    qtbot.waitUntil(lambda: len(answers.got) == 3, timeout=WAIT_MS)
    assert answers.got[2] == ("next", b"%PDF-") and fresh.pid() != first


def test_the_warm_worker_runs_through_a_frozen_style_executable(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker: warm_worker.WarmWorker) -> None:
    app = tmp_path / "InfusionDesk"  # the whole program as one executable (no -m), as PyInstaller builds it
    app.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "import sys; from infusiondesk_ui.launch import main; '
                   f'sys.exit(main())" "$@"\n')
    app.chmod(app.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app))
    library = tmp_path / "no-such-library.toml"
    answers = Answers()
    for tag in ("one", "two"):
        warm_worker.run_note_job({"db": str(tmp_path / "clinic.db"), "visit_id": 1, "library": str(library)},
                                 answers.done(tag), answers.error(tag))
    qtbot.waitUntil(lambda: len(answers.got) == 2, timeout=WAIT_MS)
    # the worker itself answered both (a failed start would not name the library), and it stayed up between them
    sentence = f"Drug library {library} cannot be read: No such file or directory."
    assert answers.got == [("one", sentence), ("two", sentence)] and worker.starts == 1


def test_each_answer_is_a_header_with_its_length_then_exactly_those_bytes(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    job = json.dumps({"db": str(tmp_path / "x.db"), "visit_id": 1, "library": str(missing)}).encode()
    answers = io.BytesIO()
    assert serve(io.BytesIO(job + b"\n\n" + b"{not json\n"), answers) == 0
    out = answers.getvalue()
    header, _, rest = out.partition(b"\n")
    status, length = header.split()
    assert status == b"error" and rest[:int(length)].decode() == f"Drug library {missing} cannot be read: No such " \
                                                                    "file or directory."
    crash_header, _, crash = rest[int(length):].partition(b"\n")
    assert crash_header.split()[0] == b"crash" and len(crash) == int(crash_header.split()[1])
    assert b"JSONDecodeError" in crash  # the app logs it without its message and says "something went wrong"


def test_a_child_that_writes_something_other_than_an_answer_fails_the_job_and_is_replaced(
        qtbot: QtBot, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch, worker: warm_worker.WarmWorker) -> None:
    monkeypatch.setattr(warm_worker, "SERVER", "this")  # `python -m this` prints the Zen of Python on stdout
    answers = Answers()
    warm_worker.run_note_job(draft_job(clinic, new_visit(clinic)), answers.done("zen"), answers.error("zen"))
    qtbot.waitUntil(lambda: len(answers.got) == 1, timeout=WAIT_MS)
    assert answers.got == [("zen", warm_worker.DIED)] and worker.proc is None


def test_a_nurse_previews_twice_with_one_worker_and_signing_out_ends_it_for_the_next_person(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, worker: warm_worker.WarmWorker) -> None:
    ws = new_visit_as(window, clinic, "nkim", PASSWORDS["nkim"])
    docs = ws.review.documents
    pids = []
    for _ in range(2):
        ws.review.preview.click()
        qtbot.waitUntil(lambda: docs.viewer is not None, timeout=WAIT_MS)
        assert docs.viewer.page_count >= 1 and "(draft)" in docs.viewer.windowTitle()
        pids.append(worker.pid())
        docs.viewer.close()
        docs.viewer = None
    assert pids[0] is not None and pids == [pids[0]] * 2 and worker.starts == 1

    window.sign_out()
    assert worker.proc is None and warm_worker.worker() is not worker  # ended; the next person gets a fresh one
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)
