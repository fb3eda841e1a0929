"""A writer killed with SIGKILL at random moments leaves an intact database and an intact audit trail."""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from infusiondesk.store import Store
from tests.infusiondesk.store.conftest import Staff

# Charts visits as fast as it can, in single saves and in batches, until it is killed.
WRITER = r"""
import dataclasses, itertools, sys
from datetime import UTC, date, datetime
from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Patient, PatientDetails
from infusiondesk.service import AssessmentEntry, Step, VisitService
from infusiondesk.store import Store

store = Store.open(sys.argv[1])
nurse = store.users.sign_in("nina", "correct horse battery")
svc = VisitService(store, load_drug(None))
now = datetime.now(UTC)
print("ready", flush=True)
for n in itertools.count():
    mrn = f"CRASH{sys.argv[2]}-{n}"
    p = store.patients.add(PatientDetails(mrn, "Crash", f"Test{n}", date(1970, 1, 1), "female"), nurse)
    v = store.visits.create(p.id, nurse)
    for i in range(3):
        v = svc.assess(Step(nurse, v.id, v.version, now), AssessmentEntry(pain_score=i))
    with store.batch():
        for i in range(5):
            q = store.patients.add(PatientDetails(f"{mrn}-b{i}", "Batch", f"Test{i}", date(1980, 1, 1), "male"), nurse)
            w = store.visits.create(q.id, nurse)
            svc.assess(Step(nurse, w.id, w.version, now), AssessmentEntry(pain_score=i))
"""


def test_kill_9_at_random_moments_leaves_the_database_and_audit_trail_intact(
        sqlite_staffed_template: Path, tmp_path: Path, sqlite_staff: Staff) -> None:
    staff = sqlite_staff
    db = tmp_path / "crash.sqlite3"
    shutil.copyfile(sqlite_staffed_template, db)
    rng = random.Random(20250303)
    root = Path(__file__).resolve().parents[3]
    for round_ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(round_)], cwd=root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.05, 0.6))  # a random moment in the middle of writing (not a timing assertion)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the writer stopped by itself: " + (proc.stderr.read()
                                                                                    if proc.stderr else "")
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store = Store.open(str(db))
    report = store.audit.verify()
    assert report.ok, report.problem
    assert len(store.patients.search("crash", by=staff.nurse)) > 0  # the writer did commit work before being killed
    for v in store.visits.all(by=staff.nurse):
        assert len(store.audit.entries("visits", v.id, by=staff.admin)) >= 1
