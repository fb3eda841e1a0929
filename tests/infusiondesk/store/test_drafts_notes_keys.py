"""Autosaved drafts, signed PDF notes, key and certificate blobs, and two workstations saving at once."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest

from infusiondesk.auth import AuthError, PermissionDenied
from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Patient, UserSession, Visit, VisitStatus
from infusiondesk.service import AssessmentEntry, Step, VisitService
from infusiondesk.store import ConflictError, Store
from infusiondesk.workflow import WorkflowError
from tests.clinic_day import chart_visit
from tests.infusiondesk.store.conftest import Staff


def test_a_draft_survives_until_discarded_and_belongs_to_its_user(store: Store, staff: Staff) -> None:
    key = "visit/7/dose"
    assert store.drafts.load(key, by=staff.nurse) is None
    store.drafts.save(key, {"dose": "2 g", "duration": "30 m"}, by=staff.nurse)
    store.drafts.save(key, {"dose": "2 g", "duration": "30 min"}, by=staff.nurse)
    assert store.drafts.load(key, by=staff.nurse) == {"dose": "2 g", "duration": "30 min"}
    assert store.drafts.load(key, by=staff.nurse2) is None  # another nurse's session has only her own drafts
    store.drafts.discard(key, by=staff.nurse2)  # and discarding "it" discards nothing of Nina's
    assert store.drafts.load(key, by=staff.nurse) == {"dose": "2 g", "duration": "30 min"}
    store.drafts.discard(key, by=staff.nurse)
    assert store.drafts.load(key, by=staff.nurse) is None
    assert store.audit.verify().ok


def test_drafts_cannot_be_read_by_naming_their_owner(store: Store, staff: Staff) -> None:
    store.drafts.save("visit/7/dose", {"dose": "4 g"}, by=staff.nurse)
    forged = UserSession(id=staff.nurse.id, user=staff.nurse.user, token="guess")
    with pytest.raises(AuthError, match="You have been signed out"):
        store.drafts.load("visit/7/dose", by=forged)
    with pytest.raises(TypeError):
        store.drafts.load(staff.nurse.user_id, "visit/7/dose")  # type: ignore[call-arg, arg-type]
    with pytest.raises(AuthError):
        store.drafts.discard("visit/7/dose", by=forged)
    store.users.sign_out(staff.nurse)
    with pytest.raises(AuthError, match="signed out"):
        store.drafts.load("visit/7/dose", by=staff.nurse)


def _fake_note(text: str) -> bytes:
    """Bytes shaped like a signed PDF (the store's structural check); the real signature is tested in reports."""
    return f"%PDF-1.7 /ByteRange [0 1 2 3] /Contents <00> {text}".encode()


def _signed_visit(store: Store, staff: Staff, patient: Patient, note: bytes) -> Visit:
    patient = store.patients.update(dataclasses.replace(patient, no_known_allergies=True), staff.nurse,
                                    based_on=patient)
    return chart_visit(store, load_drug(None), patient, staff.nurse, staff.nurse2, staff.clinician,
                       store._now(), until=VisitStatus.SIGNED, sign_note=lambda _: note)


def test_signed_notes_are_kept_by_version_never_replaced_and_audited(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    v1, v2 = _fake_note("version one"), _fake_note("version two")
    v = _signed_visit(store, staff, patient_factory(), v1)
    assert v.id is not None and store.notes.get(v.id, by=staff.nurse) == v1
    svc = VisitService(store, load_drug(None))
    at = store._now() + timedelta(hours=3)
    v = svc.add_addendum(Step(staff.nurse, v.id, v.version, at), "BP rechecked 118/76")
    with pytest.raises(WorkflowError, match="signed together with its signed PDF note"):
        svc.sign_addendum(Step(staff.nurse, v.id, v.version, at), 0, None)
    with pytest.raises(WorkflowError, match="not a signed PDF"):
        svc.sign_addendum(Step(staff.nurse, v.id, v.version, at), 0, b"%PDF junk")
    svc.sign_addendum(Step(staff.nurse, v.id, v.version, at), 0, v2)
    assert not hasattr(store, "store_signed_note"), "notes are stored only with the signature they record"
    assert store.notes.get(v.id, by=staff.nurse) == v2
    assert store.notes.get(v.id, 1, by=staff.nurse) == v1
    assert store.notes.get(v.id, 3, by=staff.nurse) is None
    notes = store.notes.versions(v.id, by=staff.nurse)
    assert [n["version"] for n in notes] == [1, 2] and notes[0]["sha256"] == hashlib.sha256(v1).hexdigest()
    entry = store.audit.entries("signed_notes", by=staff.admin)[-1]
    assert entry["event"] == "signed_note" and entry["username"] == "nina"
    assert store.audit.verify().ok


def test_a_replaced_pdf_is_caught_by_audit_verify(store: Store, staff: Staff,
                                                  patient_factory: Callable[..., Patient]) -> None:
    from sqlalchemy import update

    from infusiondesk.store import tables

    _signed_visit(store, staff, patient_factory(), _fake_note("signed"))
    with store.engine.begin() as conn:
        conn.execute(update(tables.signed_notes).values(pdf=b"%PDF-1.7 swapped"))
    report = store.audit.verify()
    assert not report.ok and "signed_notes #1 was changed outside the app" in report.problem


def test_keys_and_certificates_are_kept_per_owner_and_revocation_keeps_them(store: Store, staff: Staff) -> None:
    store.keys.save("ca_cert", None, "clinic-ca", b"-----BEGIN CERTIFICATE-----ca", by=staff.admin)
    store.keys.save("user_p12", staff.clinician.user_id, "carl-2025", b"p12-carl", by=staff.admin)
    store.keys.save("user_p12", staff.nurse.user_id, "nina-2025", b"p12-nina", by=staff.admin)
    assert store.keys.load("ca_cert") == [("clinic-ca", b"-----BEGIN CERTIFICATE-----ca")]
    carl = staff.clinician
    assert store.keys.load("user_p12", carl.user_id, by=carl) == [("carl-2025", b"p12-carl")]
    assert store.keys.revoke("user_p12", "carl-2025", staff.admin, "key compromise") == 1
    assert store.keys.load("user_p12", carl.user_id, by=carl) == []
    assert store.keys.load("user_p12", carl.user_id, include_revoked=True, by=carl) == [("carl-2025",
                                                                                                b"p12-carl")]
    [(name, when, reason)] = store.keys.revoked("user_p12")
    assert (name, reason) == ("carl-2025", "key compromise") and when.tzinfo is not None
    assert store.audit.verify().ok


def test_a_signing_key_is_handed_only_to_its_owner_s_session(store: Store, staff: Staff) -> None:
    store.keys.save("user_p12", staff.clinician.user_id, "carl-2025", b"p12-carl", by=staff.admin)
    for who in (staff.nurse, staff.admin):
        with pytest.raises(PermissionDenied, match="Only its owner"):
            store.keys.load("user_p12", staff.clinician.user_id, by=who)
    with pytest.raises(PermissionDenied):
        store.keys.load("user_p12", by=staff.clinician)  # every owner's at once: no
    with pytest.raises(AuthError):
        store.keys.load("user_p12", staff.clinician.user_id)  # no session at all


def test_replacing_a_clinic_key_needs_an_admin_session(store: Store, staff: Staff) -> None:
    for kind in ("ca_cert", "ca_key", "audit_seal_cert", "crl"):
        with pytest.raises(PermissionDenied, match="Only an admin can change the clinic's keys"):
            store.keys.save(kind, None, "attacker", b"forged", by=staff.nurse)
    with pytest.raises(PermissionDenied):  # nor anyone else's credential
        store.keys.save("user_p12", staff.clinician.user_id, "carl", b"forged", by=staff.nurse)
    forged = UserSession(id=staff.admin.id, user=staff.admin.user, token="guess")
    with pytest.raises(AuthError, match="You have been signed out"):
        store.keys.save("ca_cert", None, "attacker", b"forged", by=forged)
    with pytest.raises(TypeError):
        store.keys.save("ca_cert", None, "attacker", b"forged")  # type: ignore[call-arg]
    with pytest.raises(PermissionDenied):
        store.keys.revoke("ca_cert", "clinic-ca", staff.nurse, "forged")
    assert store.keys.load("ca_cert") == []
    store.keys.save("user_p12", staff.nurse.user_id, "own.p12", b"own", by=staff.nurse)  # her own import
    assert store.keys.load("user_p12", staff.nurse.user_id, by=staff.nurse) == [("own.p12", b"own")]


def test_two_workstations_saving_the_same_visit_at_once_one_wins_one_is_told(
        store: Store, staff: Staff, patient_factory: Callable[..., Patient]) -> None:
    visit = store.visits.create(patient_factory().id, staff.nurse)
    stations = [Store.open(store.url) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    drug = load_drug(None)

    def save(i: int) -> None:
        who = staff.nurse if i == 0 else staff.nurse2
        step = Step(who, visit.id, visit.version, store._now())
        barrier.wait()
        try:
            VisitService(stations[i], drug).assess(step, AssessmentEntry(pain_score=i + 3))
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
    assert store.visits.get(visit.id, by=staff.nurse).assessment.pain_score == winner + 3
    assert store.visits.get(visit.id, by=staff.nurse).version == visit.version + 1
    assert store.audit.verify().ok
    for s in stations:
        s.close()
