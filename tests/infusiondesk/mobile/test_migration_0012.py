"""Migration 0012: a clinic's policy row gets "at sync" remote approval, and the audit trail written before still
verifies (the new column is left out of the row's hash at that value, and only at that value)."""

from __future__ import annotations

from sqlalchemy import update

from infusiondesk.records.location import MobileCover
from infusiondesk.records.models import ClinicPolicy
from infusiondesk.records.remote_approval import RemoteApproval
from infusiondesk.store import Store, tables
from tests.infusiondesk.mobile.test_migration_0010 import _to
from tests.infusiondesk.store.conftest import Staff


def test_an_audited_policy_upgrades_to_at_sync_and_still_verifies(store: Store, staff: Staff) -> None:
    store.clinic.set_policy(ClinicPolicy(mobile_cover=MobileCover.PHONE_CHECK_IN), staff.admin)
    _to(store, "0011", downgrade=True)
    _to(store, "head", downgrade=False)

    assert store.clinic.policy() == ClinicPolicy(mobile_cover=MobileCover.PHONE_CHECK_IN,
                                                 mobile_remote_approval=RemoteApproval.AT_SYNC)
    report = store.audit.verify()
    assert report.ok, report.summary()


def test_allowed_is_in_the_hash_so_changing_it_outside_the_app_is_caught(store: Store, staff: Staff) -> None:
    store.clinic.set_policy(ClinicPolicy(mobile_remote_approval=RemoteApproval.ALLOWED), staff.admin)
    assert store.audit.verify().ok
    with store.engine.begin() as conn:
        conn.execute(update(tables.clinic_policy).values(mobile_remote_approval="at_sync"))
    report = store.audit.verify()
    assert not report.ok and any("clinic_policy #1 was changed outside the app" in p for p in report.problems)
