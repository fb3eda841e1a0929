"""The note worker starts from a frozen app: `<the app> _worker module` there, `python -m module` otherwise."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from infusiondesk_ui import launch, ops

NOTE_WORKER = "infusiondesk_ui.note_worker"


def test_from_source_the_worker_runs_as_python_dash_m() -> None:
    assert launch.worker_command(NOTE_WORKER, frozen=False, executable="/usr/bin/python3") == (
        "/usr/bin/python3", ["-m", NOTE_WORKER])


def test_frozen_the_worker_is_the_app_itself_with_the_hidden_subcommand() -> None:
    assert launch.worker_command(NOTE_WORKER, frozen=True, executable="C:/InfusionDesk/InfusionDesk.exe") == (
        "C:/InfusionDesk/InfusionDesk.exe", ["_worker", NOTE_WORKER])


def test_frozen_is_read_from_sys_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    assert launch.worker_command(NOTE_WORKER)[1][0] == "-m"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launch.worker_command(NOTE_WORKER) == (sys.executable, ["_worker", NOTE_WORKER])


def test_the_hidden_subcommand_runs_only_the_known_workers(capsys: pytest.CaptureFixture[str]) -> None:
    assert launch.main(["_worker", "os"]) == 2
    assert launch.main(["_worker"]) == 2
    assert ("_worker takes one of: infusiondesk_ui.note_server, infusiondesk_ui.note_worker"
            in capsys.readouterr().err)


def test_the_note_worker_runs_through_a_frozen_style_executable(qtbot: QtBot, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in for the frozen app: an executable that is the whole program (no -m), as PyInstaller builds it.
    app = tmp_path / "InfusionDesk"
    app.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "import sys; from infusiondesk_ui.launch import main; '
                   f'sys.exit(main())" "$@"\n')
    app.chmod(app.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app))
    errors: list[str] = []
    library = tmp_path / "no-such-library.toml"
    ops.run_in_process(NOTE_WORKER, {"db": str(tmp_path / "clinic.db"), "visit_id": 1, "library": str(library)},
                       lambda _pdf: errors.append("built?"), errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=30_000)
    # the worker itself answered: its domain error names the drug library it was given (a failed start would not)
    assert errors == [f"Drug library {library} cannot be read: No such file or directory."]
