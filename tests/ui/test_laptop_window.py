"""The app opened on a laptop database (`infusiondesk app --laptop FILE`): the nurse signs in and charts her
checked-out patient away from the clinic, the 24 h total and chart read from the laptop's copy."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.mobile import day, laptop
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.session import Session
from tests.ui.conftest import PASSWORDS, Clinic_
from tests.ui.steps import finish, sign_in


def test_the_app_opens_a_laptop_database_and_shows_her_patient(qtbot: QtBot, clinic: Clinic_,
                                                                tmp_path: Path) -> None:
    nurse = clinic.session(clinic.nurse)
    path = tmp_path / "laptop.db"
    day.checkout(clinic.store, nurse, PASSWORDS["nkim"], [clinic.patient.mrn], path, also=["drlee"])
    store = laptop.open_laptop(path, PASSWORDS["nkim"], clock=clinic.clock.now)
    try:
        w = MainWindow(Session(store=store, drug=load_drug(), clock=clinic.clock))
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        sign_in(w, "nkim", PASSWORDS["nkim"])
        assert w.session.user is not None and w.session.user.username == "nkim"
        w.show_chart(clinic.patient)
        finish()  # the chart's history is read off the UI thread: a laptop store must not close under it
        w.grab().save(str(tmp_path / "laptop-chart.png"))
        assert store.patients.search("rivera", by=w.session.require_session())[0].mrn == clinic.patient.mrn
        w.sign_out()
    finally:
        store.close()
