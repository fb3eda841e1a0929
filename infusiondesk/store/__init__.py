"""The records store: SQLite by default, PostgreSQL for several workstations; every change audited.

    store = Store.open(default_db_url())   # or a path, or "postgresql://user:pw@host/db"

The names below load on first use (PEP 562): a light submodule (`store.backup_files`, `store.errors`) can be
imported without SQLAlchemy, so `infusiondesk calc` and the command-line parser never pay for the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infusiondesk import lazy

if TYPE_CHECKING:
    from infusiondesk.auth import AuthError, PermissionDenied
    from infusiondesk.store.engine import ENV_VAR, default_db_url
    from infusiondesk.store.errors import ConflictError, DatabaseError, DatabaseMissing, RecordNotFound
    from infusiondesk.store.history import VisitSummary
    from infusiondesk.store.store import Store

__all__ = ["ENV_VAR", "AuthError", "ConflictError", "DatabaseError", "DatabaseMissing", "PermissionDenied",
           "RecordNotFound", "Store", "VisitSummary", "default_db_url"]

_WHERE = {
    "AuthError": "infusiondesk.auth",
    "PermissionDenied": "infusiondesk.auth",
    "ENV_VAR": "infusiondesk.store.engine",
    "default_db_url": "infusiondesk.store.engine",
    "ConflictError": "infusiondesk.store.errors",
    "DatabaseError": "infusiondesk.store.errors",
    "DatabaseMissing": "infusiondesk.store.errors",
    "RecordNotFound": "infusiondesk.store.errors",
    "VisitSummary": "infusiondesk.store.history",
    "Store": "infusiondesk.store.store",
}


__getattr__, __dir__ = lazy.exports(__name__, _WHERE, __all__)
