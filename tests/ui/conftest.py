"""A real store in a temporary SQLite file with a clinic, a nurse, a clinician and one patient."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Allergy, Clinic, Patient, RenalStatus, Role, User
from infusiondesk.store import Store
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.clock import FixedClock
from infusiondesk_ui.session import Session

CLINIC_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Clinic_:
    store: Store
    clock: FixedClock
    admin: User
    nurse: User
    clinician: User
    patient: Patient


@pytest.fixture(autouse=True)
def workstation_settings(tmp_path: Path) -> Path:
    """Each test's workstation settings file lives in its own folder, never in the tester's config."""
    folder = tmp_path / "config"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Clinic_]:
    clock = FixedClock(CLINIC_START)
    store = Store.open(str(tmp_path / "clinic.db"), clock=clock.now)
    admin = store.setup_clinic(Clinic("Riverside Infusion Clinic", "1 River Rd"), "admin", "Ada Admin",
                               "ward-office-key-1")
    nurse = store.create_user("nkim", "Noor Kim", Role.NURSE, "nurse-chair-pass-1", "RN", by=admin)
    clinician = store.create_user("drlee", "Dana Lee", Role.CLINICIAN, "doctor-sign-pass-1", "MD", by=admin)
    patient = store.add_patient(Patient(None, "MRN-0007", "Rivera", "Ana", date(1985, 6, 1), "female",
                                        weight_kg=64, allergies=(Allergy("penicillin", "rash"),),
                                        renal_status=RenalStatus.NORMAL, migraine_diagnosis=True), by=nurse)
    yield Clinic_(store, clock, admin, nurse, clinician, patient)
    store.close()


@pytest.fixture
def window(qtbot: QtBot, clinic: Clinic_) -> MainWindow:
    session = Session(store=clinic.store, drug=load_drug(), clock=clinic.clock)
    w = MainWindow(session)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    return w
