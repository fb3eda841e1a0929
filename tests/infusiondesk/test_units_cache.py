"""pint's definitions cache lives in the user cache folder (the registry builds ~10x faster with it); a folder
that cannot be used means no cache, never a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from infusiondesk import units


def test_the_cache_is_in_the_configured_folder_per_pint_version(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFUSIONDESK_CACHE_DIR", str(tmp_path))
    folder = units._cache_folder()
    assert folder is not None and folder.parent == tmp_path and folder.name.startswith("pint-") and folder.is_dir()


def test_each_pint_installation_has_its_own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache holds the absolute paths of pint's definition files: another virtualenv's (or an older copy of
    the app's) cache failed to load here, and every start parsed the definitions from scratch."""
    monkeypatch.setenv("INFUSIONDESK_CACHE_DIR", str(tmp_path))
    here = units._cache_folder()
    monkeypatch.setattr(units.pint, "__file__", str(tmp_path / "another-venv" / "pint" / "__init__.py"))
    elsewhere = units._cache_folder()
    assert here is not None and elsewhere is not None and here != elsewhere
    assert here.name.startswith(f"pint-{units.pint.__version__}-")


def test_a_folder_that_cannot_be_made_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("INFUSIONDESK_CACHE_DIR", str(blocker))
    assert units._cache_folder() is None


def test_the_cached_registry_converts_as_pharmacy_units() -> None:
    assert units.Q(2, "gram").to("milligram").magnitude == 2000
    assert units.Q(1, "percent_wv").to("milligram / milliliter").magnitude == pytest.approx(10)


def test_threads_asking_for_the_registry_at_once_share_one() -> None:
    """The app loads the drug library in a background thread; another thread asking for units at the same moment
    must get the same registry, or their quantities cannot be combined ("different registries")."""
    import subprocess
    import sys

    code = ("import threading\nfrom infusiondesk import units\n"
            "start = threading.Barrier(4)\nfound = []\n"
            "def ask():\n    start.wait()\n    found.append(units.registry())\n"
            "threads = [threading.Thread(target=ask) for _ in range(4)]\n"
            "[t.start() for t in threads]\n[t.join() for t in threads]\n"
            "print(len(found), len({id(r) for r in found}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["4", "1"]


def test_a_damaged_cache_still_gives_the_registry_and_is_written_again(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    code = ("from infusiondesk import units\nprint(units.Q(2, 'gram').to('milligram').magnitude, "
            "units._cache_folder().name)")
    env = {**os.environ, "INFUSIONDESK_CACHE_DIR": str(tmp_path)}

    def start() -> list[str]:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    magnitude, name = start()  # writes the cache
    cached = sorted((tmp_path / name).iterdir())
    assert magnitude == "2000.0" and cached
    for f in cached:
        f.write_bytes(b"damaged")
    assert start() == ["2000.0", name]  # the same registry without the cache; the damaged cache is dropped
    assert not (tmp_path / name).exists() or not any((tmp_path / name).iterdir())
    assert start() == ["2000.0", name]
    assert sorted(p.name for p in (tmp_path / name).iterdir()) == [p.name for p in cached]  # written again
