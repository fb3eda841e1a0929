"""A real store in a temporary SQLite file with a clinic, a nurse, a clinician and one patient."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Allergy, Clinic, Patient, PatientDetails, RenalStatus, Role, User, UserSession
from infusiondesk.store import Store
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.clock import FixedClock
from infusiondesk_ui.session import Session

CLINIC_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


PASSWORDS = {"admin": "ward-office-key-1", "nkim": "nurse-chair-pass-1", "drlee": "doctor-sign-pass-1"}


@dataclass
class Clinic_:
    store: Store
    clock: FixedClock
    admin: User
    nurse: User
    clinician: User
    patient: Patient
    admin_session: UserSession
    _sessions: dict[str, UserSession] = field(default_factory=dict)

    def session(self, user: User) -> UserSession:
        """`user` signed in (once per test: argon2 is slow on purpose), as the test's own eyes on the store."""
        if user.username not in self._sessions:
            self._sessions[user.username] = self.store.users.sign_in(user.username, PASSWORDS[user.username])
        return self._sessions[user.username]

    @property
    def reader(self) -> UserSession:
        """A clinician's session, for a test to read visits and notes the way the app does."""
        return self.session(self.clinician)


@pytest.fixture(autouse=True)
def collect_between_tests(qapp: QApplication) -> Iterator[None]:
    """After each test: its widgets' deleteLater done and Python's cyclic garbage (Qt wrappers among it) freed
    here, between tests, rather than by a collection that happens to start inside a Qt call of a later test
    (seen as a rare segfault in a widget's constructor on a loaded machine)."""
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    gc.collect()


@pytest.fixture(autouse=True)
def no_store_calls_on_gui_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every UI test is a guard: the app's code opening a store transaction on the GUI thread (a screen reading
    or writing the store in line, freezing it for as long as the store takes) fails the test that drove it, unless
    `gui_thread_guard.ALLOWED` says why it must."""
    from tests.ui.gui_thread_guard import store_calls_on_gui_thread

    with store_calls_on_gui_thread(monkeypatch) as on_gui_thread:
        yield
    stray = sorted(set(on_gui_thread))
    assert not stray, f"store calls on the GUI thread (run them through infusiondesk_ui.operations.StoreOp): {stray}"


@pytest.fixture(autouse=True)
def workstation_settings(tmp_path: Path) -> Path:
    """Each test's workstation settings file lives in its own folder, never in the tester's config."""
    folder = tmp_path / "config"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


@dataclass(frozen=True)
class _Template:
    """The clinic database built once per test session, copied for each test (argon2 hashes and table creation
    once, not some 0.5 s per UI test), with who and what is in it."""

    path: Path
    admin_session: UserSession
    nurse: User
    clinician: User
    patient: Patient


@pytest.fixture(scope="session")
def _clinic_template(tmp_path_factory: pytest.TempPathFactory) -> _Template:
    path = tmp_path_factory.mktemp("clinic-template") / "clinic.db"
    clock = FixedClock(CLINIC_START)
    store = Store.open(str(path), clock=clock.now)
    admin = store.clinic.setup(Clinic("Riverside Infusion Clinic", "1 River Rd"), "admin", "Ada Admin",
                               PASSWORDS["admin"])
    nurse = store.users.create("nkim", "Noor Kim", Role.NURSE, PASSWORDS["nkim"], "RN", by=admin)
    clinician = store.users.create("drlee", "Dana Lee", Role.CLINICIAN, PASSWORDS["drlee"], "MD", by=admin)
    patient = store.patients.add(PatientDetails("MRN-0007", "Rivera", "Ana", date(1985, 6, 1), "female",
                                                weight_kg=64, allergies=(Allergy("penicillin", "rash"),),
                                                renal_status=RenalStatus.NORMAL, migraine_diagnosis=True), by=admin)
    store.close()
    assert sorted(p.name for p in path.parent.iterdir()) == ["clinic.db"]  # closed whole: no WAL left beside it
    return _Template(path, admin, nurse, clinician, patient)


@pytest.fixture
def clinic(tmp_path: Path, _clinic_template: _Template) -> Iterator[Clinic_]:
    """A copy of the session's clinic database: each test changes only its own."""
    t = _clinic_template
    path = tmp_path / "clinic.db"
    shutil.copyfile(t.path, path)
    clock = FixedClock(CLINIC_START)
    store = Store.open(str(path), clock=clock.now)
    yield Clinic_(store, clock, t.admin_session.user, t.nurse, t.clinician, t.patient, t.admin_session)
    store.close()


@pytest.fixture
def window(qtbot: QtBot, clinic: Clinic_) -> MainWindow:
    session = Session(store=clinic.store, drug=load_drug(), clock=clinic.clock)
    w = MainWindow(session)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    from tests.ui.steps import finish

    finish()  # the clinic is read off the UI thread before the first card is chosen
    return w
