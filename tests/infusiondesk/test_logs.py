"""The log file: found where the message says, rotated, and holding tracebacks but never what a record says."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from infusiondesk import logs


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(logs.ENV_VAR, str(tmp_path / "logs"))
    return tmp_path / "logs"


def test_the_log_is_in_the_user_log_folder_unless_infusiondesk_log_dir_says(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(logs.ENV_VAR)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert logs.log_dir() == tmp_path / "state" / "InfusionDesk" / "log"
    monkeypatch.setenv(logs.ENV_VAR, str(tmp_path / "elsewhere"))
    assert logs.log_dir() == tmp_path / "elsewhere"


def test_configuring_twice_keeps_one_handler_and_the_file_exists_at_once(log_dir: Path) -> None:
    assert logs.configure() == log_dir / "infusiondesk.log"
    assert logs.configure() == log_dir / "infusiondesk.log"
    ours = [h for h in logging.getLogger("infusiondesk").handlers if isinstance(h, logging.FileHandler)]
    assert len(ours) == 1 and (log_dir / "infusiondesk.log").exists()
    assert logs.log_file() == log_dir / "infusiondesk.log"


def test_the_log_rotates_and_keeps_a_bounded_number_of_files(log_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    logs.configure()
    for n in range(200):
        try:
            raise ValueError(n)
        except ValueError as exc:
            logs.unexpected(exc, "a test")
    files = sorted(p.name for p in log_dir.iterdir())
    assert files == ["infusiondesk.log", *(f"infusiondesk.log.{n}" for n in range(1, logs.BACKUPS + 1))]
    assert all(p.stat().st_size <= 4_000 for p in log_dir.iterdir())


RECORD = {"name": "Jane SMITH-PRIVATE", "mrn": "MRN 555-0101"}  # what a record holds (kept out of the code lines)


def test_a_traceback_keeps_each_cause_and_the_database_code_but_no_message() -> None:
    def decode(name: str) -> None:
        raise KeyError(name)

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (x UNIQUE)")
    conn.execute("INSERT INTO t VALUES (?)", (RECORD["mrn"],))
    try:
        try:
            decode(RECORD["name"])
        except KeyError as exc:
            try:
                conn.execute("INSERT INTO t VALUES (?)", (RECORD["mrn"],))
            except sqlite3.IntegrityError as dup:
                raise dup from exc
    except sqlite3.IntegrityError as final:
        text = logs.describe(final)
    assert text.count("Traceback (most recent call last)") == 2
    assert "builtins.KeyError (message not logged)" in text
    assert "sqlite3.IntegrityError [SQLITE_CONSTRAINT_UNIQUE] (message not logged)" in text
    assert "in decode" in text
    assert "SMITH-PRIVATE" not in text and "555-0101" not in text


def test_logging_handlers_is_imported_at_the_first_record_not_at_start(tmp_path: Path) -> None:
    """Every command configures the log; few write to it: `logging.handlers` (~10-25 ms) waits for the first
    record, and that record still reaches the file."""
    code = ("import sys\nfrom infusiondesk import logs\nlogs.configure()\n"
            "before = 'logging.handlers' in sys.modules\nlogs.log.error('a first record')\n"
            "print(before, 'logging.handlers' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, logs.ENV_VAR: str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True"]
    assert "ERROR infusiondesk: a first record" in (tmp_path / logs.FILE_NAME).read_text(encoding="utf-8")
