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
