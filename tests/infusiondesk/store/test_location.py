"""Where the database lives without --db: this account's data folder on a single-user install, the machine-wide
data folder on a shared chair-side PC once it holds the clinic (platformdirs, here pointed at temporary folders
through the XDG variables)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infusiondesk.store import DatabaseError, default_db_url
from infusiondesk.store.location import (
    first_run_choice_open,
    personal_db_path,
    prepare_shared_folder,
    shared_db_path,
)


@pytest.fixture
def folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("INFUSIONDESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_DATA_DIRS", f"{tmp_path / 'machine'}:/usr/share")
    return tmp_path


def test_a_single_user_install_keeps_its_database_in_the_users_folder(folders: Path) -> None:
    assert personal_db_path() == folders / "home" / "data" / "InfusionDesk" / "infusiondesk.sqlite3"
    assert shared_db_path() == folders / "machine" / "InfusionDesk" / "infusiondesk.sqlite3"
    assert first_run_choice_open()
    assert default_db_url() == f"sqlite:///{personal_db_path()}"
    personal_db_path().parent.mkdir(parents=True)
    personal_db_path().write_bytes(b"")
    assert not first_run_choice_open() and default_db_url() == f"sqlite:///{personal_db_path()}"


def test_once_the_machine_has_a_database_every_account_opens_it(folders: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = prepare_shared_folder()
    assert path == shared_db_path() and path.parent.is_dir()
    path.write_bytes(b"")
    assert default_db_url() == f"sqlite:///{path}"
    monkeypatch.setenv("XDG_DATA_HOME", str(folders / "another-nurse" / "data"))  # another account, same PC
    assert default_db_url() == f"sqlite:///{path}"
    monkeypatch.setenv("INFUSIONDESK_DB", str(folders / "elsewhere.sqlite3"))  # still overridden by the variable
    assert default_db_url() == f"sqlite:///{folders / 'elsewhere.sqlite3'}"


def test_a_shared_folder_this_account_cannot_create_is_one_sentence_for_it(folders: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (folders / "machine-file").write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_DIRS", str(folders / "machine-file"))
    with pytest.raises(DatabaseError, match=r"InfusionDesk cannot create the shared folder .* ask IT to create it "
                                            r"and let every clinic account on this computer write to it"):
        prepare_shared_folder()
