"""The patient list: search as you type (off the UI thread), and registering a patient with errors in words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import PatientDetails
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.patients import PatientDialog
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, sign_in


@pytest.fixture
def day_first() -> Iterator[None]:
    """A clinic whose locale writes day/month/year (en_GB)."""
    was = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    yield
    QLocale.setDefault(was)


def test_search_as_you_type_by_name_or_mrn(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    clinic.store.patients.add(PatientDetails("MRN-0100", "Okafor", "Grace", date(1990, 9, 23), "female",
                                             phone="+1 207 555 0142"), by=clinic.admin_session)
    sign_in(window, "nkim", "nurse-chair-pass-1")
    search = window.patients.search
    qtbot.keyClicks(search, "oka")
    qtbot.waitUntil(lambda: [p.mrn for p in window.patients.patients] == ["MRN-0100"], timeout=5000)
    assert window.patients.table.item(0, 0).text() == "OKAFOR, Grace"
    assert window.patients.table.horizontalHeaderItem(3).text() == "Phone"
    assert window.patients.table.item(0, 3).text() == "+1 207 555 0142"  # to call before a home visit
    search.clear()
    qtbot.keyClicks(search, "MRN-0007")
    qtbot.waitUntil(lambda: [p.mrn for p in window.patients.patients] == ["MRN-0007"], timeout=5000)
    assert "penicillin" in window.patients.table.item(0, 5).text()
    assert window.patients.table.item(0, 3).text() == ""  # no phone on record: nothing made up


def test_a_new_patient_with_a_bad_date_is_explained(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                    day_first: None) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    dialog = PatientDialog(window.session, window)
    qtbot.addWidget(dialog)
    for edit, text in ((dialog.mrn, "MRN-0200"), (dialog.family, "Lind"), (dialog.given, "Erik"),
                       (dialog.dob, "31/12/64"), (dialog.allergies, "latex (hives); codeine")):
        qtbot.keyClicks(edit, text)
    dialog.save()
    finish()
    assert "does not have a four-digit year" in dialog.error.text()
    assert dialog.error.text().endswith("day/month/year (14/02/1979) or year-month-day (1979-02-14).")
    dialog.dob.clear()
    qtbot.keyClicks(dialog.dob, "5/12/1964")  # day-first clinic: 5 December, as the field says
    dialog.save()
    finish()
    assert dialog.saved is not None, dialog.error.text()
    saved = clinic.store.patients.by_mrn("MRN-0200", by=clinic.reader)
    assert saved is not None and saved.date_of_birth == date(1964, 12, 5)
    assert [(a.substance, a.reaction) for a in saved.allergies] == [("latex", "hives"), ("codeine", "")]
