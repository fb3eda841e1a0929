"""The store's fixtures (a staffed clinic on SQLite and on PostgreSQL), for the mobile tests too."""

from __future__ import annotations

from tests.infusiondesk.store.conftest import *  # noqa: F403  (the store fixtures, for this folder too)
from tests.infusiondesk.store.conftest import _postgres_template, _sqlite_template  # noqa: F401  (private names)
