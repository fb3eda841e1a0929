"""Every time on a screen is the clinic's, whatever zone the computer is set to (issue: a Tokyo-set laptop read
00:11 for a 15:11 visit), and each patient screen says which zone that is."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, order
from tests.ui.test_lock_and_drafts import open_new_visit, signed_in


@pytest.fixture
def computer_in_tokyo() -> Iterator[None]:
    """The workstation's own zone is Asia/Tokyo (UTC+9) for the test, then back as it was."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_screens_show_the_clinics_time_not_the_computers(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                         computer_in_tokyo: None) -> None:
    # The clock reads 09:00 UTC on 2 March 2026: 04:00 in New York (EST), 18:00 on the Tokyo computer.
    clinic.store.clinic.update(dataclasses.replace(clinic.store.clinic.get(), timezone="America/New_York"),
                               by=clinic.admin_session)
    signed_in(qtbot, window, "drlee", "doctor-sign-pass-1")
    ws = open_new_visit(window, clinic)
    assert ws.banner.zone.text() == "Times in America/New_York"
    ws.assessment.record.click()
    finish()
    ws.assessment.suitable.click()
    finish()
    assert "(04:00)" in ws.assessment.decision.text()
    order(ws, "2 g", "2 g/50 mL", "30 min")
    assert ws.dose.panel.end_value.text() == "04:30 if started now"
    window.show_chart(clinic.patient)
    finish()
    chart = window.chart
    assert chart.history.item(0, 0).text() == "02 Mar 2026 04:00"
    assert chart.banner.zone.text() == "Times in America/New_York"
    assert "18:00" not in chart.history.item(0, 0).text()


def test_a_new_zone_in_settings_moves_every_screen(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                   computer_in_tokyo: None) -> None:
    signed_in(qtbot, window, "drlee", "doctor-sign-pass-1")
    open_new_visit(window, clinic)
    window.show_chart(clinic.patient)
    finish()
    assert window.chart.history.item(0, 0).text() == "02 Mar 2026 09:00"  # the clinic is on UTC
    window.sign_out()
    signed_in(qtbot, window, "admin", "ward-office-key-1")
    window.show_settings()
    finish()  # the settings are read off the UI thread
    view = window.settings_view
    view.clinic_edits["timezone"].setText("Europe/Dublinn")
    view.do_save_clinic()
    finish()
    assert "not a known time zone" in view.clinic_message.text()
    assert clinic.store.clinic.get().timezone == "UTC"
    view.clinic_edits["timezone"].setText("Australia/Sydney")
    view.do_save_clinic()
    finish()
    assert clinic.store.clinic.get().timezone == "Australia/Sydney"
    window.sign_out()
    signed_in(qtbot, window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    finish()
    assert window.chart.history.item(0, 0).text() == "02 Mar 2026 20:00"  # 09:00 UTC is 20:00 AEDT
