"""The Location section by keyboard, over the visit service and a real store: a mobile visit at the patient's home
is recorded with its address and travel times, the checklist then asks for the home-visit items the clinic's policy
names, and the start waits for them."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from infusiondesk.records.location import MobileCover, VisitSetting
from infusiondesk.records.models import ClinicPolicy, VisitStatus
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import assess_and_approve, clinician_workspace, double_check, finish, get_ready, order

Key = Qt.Key
ADDRESS = "14 Orchard Lane, Riverside"


def focused() -> QWidget:
    w = QApplication.focusWidget()
    assert w is not None
    return w


def open_ready_visit(qtbot: QtBot, clinic: Clinic_) -> VisitWorkspace:
    """A visit ordered, checked and with the chair checklist done, on the Start and infusion tab."""
    w = clinician_workspace(qtbot, clinic)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    assess_and_approve(w)
    order(w)
    double_check(w)
    w.tabs.setCurrentWidget(w.infusion)
    get_ready(w)
    return w


def choose_home_by_keyboard(qtbot: QtBot, w: VisitWorkspace, departed: str = "08:20") -> None:
    loc = w.infusion.location
    loc.setting.setFocus()
    qtbot.keyClick(loc.setting, Key.Key_Down)  # In clinic -> Mobile visit at the patient's home
    assert loc.setting.value == "home" and loc.address.isEnabled()
    qtbot.keyClick(focused(), Key.Key_Tab)
    assert loc.address.hasFocus()
    qtbot.keyClicks(focused(), ADDRESS)
    qtbot.keyClick(focused(), Key.Key_Tab)
    assert loc.departed.edit.hasFocus()
    qtbot.keyClicks(focused(), departed)
    loc.arrived.now.setFocus()
    qtbot.keyClick(focused(), Key.Key_Space)  # arrived: Now
    finish()
    assert loc.arrived.edit.text() == "09:00"
    loc.record.setFocus()
    qtbot.keyClick(focused(), Key.Key_Space)
    finish()  # the step is saved off the UI thread


def test_an_in_clinic_visit_shows_the_chair_checklist_only(qtbot: QtBot, clinic: Clinic_) -> None:
    w = open_ready_visit(qtbot, clinic)
    r = w.infusion.readiness
    assert w.infusion.location.setting.value == "clinic" and not w.infusion.location.address.isEnabled()
    assert all(cb.isHidden() for cb in r.mobile_items.values())
    assert not r.calcium.isHidden()
    assert "Ready to start." in r.problems.text(), r.problems.text()


def test_a_home_visit_by_keyboard_waits_for_the_home_visit_items(qtbot: QtBot, clinic: Clinic_,
                                                                 tmp_path: object) -> None:
    w = open_ready_visit(qtbot, clinic)
    choose_home_by_keyboard(qtbot, w)
    where = w.visit.location
    assert where.setting is VisitSetting.HOME, w.problem.text()
    assert where.address == ADDRESS
    assert f"{where.departed_at:%H:%M}" == "08:20" and f"{where.arrived_at:%H:%M}" == "09:00"
    r = w.infusion.readiness
    shown = [name for name, cb in r.mobile_items.items() if not cb.isHidden()]
    assert shown == ["emergency_plan_reviewed", "calcium_gluconate_in_kit", "second_person_present",
                     "phone_check_in_arranged"]  # the default policy: either cover
    assert r.calcium.isHidden()  # at a home the antidote is the one in the kit
    assert "emergency plan" in r.problems.text() and "mobile kit" in r.problems.text()
    assert not w.infusion.start.isEnabled()
    qtbot.wait(50)  # the scroll area lays out again once its scroll bar shows
    w.grab().save(str(tmp_path) + "/home-visit.png")  # type: ignore[operator]
    for name in ("emergency_plan_reviewed", "calcium_gluconate_in_kit", "phone_check_in_arranged"):
        r.mobile_items[name].setFocus()
        qtbot.keyClick(focused(), Key.Key_Space)
    assert "Ready to start." in r.problems.text(), r.problems.text()
    w.infusion.start.setFocus()
    qtbot.keyClick(focused(), Key.Key_F5)
    finish()
    assert w.visit.status is VisitStatus.INFUSING, w.problem.text()
    assert w.visit.readiness.phone_check_in_arranged and w.visit.readiness.calcium_gluconate_in_kit
    assert not w.infusion.location.setting.isEnabled()  # fixed once started


def test_a_second_person_policy_shows_only_that_cover(qtbot: QtBot, clinic: Clinic_) -> None:
    clinic.store.clinic.set_policy(ClinicPolicy(mobile_cover=MobileCover.SECOND_PERSON), clinic.admin_session)
    w = open_ready_visit(qtbot, clinic)
    choose_home_by_keyboard(qtbot, w)
    r = w.infusion.readiness
    assert r.mobile_items["phone_check_in_arranged"].isHidden()
    assert not r.mobile_items["second_person_present"].isHidden()
    assert "needs a second person present for the infusion;" in r.problems.text()


@pytest.mark.parametrize(("departed", "message"), [
    ("09:30", "The departure time 09:30 is in the future (it is now 09:00)"),
    ("9h", 'The departure time "9h" is not a time; type it as hours:minutes'),
])
def test_a_wrong_travel_time_is_said_in_words_and_nothing_is_recorded(qtbot: QtBot, clinic: Clinic_, departed: str,
                                                                      message: str) -> None:
    w = open_ready_visit(qtbot, clinic)
    version = w.visit.version
    choose_home_by_keyboard(qtbot, w, departed=departed)
    shown = w.problem.text() + w.infusion.location.error.text()
    assert message in shown
    assert w.visit.version == version and not w.visit.location.mobile


def _with_home_address(clinic: Clinic_) -> None:
    """Ms Rivera's record gains her home address (as the patient form saves it: one line per line)."""
    clinic.patient = clinic.store.patients.update(dataclasses.replace(
        clinic.patient, address="14 Orchard Lane\nRiverside\nRV1 4AB"), by=clinic.admin_session,
        based_on=clinic.patient)


def test_a_home_visit_starts_from_the_patients_address_which_stays_editable(qtbot: QtBot, clinic: Clinic_) -> None:
    _with_home_address(clinic)
    w = open_ready_visit(qtbot, clinic)
    loc = w.infusion.location
    assert loc.address.text() == ""  # in clinic: no address
    loc.setting.setFocus()
    qtbot.keyClick(loc.setting, Key.Key_Down)  # Mobile visit at the patient's home
    assert loc.address.text() == "14 Orchard Lane, Riverside, RV1 4AB"
    qtbot.keyClick(focused(), Key.Key_Tab)
    assert loc.address.hasFocus()
    qtbot.keyClick(focused(), Key.Key_End)
    qtbot.keyClicks(focused(), " (side door)")  # the nurse adds what the record does not say
    loc.departed.edit.setText("08:20")
    loc.arrived.edit.setText("09:00")
    loc.record.setFocus()
    qtbot.keyClick(focused(), Key.Key_Space)
    finish()
    assert w.visit.location.setting is VisitSetting.HOME, w.problem.text()
    assert w.visit.location.address == "14 Orchard Lane, Riverside, RV1 4AB (side door)"


def test_an_office_visit_is_not_given_the_home_address(qtbot: QtBot, clinic: Clinic_) -> None:
    _with_home_address(clinic)
    w = open_ready_visit(qtbot, clinic)
    loc = w.infusion.location
    loc.setting.setFocus()
    qtbot.keyClick(loc.setting, Key.Key_Down)  # home: filled in
    assert loc.address.text() == "14 Orchard Lane, Riverside, RV1 4AB"
    qtbot.keyClick(loc.setting, Key.Key_Down)  # office: what was filled in goes
    assert loc.setting.value == VisitSetting.OFFICE.value and loc.address.text() == ""
    loc.address.setText("Riverside Library, 3 Quay Street")
    qtbot.keyClick(loc.setting, Key.Key_Up)  # back to home: what the nurse typed is never replaced
    assert loc.setting.value == VisitSetting.HOME.value
    assert loc.address.text() == "Riverside Library, 3 Quay Street"


def test_a_patient_without_an_address_leaves_the_home_address_to_type(qtbot: QtBot, clinic: Clinic_) -> None:
    w = open_ready_visit(qtbot, clinic)
    loc = w.infusion.location
    loc.setting.setFocus()
    qtbot.keyClick(loc.setting, Key.Key_Down)
    assert loc.setting.value == VisitSetting.HOME.value and loc.address.text() == ""
