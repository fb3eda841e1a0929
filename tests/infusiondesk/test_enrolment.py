"""First run and staff signing keys as single operations: a clinic is set up whole or not at all, and staff
added before the clinic had a CA get their certificate from the same service the app uses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from infusiondesk import enrolment, pki
from infusiondesk.errors import DomainError
from infusiondesk.records.models import Clinic, Role
from infusiondesk.store import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN_PASSWORD = "front office lamp 42"
CA_PASSPHRASE = "clinic vault granite 7"
NURSE_PASSWORD = "nurse at the chair 9"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(str(tmp_path / "clinic.sqlite3"), clock=lambda: NOW)
    yield s
    s.close()


def _set_up(store: Store) -> enrolment.ClinicSetUp:
    return enrolment.set_up_clinic(store, Clinic("Riverside"), admin_username="ada", admin_full_name="Ada Admin",
                                   admin_password=ADMIN_PASSWORD, ca_passphrase=CA_PASSPHRASE, now=NOW)


def test_a_failure_at_the_ca_step_leaves_no_clinic_and_first_run_can_be_done_again(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(*args: Any, **kwargs: Any) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(pki, "seal_ca_key_for_recovery", disk_full)  # after the clinic, admin and CA rows
    with pytest.raises(OSError):
        _set_up(store)
    assert store.clinic.needs_setup()  # no clinic without a CA: the clinic, its admin and its CA are one transaction
    monkeypatch.undo()
    made = _set_up(store)
    assert not store.clinic.needs_setup() and made.admin.username == "ada"
    pki.load_clinic_ca(store).unlock(CA_PASSPHRASE)


def test_a_nurse_added_before_the_clinic_had_a_ca_gets_a_certificate_sealed_with_her_password(
        tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "old.sqlite3"), clock=lambda: NOW)
    try:
        admin = store.clinic.setup(Clinic("Riverside"), "ada", "Ada Admin", ADMIN_PASSWORD)  # an older first run
        nurse = store.users.create("nkim", "Noor Kim", Role.NURSE, NURSE_PASSWORD, "RN", by=admin)
        code = enrolment.add_clinic_ca(store, admin, ca_passphrase=CA_PASSPHRASE, now=NOW)
        assert len(code) >= 15
        p12 = enrolment.issue_credential(store, admin, nurse, NURSE_PASSWORD, ca_passphrase=CA_PASSPHRASE, now=NOW)
        assert pki.unlock_pkcs12(p12, NURSE_PASSWORD).signer_name == "Noor Kim"
        assert pki.load_clinician_pkcs12(store, store.users.sign_in("nkim", NURSE_PASSWORD)) == p12
        cert = pki.load_clinician_certificate(store, nurse.id)
        assert cert is not None and cert.issuer == pki.load_clinic_ca(store).certificate.subject
    finally:
        store.close()


def test_an_administrator_gets_no_signing_certificate(store: Store) -> None:
    made = _set_up(store)
    with pytest.raises(DomainError, match="only nurses and clinicians sign"):
        enrolment.issue_credential(store, made.admin_session, made.admin, ADMIN_PASSWORD,
                                   ca_passphrase=CA_PASSPHRASE, now=NOW)
