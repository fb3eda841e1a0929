"""The Store: the clinic's records in one database, each change one transaction with its audit entry.

The store owns the engine, the clock and the transactions (`batch`, and the private `_write`/`_read` every part
uses); its parts, after Anki's `Collection` (`col.decks`, `col.models`), each hold one concern:

    store.clinic     the clinic profile, first-run setup, the clinic policy      (store/clinic.py)
    store.users      accounts, lockout, sign-in sessions, passwords              (store/users.py)
    store.patients   patients                                                    (store/patients.py)
    store.visits     visits, chart summaries, worklists, the visit transaction   (store/visits.py)
    store.drafts     autosaved drafts                                            (store/drafts.py)
    store.notes      signed PDF notes                                            (store/notes.py)
    store.keys       keys, certificates, revocation                              (store/keys.py)
    store.audit      the audit trail: append, entries, checkpoints, verify       (store/audit/log.py)
    store.follow_ups outcome follow-ups: intervals, due, recorded, outcomes      (store/followups.py)
    store.billing    the price list, payments, receipts                          (store/billing.py)
    store.mobile     laptops: sync conflicts and their resolution, revoked, out  (store/mobile.py)

Callers hand in and get back the frozen values of `infusiondesk.records`; no database object leaves the store.
Rules about what a visit may become live in `infusiondesk.workflow`; the store only refuses what would corrupt
the record (a stale save, an edit to a signed visit, a role acting out of its remit).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import ArgumentError

from infusiondesk.store import tables
from infusiondesk.store.audit import chain
from infusiondesk.store.audit.log import AuditLog
from infusiondesk.store.clinic import ClinicProfile
from infusiondesk.store.drafts import Drafts
from infusiondesk.store.engine import WRITE, check_schema, make_engine, migrate, to_url
from infusiondesk.store.errors import DatabaseError
from infusiondesk.store.keys import Keys
from infusiondesk.store.notes import Notes
from infusiondesk.store.patients import Patients
from infusiondesk.store.users import Users
from infusiondesk.store.visits import Visits

if TYPE_CHECKING:
    from infusiondesk.store.billing import Billing
    from infusiondesk.store.followups import FollowUps
    from infusiondesk.store.mobile import Mobile


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """One database (SQLite file or PostgreSQL). Open with `Store.open(url_or_path)`."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utcnow) -> None:
        self.engine = engine
        self._now = clock
        self._batch: Connection | None = None
        self.clinic = ClinicProfile(self)
        self.users = Users(self)
        self.patients = Patients(self)
        self.visits = Visits(self)
        self.drafts = Drafts(self)
        self.notes = Notes(self)
        self.keys = Keys(self)
        self.audit = AuditLog(self)

    # Parts whose rules import the units, the workflow or the billing codes are made at first use, so opening a
    # store (at sign-in) loads none of them (tests/ui/test_start_up_imports.py).
    @functools.cached_property
    def follow_ups(self) -> FollowUps:
        from infusiondesk.store.followups import FollowUps

        return FollowUps(self)

    @functools.cached_property
    def billing(self) -> Billing:
        from infusiondesk.store.billing import Billing

        return Billing(self)

    @functools.cached_property
    def mobile(self) -> Mobile:
        from infusiondesk.store.mobile import Mobile

        return Mobile(self)

    @classmethod
    def open(cls, url_or_path: str, *, clock: Callable[[], datetime] = _utcnow, migrate: bool = True,
             create: bool = True) -> Store:
        """Connect, creating the database (unless create=False: commands that only read never create one) and
        migrating it to the newest schema when needed. A database that cannot be used raises DatabaseError."""
        try:
            engine = make_engine(to_url(url_or_path), create=create)
        except ArgumentError:
            raise DatabaseError("The database given is neither a file path nor a postgresql:// URL; check --db "
                                "(or INFUSIONDESK_DB).") from None
        try:
            check_schema(engine, create=create)
            if migrate:
                _migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    # -- transactions ------------------------------------------------------------------------------------

    def with_clock(self, clock: Callable[[], datetime]) -> Store:
        """The same database seen with another clock (the demo dates its records in the past)."""
        return Store(self.engine, clock)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Run many store calls as ONE transaction (bulk imports, the demo): all or nothing, one commit.
        For a single thread; every call inside is audited exactly as on its own."""
        if self._batch is not None:
            raise RuntimeError("batches do not nest")
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(select(tables.audit_head.c.id).where(tables.audit_head.c.id == 1).with_for_update())
            self._batch = conn
            try:
                with chain.batched_head(conn):
                    yield
            finally:
                self._batch = None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction. The audit head is locked first, so writers queue in a fixed order."""
        if self._batch is not None:
            yield self._batch
            return
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(select(tables.audit_head.c.id).where(tables.audit_head.c.id == 1).with_for_update())
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        if self._batch is not None:
            yield self._batch
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn


def _migrate(engine: Engine) -> None:
    migrate(engine)
