"""The patient form by keyboard (issue 12): the clinic's date order, every error at once, a generated MRN,
Enter through the fields and on the last one saves, Ctrl+S saves; and editing the patient from the chart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QLocale, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from infusiondesk.records.models import PregnancyStatus, RenalStatus
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.patient_form import PatientDialog, day_first_locale, generate_mrn, luhn_digit
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, sign_in

Key, Mod = Qt.Key, Qt.KeyboardModifier


@pytest.fixture
def uk_locale() -> Iterator[None]:
    was = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    yield
    QLocale.setDefault(was)


@pytest.fixture
def us_locale() -> Iterator[None]:
    was = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(was)


def focused() -> QWidget:
    w = QApplication.focusWidget()
    assert w is not None
    return w


def dialog_for(qtbot: QtBot, window: MainWindow) -> PatientDialog:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    dialog = PatientDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    assert dialog.mrn.hasFocus()  # the form opens on its first field
    return dialog


def test_the_locale_decides_the_date_order() -> None:
    assert day_first_locale(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    assert day_first_locale(QLocale(QLocale.Language.French, QLocale.Country.France))
    assert not day_first_locale(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def test_a_patient_registered_by_keyboard_in_a_day_first_clinic(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                                uk_locale: None) -> None:
    dialog = dialog_for(qtbot, window)
    assert "day/month/year" in dialog.dob_rule.text() and dialog.dob.placeholderText().startswith("e.g. 14/02/1979")
    # Enter moves from field to field, through the choices and the tick box, and saves on the last one
    for text in ("MRN-0300", "Lind", "Erik", "14/02/1979"):
        qtbot.keyClicks(focused(), text)
        qtbot.keyClick(focused(), Key.Key_Return)
    assert dialog.sex.hasFocus()
    qtbot.keyClick(focused(), Key.Key_Down)  # male
    qtbot.keyClick(focused(), Key.Key_Return)
    assert dialog.phone.hasFocus()
    qtbot.keyClicks(focused(), "+44 20 7946 0958")
    qtbot.keyClick(focused(), Key.Key_Return)
    assert dialog.address.hasFocus()  # in the address Enter starts a new line, Tab moves on
    qtbot.keyClicks(focused(), "14 Orchard Lane")
    qtbot.keyClick(focused(), Key.Key_Return)
    qtbot.keyClicks(focused(), "Riverside RV1 4AB")
    qtbot.keyClick(focused(), Key.Key_Tab)
    assert dialog.weight.hasFocus()
    for text in ("82", "latex (hives)"):
        qtbot.keyClicks(focused(), text)
        qtbot.keyClick(focused(), Key.Key_Return)
    assert dialog.nka.hasFocus()
    qtbot.keyClick(focused(), Key.Key_Return)  # not ticked: moves on
    assert dialog.renal.hasFocus()
    qtbot.keyClick(focused(), Key.Key_Return)
    qtbot.keyClicks(focused(), "75")
    qtbot.keyClick(focused(), Key.Key_Return)
    assert dialog.pregnancy.hasFocus() and dialog.saved is None  # nothing saved before the last field
    qtbot.keyClick(focused(), Key.Key_Return)  # Enter on the last field saves
    finish()
    assert dialog.saved is not None, dialog.error.text()
    saved = clinic.store.patients.by_mrn("MRN-0300", by=clinic.reader)
    assert saved is not None and saved.date_of_birth == date(1979, 2, 14) and saved.sex == "male"
    assert saved.weight_kg == 82 and saved.egfr_ml_min == 75
    assert (saved.phone, saved.address) == ("+44 20 7946 0958", "14 Orchard Lane\nRiverside RV1 4AB")


def test_every_problem_of_the_form_is_shown_at_once(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                    uk_locale: None) -> None:
    dialog = dialog_for(qtbot, window)
    dialog.weight.setText("eighty")
    dialog.allergies.setText("latex")
    dialog.nka.setChecked(True)
    qtbot.keyClick(dialog.mrn, Key.Key_S, Mod.ControlModifier)  # Ctrl+S saves from anywhere: here it is refused
    finish()
    lines = dialog.error.text().split("\n")
    assert len(lines) == 6, lines
    assert lines[0].startswith("MRN is empty") and "Generate MRN (Alt+N)" in lines[0]
    assert lines[1].startswith("Family name is empty") and lines[2].startswith("Given name is empty")
    assert lines[3].startswith("Date of birth is empty")
    assert 'Weight "eighty" is not a number' in lines[4]
    assert "No known allergies" in lines[5]
    assert dialog.saved is None and clinic.store.patients.by_mrn("", by=clinic.reader) is None


def test_a_date_that_is_no_date_in_the_clinics_order_is_refused_with_the_rule(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, us_locale: None) -> None:
    dialog = dialog_for(qtbot, window)
    assert "month/day/year" in dialog.dob_rule.text()
    for edit, text in ((dialog.mrn, "MRN-0301"), (dialog.family, "Lind"), (dialog.given, "Erik"),
                       (dialog.dob, "14/02/1979")):
        qtbot.keyClicks(edit, text)
    qtbot.keyClick(dialog.dob, Key.Key_S, Mod.ControlModifier)
    finish()
    assert "has no month 14 when read as month/day/year" in dialog.error.text()
    dialog.dob.setText("1979-02-14")  # year-month-day is always accepted
    qtbot.keyClick(dialog.dob, Key.Key_S, Mod.ControlModifier)
    finish()
    assert dialog.saved is not None and dialog.saved.date_of_birth == date(1979, 2, 14), dialog.error.text()


def test_generate_mrn_fills_a_new_checked_number(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                 uk_locale: None) -> None:
    dialog = dialog_for(qtbot, window)
    qtbot.keyClick(dialog.mrn, Key.Key_N, Mod.AltModifier)
    qtbot.waitUntil(lambda: dialog.mrn.text() != "", timeout=2000)  # a mnemonic animates the click
    mrn = dialog.mrn.text()
    assert mrn.startswith("ID-") and len(mrn) == 11 and mrn[-1] == luhn_digit(mrn[3:-1])
    assert dialog.family.hasFocus()
    for edit, text in ((dialog.family, "Lind"), (dialog.given, "Erik"), (dialog.dob, "14/02/1979")):
        qtbot.keyClicks(edit, text)
    qtbot.keyClick(dialog.dob, Key.Key_S, Mod.ControlModifier)
    finish()
    assert clinic.store.patients.by_mrn(mrn, by=clinic.reader) is not None, dialog.error.text()


def test_a_generated_mrn_is_never_one_in_use() -> None:
    draws = iter([1234567, 1234567, 7654321])
    taken = {f"ID-1234567{luhn_digit('1234567')}"}
    assert generate_mrn(lambda m: m in taken, lambda _n: next(draws)) == f"ID-7654321{luhn_digit('7654321')}"
    assert luhn_digit("7992739871") == "3"  # the textbook Luhn example


def test_the_nurse_edits_renal_function_and_pregnancy_from_the_chart(qtbot: QtBot, window: MainWindow,
                                                                     clinic: Clinic_, uk_locale: None) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    window.show_chart(clinic.patient)
    chart = window.chart
    seen: list[str] = []

    def in_the_form() -> None:
        forms = [d for d in chart.findChildren(PatientDialog) if d.isVisible()]
        if not forms:  # Alt+E presses the button after its short animation: look again shortly
            QTimer.singleShot(20, in_the_form)
            return
        form = forms[0]
        try:
            seen.append(form.dob.text())
            form.activateWindow()
            qtbot.waitUntil(form.isActiveWindow, timeout=2000)
            form.renal.setFocus()
            form.renal.set_value(RenalStatus.SEVERE.value)
            form.egfr.setText("24")
            form.pregnancy.set_value(PregnancyStatus.NOT_PREGNANT.value)
            qtbot.keyClick(form.pregnancy, Key.Key_S, Mod.ControlModifier)
            finish()
        finally:
            if form.isVisible():  # never leave a modal form open (the test would wait forever)
                seen.append(form.error.text())
                form.reject()

    QTimer.singleShot(50, in_the_form)
    chart.new_button.setFocus()
    qtbot.keyClick(chart.new_button, Key.Key_E, Mod.AltModifier)  # Alt+E: Edit patient
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=5000)
    assert seen == ["1985-06-01"]  # the form opened filled in
    qtbot.waitUntil(lambda: clinic.store.patients.get(clinic.patient.id,
                                                     by=clinic.reader).renal_status is RenalStatus.SEVERE,
                    timeout=3000)
    edited = clinic.store.patients.get(clinic.patient.id, by=clinic.reader)
    assert edited.egfr_ml_min == 24 and edited.pregnancy is PregnancyStatus.NOT_PREGNANT
    assert edited.mrn == "MRN-0007" and edited.migraine_diagnosis  # what the form does not show is kept
    assert chart.patient == edited
    trail = clinic.store.audit.entries("patients", clinic.patient.id, by=clinic.admin_session)
    assert [e["event"] for e in trail] == ["create", "update"]  # the edit is audited, by the nurse
    # the screening of a new visit reads the edited record
    window.new_visit()
    finish()
    from infusiondesk_ui.views.visit_workspace import VisitWorkspace

    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    assert "CONTRAINDICATION" in ws.assessment.screening.text() and "renal" in ws.assessment.screening.text().lower()


def test_a_phone_number_with_letters_is_named_as_it_is_typed_and_refused_on_save(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, uk_locale: None) -> None:
    dialog = dialog_for(qtbot, window)
    for edit, text in ((dialog.mrn, "MRN-0302"), (dialog.family, "Lind"), (dialog.given, "Erik"),
                       (dialog.dob, "14/02/1979"), (dialog.phone, "555 0100 ext 4")):
        qtbot.keyClicks(edit, text)
    said = 'The phone number "555 0100 ext 4" may hold only digits, spaces, + ( ) and -'
    assert dialog.phone_error.text().startswith(said)  # beside the field, while typing
    qtbot.keyClick(dialog.phone, Key.Key_S, Mod.ControlModifier)
    finish()
    assert dialog.saved is None and dialog.error.text().startswith(said)
    assert clinic.store.patients.by_mrn("MRN-0302", by=clinic.reader) is None
    for _ in "ext 4":
        qtbot.keyClick(dialog.phone, Key.Key_Backspace)
    assert dialog.phone_error.text() == ""
    qtbot.keyClick(dialog.phone, Key.Key_S, Mod.ControlModifier)
    finish()
    assert dialog.saved is not None and dialog.saved.phone == "555 0100", dialog.error.text()


def test_the_form_opened_on_a_patient_shows_and_keeps_their_phone_and_address(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, uk_locale: None) -> None:
    import dataclasses

    sign_in(window, "nkim", "nurse-chair-pass-1")
    session = window.session.require_session()
    ana = window.session.service.update_patient(session, dataclasses.replace(
        clinic.patient, phone="555 0100", address="14 Orchard Lane\nRiverside"), based_on=clinic.patient)
    dialog = PatientDialog(window.session, window, patient=ana)
    qtbot.addWidget(dialog)
    assert (dialog.phone.text(), dialog.address.text()) == ("555 0100", "14 Orchard Lane\nRiverside")
    dialog.address.setText("2 Mill Road\nRiverside")
    dialog.save()
    finish()
    assert dialog.saved is not None, dialog.error.text()
    again = clinic.store.patients.get(ana.id, by=clinic.reader)
    assert (again.phone, again.address) == ("555 0100", "2 Mill Road\nRiverside")


def open_on_ana(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> PatientDialog:
    """The nurse's form on Ms Rivera (64 kg, penicillin), opened before anyone else's save."""
    sign_in(window, "nkim", "nurse-chair-pass-1")
    dialog = PatientDialog(window.session, window, patient=clinic.patient)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    return dialog


def saved_elsewhere(clinic: Clinic_, **changes: object) -> None:
    """Dr Lee's workstation saves a change to Ms Rivera while the nurse's form is open."""
    import dataclasses

    before = clinic.store.patients.get(clinic.patient.id, by=clinic.reader)
    clinic.store.patients.update(dataclasses.replace(before, **changes), clinic.session(clinic.clinician),  # type: ignore[arg-type]
                                 based_on=before)


def retype(qtbot: QtBot, edit: QWidget, text: str) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Key.Key_A, Mod.ControlModifier)
    qtbot.keyClicks(edit, text)


def test_another_workstations_change_to_other_fields_is_kept_when_the_form_saves(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, uk_locale: None) -> None:
    dialog = open_on_ana(qtbot, window, clinic)
    saved_elsewhere(clinic, history_notes="Needle-phobic: numbing cream first")
    retype(qtbot, dialog.weight, "66")
    qtbot.keyClick(dialog.weight, Key.Key_S, Mod.ControlModifier)
    finish()
    assert dialog.saved is not None, dialog.error.text()
    now = clinic.store.patients.get(clinic.patient.id, by=clinic.reader)
    assert now.weight_kg == 66 and now.history_notes == "Needle-phobic: numbing cream first"


def test_the_same_field_saved_elsewhere_is_said_and_save_again_keeps_what_the_nurse_typed(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, uk_locale: None) -> None:
    dialog = open_on_ana(qtbot, window, clinic)
    saved_elsewhere(clinic, weight_kg=66.0, phone="555 0123")
    retype(qtbot, dialog.weight, "65")
    qtbot.keyClick(dialog.weight, Key.Key_S, Mod.ControlModifier)
    finish()
    assert dialog.saved is None and dialog.isVisible()  # nothing saved, nothing typed lost
    assert dialog.error.text() == ("Saved meanwhile on another workstation: Weight (kg): now 66, yours 65. "
                                   "Nothing was saved here. Save again keeps what you typed; Cancel keeps what is "
                                   "saved.")
    assert dialog.weight.text() == "65"
    assert clinic.store.patients.get(clinic.patient.id, by=clinic.reader).weight_kg == 66.0
    qtbot.keyClick(dialog.weight, Key.Key_S, Mod.ControlModifier)  # she checked: 65 kg is today's weight
    finish()
    assert dialog.saved is not None, dialog.error.text()
    now = clinic.store.patients.get(clinic.patient.id, by=clinic.reader)
    assert (now.weight_kg, now.phone) == (65.0, "555 0123")  # the other change she did not touch stays
