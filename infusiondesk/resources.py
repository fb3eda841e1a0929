"""Where the files shipped inside the packages are (drug library, rules, migrations, fonts, word lists).

Found through importlib.resources rather than `__file__`, so they are found wherever the packages were put: a
source checkout, a wheel install, or the frozen desktop build (PyInstaller's reader answers for its bundle).
Every way InfusionDesk is installed keeps package data as real files, and alembic and reportlab want paths, so
a path is returned.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def bundled(package: str, *parts: str) -> Path:
    """The file or folder `parts` inside `package` (e.g. bundled("infusiondesk.store", "migrations"))."""
    return Path(str(files(package).joinpath(*parts)))
