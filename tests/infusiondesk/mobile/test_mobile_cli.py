"""`infusiondesk mobile …` from a terminal: checkout, sync, conflicts, resolve, revoke, missing."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
from pathlib import Path

import pytest

from infusiondesk.cli import main
from infusiondesk.mobile import laptop
from infusiondesk.store import Store
from tests.infusiondesk.store.conftest import PASSWORD, Staff, make_patient


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str,
         answers: tuple[str, ...] = (PASSWORD,)) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{a}\n" for a in answers)))
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_mobile_day_from_the_command_line(sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "clinic.sqlite3"
    shutil.copyfile(sqlite_staffed_template, db)
    store = Store.open(str(db))
    jane = store.patients.add(make_patient("MRN0001", "Smith", "Jane", no_known_allergies=True), sqlite_staff.nurse)
    store.close()
    out_file = tmp_path / "nina.db"

    code, out, err = _run(monkeypatch, capsys, "mobile", "checkout", "--db", str(db), "--user", "nina",
                          "--patient", "MRN0001", "--out", str(out_file))
    assert code == 0, err
    laptop_id = re.search(r"laptop ([0-9a-f-]{36})", out).group(1)  # type: ignore[union-attr]

    code, _out, err = _run(monkeypatch, capsys, "mobile", "checkout", "--db", str(db), "--user", "nina",
                           "--patient", "MRN0001", "--out", str(out_file))
    assert code == 2 and "already exists" in err  # never over a laptop's unsynced work

    lap = laptop.open_laptop(out_file, PASSWORD)
    nina = lap.users.sign_in("nina", PASSWORD)
    lap.patients.update(dataclasses.replace(jane, history_notes="Gate code 1234"), nina, based_on=jane)
    lap.users.sign_out(nina)
    lap.close()
    store = Store.open(str(db))
    store.patients.update(dataclasses.replace(jane, history_notes="Moved to 2 Elm St"),
                          sqlite_staff.nurse, based_on=jane)
    store.close()

    code, out, err = _run(monkeypatch, capsys, "mobile", "sync", "--db", str(db), "--user", "nina",
                          "--laptop", str(out_file))
    assert code == 0, err
    assert "NOT applied" in out and "MRN0001" in out
    code, out, _err = _run(monkeypatch, capsys, "mobile", "conflicts", "--db", str(db), "--user", "nina")
    assert "history_notes: laptop 'Gate code 1234' | clinic 'Moved to 2 Elm St'" in out
    conflict_id = re.search(r"#(\d+) patient", out).group(1)  # type: ignore[union-attr]
    code, out, err = _run(monkeypatch, capsys, "mobile", "resolve", conflict_id, "--keep", "clinic", "--db", str(db),
                          "--user", "nina")
    assert code == 0 and "keeping the clinic's version" in out, err

    code, _out, err = _run(monkeypatch, capsys, "mobile", "revoke", "--db", str(db), "--user", "nina",
                           "--laptop", laptop_id, answers=(PASSWORD, ""))
    assert code == 2 and "admin" in err  # a nurse cannot revoke
    code, out, err = _run(monkeypatch, capsys, "mobile", "revoke", "--db", str(db), "--user", "admin",
                          "--laptop", laptop_id, answers=(PASSWORD, ""))
    assert code == 0 and "revoked" in out and "No certificate was put on the CRL" in out, err
    code, _out, err = _run(monkeypatch, capsys, "mobile", "sync", "--db", str(db), "--user", "nina",
                           "--laptop", str(out_file))
    assert code == 2 and "revoked" in err
    code, out, _err = _run(monkeypatch, capsys, "mobile", "missing", "--db", str(db), "--user", "admin")
    assert laptop_id in out and "MRN0001" in out and "its last sync" in out



def test_checkout_asks_the_ca_passphrase_and_the_remote_clinicians_password(
        sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.infusiondesk.mobile.day import CA_PASSPHRASE, give_nina_a_signing_key

    db = tmp_path / "clinic.sqlite3"
    shutil.copyfile(sqlite_staffed_template, db)
    store = Store.open(str(db))
    store.patients.add(make_patient("MRN0001", "Smith", "Jane", no_known_allergies=True), sqlite_staff.nurse)
    give_nina_a_signing_key(store, sqlite_staff)
    store.close()

    code, out, err = _run(monkeypatch, capsys, "mobile", "checkout", "--db", str(db), "--user", "nina",
                          "--patient", "MRN0001", "--out", str(tmp_path / "keyless.db"))
    assert code == 0 and "carries NO signing key" in out, err
    code, out, err = _run(monkeypatch, capsys, "mobile", "checkout", "--db", str(db), "--user", "nina",
                          "--patient", "MRN0001", "--out", str(tmp_path / "nina.db"), "--also", "carl",
                          "--also", "noel", answers=(PASSWORD, CA_PASSPHRASE, PASSWORD, ""))
    assert code == 0, err
    assert "Signing keys for this laptop only: nina, carl;" in out
    laptop_id = re.search(r"laptop ([0-9a-f-]{36})", out).group(1)  # type: ignore[union-attr]
    code, out, err = _run(monkeypatch, capsys, "mobile", "revoke", "--db", str(db), "--user", "admin",
                          "--laptop", laptop_id, answers=(PASSWORD, CA_PASSPHRASE))
    assert code == 0 and "issued for this laptop are on the clinic CRL" in out, err
