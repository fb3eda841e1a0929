"""The laptop's database: SQLite encrypted with SQLCipher, whose random key is sealed with the nurse's password.

The key is 32 random bytes (hex), never typed by anyone; it is kept in a side file next to the database
(`LAPTOP.db.key`), sealed with `keyseal` (PBKDF2-HMAC-SHA256, 600,000 rounds, AES-256-GCM). So the laptop's file
alone opens with nothing, the side file alone gives nothing without her password, and a lost laptop's records
are as safe as her password is strong (the password policy asks for 15+ characters).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from infusiondesk import keyseal
from infusiondesk.mobile import MobileError

if TYPE_CHECKING:
    from infusiondesk.store.store import Store

KEY_SUFFIX = ".key"


def key_file(path: Path) -> Path:
    return path.with_name(path.name + KEY_SUFFIX)


def laptop_url(path: Path, key: str) -> str:
    """The SQLAlchemy URL of the encrypted file (SQLCipher through the sqlcipher3 module). The key is given raw
    (`x'…'`, 256 random bits): SQLCipher's own passphrase stretching would only slow every connection, since the
    key is already random and the stretching that matters happens once, on the nurse's password (keyseal)."""
    from sqlalchemy.engine import URL

    url = URL.create("sqlite+pysqlcipher", username="", password=f"x'{key}'", database=str(path.resolve()))
    return url.render_as_string(hide_password=False)


def _check_driver() -> None:
    try:
        import sqlcipher3  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        raise MobileError("The laptop database needs SQLCipher, which is not installed here; install InfusionDesk "
                          "with its dependencies (the sqlcipher3-binary package).") from None


def new_key(path: Path, password: str) -> str:
    """A fresh random database key, sealed with `password` into the side file (refused if a database or key file
    is already there: a checkout never overwrites a laptop's unsynced work)."""
    _check_driver()
    for existing in (path, key_file(path)):
        if existing.exists():
            raise MobileError(f"{existing} already exists; sync and remove the old laptop database first, or "
                              "choose another file.")
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    key_file(path).write_bytes(keyseal.seal(key.encode("ascii"), password))
    return key


def unlock(path: Path, password: str) -> str:
    """The database key, from the side file and the nurse's password; one sentence when either is wrong."""
    _check_driver()
    if not path.exists():
        raise MobileError(f"No laptop database at {path}; check --laptop.")
    try:
        sealed = key_file(path).read_bytes()
    except OSError:
        raise MobileError(f"The key file {key_file(path)} of the laptop database is missing; without it the "
                          "database cannot be opened (it is encrypted).") from None
    try:
        return keyseal.unseal(sealed, password).decode("ascii")
    except keyseal.WrongPassphrase:
        raise MobileError("That password does not open this laptop database (it opens only with the password of "
                          "the nurse who checked it out, as it was at checkout).") from None


def open_laptop(path: Path, password: str, *, clock: Callable[[], datetime] | None = None) -> Store:
    """The laptop's Store, unlocked with the nurse's password."""
    from infusiondesk.store import Store

    key = unlock(path, password)
    if clock is None:
        return Store.open(laptop_url(path, key), create=False)
    return Store.open(laptop_url(path, key), create=False, clock=clock)
