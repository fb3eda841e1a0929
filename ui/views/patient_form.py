"""Registering a patient and editing one (renal function, pregnancy and the rest the screening reads).

Every problem of the form is listed at once, beside nothing hidden: the nurse fixes them in one pass. Dates are
typed in the clinic's order (from the workstation's locale: day/month/year when it is day-first) or as
year-month-day, and the field says which. A clinic without its own MRNs presses Generate. Enter moves from field
to field and saves from the last one (in the address, Enter starts a new line and Tab moves on); Ctrl+S saves from
anywhere. The phone number is checked as it is typed, with the core's sentence (`infusiondesk.validation`).
"""

from __future__ import annotations

import dataclasses
import itertools
import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QLocale, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from infusiondesk.errors import DomainError, InputError
from infusiondesk.interop.patient_fields import allergies_from_text
from infusiondesk.records.models import Patient, PatientDetails, PregnancyStatus, RenalStatus, Sex
from infusiondesk.store.errors import PatientChangedElsewhere
from infusiondesk.units import date_rule, parse_date
from infusiondesk.validation import allergy_claim_problem, birth_date_problem, clean_address, phone_problem
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.ops import user_message
from infusiondesk_ui.session import Session
from infusiondesk_ui.widgets.address_edit import AddressEdit
from infusiondesk_ui.widgets.forms import ChoiceBox, Form
from infusiondesk_ui.widgets.number_edit import NumberEdit
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit, ErrorLabel, example_hint

SAVE_SHORTCUT = "Ctrl+S"


def day_first_locale(locale: QLocale | None = None) -> bool:
    """Whether the clinic's short date format puts the day before the month (en_GB, fr, de…; not en_US)."""
    fmt = (locale or QLocale()).dateFormat(QLocale.FormatType.ShortFormat)
    day, month = fmt.find("d"), fmt.find("M")
    return 0 <= day < month


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of `digits`, so a mistyped generated MRN is caught by a reader that checks it."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def generate_mrn(taken: Callable[[str], bool], draw: Callable[[int], int] = secrets.randbelow) -> str:
    """A new MRN for a clinic without its own numbering: "ID-" and 7 random digits and a Luhn check digit, never
    one already in use (the store refuses a duplicate anyway)."""
    for _ in range(100):
        body = f"{draw(10_000_000):07d}"
        mrn = f"ID-{body}{luhn_digit(body)}"
        if not taken(mrn):
            return mrn
    raise DomainError("No free MRN was found; type the MRN instead.")


def allergies_text(patient: PatientDetails) -> str:
    return "; ".join(f"{a.substance} ({a.reaction})" if a.reaction else a.substance for a in patient.allergies)


class _EnterKey(QObject):
    """Enter on a choice or a tick box moves to the next field, as it does in the text fields; on the form's last
    field (nothing left to move to) it saves."""

    def __init__(self, last: QWidget, save: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._last, self._save = last, save

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            if watched is self._last:
                self._save()
            elif isinstance(watched, QWidget):
                watched.focusNextChild()
            return True
        return False


class PatientDialog(QDialog):
    """Register a patient, or (with `patient`) edit one: identity, weight, allergies and the screening facts."""

    def __init__(self, session: Session, parent: QWidget | None = None, patient: Patient | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.editing = patient
        # what this edit's changes are measured from: the patient as opened, then, after a clash with another
        # workstation's save, with the clashing fields as saved there (a second Save then keeps what is typed)
        self._based_on = patient
        self.saved: Patient | None = None
        self._saving = False  # a save is running (Enter, Ctrl+S and Save do not start a second one)
        self.day_first = day_first_locale()
        self.setWindowTitle(f"InfusionDesk — edit patient {patient.display_name}" if patient is not None
                            else "InfusionDesk — new patient")
        self.mrn = EnterMovesOnLineEdit()
        self.mrn.setAccessibleName("MRN")
        self.generate = QPushButton("Ge&nerate MRN")
        self.generate.setToolTip("For clinics without their own MRNs: a new number, never one in use.")
        self.family = EnterMovesOnLineEdit()
        self.given = EnterMovesOnLineEdit()
        self.dob = EnterMovesOnLineEdit()
        rule = date_rule(self.day_first)
        example = "14/02/1979 or 1979-02-14" if self.day_first else "02/14/1979 or 1979-02-14"
        self.dob.setPlaceholderText(example_hint(example))
        self.dob.setAccessibleDescription(f"Type the date as {rule}.")
        self.dob_rule = QLabel(f"As {rule}.")
        self.dob_rule.setObjectName("dateRule")
        self.sex = ChoiceBox("Sex", tuple((x.value, x.value) for x in Sex))
        self.phone = EnterMovesOnLineEdit()
        self.phone.setPlaceholderText(example_hint("+44 20 7946 0958"))
        self.phone_error = ErrorLabel()
        self.phone.textChanged.connect(lambda text: self.phone_error.show_message(phone_problem(text) or ""))
        self.address = AddressEdit()
        self.address.setPlaceholderText("Home address, one line per line: street, city, postcode. Tab moves on.")
        self.weight = NumberEdit("Weight", "kg", "70", integer=False)
        self.allergies = EnterMovesOnLineEdit()
        self.allergies.setPlaceholderText("e.g. penicillin (rash); latex")
        self.nka = QCheckBox("No known allergies")
        self.renal = ChoiceBox("Renal function", tuple((r.value.replace("_", " "), r.value) for r in RenalStatus))
        self.renal.set_value(RenalStatus.UNKNOWN.value)
        self.egfr = NumberEdit("eGFR or creatinine clearance", "mL/min", "90", integer=False)
        self.pregnancy = ChoiceBox("Pregnancy", tuple((p.value.replace("_", " "), p.value) for p in PregnancyStatus))
        self.pregnancy.set_value(PregnancyStatus.UNKNOWN.value)
        self.error = ErrorLabel()
        self.error.setAccessibleName("What to correct before saving")
        mrn_row = QWidget()
        ml = QHBoxLayout(mrn_row)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.mrn, 1)
        ml.addWidget(self.generate)
        mrn_row.setFocusProxy(self.mrn)
        mrn_row.setAccessibleName("MRN, or generate one")
        form = Form()
        form.add("&MRN", mrn_row)
        form.add("&Family name", self.family)
        form.add("&Given name", self.given)
        form.add("&Date of birth", self.dob, self.dob_rule)
        form.add("Se&x", self.sex)
        form.add("P&hone", self.phone, self.phone_error)
        form.add("Addr&ess", self.address)
        form.add("&Weight (kg)", self.weight, self.weight.error_label)
        form.add("&Allergies", self.allergies)
        form.add_wide(self.nka)
        form.add("&Renal function", self.renal)
        form.add("eGFR (mL/min)", self.egfr, self.egfr.error_label)
        form.add("&Pregnancy", self.pregnancy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(f"&Save ({SAVE_SHORTCUT})")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.generate.clicked.connect(self.fill_generated_mrn)
        save_key = QShortcut(QKeySequence(SAVE_SHORTCUT), self)
        save_key.activated.connect(self.save)
        chain: list[QWidget] = [self.mrn, self.family, self.given, self.dob, self.sex, self.phone, self.address,
                                self.weight, self.allergies, self.nka, self.renal, self.egfr, self.pregnancy,
                                self.save_button,
                                buttons.button(QDialogButtonBox.StandardButton.Cancel), self.generate]
        for a, b in itertools.pairwise(chain):  # Enter and Tab go field to field; Generate is Alt+N
            QWidget.setTabOrder(a, b)
        enter = _EnterKey(self.pregnancy, self.save, self)
        for w in (self.sex, self.nka, self.renal, self.pregnancy):
            w.installEventFilter(enter)
        for b in self.findChildren(QPushButton):  # no button takes Enter meant for a field (Space presses them)
            b.setAutoDefault(False)
            b.setDefault(False)
        if patient is not None:
            self._load(patient)
            self.generate.hide()
        self.mrn.setFocus()

    def _load(self, p: Patient) -> None:
        self.mrn.setText(p.mrn)
        self.family.setText(p.family_name)
        self.given.setText(p.given_name)
        self.dob.setText(p.date_of_birth.isoformat())
        self.sex.set_value(p.sex)
        self.phone.setText(p.phone)
        self.address.setText(p.address)
        self.weight.set_value(p.weight_kg)
        self.allergies.setText(allergies_text(p))
        self.nka.setChecked(p.no_known_allergies)
        self.renal.set_value(p.renal_status.value)
        self.egfr.set_value(p.egfr_ml_min)
        self.pregnancy.set_value(p.pregnancy.value)

    def fill_generated_mrn(self) -> None:
        """A new MRN, checked unused in the store off the UI thread; it appears once checked (Generate is off
        meanwhile), and the nurse goes on to the family name."""
        store, session = self.session.store, self.session.require_session()

        def filled(mrn: str) -> None:
            self.mrn.setText(mrn)
            self.family.setFocus()

        StoreOp(self, lambda: generate_mrn(lambda mrn: store.patients.by_mrn(mrn, by=session) is not None)) \
            .busy(self.error.show_message, "", self.generate).success(filled).failure(self.error.show_message).run()

    def problems(self) -> tuple[list[str], date | None]:
        """Every problem of the form, in the order of the fields (all shown at once), and the date of birth."""
        out: list[str] = []
        if not self.mrn.text().strip():
            out.append("MRN is empty; type the clinic's MRN, or press Generate MRN (Alt+N) if the clinic has none.")
        if not self.family.text().strip():
            out.append("Family name is empty; type the patient's family name.")
        if not self.given.text().strip():
            out.append("Given name is empty; type the patient's given name.")
        dob: date | None = None
        try:
            dob = parse_date(self.dob.text(), "date of birth", day_first=self.day_first)
        except DomainError as exc:
            out.append(exc.message)
        today = self.session.today()
        born = birth_date_problem(dob, today) if dob is not None else None
        if born:
            out.append(born)
            dob = None
        phone = phone_problem(self.phone.text())
        if phone:
            out.append(phone)
        try:
            clean_address(self.address.text())
        except InputError as exc:
            out.append(exc.message)
        out += [w.message for w in (self.weight, self.egfr) if w.message]
        claim = allergy_claim_problem(self.nka.isChecked(), bool(self.allergies.text().strip()))
        if claim:
            out.append(claim)
        return out, dob

    def typed(self) -> dict[str, Any]:
        """The fields as typed (every problem raised at once, one sentence each on its own line)."""
        problems, dob = self.problems()
        if problems or dob is None:
            raise DomainError("\n".join(problems))
        allergies = allergies_from_text(self.allergies.text())
        typed: dict[str, Any] = dict(mrn=self.mrn.text().strip(), family_name=self.family.text().strip(),
                     given_name=self.given.text().strip(), date_of_birth=dob, sex=Sex(self.sex.value),
                     phone=self.phone.text(), address=self.address.text(),
                     weight_kg=float(self.weight.value) if self.weight.value is not None else None,
                     allergies=allergies, no_known_allergies=self.nka.isChecked(),
                     renal_status=RenalStatus(self.renal.value),
                     egfr_ml_min=float(self.egfr.value) if self.egfr.value is not None else None,
                     pregnancy=PregnancyStatus(self.pregnancy.value))
        return typed

    def save(self) -> None:
        """Check the form here (every problem at once), then save off the UI thread: a new patient is added, an
        edit goes through the visit service. Save, Enter and Ctrl+S save once while it runs; the dialog closes
        when it is saved, and a refusal is shown with its own sentence."""
        if self._saving:
            return
        try:
            typed = self.typed()
            session = self.session.require_session()
        except Exception as exc:
            self.error.show_message(user_message(exc))
            return
        store, service, editing, based_on = self.session.store, self.session.service, self.editing, self._based_on

        def work() -> Patient | PatientChangedElsewhere:
            if editing is None or based_on is None:
                added: Patient = store.patients.add(PatientDetails(**typed), by=session)
                return added
            # only what was changed here is written: what this form does not show (medicines, history…) and
            # what another workstation changed meanwhile stay as saved
            try:
                updated: Patient = service.update_patient(session, dataclasses.replace(editing, **typed),
                                                          based_on=based_on)
            except PatientChangedElsewhere as clash:
                return clash
            return updated

        def saved(result: Patient | PatientChangedElsewhere) -> None:
            if isinstance(result, PatientChangedElsewhere):
                self._clashed(result)
                return
            self.saved = result
            self.accept()

        def ended() -> None:
            self._saving = False

        self._saving = True
        self.error.show_message("")
        StoreOp(self, work, kind="patients").busy(self.error.show_message, "", self.save_button) \
            .success(saved).failure(self.error.show_message).ended(ended).run()

    def _clashed(self, clash: PatientChangedElsewhere) -> None:
        """Another workstation saved the same fields meanwhile: nothing was saved, the form keeps what is typed and
        says both values; Save again keeps what is typed (for those fields), Cancel keeps what is saved."""
        assert self._based_on is not None
        self._based_on = dataclasses.replace(self._based_on,
                                             **{k: getattr(clash.current, k) for k in clash.fields})
        self.error.show_message(f"Saved meanwhile on another workstation: {clash.differences}. Nothing was saved "
                                "here. Save again keeps what you typed; Cancel keeps what is saved.")

    def reject(self) -> None:
        """Cancel and Esc wait while a save runs: the patient would be saved behind a closed form."""
        if not self._saving:
            super().reject()
