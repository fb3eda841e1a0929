"""Import tests run on a copy of the store tests' SQLite clinic (admin, nurses and clinician signed in). The
import writes only through the store's public calls, which the store tests already run on PostgreSQL too."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from infusiondesk.store import Store
from tests.infusiondesk.store import conftest as store_fixtures
from tests.infusiondesk.store.conftest import Clock, Staff

# The store tests' session fixtures, registered here by being module attributes of this conftest.
_sqlite_template = store_fixtures._sqlite_template
sqlite_staff = store_fixtures.sqlite_staff
sqlite_staffed_template = store_fixtures.sqlite_staffed_template


@pytest.fixture
def db_path(tmp_path: Path, sqlite_staffed_template: Path) -> Path:
    path = tmp_path / "clinic.sqlite3"
    shutil.copyfile(sqlite_staffed_template, path)
    return path


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store.open(str(db_path), clock=Clock())
    yield s
    s.close()


@pytest.fixture
def staff(store: Store, sqlite_staff: Staff) -> Staff:
    return sqlite_staff
