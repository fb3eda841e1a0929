"""`infusiondesk scenario run FILE [--db URL] [--json]`: exit 0 when the file ran, 2 with one line when it
cannot; a temporary database unless --db; real signed notes from the installed command (infusiondesk_ui.cli)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from infusiondesk.cli import main as core_main
from infusiondesk.records.models import VisitStatus
from infusiondesk.store import Store, tables
from tests.infusiondesk.scenario.conftest import FILES

STANDARD = str(FILES / "standard_visit.json")


def test_json_output_has_one_result_per_step_and_the_audit_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert core_main(["scenario", "run", str(FILES / "no_vital_signs.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"steps", "audit_intact"} and out["audit_intact"] is True
    assert [s["index"] for s in out["steps"]] == list(range(1, 10))
    assert all(set(s) == {"index", "do", "ok", "status", "message", "findings"} for s in out["steps"])
    refused = out["steps"][6]
    assert (refused["do"], refused["ok"], refused["status"]) == ("start", False, "assessed")
    assert refused["message"].startswith("The infusion cannot start yet: Baseline vital signs are not charted")
    assert out["steps"][8]["ok"] and out["steps"][8]["status"] == "infusing"


def test_text_output_is_one_line_per_step_with_a_tick_or_a_cross(capsys: pytest.CaptureFixture[str]) -> None:
    assert core_main(["scenario", "run", str(FILES / "draft_cannot_jump.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("✓   1 new_visit") and "[draft]" in lines[0]
    assert lines[1].startswith("✗   2 start") and lines[1].endswith("Cannot start the infusion: this visit is a "
                                                                    "draft (not yet assessed as suitable).")
    assert lines[-2].startswith("Audit trail intact:") and lines[-1].startswith("No checkpoint")


def test_without_the_pdf_code_a_clinicians_signature_is_refused_saying_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert core_main(["scenario", "run", STANDARD, "--json"]) == 0
    last = json.loads(capsys.readouterr().out)["steps"][-1]
    assert (last["do"], last["ok"], last["status"]) == ("sign", False, "completed")
    assert last["message"].startswith('Signing "Reviewed and approved by" saves the signed PDF note with the signature')


def test_an_invalid_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(Path(STANDARD).read_text(encoding="utf-8"))
    data["steps"][6]["do"] = "strat"
    data["steps"][2]["as"] = "carl"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert core_main(["scenario", "run", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"infusiondesk: {bad} is not a valid scenario file: ")
    assert 'did you mean "start"?' in captured.err and 'did you mean "carla"?' in captured.err
    not_json = tmp_path / "broken.json"
    not_json.write_text("{", encoding="utf-8")
    assert core_main(["scenario", "run", str(not_json)]) == 2
    assert "is not JSON" in capsys.readouterr().err


def test_a_temporary_database_by_default_removed_afterwards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("INFUSIONDESK_DB", str(tmp_path / "clinic.db"))  # the clinic's database is never used
    assert core_main(["scenario", "run", str(FILES / "draft_cannot_jump.json")]) == 0
    assert list(scratch.iterdir()) == [] and not (tmp_path / "clinic.db").exists()


def _statuses(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(tables.visits.c.status)).scalars())


def test_db_is_honoured_and_must_be_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "kept.db")
    assert core_main(["scenario", "run", str(FILES / "no_vital_signs.json"), "--db", db]) == 0
    store = Store.open(db)  # (its users' passwords were made for the run and not kept: read the table itself)
    assert _statuses(store) == [VisitStatus.INFUSING.value]
    assert store.clinic.get().timezone == "Europe/Dublin"
    capsys.readouterr()
    assert core_main(["scenario", "run", str(FILES / "no_vital_signs.json"), "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already set up" in err
    assert len(_statuses(store)) == 1, "nothing was added to the database that was not empty"


def test_the_installed_command_signs_real_notes_that_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from infusiondesk_ui.cli import main

    db = str(tmp_path / "signed.db")
    assert main(["scenario", "run", STANDARD, "--db", db, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(s["ok"] for s in out["steps"]) and out["audit_intact"]
    assert out["steps"][-1]["status"] == "signed"
    store = Store.open(db)  # the run's users cannot sign in (their passwords lived only in memory): read the table
    with store.engine.connect() as conn:
        note_bytes = conn.execute(select(tables.signed_notes.c.pdf)).scalar_one()
    store.close()
    note, ca = tmp_path / "note.pdf", tmp_path / "ca.pem"
    note.write_bytes(note_bytes)
    assert main(["ca", "export", "--db", db, "--out", str(ca)]) == 0
    capsys.readouterr()
    assert main(["verify", str(note), "--trust", str(ca), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"]
    assert [s["signer"].split(",")[0] for s in report["signatures"]] == ["Nina Novak", "Dr Carla Reyes"]


def test_the_readmes_example_prints_what_the_readme_shows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Scenario files", 1)[1]
    example = section.split("```json\n", 1)[1].split("```", 1)[0]
    shown = section.split("```json\n", 1)[1].split("```\n", 2)[2].split("```", 1)[0]
    path = tmp_path / "example.json"
    path.write_text(example, encoding="utf-8")
    assert core_main(["scenario", "run", str(path)]) == 0
    assert capsys.readouterr().out == shown
