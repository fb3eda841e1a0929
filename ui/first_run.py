"""The first run's choice of where the clinic's records live: this computer account only (the default), or one
database shared by every account on a chair-side PC (infusiondesk.store.location)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from infusiondesk_ui.clock import Clock


def _file_of(store: Any) -> Path | None:
    url = store.engine.url
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def location_choice(store: Any) -> tuple[Path, Path] | None:
    """(this account's database, the machine's) when the first run may still choose: the app opened the
    default database of this account (no --db, no INFUSIONDESK_DB) and the machine has none yet."""
    from infusiondesk.store import ENV_VAR
    from infusiondesk.store.location import personal_db_path, shared_db_path

    personal, shared = personal_db_path(), shared_db_path()
    if os.environ.get(ENV_VAR, "").strip() or shared.exists() or _file_of(store) != personal:
        return None
    return personal, shared


def open_shared(store: Any, clock: Clock) -> Any:
    """The machine-wide database, created now (the store given when it already is that one)."""
    from infusiondesk.store import Store
    from infusiondesk.store.location import prepare_shared_folder, shared_db_path

    if _file_of(store) == shared_db_path():
        return store
    return Store.open(str(prepare_shared_folder()), clock=clock.now)
