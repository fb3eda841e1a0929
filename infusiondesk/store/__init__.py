"""The records store: SQLite by default, PostgreSQL for several workstations; every change audited.

    store = Store.open(default_db_url())   # or a path, or "postgresql://user:pw@host/db"
"""

from infusiondesk.auth import AuthError, PermissionDenied
from infusiondesk.store.engine import ENV_VAR, default_db_url
from infusiondesk.store.errors import ConflictError, DatabaseError, DatabaseMissing, RecordNotFound
from infusiondesk.store.history import VisitSummary
from infusiondesk.store.store import Store

__all__ = ["ENV_VAR", "AuthError", "ConflictError", "DatabaseError", "DatabaseMissing", "PermissionDenied",
           "RecordNotFound", "Store", "VisitSummary", "default_db_url"]
