"""Autosaved drafts, signed PDF notes, key and certificate blobs, and two workstations saving at once."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable

import pytest

from infusiondesk import audit
from infusiondesk.records.models import Patient
from infusiondesk.store import ConflictError, Store
from tests.infusiondesk.store.conftest import Staff


def test_a_draft_survives_until_discarded_and_belongs_to_its_user(store: Store, staff: Staff) -> None:
    key = "visit/7/dose"
    assert store.load_draft(staff.nurse.id, key) is None  # type: ignore[arg-type]
    store.save_draft(staff.nurse.id, key, {"dose": "2 g", "duration": "30 m"})  # type: ignore[arg-type]
    store.save_draft(staff.nurse.id, key, {"dose": "2 g", "duration": "30 min"})  # type: ignore[arg-type]
    assert store.load_draft(staff.nurse.id, key) == {"dose": "2 g", "duration": "30 min"}  # type: ignore[arg-type]
    assert store.load_draft(staff.nurse2.id, key) is None  # type: ignore[arg-type]
    store.discard_draft(staff.nurse.id, key)  # type: ignore[arg-type]
    assert store.load_draft(staff.nurse.id, key) is None  # type: ignore[arg-type]
    assert audit.verify(store).ok


def test_signed_notes_are_kept_by_version_never_replaced_and_audited(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    v = store.create_visit(patient_factory().id, staff.nurse)  # type: ignore[arg-type]
    v1, v2 = b"%PDF-1.7 version one", b"%PDF-1.7 version two"
    digest = store.store_signed_note(v.id, 1, v1, staff.clinician.id)  # type: ignore[arg-type]
    assert digest == hashlib.sha256(v1).hexdigest()
    store.store_signed_note(v.id, 2, v2, staff.clinician.id)  # type: ignore[arg-type]
    with pytest.raises(ConflictError, match="never replaced"):
        store.store_signed_note(v.id, 1, b"%PDF forged", staff.clinician.id)  # type: ignore[arg-type]
    assert store.get_signed_note(v.id) == v2  # type: ignore[arg-type]
    assert store.get_signed_note(v.id, 1) == v1  # type: ignore[arg-type]
    assert store.get_signed_note(v.id, 3) is None  # type: ignore[arg-type]
    assert [n["version"] for n in store.list_signed_notes(v.id)] == [1, 2]  # type: ignore[arg-type]
    entry = store.audit_entries("signed_notes")[-1]
    assert entry["event"] == "signed_note" and entry["username"] == "carl"
    assert audit.verify(store).ok


def test_a_replaced_pdf_is_caught_by_audit_verify(store: Store, staff: Staff,
                                                  patient_factory: Callable[..., Patient]) -> None:
    from sqlalchemy import update

    from infusiondesk.store import tables

    v = store.create_visit(patient_factory().id, staff.nurse)  # type: ignore[arg-type]
    store.store_signed_note(v.id, 1, b"%PDF-1.7 signed", staff.clinician.id)  # type: ignore[arg-type]
    with store.engine.begin() as conn:
        conn.execute(update(tables.signed_notes).values(pdf=b"%PDF-1.7 swapped"))
    report = audit.verify(store)
    assert not report.ok and "signed_notes #1 was changed outside the app" in report.problem


def test_keys_and_certificates_are_kept_per_owner_and_revocation_keeps_them(store: Store, staff: Staff) -> None:
    store.save_pki_object("ca_cert", None, "clinic-ca", b"-----BEGIN CERTIFICATE-----ca", by=staff.admin)
    store.save_pki_object("user_p12", staff.clinician.id, "carl-2025", b"p12-carl", by=staff.admin)
    store.save_pki_object("user_p12", staff.nurse.id, "nina-2025", b"p12-nina", by=staff.admin)
    assert store.load_pki_objects("ca_cert") == [("clinic-ca", b"-----BEGIN CERTIFICATE-----ca")]
    assert store.load_pki_objects("user_p12", staff.clinician.id) == [("carl-2025", b"p12-carl")]
    assert len(store.load_pki_objects("user_p12")) == 2
    assert store.revoke_certificate("user_p12", "carl-2025", staff.admin, "key compromise") == 1
    assert store.load_pki_objects("user_p12", staff.clinician.id) == []
    assert store.load_pki_objects("user_p12", staff.clinician.id, include_revoked=True) == [("carl-2025",
                                                                                           b"p12-carl")]
    [(name, when, reason)] = store.list_revoked("user_p12")
    assert (name, reason) == ("carl-2025", "key compromise") and when.tzinfo is not None
    assert audit.verify(store).ok


def test_two_workstations_saving_the_same_visit_at_once_one_wins_one_is_told(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    visit = store.create_visit(patient_factory().id, staff.nurse)  # type: ignore[arg-type]
    stations = [Store.open(store.url) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(i: int) -> None:
        mine = dataclasses.replace(visit, notes=f"station {i}")
        barrier.wait()
        try:
            stations[i].save_visit(mine, staff.nurse if i == 0 else staff.nurse2)
            outcomes.append(f"saved {i}")
        except ConflictError:
            outcomes.append(f"conflict {i}")

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.split()[0] for o in outcomes) == ["conflict", "saved"]
    winner = int(next(o for o in outcomes if o.startswith("saved")).split()[1])
    assert store.get_visit(visit.id).notes == f"station {winner}"  # type: ignore[arg-type]
    assert store.get_visit(visit.id).version == visit.version + 1  # type: ignore[arg-type]
    assert audit.verify(store).ok
    for s in stations:
        s.close()
