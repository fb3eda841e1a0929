"""The cache of checked libraries: used only for the exact bytes and checking code it was written for, and only as
written; anything else is checked in full (drugs/checked_cache.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infusiondesk.drugs import checked_cache
from infusiondesk.drugs.library import BUNDLED_DIR, _load_cached, load_drug, parse_library
from infusiondesk.errors import LibraryError

BUNDLED = BUNDLED_DIR / "magnesium_sulfate.toml"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv("INFUSIONDESK_CACHE_DIR", str(folder))
    monkeypatch.delenv(checked_cache.SWITCH, raising=False)
    _load_cached.cache_clear()
    yield folder / "drug-library"
    _load_cached.cache_clear()


def _copy(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "library.toml"
    path.write_text(text if text is not None else BUNDLED.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.exists() else []


def test_a_checked_library_read_back_is_the_same_drug_with_this_path_and_provenance(tmp_path: Path,
                                                                                   cache_dir: Path) -> None:
    path = _copy(tmp_path).resolve()
    raw = path.read_bytes()
    checked = parse_library(path, "clinic library")
    checked_cache.save(raw, checked)
    assert len(_entries(cache_dir)) == 1
    assert oct((cache_dir / "key").stat().st_mode & 0o777) == "0o600"
    cached = checked_cache.load(raw, path, "clinic library")
    assert cached == checked and cached is not checked
    assert cached.limits == checked.limits and cached.products == checked.products  # quantities equal, unit too
    assert str(cached.limits[0].value.units) == str(checked.limits[0].value.units)
    assert cached.monitoring == checked.monitoring and cached.screening == checked.screening
    assert cached.path == path and cached.provenance == "clinic library"


def test_load_drug_writes_the_entry_then_reads_it(tmp_path: Path, cache_dir: Path) -> None:
    path = _copy(tmp_path)
    first = load_drug(path)
    assert len(_entries(cache_dir)) == 1
    _load_cached.cache_clear()
    assert load_drug(path) == first


def test_a_library_changed_by_one_byte_is_checked_again_and_refused(tmp_path: Path, cache_dir: Path) -> None:
    """The cache holds the checked 200 mg/mL hard maximum; the file now says 2000 mg/mL, which the checks refuse
    (or at least never take from the cache)."""
    path = _copy(tmp_path)
    load_drug(path)
    good = path.read_bytes()
    bad = good.replace(b'"200 mg/mL"', b'"200 mg/m"', 1)
    assert bad != good
    assert checked_cache.load(bad, path.resolve(), "given path") is None
    path.write_bytes(bad)
    os.utime(path, ns=(1, 1))  # a new mtime, so the in-process memo is not what answers
    with pytest.raises(LibraryError):
        load_drug(path)
    assert len(_entries(cache_dir)) == 1  # the refused file left no entry


def test_an_entry_edited_by_hand_is_refused_and_the_file_checked(tmp_path: Path, cache_dir: Path) -> None:
    path = _copy(tmp_path)
    checked = load_drug(path)
    (entry,) = _entries(cache_dir)
    data = entry.read_bytes()
    assert b"200.0" in data
    entry.write_bytes(data.replace(b"200.0", b"400.0", 1))  # a hard maximum doubled, MAC left as it was
    assert checked_cache.load(path.read_bytes(), path.resolve(), "given path") is None
    _load_cached.cache_clear()
    assert load_drug(path) == checked  # checked again, and the entry written again
    assert checked_cache.load(path.read_bytes(), path.resolve(), "given path") == checked


@pytest.mark.parametrize("damage", [b"", b"not json", b"0" * 64 + b"\n{}"])
def test_a_damaged_entry_is_no_entry(tmp_path: Path, cache_dir: Path, damage: bytes) -> None:
    path = _copy(tmp_path)
    load_drug(path)
    (entry,) = _entries(cache_dir)
    entry.write_bytes(damage)
    assert checked_cache.load(path.read_bytes(), path.resolve(), "given path") is None


def test_an_entry_with_a_valid_mac_for_other_checking_code_is_not_used(tmp_path: Path, cache_dir: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Written by other rules (another fingerprint) under the same name: its own record says so, and it is
    refused even though its MAC is valid."""
    path = _copy(tmp_path)
    raw = path.read_bytes()
    checked_cache.save(raw, parse_library(path.resolve()))
    now = checked_cache.code_fingerprint()
    assert now is not None
    monkeypatch.setattr(checked_cache, "code_fingerprint", lambda: "older rules")
    checked_cache.save(raw, parse_library(path.resolve()))
    (old,) = [e for e in _entries(cache_dir) if e != checked_cache._entry_path(checked_cache.hashlib.sha256(
        raw).hexdigest(), now)]
    new = checked_cache._entry_path(checked_cache.hashlib.sha256(raw).hexdigest(), now)
    new.write_bytes(old.read_bytes())
    monkeypatch.undo()
    monkeypatch.setenv("INFUSIONDESK_CACHE_DIR", str(cache_dir.parent))
    assert checked_cache.load(raw, path.resolve(), "given path") is None


def test_the_fingerprint_changes_with_the_checking_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = checked_cache.code_fingerprint()
    assert before is not None and before == checked_cache.code_fingerprint()
    fake = tmp_path / "pkg"
    for name in checked_cache.CHECKING_CODE:
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        (fake / name).write_bytes((ROOT / "infusiondesk" / name).read_bytes())
    monkeypatch.setattr(checked_cache, "__file__", str(fake / "drugs" / "checked_cache.py"))
    assert checked_cache.code_fingerprint() == before
    (fake / "drugs" / "checks.py").write_bytes((fake / "drugs" / "checks.py").read_bytes() + b"\n# a rule\n")
    assert checked_cache.code_fingerprint() not in (None, before)
    (fake / "units.py").unlink()
    assert checked_cache.code_fingerprint() is None  # code that cannot be read: no cache


def test_another_installations_key_refuses_the_entry(tmp_path: Path, cache_dir: Path) -> None:
    path = _copy(tmp_path)
    load_drug(path)
    (cache_dir / "key").write_bytes(os.urandom(32))
    assert checked_cache.load(path.read_bytes(), path.resolve(), "given path") is None


def test_the_cache_can_be_turned_off(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(checked_cache.SWITCH, "0")
    load_drug(_copy(tmp_path))
    assert _entries(cache_dir) == []


def test_calc_with_a_checked_library_cached_imports_no_pydantic(tmp_path: Path) -> None:
    """The point of the cache: `calc`'s second run skips pydantic and the checks (and gives the same answer)."""
    code = ("import json, runpy, sys, contextlib, io\n"
            "sys.argv = ['infusiondesk', 'calc', '--dose', '2 g', '--concentration', '2 g/50 mL', '--duration', "
            "'30 min']\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
            "    runpy.run_module('infusiondesk_ui', run_name='__main__')\n"
            "print(json.dumps({'out': out.getvalue(), 'pydantic': 'pydantic' in sys.modules}))")
    env = {**os.environ, "INFUSIONDESK_CACHE_DIR": str(tmp_path / "cache"), "INFUSIONDESK_LOG_DIR": str(tmp_path)}
    env.pop("INFUSIONDESK_DRUG_LIBRARY", None)
    runs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout.splitlines()[-1]))
    assert [r["pydantic"] for r in runs] == [True, False]
    assert runs[0]["out"] == runs[1]["out"] and "rate            100 mL/h" in runs[1]["out"]


def test_a_frozen_app_keys_entries_by_its_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new build writes a new executable: its entries are other entries."""
    exe = tmp_path / "InfusionDesk"
    exe.write_bytes(b"build 1")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    first = checked_cache.code_fingerprint()
    assert first is not None and first == checked_cache.code_fingerprint()
    exe.unlink()
    assert checked_cache.code_fingerprint() is None  # no executable to vouch for the code: no cache
    exe.write_bytes(b"build 2")
    os.utime(exe, ns=(10**18, 10**18))
    assert checked_cache.code_fingerprint() not in (None, first)
