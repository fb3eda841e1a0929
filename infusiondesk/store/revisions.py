"""The schema revisions this version of the app ships, read from the migration scripts' text.

Kept apart from `store.engine` (SQLAlchemy) so the sign-in screen's look at the database (`store.peek`, plain
`sqlite3`) can tell a current schema from one that needs an upgrade without importing SQLAlchemy or alembic.
"""

from __future__ import annotations

import re
from functools import lru_cache

from infusiondesk.resources import bundled

MIGRATIONS = bundled("infusiondesk.store", "migrations")

_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:["']([^"']+)["']|None)""", re.MULTILINE)


@lru_cache(maxsize=1)
def _shipped_graph() -> dict[str, str | None]:
    """{revision: the revision it follows} of the migration scripts shipped, read from their text (the same
    module-level assignments alembic reads), so the schema can be checked without importing alembic."""
    graph: dict[str, str | None] = {}
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = dict((m.group(1), m.group(2)) for m in _REVISION.finditer(script.read_text(encoding="utf-8")))
        if "revision" in found and found["revision"] is not None:
            graph[found["revision"]] = found.get("down_revision")
    return graph


def known_revisions() -> set[str]:
    """The schema revisions this version of the app ships (and so can read)."""
    return set(_shipped_graph())


def shipped_head() -> str:
    """The newest schema revision shipped (the one no other migration follows)."""
    graph = _shipped_graph()
    heads = set(graph) - {down for down in graph.values() if down is not None}
    if len(heads) != 1:
        raise RuntimeError(f"the shipped migrations must have one head, not {sorted(heads)}")
    return heads.pop()
