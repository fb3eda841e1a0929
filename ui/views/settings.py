"""Settings, for the admin: the clinic profile printed on every note (kept in the database, audited), the clinic's
rules and backups (infusiondesk_ui.views.backup_settings), and this workstation's idle auto-lock time and vital signs
reminder
interval."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from infusiondesk.clinic_time import zone_named
from infusiondesk.errors import DomainError
from infusiondesk.settings import SETTINGS, SettingError, Timing
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.session import Session
from infusiondesk_ui.settings import WorkstationSettings
from infusiondesk_ui.widgets.forms import ChoiceBox, Form
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit, ErrorLabel


class SettingsView(QWidget):
    saved = Signal(object)  # the new Timing

    def __init__(self, session: Session, settings: WorkstationSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.edits: dict[str, EnterMovesOnLineEdit] = {}
        self.errors: dict[str, ErrorLabel] = {}
        form = Form()
        for setting in SETTINGS:
            edit = EnterMovesOnLineEdit()
            edit.setAccessibleName(f"{setting.label} (minutes)")
            edit.setPlaceholderText(f"{setting.default} (default), {setting.minimum}–{setting.maximum}")
            self.edits[setting.key] = edit
            self.errors[setting.key] = ErrorLabel()
        form.add("Lock the screen after (minutes without a key or mouse)", self.edits["idle_lock_min"],
                 self.errors["idle_lock_min"])
        form.add("Remind to take vital signs every (minutes, during an infusion)", self.edits["vitals_every_min"],
                 self.errors["vitals_every_min"])
        self.save = QPushButton("&Save settings")
        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        self.where = QLabel()
        self.where.setObjectName("libraryPath")
        self.where.setWordWrap(True)
        box = QGroupBox("This workstation")
        bl = QVBoxLayout(box)
        bl.addLayout(form)
        bl.addWidget(self.save)
        bl.addWidget(self.message)
        bl.addWidget(self.where)
        lay = QVBoxLayout(self)
        lay.addWidget(self._clinic_box())
        lay.addWidget(self._policy_box())
        from infusiondesk_ui.views.backup_settings import BackupBox

        self.backups = BackupBox(session)
        lay.addWidget(self.backups)
        from infusiondesk_ui.views.follow_ups import FollowUpIntervalsBox

        self.follow_up_days = FollowUpIntervalsBox(session)
        lay.addWidget(self.follow_up_days)
        lay.addWidget(box)
        lay.addStretch(1)
        self.save.clicked.connect(self.do_save)
        self.setFocusProxy(self.edits["idle_lock_min"])

    def _clinic_box(self) -> QGroupBox:
        """Name, address, phone, hours and time zone: the header and times of every visit note."""
        self.clinic_edits: dict[str, EnterMovesOnLineEdit] = {}
        form = Form()
        for key, label, hint in (("name", "Clinic name", "as printed on notes"),
                                 ("address", "Address", "street, town, postcode"),
                                 ("phone", "Phone", "the number patients call"),
                                 ("hours", "Opening hours", "e.g. Mon–Fri 08:00–18:00"),
                                 ("timezone", "Time zone", "IANA name, e.g. America/New_York"),
                                 ("tax_id", "Tax id", "on receipts, e.g. 12-3456789"),
                                 ("provider_name", "Billing provider", "on superbills, e.g. Alan Smith, MD"),
                                 ("npi", "Provider NPI", "10 digits, from the NPPES record")):
            edit = EnterMovesOnLineEdit()
            edit.setAccessibleName(label)
            edit.setPlaceholderText(hint)
            self.clinic_edits[key] = edit
            form.add(label, edit)
        self.save_clinic = QPushButton("Save clinic &profile")
        self.clinic_message = QLabel()
        self.clinic_message.setObjectName("settingsMessage")
        self.clinic_message.setWordWrap(True)
        box = QGroupBox("Clinic profile (printed on every visit note)")
        bl = QVBoxLayout(box)
        bl.addLayout(form)
        bl.addWidget(self.save_clinic)
        bl.addWidget(self.clinic_message)
        self.save_clinic.clicked.connect(self.do_save_clinic)
        return box

    def _policy_box(self) -> QGroupBox:
        """The clinic's rules the visit service enforces at every workstation (kept in the database, audited)."""
        self.double_check = QCheckBox("Require an independent &double check of every order before the start")
        self.double_check.setAccessibleName("Require an independent double check of every order before the start")
        self.save_policy = QPushButton("Save clinic &rules")
        self.policy_message = QLabel()
        self.policy_message.setObjectName("settingsMessage")
        self.policy_message.setWordWrap(True)
        from infusiondesk.records.location import MobileCover

        self.mobile_cover = ChoiceBox("Mobile visits need, beside the nurse",
                                      tuple((c.label, c.value) for c in MobileCover))
        from infusiondesk.records.remote_approval import RemoteApproval

        self.remote_approval = ChoiceBox("On a laptop, a dose order is",
                                         tuple((a.label, a.value) for a in RemoteApproval))
        cover = Form()
        cover.add("&Mobile visits need", self.mobile_cover)
        cover.add("On a &laptop, a dose order is", self.remote_approval)
        box = QGroupBox("Clinic rules (every workstation)")
        bl = QVBoxLayout(box)
        bl.addWidget(self.double_check)
        bl.addLayout(cover)
        bl.addWidget(self.save_policy)
        bl.addWidget(self.policy_message)
        self.save_policy.clicked.connect(self.do_save_policy)
        return box

    def do_save_policy(self) -> None:
        from infusiondesk.records.location import MobileCover
        from infusiondesk.records.models import ClinicPolicy
        from infusiondesk.records.remote_approval import RemoteApproval

        policy = ClinicPolicy(double_check_required=self.double_check.isChecked(),
                              mobile_cover=MobileCover(self.mobile_cover.value),
                              mobile_remote_approval=RemoteApproval(self.remote_approval.value))
        store, session = self.session.store, self.session.require_session()

        def saved(_: object) -> None:
            self.policy_message.setText(("Saved: an order needs a second person's double check before the start."
                                         if policy.double_check_required else
                                         "Saved: orders can start without a double check (ISMP recommends one for "
                                         "magnesium sulfate; the change is in the audit trail).")
                                        + f" A mobile visit needs: {policy.mobile_cover.label.lower()}."
                                        + (" Laptops checked out from now on: a clinician signed in there may "
                                           "approve an order." if policy.mobile_remote_approval is
                                           RemoteApproval.ALLOWED else
                                           " Laptops checked out from now on: an order waits for approval in the "
                                           "clinic after sync."))

        StoreOp(self, lambda: store.clinic.set_policy(policy, session), kind="clinic") \
            .busy(self.policy_message.setText, "Saving the clinic rules…", self.save_policy) \
            .success(saved).failure(self.policy_message.setText).run()


    def do_save_clinic(self) -> None:
        values = {key: edit.text().strip() for key, edit in self.clinic_edits.items()}
        if not values["name"]:
            self.clinic_message.setText("Enter the clinic's name: it heads every visit note.")
            self.clinic_edits["name"].setFocus()
            return
        try:
            zone_named(values["timezone"])
        except DomainError as exc:
            self.clinic_message.setText(exc.message)
            self.clinic_edits["timezone"].setFocus()
            return
        store, session = self.session.store, self.session.require_session()
        field = ""

        def save() -> Any:  # off the UI thread: the profile as saved now, with the typed values
            nonlocal field
            try:
                return store.clinic.update(dataclasses.replace(store.clinic.get(), **values), session)
            except DomainError as exc:
                field = getattr(exc, "field", "")
                raise

        def saved(clinic: Any) -> None:
            self.session.use_clinic(clinic)  # every screen's times follow the saved zone
            self.clinic_message.setText("Saved: notes built from now on carry this profile; signed notes keep "
                                        "what they say.")

        def refused(sentence: str) -> None:
            self.clinic_message.setText(sentence)
            if field in self.clinic_edits:
                self.clinic_edits[field].setFocus()

        StoreOp(self, save, kind="clinic").busy(self.clinic_message.setText, "Saving the clinic profile…",
                                               self.save_clinic).success(saved).failure(refused).run()

    def refresh(self) -> None:
        store = self.session.store
        self.clinic_message.setText("")
        self.policy_message.setText("")

        def shown(read: tuple[Any, Any]) -> None:  # the profile and the rules, read off the UI thread
            clinic, policy = read
            for key, edit in self.clinic_edits.items():
                edit.setText(str(getattr(clinic, key)))
            self.double_check.setChecked(policy.double_check_required)
            self.mobile_cover.set_value(policy.mobile_cover.value)
            self.remote_approval.set_value(policy.mobile_remote_approval.value)

        StoreOp(self, lambda: (store.clinic.get(), store.clinic.policy())).success(shown) \
            .failure(self.clinic_message.setText).run()
        self.backups.refresh()
        self.follow_up_days.refresh()
        timing = self.settings.effective()
        for setting in SETTINGS:
            self.edits[setting.key].setText(str(getattr(timing, setting.key)))
            self.errors[setting.key].show_message("")
        self.message.setText("")
        self.where.setText(f"Kept on this computer in {self.settings.path}.")

    def do_save(self) -> None:
        values: dict[str, int] = {}
        for setting in SETTINGS:
            try:
                values[setting.key] = setting.check(self.edits[setting.key].text())
            except SettingError as exc:
                self.errors[setting.key].show_message(exc.message)
                self.edits[setting.key].setFocus()
                return
            self.errors[setting.key].show_message("")
        timing = Timing.from_values(values)
        self.settings.save(timing)
        store, session = self.session.store, self.session.signed_in

        def audited(_: object) -> None:
            self.message.setText(f"Saved: the screen locks after {timing.idle_lock_min} min without use; vital "
                                 f"signs are due every {timing.vitals_every_min} min during an infusion.")
            self.saved.emit(timing)

        StoreOp(self, lambda: store.audit.append(AuditEvent.SETTINGS, session, {"scope": "workstation", **values})) \
            .success(audited).failure(self.message.setText).run()
