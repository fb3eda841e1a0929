"""kill -9 while a clinician signs: the visit is either not signed (and signing again works), or signed with
its stored note, which verifies. Never a signature without its note, never a note without its signature.

The app's signing path (the service's candidate, the note worker's render and sign, the service's save with
the note) runs in a child process (tests/ui/signing_child.py), killed with SIGKILL at ten moments spread over
the time a whole signing takes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from infusiondesk import pki
from infusiondesk.drugs import load_drug
from infusiondesk.records.models import (
    Clinic,
    IVAccess,
    PatientDetails,
    RenalStatus,
    Role,
    UserSession,
    VisitStatus,
    VitalSigns,
)
from infusiondesk.service import AssessmentEntry, OrderEntry, Preparation, Step, VisitService
from infusiondesk.store import Store

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KILLS = 10


@dataclass(frozen=True)
class Completed:
    db: Path
    visit_id: int
    clinician: str  # user name
    ca_pem: bytes
    sign_at: datetime
    reader: UserSession  # the nurse's session, in every copy of the database


def completed_visit(db: Path) -> Completed:
    """A clinic with signing certificates and one visit completed through the visit service, awaiting the
    clinician's "Reviewed and approved by"."""
    store = Store.open(str(db), clock=lambda: START)
    admin = store.clinic.setup(Clinic("Riverside Infusion Clinic"), "admin", "Ada Admin", "ward-office-key-1")
    store.users.create("nkim", "Noor Kim", Role.NURSE, "nurse-chair-pass-1", "RN", by=admin)
    doctor = store.users.create("drlee", "Dana Lee", Role.CLINICIAN, "doctor-sign-pass-1", "MD", by=admin)
    nurse = store.users.sign_in("nkim", "nurse-chair-pass-1")
    clinician = store.users.sign_in("drlee", "doctor-sign-pass-1")
    patient = store.patients.add(PatientDetails("MRN-0007", "Rivera", "Ana", date(1985, 6, 1), "female", 64,
                                                no_known_allergies=True, renal_status=RenalStatus.NORMAL,
                                                migraine_diagnosis=True), by=admin)
    ca = pki.create_clinic_ca("Riverside Infusion Clinic", "clinic vault granite 7", START)
    pki.save_clinic_ca(store, ca, by=admin)
    p12 = pki.issue_clinician_pkcs12(ca, "clinic vault granite 7", full_name=doctor.full_name, username=doctor.username,
                                     passphrase="doctor-sign-pass-1", now=START, credentials="MD")
    pki.save_clinician_pkcs12(store, doctor.id, p12, "doctor-sign-pass-1", by=admin)
    svc = VisitService(store, load_drug())
    visit = svc.new_visit(nurse, patient.id)

    def at(who: UserSession, minutes: int) -> Step:
        return Step(who, visit.id, visit.version, START + timedelta(minutes=minutes))

    base = VitalSigns(START, 122, 78, 70, 16, 98, pain_score=7, patellar_reflex="present", phase="baseline")
    visit = svc.assess(at(nurse, 1), AssessmentEntry(base, 7, answers={
        "heart_block": False, "myocardial_damage": False, "myasthenia_gravis": False, "hypermagnesemia": False}))
    visit = svc.decide(at(clinician, 5), True)
    visit = svc.order(at(clinician, 6), OrderEntry("2 g", product="premix-2g-50ml", duration="30 min",
                                                        weight="64 kg"))
    visit = svc.double_check(at(nurse, 8))
    visit = svc.prepare(at(nurse, 9), Preparation(
        True, True, "", False, IVAccess("left antecubital", "22 G", 1, "Noor Kim RN"), "LOT-1", date(2027, 1, 1),
        True, pump_rate="100 mL/h", pump_vtbi="50 mL"))
    visit = svc.start(at(nurse, 10))
    visit = svc.stop(at(nurse, 40), 50.0)
    visit = svc.record_vitals(at(nurse, 71), VitalSigns(START + timedelta(minutes=71), 118, 76, 68, 15, 98))
    visit = svc.complete(at(nurse, 72), 2, "Home")
    assert visit.status is VisitStatus.COMPLETED
    store.close()
    return Completed(db, visit.id, doctor.username, ca.certificate_pem, START + timedelta(minutes=90), nurse)


def copy_db(src: Path, dst: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dst}{suffix}")
    return dst


def child(db: Path, c: Completed) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tests.ui.signing_child", str(db), str(c.visit_id),
                             c.clinician, "doctor-sign-pass-1", c.sign_at.isoformat()],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def state_after(db: Path, c: Completed) -> str:
    """"signed" (with its note, verified) or "unsigned" (no signature, no note); anything else fails the test."""
    from infusiondesk_reports.signing import verify_pdf

    store = Store.open(str(db), migrate=False)
    try:
        visit = store.visits.get(c.visit_id, by=c.reader)
        note = store.notes.get(c.visit_id, by=c.reader)
        if visit.status is VisitStatus.SIGNED:
            assert note is not None, "a signed visit without its signed note"
            report = verify_pdf(note, [c.ca_pem])
            assert report.valid and report.intact and report.trusted, report.problems
            assert [s.meaning.value for s in visit.signatures] == ["Reviewed and approved by"]
            return "signed"
        assert visit.status is VisitStatus.COMPLETED and not visit.signatures, visit.status
        assert note is None, "a signed note stored for a visit that is not signed"
        assert store.notes.versions(c.visit_id, by=c.reader) == []
        return "unsigned"
    finally:
        store.close()


def test_killing_the_signing_at_ten_moments_never_leaves_half_a_signature(tmp_path: Path) -> None:
    c = completed_visit(tmp_path / "template.db")

    whole = copy_db(c.db, tmp_path / "whole.db")  # how long a whole signing takes here, start to finish
    began = time.monotonic()
    proc = child(whole, c)
    out, err = proc.communicate(timeout=120)
    duration = time.monotonic() - began
    assert proc.returncode == 0 and out.strip() == b"signed", err.decode()[-2000:]
    assert state_after(whole, c) == "signed"

    rng = random.Random(9)
    moments = [duration * (i + rng.random()) / KILLS * 1.2 for i in range(KILLS)]  # 0 … 1.2 × the signing time
    outcomes = []
    for i, delay in enumerate(moments):
        db = copy_db(c.db, tmp_path / f"kill-{i}.db")
        proc = child(db, c)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)  # a finished child is already a zombie: the kill is then harmless
        proc.communicate(timeout=60)
        outcome = state_after(db, c)
        if outcome == "unsigned":  # nothing half-done is left behind: signing again works (in a child process,
            again = child(db, c)  # as the app signs: never on the test's GUI thread)
            out, err = again.communicate(timeout=120)
            assert again.returncode == 0 and out.strip() == b"signed", err.decode()[-2000:]
            assert state_after(db, c) == "signed"
        outcomes.append((round(delay, 2), outcome))
    assert len(outcomes) == KILLS
    print("kill moments (s) and outcomes:", outcomes)
    assert outcomes[0][1] == "unsigned", outcomes  # killed before the worker could even start
