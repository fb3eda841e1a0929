"""Per-laptop signing keys: issued at checkout with the clinic CA passphrase, bound to the laptop, sealed with
each signer's own password; a note Carl signs remotely on the laptop validates against the clinic CA (pyHanko and
poppler's pdfsig); revoking the laptop revokes exactly its keys. Without the passphrase the laptop carries none."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from infusiondesk import pki
from infusiondesk.mobile import MobileError, credentials, day, laptop
from infusiondesk.records.models import VisitStatus
from infusiondesk.store import Store, laptop_keys, tables
from infusiondesk_reports.note_commands import sign_note
from infusiondesk_reports.signing import verify_pdf
from tests.clinic_day import chart_visit
from tests.infusiondesk.mobile.day import (
    CA_PASSPHRASE,
    HOME_VISIT,
    MobileDay,
    check_out,
    give_nina_a_signing_key,
)
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff


@pytest.fixture
def clinic(sqlite_staffed_template: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "clinic.sqlite3"
    shutil.copyfile(sqlite_staffed_template, path)
    store = Store.open(str(path), clock=Clock())
    yield store
    store.close()


def _pki_rows(store: Store) -> list[tuple[str, int | None, bytes]]:
    with store.engine.connect() as conn:
        return [(r.kind, r.owner_user_id, bytes(r.data)) for r in conn.execute(select(tables.pki_objects))]


def _sign_remotely(d: MobileDay, path: Path) -> tuple[bytes, dict[str, pki.SignerCredentials]]:
    """On the laptop, Nina charts Jane's visit with Noel, Carl approves remotely and signs the note with his
    laptop key (the app's signing code, unchanged: the laptop key is his credential there)."""
    lap = laptop.open_laptop(path, PASSWORD, clock=Clock())
    try:
        nina, noel, carl = (lap.users.sign_in(name, PASSWORD) for name in ("nina", "noel", "carl"))
        creds = {s.user.username: pki.unlock_pkcs12(pki.load_clinician_pkcs12(lap, s), PASSWORD) for s in (nina, carl)}
        drug = day.laptop_drug(lap)
        by_id = {nina.user_id: creds["nina"], carl.user_id: creds["carl"]}
        visit = chart_visit(lap, drug, d.jane, nina, noel, carl, HOME_VISIT, until=VisitStatus.SIGNED,
                            sign_note=lambda v: sign_note(lap, v, drug, by_id, by=carl), seal=creds["carl"])
        assert visit.id is not None
        note = lap.notes.get(visit.id, by=carl)
        assert note is not None
        return bytes(note), creds
    finally:
        lap.close()


def test_a_note_signed_on_the_laptop_validates_and_revoking_the_laptop_revokes_only_its_keys(
        clinic: Store, sqlite_staff: Staff, tmp_path: Path) -> None:
    ca = give_nina_a_signing_key(clinic, sqlite_staff)
    regular = pki.load_clinician_certificate(clinic, sqlite_staff.nurse.user_id)
    assert regular is not None
    d = check_out(clinic, sqlite_staff, tmp_path, ca_passphrase=CA_PASSPHRASE, also_passwords={"carl": PASSWORD})

    note, creds = _sign_remotely(d, d.laptop_path)

    for who in ("nina", "carl"):  # bound to this laptop, and not her regular certificate
        cert = creds[who].certificate
        assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == \
            f"Laptop {d.laptop_id}"
        assert cert.serial_number != regular.serial_number
    report = verify_pdf(note, [ca.certificate_pem])
    assert report.valid and report.intact and report.trusted, report.problems
    assert [s.signer for s in report.signatures] == ["Nina Nurse", "Carl Clinician"]
    nss = tmp_path / "nss"
    nss.mkdir()
    (tmp_path / "ca.pem").write_bytes(ca.certificate_pem)
    (tmp_path / "note.pdf").write_bytes(note)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "clinic-ca", "-t", "CT,C,C", "-i",
                    str(tmp_path / "ca.pem")], check=True, capture_output=True)
    out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(tmp_path / "note.pdf")], capture_output=True,
                         text=True).stdout
    assert out.count("Signature is Valid") == 2 and out.count("Certificate is Trusted") == 2, out

    day.revoke(clinic, sqlite_staff.admin, d.laptop_id, CA_PASSPHRASE)

    crl = pki.load_crl(clinic)
    assert crl is not None
    on_crl = {serial for serial, _when in pki.revoked_serials(crl, ca)}
    assert on_crl == {creds["nina"].certificate.serial_number, creds["carl"].certificate.serial_number}
    assert regular.serial_number not in on_crl
    after = verify_pdf(note, [ca.certificate_pem], [crl])
    assert not after.trusted and any(s.revoked for s in after.signatures)
    assert clinic.audit.verify().ok


def test_no_regular_key_leaves_the_clinic_and_without_the_passphrase_the_laptop_carries_none(
        clinic: Store, sqlite_staff: Staff, tmp_path: Path) -> None:
    give_nina_a_signing_key(clinic, sqlite_staff)
    d = check_out(clinic, sqlite_staff, tmp_path)
    lap = laptop.open_laptop(d.laptop_path, PASSWORD)
    try:
        kinds = sorted(kind for kind, _owner, _data in _pki_rows(lap))
    finally:
        lap.close()
    assert kinds == ["ca_cert"]  # the clinic CA only (to validate); no key, no certificate of anyone
    assert laptop_keys.certificates(clinic, d.laptop_id) == []
    # The sync's checkpoint is then sealed with Nina's clinic key, unlocked with her password in the clinic:
    report = day.sync(clinic, sqlite_staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())
    assert report.checkpoint


def test_the_laptop_carries_only_the_keys_issued_for_it(clinic: Store, sqlite_staff: Staff, tmp_path: Path) -> None:
    give_nina_a_signing_key(clinic, sqlite_staff)
    regular_p12 = pki.load_clinician_pkcs12(clinic, sqlite_staff.nurse)
    d = check_out(clinic, sqlite_staff, tmp_path, ca_passphrase=CA_PASSPHRASE)  # Carl's password not given
    lap = laptop.open_laptop(d.laptop_path, PASSWORD)
    try:
        rows = _pki_rows(lap)
    finally:
        lap.close()
    nina = sqlite_staff.nurse.user_id
    assert sorted((k, o) for k, o, _ in rows) == [("ca_cert", None), ("user_cert", nina), ("user_p12", nina)]
    assert regular_p12 not in [data for _k, _o, data in rows]
    [(owner, pem)] = laptop_keys.certificates(clinic, d.laptop_id)
    assert owner == nina and pem in [data for k, _o, data in rows if k == "user_cert"]


def test_a_wrong_ca_passphrase_or_password_leaves_no_laptop_behind(clinic: Store, sqlite_staff: Staff,
                                                                   tmp_path: Path) -> None:
    give_nina_a_signing_key(clinic, sqlite_staff)
    with pytest.raises(pki.PKIError, match="passphrase is wrong"):
        check_out(clinic, sqlite_staff, tmp_path, ca_passphrase="not the clinic vault")
    with pytest.raises(MobileError, match="carl's password was not accepted"):
        day.checkout(clinic, sqlite_staff.nurse, PASSWORD, ["MRN0001"], tmp_path / "laptop" / "nina.db",
                     also=["carl"], ca_passphrase=CA_PASSPHRASE, also_passwords={"carl": "not carls password at all"})
    assert not (tmp_path / "laptop" / "nina.db").exists()
    assert not laptop.key_file(tmp_path / "laptop" / "nina.db").exists()
    assert credentials.LAPTOP_VALID_DAYS <= 31  # a laptop key outlives one trip by little
