"""A clinician brings their own PKCS#12 from a real CA: `infusiondesk cert import`, then their notes verify
against that CA."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infusiondesk import pki
from infusiondesk.records.models import Clinic, Role
from infusiondesk.store import Store
from infusiondesk_ui.cli import main


def _clinic(tmp_path: Path) -> tuple[str, Store]:
    db = str(tmp_path / "clinic.db")
    store = Store.open(db)
    admin = store.clinic.setup(Clinic("Riverside"), "admin", "Ada Admin", "ward-office-key-1")
    store.users.create("carl", "Carla Reyes", Role.CLINICIAN, "reyes-signs-notes-1", "MD", by=admin)
    return db, store


def test_imported_pkcs12_is_re_encrypted_with_the_app_password_and_kept(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    db, store = _clinic(tmp_path)
    now = datetime.now(UTC)
    real_ca = pki.create_clinic_ca("State Medical Board", "board-secret", now)
    p12 = tmp_path / "carla.p12"
    p12.write_bytes(pki.issue_clinician_pkcs12(real_ca, "board-secret", full_name="Carla Reyes", username="creyes",
                                               passphrase="p12-secret", now=now, credentials="MD"))
    monkeypatch.setattr("sys.stdin", io.StringIO("reyes-signs-notes-1\np12-secret\n"))
    assert main(["cert", "import", "--db", db, "--user", "carl", "--p12", str(p12)]) == 0
    assert "issued by" in capsys.readouterr().out

    carl = store.users.sign_in("carl", "reyes-signs-notes-1")
    kept = pki.load_clinician_pkcs12(store, carl)
    creds = pki.unlock_pkcs12(kept, "reyes-signs-notes-1")  # the app unlocks with the password it asks for
    assert creds.certificate.issuer == real_ca.certificate.subject
    with pytest.raises(pki.PKIError):
        pki.unlock_pkcs12(kept, "p12-secret")


@pytest.mark.parametrize(("stdin", "message"), [
    ("wrong-password\np12-secret\n", "user name and password do not match"),
    ("reyes-signs-notes-1\nwrong-p12\n", "passphrase is wrong"),
])
def test_a_wrong_password_or_passphrase_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], stdin: str,
                                                          message: str) -> None:
    db, _ = _clinic(tmp_path)
    now = datetime.now(UTC)
    ca = pki.create_clinic_ca("Board", "board-secret", now)
    p12 = tmp_path / "c.p12"
    p12.write_bytes(pki.issue_clinician_pkcs12(ca, "board-secret", full_name="Carla Reyes", username="c",
                                               passphrase="p12-secret", now=now))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["cert", "import", "--db", db, "--user", "carl", "--p12", str(p12)]) == 2
    err = capsys.readouterr().err
    assert message in err.lower() and len(err.strip().splitlines()) == 1
