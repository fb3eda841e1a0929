"""Migration 0010 on a clinic with records: every travelling row gets its own UUID4, and the audit trail written
before still verifies (a row's uid is not in its audit content hash)."""

from __future__ import annotations

import re

from alembic import command
from alembic.config import Config
from sqlalchemy import func, select

from infusiondesk.store import Store, tables
from infusiondesk.store.engine import MIGRATIONS, WRITE
from tests.infusiondesk.store.conftest import Staff, make_patient

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _to(store: Store, revision: str, downgrade: bool) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        config.attributes["connection"] = conn
        (command.downgrade if downgrade else command.upgrade)(config, revision)


def test_existing_records_get_unique_uids_and_their_trail_still_verifies(store: Store, staff: Staff) -> None:
    for n in range(3):
        patient = store.patients.add(make_patient(f"MRN000{n}", "Smith", f"Jo{n}"), staff.nurse)
        store.visits.create(patient.id, by=staff.nurse)  # type: ignore[arg-type]
    _to(store, "0007", downgrade=True)
    _to(store, "head", downgrade=False)

    with store.engine.connect() as conn:
        for table in (tables.users, tables.patients, tables.visits, tables.audit_log):
            uids = list(conn.execute(select(table.c.uid)).scalars())
            assert uids and all(UUID4.match(u) for u in uids), table.name
            assert len(set(uids)) == len(uids) == conn.execute(select(func.count()).select_from(table)).scalar_one()
    report = store.audit.verify()
    assert report.ok, report.summary()
