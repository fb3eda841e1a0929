"""`infusiondesk import patients|hl7`: a summary line and one line per rejected row; exit 0, 1 or 2."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from infusiondesk.cli import main
from infusiondesk.store import Store
from tests.infusiondesk.interop.csv_files import good_row, to_csv
from tests.infusiondesk.interop.test_hl7_adt import A04_OKAFOR, A08_NOBODY
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff


def _run(args: list[str], capsys: pytest.CaptureFixture[str], password: str = PASSWORD) -> tuple[int, str, str]:
    typed, sys.stdin = sys.stdin, io.StringIO(password + "\n")  # a script types the password
    try:
        code = main(args)
    finally:
        sys.stdin = typed
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _mrns(db: Path, staff: Staff) -> list[str]:
    store = Store.open(str(db), clock=Clock())
    try:
        return [p.mrn for p in store.patients.search("IMP", limit=100, by=staff.admin)]
    finally:
        store.close()


def test_dry_run_reports_and_writes_nothing_then_commit_writes_the_good_rows(
        db_path: Path, staff: Staff, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [good_row(1), good_row(2), {**good_row(3), "date_of_birth": "03/04/1980"}]
    (tmp_path / "list.csv").write_bytes(to_csv(rows))
    args = ["import", "patients", str(tmp_path / "list.csv"), "--db", str(db_path), "--user", "admin"]

    code, out, err = _run(args, capsys)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "list.csv: read 3 row(s); would import (a check only: nothing written, --commit to write) 2 patient(s); "
        "rejected 1 row(s).",
        'row 4, date_of_birth: "03/04/1980" is not a year-month-day date; write dates as YYYY-MM-DD (1980-04-03): '
        "a date such as 03/04/1980 could be March or April and is not guessed."]
    assert _mrns(db_path, staff) == []

    code, out, _ = _run([*args, "--commit"], capsys)
    assert code == 1
    assert out.startswith("list.csv: read 3 row(s); imported 2 patient(s); rejected 1 row(s).")
    assert sorted(_mrns(db_path, staff)) == ["IMP000001", "IMP000002"]


def test_a_clean_hl7_file_exits_0_and_an_unknown_mrn_update_exits_1(
        db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a04.hl7").write_text(A04_OKAFOR)
    (tmp_path / "a08.hl7").write_text(A08_NOBODY)
    base = ["--db", str(db_path), "--user", "admin", "--commit"]
    code, out, _ = _run(["import", "hl7", str(tmp_path / "a04.hl7"), *base], capsys)
    assert code == 0 and "imported 1 patient(s)" in out
    code, out, _ = _run(["import", "hl7", str(tmp_path / "a08.hl7"), *base], capsys)
    assert code == 1 and "row 1, mrn: MRN MRN999 is not in the database" in out


def test_a_wrong_header_a_missing_file_and_a_nurse_are_one_sentence_and_exit_2(
        db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.csv").write_text("mrn,surname,given_name,date_of_birth,sex\n")
    code, out, err = _run(["import", "patients", str(tmp_path / "bad.csv"), "--db", str(db_path), "--user",
                           "admin"], capsys)
    assert (code, out) == (2, "")
    assert 'unknown column "surname"' in err and "missing required column(s): family_name" in err
    code, _, err = _run(["import", "patients", str(tmp_path / "none.csv"), "--db", str(db_path), "--user",
                         "admin"], capsys)
    assert code == 2 and err.startswith("infusiondesk: Cannot read") and "none.csv" in err
    (tmp_path / "ok.csv").write_bytes(to_csv([good_row(1)]))
    code, _, err = _run(["import", "patients", str(tmp_path / "ok.csv"), "--db", str(db_path), "--user", "nina"],
                        capsys)
    assert code == 2 and "Only an admin can import patients" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["import", "patients"])
    assert exited.value.code == 2
    assert "FILE" in capsys.readouterr().err
