"""A lost laptop: its file opens with nothing but the nurse's password and shows no patient in clear; an admin
revokes it (its syncs refused, the laptop's own certificates on the CRL and not her regular one, its unsynced
patients listed). And a synced laptop's audit entries cannot be edited in the clinic unnoticed."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import select, update

from infusiondesk import pki
from infusiondesk.auth import PermissionDenied
from infusiondesk.mobile import MobileError, day, laptop
from infusiondesk.store import Store, laptop_keys, tables
from infusiondesk.store.audit import chain
from tests.infusiondesk.mobile.day import CA_PASSPHRASE, chart_on_laptop, check_out, give_nina_a_signing_key
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff


@pytest.fixture
def clinic(sqlite_staffed_template: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "clinic.sqlite3"
    shutil.copyfile(sqlite_staffed_template, path)
    store = Store.open(str(path), clock=Clock())
    yield store
    store.close()


def test_the_laptop_file_opens_only_with_her_password_and_shows_no_patient(
        clinic: Store, sqlite_staff: Staff, tmp_path: Path) -> None:
    d = check_out(clinic, sqlite_staff, tmp_path)
    chart_on_laptop(d, d.jane)
    files = [p for p in d.laptop_path.parent.iterdir() if p.name.startswith("nina.db")]
    raw = b"".join(p.read_bytes() for p in files)
    for clear in (b"Smith", b"Haddad", b"MRN0001", b"SMITH", b"Jane"):
        assert clear not in raw
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(d.laptop_path).execute("SELECT * FROM patients").fetchall()
    with pytest.raises(MobileError, match="does not open this laptop database"):
        laptop.open_laptop(d.laptop_path, "another fifteen char password")
    d.laptop_path.with_name("nina.db.key").unlink()
    with pytest.raises(MobileError, match="key file"):
        laptop.open_laptop(d.laptop_path, PASSWORD)


def test_a_revoked_laptop_is_refused_and_its_patients_listed(clinic: Store, sqlite_staff: Staff,
                                                             tmp_path: Path) -> None:
    ca = give_nina_a_signing_key(clinic, sqlite_staff)
    regular = pki.load_clinician_certificate(clinic, sqlite_staff.nurse.user_id)
    d = check_out(clinic, sqlite_staff, tmp_path, ca_passphrase=CA_PASSPHRASE, also_passwords={"carl": PASSWORD})
    chart_on_laptop(d, d.jane)
    laptop_serials = {pki.certificate_info(c).serial for c in _laptop_certificates(clinic, d.laptop_id)}
    assert len(laptop_serials) == 2  # Nina's and Carl's keys for this laptop

    revoked, on_crl = day.revoke(clinic, sqlite_staff.admin, d.laptop_id, CA_PASSPHRASE)

    assert on_crl and revoked.patients == ["MRN0001", "MRN0002"] and revoked.last_sync_at is None
    crl = pki.load_crl(clinic)
    assert crl is not None and regular is not None
    # Exactly the laptop's certificates are on the CRL; Nina's regular one is not, and still signs in the clinic:
    assert {serial for serial, _when in pki.revoked_serials(crl, ca)} == laptop_serials
    assert pki.load_clinician_certificate(clinic, sqlite_staff.nurse.user_id) == regular
    assert pki.unlock_pkcs12(pki.load_clinician_pkcs12(clinic, sqlite_staff.nurse), PASSWORD).certificate == regular
    assert _laptop_certificates(clinic, d.laptop_id) == []  # marked revoked in the clinic too
    with pytest.raises(PermissionDenied, match="revoked"):
        day.sync(clinic, sqlite_staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
    assert [m.patients for m in clinic.mobile.missing(by=sqlite_staff.admin)] == [["MRN0001", "MRN0002"]]
    with pytest.raises(PermissionDenied):
        clinic.mobile.revoke_laptop(d.laptop_id, by=sqlite_staff.nurse)  # an admin's call
    assert clinic.audit.verify().ok


def _laptop_certificates(clinic: Store, laptop_id: str) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(pem) for _owner, pem in laptop_keys.certificates(clinic, laptop_id)]


def _reseal_from(store: Store, entry_id: int) -> None:
    """What a forger with the app's code would do: recompute the clinic chain from an edited entry on."""
    with store.engine.begin() as conn:
        rows = conn.execute(select(tables.audit_log).where(tables.audit_log.c.id >= entry_id)
                            .order_by(tables.audit_log.c.id)).mappings().all()
        prev = conn.execute(select(tables.audit_log.c.entry_hash).where(tables.audit_log.c.id == entry_id - 1)
                            ).scalar_one()
        for r in rows:
            entry = {**r, "prev_hash": prev}
            prev = chain._entry_hash(entry)
            conn.execute(update(tables.audit_log).where(tables.audit_log.c.id == r["id"])
                         .values(prev_hash=entry["prev_hash"], entry_hash=prev))
        conn.execute(update(tables.audit_head).values(last_hash=prev))


def test_an_edited_laptop_entry_is_caught_even_in_a_resealed_chain(clinic: Store, sqlite_staff: Staff,
                                                                   tmp_path: Path) -> None:
    ca = give_nina_a_signing_key(clinic, sqlite_staff)
    d = check_out(clinic, sqlite_staff, tmp_path)
    chart_on_laptop(d, d.jane)
    report = day.sync(clinic, sqlite_staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
    assert report.checkpoint and report.audit_entries > 10
    good = clinic.audit.verify(trust=[ca.certificate])
    assert good.ok and good.last_checkpoint is not None and good.last_checkpoint.signer == "Nina Nurse", good.summary()

    a = tables.audit_log.c
    with clinic.engine.begin() as conn:
        # Nina started the infusion at the home visit; a forger makes it look like Noel did.
        target = conn.execute(select(a.id, a.detail).where(a.event == "mobile_entry",
                                                           a.detail.contains('"username":"nina"'))
                              .order_by(a.id.desc()).limit(1)).one()
        forged = target.detail.replace('"username":"nina"', '"username":"noel"')
        assert forged != target.detail
        conn.execute(update(tables.audit_log).where(a.id == target.id).values(detail=forged))
    _reseal_from(clinic, target.id)

    found = clinic.audit.verify(trust=[ca.certificate])
    assert not found.ok, found.summary()
    # The carried entry no longer hashes as it did on the laptop (caught without any key) ...
    assert any(f"entry {target.id} carries laptop" in p and "edited" in p for p in found.problems), found.summary()
    # ... and the clinic chain no longer ends where Nina's checkpoint signed it.
    assert any("recomputed" in p and "Nina Nurse" in p for p in found.problems), found.summary()
