"""Where the clinic's database lives when no --db or INFUSIONDESK_DB names it.

A single-user install keeps it in the user's data folder (platformdirs user_data_dir). A shared chair-side PC,
where each nurse signs in to the computer with their own account, keeps ONE database in the machine-wide data
folder (platformdirs site_data_dir) so every account finds the same clinic. The choice is made at first run;
afterwards the machine-wide database, once it exists, is the one every account opens.
"""

from __future__ import annotations

import os
from pathlib import Path

from infusiondesk.store.errors import DatabaseError

APP = "InfusionDesk"
FILE_NAME = "infusiondesk.sqlite3"


def personal_db_path() -> Path:
    """This account's own database (`~/.local/share/InfusionDesk/infusiondesk.sqlite3` on Linux)."""
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False) / FILE_NAME


def shared_db_path() -> Path:
    """The machine's database for every account (`/usr/local/share/InfusionDesk/…` on Linux,
    `C:\\ProgramData\\InfusionDesk\\…` on Windows, `/Library/Application Support/InfusionDesk/…` on macOS)."""
    from platformdirs import site_data_path

    return site_data_path(APP, appauthor=False) / FILE_NAME


def default_db_path() -> Path:
    """The machine-wide database if this computer has one, else this account's."""
    shared = shared_db_path()
    return shared if shared.exists() else personal_db_path()


def first_run_choice_open() -> bool:
    """True when neither database exists yet: the first run may still put the clinic on the machine."""
    return not shared_db_path().exists() and not personal_db_path().exists()


def prepare_shared_folder() -> Path:
    """Create the machine-wide folder if this account may, and check every clinic account can use it; the
    database path, or a DatabaseError saying what IT must do."""
    path = shared_db_path()
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"InfusionDesk cannot create the shared folder {folder} ({exc.strerror or exc}); ask IT "
                            "to create it and let every clinic account on this computer write to it, then start "
                            "again.") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseError(f"The shared folder {folder} cannot be written by this account; ask IT to let every "
                            "clinic account on this computer write to it, then start again.")
    return path
