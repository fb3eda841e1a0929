"""Shipped data files are found through importlib.resources (as the frozen build needs), wherever the package is."""

from __future__ import annotations

from pathlib import Path

from infusiondesk import passwords, pump_check
from infusiondesk.drugs import library
from infusiondesk.resources import bundled
from infusiondesk.store import engine
from infusiondesk.workflow import readiness, side_effects


def test_every_shipped_data_file_is_found_beside_its_package() -> None:
    for path in (passwords.COMMON_PASSWORDS_FILE, pump_check.PUMP_CHECK_FILE, readiness.READINESS_FILE,
                 side_effects.CATALOGUE_FILE, library.BUNDLED_DIR / "magnesium_sulfate.toml",
                 engine.MIGRATIONS / "env.py", engine.MIGRATIONS / "versions" / "0001_initial.py"):
        assert path.is_file(), path


def test_bundled_names_a_path_inside_the_package_folder() -> None:
    import infusiondesk.store

    assert bundled("infusiondesk.store", "migrations").parent == Path(infusiondesk.store.__file__).parent
