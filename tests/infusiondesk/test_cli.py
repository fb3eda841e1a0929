"""`infusiondesk calc` is a contract other tools rely on: JSON keys, exit codes, one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infusiondesk.cli import main
from tests.infusiondesk.bad_databases import BAD_KINDS, CREATED_BY_DEMO, bad_database

STANDARD = ["calc", "--drug", "magnesium-sulfate", "--dose", "2 g", "--concentration", "2 g/50 mL",
            "--duration", "30 min"]


def test_json_has_the_numeric_keys_and_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*STANDARD, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("dose_mg", "dose_mmol", "dose_meq", "volume_ml", "rate_ml_per_h", "rate_mg_per_min",
                "duration_min"):
        assert isinstance(out[key], float), key
    assert out["rate_ml_per_h"] == pytest.approx(100)
    assert out["findings"] == []


def test_hard_findings_are_reported_with_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", "--dose", "2 g", "--concentration", "2 g/50 mL", "--rate", "310 mL/h", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"level": "hard", "code": "dose_rate.max.hard"}.items() <= out["findings"][0].items()
    assert isinstance(out["findings"][0]["message"], str)


def test_a_pump_readback_off_the_order_adds_a_hard_pump_mismatch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*STANDARD, "--pump-rate", "50 mL/h", "--pump-vtbi", "50 mL", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(f["level"], f["code"]) for f in out["findings"]] == [("hard", "pump.mismatch"),
                                                                  ("hard", "pump.bag_volume_as_rate")]
    assert "50 mL/h on the pump and 100 mL/h in the order" in out["findings"][0]["message"]
    assert out["blocked"] is True


def test_a_pump_readback_as_ordered_adds_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*STANDARD, "--pump-rate", "100 mL/h", "--pump-vtbi", "50 mL", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["findings"] == [] and out["blocked"] is False
    assert main([*STANDARD, "--pump-rate", "100.1 mL/h"]) == 0
    assert "HARD  The pump is not programmed as ordered" in capsys.readouterr().out
    assert main([*STANDARD, "--pump-rate", "50 mg/min"]) == 2
    assert "dose rate" in capsys.readouterr().err


def test_human_summary_uses_ismp_display(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(STANDARD) == 0
    text = capsys.readouterr().out
    assert "2 g magnesium sulfate = 16.2 mEq = 8.1 mmol Mg" in text
    assert "100 mL/h" in text and "2.0 g" not in text and "MgSO4" not in text


@pytest.mark.parametrize(
    "args",
    [
        ["calc", "--dose", "2,5 g", "--concentration", "40 mg/mL", "--duration", "30 min"],
        ["calc", "--dose", "2 g", "--concentration", "40 mg/mL", "--duration", "2 g"],
        ["calc", "--dose", "2 g", "--concentration", "40 mg/mL"],
        ["calc", "--dose", "2 g", "--duration", "30 min"],
        ["calc", "--drug", "morphine", "--dose", "2 g", "--concentration", "40 mg/mL", "--duration", "30 min"],
        ["calc", "--dose", "2 g", "--product", "nope", "--duration", "30 min"],
        ["calc", "--dose"],
    ],
)
def test_invalid_input_exits_2_with_one_line_and_no_traceback(args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "infusiondesk", *args], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_installed_command_runs_calc_without_loading_qt_or_pdf_libraries() -> None:
    # infusiondesk_ui.cli is what the `infusiondesk` console script runs: it composes every command, yet calc stays
    # light.
    code = (f"import sys; from infusiondesk_ui.cli import main; main({STANDARD!r}); "
            "bad = [m for m in ('PySide6', 'reportlab', 'pyhanko') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, check=False).returncode == 0


def test_python_m_infusiondesk_is_the_core_alone_and_the_installed_command_has_everything() -> None:
    core = subprocess.run([sys.executable, "-m", "infusiondesk", "--help"], capture_output=True, text=True, check=False)
    full = subprocess.run([sys.executable, "-m", "infusiondesk_ui", "--help"], capture_output=True, text=True,
                          check=False)
    assert core.returncode == 0 and full.returncode == 0
    for command in ("calc", "demo", "visits", "audit", "cert", "backup", "restore"):
        assert command in core.stdout and command in full.stdout
    for command in ("verify", "export-note", "app"):
        assert command not in core.stdout.split("positional arguments")[1].split("options")[0]
        assert command in full.stdout


# --- a bad database on every command: one sentence naming it, exit 2, nothing created or written -------------

BAD_DB_COMMANDS = {
    "visits": ["visits", "--user", "nina"],
    "audit verify": ["audit", "verify"],
    "export-note": ["export-note", "--user", "nina", "--visit", "1", "--out", "{out}/note.pdf"],
    "ca export": ["ca", "export", "--out", "{out}/ca.pem"],
    "cert import": ["cert", "import", "--user", "carl", "--p12", "{out}/carl.p12"],
    "import patients": ["import", "patients", "{out}/list.csv", "--user", "admin"],
    "demo": ["demo", "--patients", "1", "--quiet", "--signed-notes", "0"],
    "backup": ["backup", "--out", "{out}", "--user", "admin"],
    "followups due": ["followups", "due", "--user", "nina"],
}


@pytest.fixture(scope="module")
def good_clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A set-up clinic in one checkpointed SQLite file (what the bad kinds are made from)."""
    from infusiondesk.records.models import Clinic
    from infusiondesk.store import Store

    path = tmp_path_factory.mktemp("good") / "clinic.sqlite3"
    store = Store.open(str(path))
    admin = store.clinic.setup(Clinic("Riverside Infusion Clinic"), "admin", "Ada Admin", "correct horse battery")
    store.users.create(*NURSE, "Nina Nurse", "nurse", NURSE_PASSWORD, by=admin)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


NURSE = ("nina",)
NURSE_PASSWORD = "nurse at the chair 1"


def _run_ui(args: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "") -> tuple[int, str, str]:
    """The installed command, with `stdin` as what a script types (a password asked by --user)."""
    import io

    from infusiondesk_ui.cli import main as ui_main

    typed, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        code = ui_main(args)
    finally:
        sys.stdin = typed
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("kind", "command"), [
    (kind, command) for kind in sorted(BAD_KINDS) for command in sorted(BAD_DB_COMMANDS)
    if not (command == "demo" and kind in CREATED_BY_DEMO)])  # demo builds a new clinic there: its job
def test_every_command_refuses_a_bad_database_in_one_sentence(
        kind: str, command: str, good_clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "carl.p12").write_bytes(b"not read: the database is refused first")
    args = [a.format(out=out) for a in BAD_DB_COMMANDS[command]]
    with bad_database(kind, good_clinic, tmp_path, monkeypatch) as db:
        code, stdout, stderr = _run_ui([*args, "--db", str(db)], capsys)
    assert code == 2
    assert stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("infusiondesk: ") and "Traceback" not in stderr
    assert BAD_KINDS[kind] in stderr and str(db) in stderr
    assert sorted(p.name for p in out.iterdir()) == ["carl.p12"]  # no note, certificate or file written
    if kind == "missing":
        assert not db.exists()


def test_demo_is_the_command_that_creates_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = _run_ui(["demo", "--db", str(tmp_path / "new.db"), "--patients", "1", "--quiet",
                               "--signed-notes", "0"], capsys)
    assert code == 0 and "1 patients" in stdout and (tmp_path / "new.db").exists()


def test_the_installed_command_prints_no_traceback_for_a_bad_database(tmp_path: Path) -> None:
    bad = tmp_path / "visits.csv"
    bad.write_text("id,patient,status\n" * 100)
    proc = subprocess.run([sys.executable, "-m", "infusiondesk_ui", "export-note", "--db", str(bad), "--visit", "1",
                           "--out",
                           str(tmp_path / "n.pdf")], capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (f"infusiondesk: {bad} is not a database file; check the path given with --db or "
                           "INFUSIONDESK_DB, or restore the clinic's database from the latest backup.\n")


def test_a_full_disk_during_a_command_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import event

    from infusiondesk.store import engine as store_engine

    def full_disk(url: str, *, create: bool = True) -> Any:
        engine = store_engine.make_engine(url, create=create)
        event.listen(engine, "connect", lambda conn, _r: conn.execute("PRAGMA max_page_count = 2"))
        return engine

    monkeypatch.setattr("infusiondesk.store.store.make_engine", full_disk)
    db = tmp_path / "clinic.db"
    code, _, stderr = _run_ui(["demo", "--db", str(db), "--patients", "1", "--quiet"], capsys)
    assert code == 2
    assert stderr == (f"infusiondesk: The disk holding the database {db} is full, so this was not saved; free "
                      "some space on it, then try again.\n")


def test_a_read_only_database_can_be_verified_but_not_signed_into_or_written(good_clinic: Path, tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "ro.db"
    db.write_bytes(good_clinic.read_bytes())
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"  # SQLite's read-only: root ignores file permissions
    assert _run_ui(["audit", "verify", "--db", read_only], capsys)[0] == 0  # an auditor's copy: no sign-in
    code, stdout, stderr = _run_ui(["visits", "--user", "nina", "--db", read_only], capsys, NURSE_PASSWORD + "\n")
    assert (code, stdout) == (2, "") and stderr.count("\n") == 1  # a sign-in is recorded: it must write
    assert stderr.startswith(f"infusiondesk: The database {db} is read-only for this account")
    fresh = tmp_path / "fresh.db"
    fresh.write_bytes(b"")
    code, _, stderr = _run_ui(["demo", "--db", f"sqlite:///file:{fresh}?mode=ro&uri=true", "--quiet"], capsys)
    assert code == 2 and stderr.startswith(f"infusiondesk: The database {fresh} is read-only for this account")


def _run_without_override(args: list[str]) -> tuple[int, str, str]:
    """The command run without the power to ignore file permissions: as root, in a child process that has
    dropped CAP_DAC_OVERRIDE (util-linux `setpriv`), so a read-only file is read-only for it too."""
    code = f"import sys; from infusiondesk_ui.cli import main; sys.exit(main({args!r}))"
    caps = "-dac_override,-dac_read_search"
    proc = subprocess.run(["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", sys.executable, "-c", code],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], check=False)
    return proc.returncode, proc.stdout, proc.stderr


def test_a_database_file_this_account_may_not_write_is_one_sentence(
        good_clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "clinic.db"
    db.write_bytes(good_clinic.read_bytes())
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        for command in (["visits", "--user", "nina"], ["demo", "--quiet"]):
            args = [*command, "--db", str(db)]
            code, _, stderr = _run_without_override(args) if os.geteuid() == 0 else _run_ui(args, capsys)
            assert code == 2 and f"{db} (or its folder) is read-only for this account" in stderr, stderr
    finally:
        folder.chmod(0o755)


# --- unexpected errors: one line naming the log file; the log holds the traceback, not the patient ----------

def test_an_unexpected_error_is_one_line_naming_the_log_and_the_log_has_no_patient_data(
        good_clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from infusiondesk.store.visits import Visits

    patient = {"name": "Jane SMITH-PRIVATE", "mrn": "555-0101"}  # as a record would hold them

    def broken(self: Visits, patient_id: int | None = None, **_: Any) -> Any:
        raise RuntimeError(f"row for {patient['name']}, MRN {patient['mrn']} could not be decoded")

    monkeypatch.setenv("INFUSIONDESK_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(Visits, "summaries", broken)
    code, stdout, stderr = _run_ui(["visits", "--user", "nina", "--db", str(good_clinic)], capsys,
                                   NURSE_PASSWORD + "\n")
    log_file = tmp_path / "logs" / "infusiondesk.log"
    assert (code, stdout) == (3, "")
    assert stderr == f"infusiondesk: Something went wrong; nothing was lost. The details are in the log: {log_file}\n"
    logged = log_file.read_text(encoding="utf-8")
    assert "unexpected error during visits" in logged and "builtins.RuntimeError" in logged
    assert "in broken" in logged and "Traceback (most recent call last)" in logged
    assert "SMITH-PRIVATE" not in logged and "555-0101" not in logged


def test_a_log_folder_that_cannot_be_written_is_said_not_hidden(
        good_clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from infusiondesk.store.visits import Visits

    def broken(self: Visits, patient_id: int | None = None, **_: Any) -> Any:
        raise RuntimeError("boom")

    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("INFUSIONDESK_LOG_DIR", str(tmp_path / "a-file" / "logs"))
    monkeypatch.setattr(Visits, "summaries", broken)
    code, _, stderr = _run_ui(["visits", "--user", "nina", "--db", str(good_clinic)], capsys, NURSE_PASSWORD + "\n")
    assert code == 3
    assert stderr == (f"infusiondesk: Something went wrong; nothing was lost. The details could not be logged "
                      f"({tmp_path / 'a-file' / 'logs'} cannot be written).\n")
