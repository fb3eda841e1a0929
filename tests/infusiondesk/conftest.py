"""Shared test helpers for the core."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infusiondesk.drugs.library import BUNDLED_DIR

BUNDLED_LIBRARY = BUNDLED_DIR / "magnesium_sulfate.toml"
LibraryVariant = Callable[[str, str], Path]


@pytest.fixture
def library_variant(tmp_path: Path) -> LibraryVariant:
    """A clinic's copy of the bundled drug library with one piece of text replaced (it must be there)."""

    def make(old: str, new: str) -> Path:
        text = BUNDLED_LIBRARY.read_text(encoding="utf-8")
        assert old in text, old
        path = tmp_path / "clinic.toml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return make
