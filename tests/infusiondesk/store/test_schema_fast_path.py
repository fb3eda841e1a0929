"""Opening a database already at the shipped schema does not import alembic (~0.2 s of every start); the head is
read from the migration scripts' text and agrees with alembic's own reading; an older schema still upgrades."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from infusiondesk.store import Store
from infusiondesk.store.engine import MIGRATIONS, known_revisions, shipped_head


def _alembic_scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_the_shipped_head_read_without_alembic_is_alembics_head() -> None:
    scripts = _alembic_scripts()
    assert shipped_head() == scripts.get_current_head()
    assert known_revisions() == {s.revision for s in scripts.walk_revisions()}


def test_opening_a_current_database_does_not_import_alembic(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    Store.open(str(db)).close()
    code = ("import sys; from infusiondesk.store import Store; Store.open(sys.argv[1]).close(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    proc = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_a_database_at_an_older_schema_is_still_upgraded(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    store = Store.open(str(db))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:  # one migration back, as an older InfusionDesk left it
        config.attributes["connection"] = conn
        command.downgrade(config, "-1")
    store.close()
    previous = _alembic_scripts().get_revision(shipped_head()).down_revision
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(previous,)]
    Store.open(str(db)).close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(shipped_head(),)]
