"""The mobile day in the app, by keyboard, over real stores (the clinic's SQLite file and the encrypted laptop
copy): Noor checks two patients out, opens the laptop copy with her password (a wrong one first), Dr Lee charts a
visit there, the same patient's weight is changed on both sides, Noor syncs from the app, reads the report, and
resolves the conflict; in the clinic the patients show as out on her laptop and the conflicts screen keeps a
side."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from infusiondesk.auth import AuthError
from infusiondesk.drugs import load_drug
from infusiondesk.mobile import day
from infusiondesk.records.models import Patient, PatientDetails, RenalStatus, Sex
from infusiondesk.store import Store
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.laptop_open import LaptopPasswordDialog
from infusiondesk_ui.session import Session
from infusiondesk_ui.views.mobile_checkout import CheckoutDialog
from infusiondesk_ui.views.mobile_sync import SyncDialog
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import PASSWORDS, Clinic_
from tests.ui.steps import assess_and_approve, finish, settle, sign_in

Key = Qt.Key
SLOW_MS = 90_000  # PBKDF2 (600,000 rounds) and argon2, on a shared machine


def focused() -> QWidget:
    w = QApplication.focusWidget()
    assert w is not None
    return w


def second_patient(clinic: Clinic_) -> Patient:
    return clinic.store.patients.add(PatientDetails("MRN-0012", "Rivers", "Tom", date(1971, 2, 11), Sex.MALE, 82,
                                                    no_known_allergies=True, renal_status=RenalStatus.NORMAL),
                                     by=clinic.admin_session)


def open_window(qtbot: QtBot, store: Store, clinic: Clinic_, laptop_path: Path | None = None) -> MainWindow:
    w = MainWindow(Session(store=store, drug=load_drug(), clock=clinic.clock))
    w.mobile.laptop_path = laptop_path
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    settle(qtbot)
    return w


def check_out_by_keyboard(qtbot: QtBot, w: MainWindow, out: Path, ca_passphrase: str = "") -> CheckoutDialog:
    sign_in(w, "nkim", PASSWORDS["nkim"])
    assert w.mobile.act_checkout.isEnabled() and not w.mobile.act_sync.isEnabled()
    w.mobile.act_checkout.trigger()
    dialog = w.mobile.dialog
    assert isinstance(dialog, CheckoutDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.search.hasFocus)
    for typed in ("rivera", "MRN-0012"):
        qtbot.keyClicks(dialog.search, typed)
        qtbot.keyClick(dialog.search, Key.Key_Return)
        settle(qtbot)
    assert dialog.mrns == ["MRN-0007", "MRN-0012"], dialog.message.text()
    assert dialog.file.text().endswith(".db")  # a default in her data folder; here a test folder instead
    dialog.file.setText(str(out))
    dialog.also.setText("drlee")
    qtbot.keyClicks(dialog.password, PASSWORDS["nkim"])
    asked: list[str] = []
    dialog.ask_password = lambda name: asked.append(name) or PASSWORDS[name]  # drlee types hers in the prompt
    if ca_passphrase:
        dialog.password.setFocus()
        qtbot.waitUntil(dialog.password.hasFocus)
        qtbot.keyClick(dialog.password, Key.Key_Tab)
        assert dialog.ca_passphrase.hasFocus()
        qtbot.keyClicks(dialog.ca_passphrase, ca_passphrase)
        qtbot.keyClick(dialog.ca_passphrase, Key.Key_Return)
    else:
        qtbot.keyClick(dialog.password, Key.Key_Return)
    settle(qtbot, SLOW_MS)  # the checkout, off the UI thread
    assert asked == (["drlee"] if ca_passphrase else [])  # a co-worker's password only when keys are issued
    return dialog


def test_with_the_ca_passphrase_the_laptop_gets_signing_keys_of_its_own(qtbot: QtBot, clinic: Clinic_,
                                                                       tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from infusiondesk import pki
    from infusiondesk.store import laptop_keys

    ca_pass = "clinic vault granite 7"
    pki.save_clinic_ca(clinic.store, pki.create_clinic_ca("Riverside", ca_pass, datetime(2026, 1, 1, tzinfo=UTC)),
                       by=clinic.admin_session)
    second_patient(clinic)
    out = tmp_path / "nkim-laptop.db"
    w = open_window(qtbot, clinic.store, clinic)
    dialog = check_out_by_keyboard(qtbot, w, out, ca_passphrase=ca_pass)
    assert dialog.laptop_id is not None, dialog.message.text()
    assert "Signing keys for this laptop only: nkim, drlee." in dialog.message.text()
    assert len(laptop_keys.certificates(clinic.store, dialog.laptop_id)) == 2
    assert dialog.ca_passphrase.text() == "" and dialog.password.text() == ""  # nothing secret left in the form
    dialog.close()
    w.sign_out()


def test_check_out_two_patients_open_the_copy_chart_sync_and_resolve(qtbot: QtBot, clinic: Clinic_, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFUSIONDESK_DB", str(tmp_path / "clinic.db"))  # this workstation's clinic database
    second_patient(clinic)
    out = tmp_path / "nkim-laptop.db"
    w = open_window(qtbot, clinic.store, clinic)
    dialog = check_out_by_keyboard(qtbot, w, out)
    assert dialog.laptop_id is not None, dialog.message.text()
    said = dialog.message.text()
    assert f"Checked out 2 patient(s) to {out}." in said and "opens only with your password (Noor Kim's)" in said
    assert "It carries no signing key: notes are signed in the clinic after sync." in said
    assert out.exists() and b"Rivera" not in out.read_bytes()
    dialog.close()
    w.show_chart(clinic.patient)  # in the clinic, her chart says she is out on Noor's laptop (a note)
    settle(qtbot)
    assert w.mobile.last_note.startswith("RIVERA, Ana is out: On Noor Kim's laptop since 09:00."), w.mobile.last_note
    w.sign_out()

    # On the laptop: her password in a dialog, a wrong one first
    ask = LaptopPasswordDialog(out)
    qtbot.addWidget(ask)
    ask.show()
    qtbot.waitExposed(ask)
    ask.activateWindow()
    qtbot.keyClicks(ask.password, "not-her-password-at-all")
    qtbot.keyClick(ask.password, Key.Key_Return)
    qtbot.waitUntil(lambda: "does not open" in ask.message.text(), timeout=SLOW_MS)
    assert ask.url is None and ask.password.text() == ""
    qtbot.keyClicks(ask.password, PASSWORDS["nkim"])
    qtbot.keyClick(ask.password, Key.Key_Return)
    qtbot.waitUntil(lambda: ask.url is not None, timeout=SLOW_MS)
    assert ask.url is not None
    laptop_store = Store.open(ask.url, clock=clinic.clock.now, create=False)
    try:
        lw = open_window(qtbot, laptop_store, clinic, laptop_path=out)
        marker = lw.mobile.marker
        qtbot.waitUntil(lambda: marker.copy is not None)
        assert marker.isVisible()
        assert marker.text == ("Laptop copy — checked out 02 Mar 09:00 by Noor Kim; last synced never; no visits not "
                               "yet synced")
        sign_in(lw, "drlee", PASSWORDS["drlee"])  # carried with --also: approves at the home
        assert not lw.mobile.act_checkout.isEnabled() and not lw.mobile.act_sync.isEnabled()  # not a nurse
        lw.show_chart(clinic.patient)
        lw.new_visit()
        finish()
        ws = lw.stack.currentWidget()
        assert isinstance(ws, VisitWorkspace)
        assess_and_approve(ws)
        settle(qtbot)
        qtbot.waitUntil(lambda: "1 visit not yet synced" in marker.text)
        lw.sign_out()
        # the same patient's weight changed on both sides: a conflict, not applied
        sign_in(lw, "nkim", PASSWORDS["nkim"])
        on_laptop = laptop_store.patients.get(clinic.patient.id or 0, by=lw.session.require_session())
        laptop_store.patients.update(replace(on_laptop, weight_kg=66), by=lw.session.require_session(),
                                     based_on=on_laptop)
        nurse = clinic.session(clinic.nurse)
        in_clinic = clinic.store.patients.get(clinic.patient.id or 0, by=nurse)
        clinic.store.patients.update(replace(in_clinic, weight_kg=65), by=nurse, based_on=in_clinic)

        assert lw.mobile.act_sync.isEnabled() and not lw.mobile.act_checkout.isEnabled()
        lw.mobile.act_sync.trigger()
        sync = lw.mobile.dialog
        assert isinstance(sync, SyncDialog)
        qtbot.waitExposed(sync)
        sync.activateWindow()
        assert sync.clinic_db.text().endswith("clinic.db")  # the workstation's configured clinic database
        qtbot.waitUntil(sync.password.hasFocus)
        qtbot.keyClicks(focused(), PASSWORDS["nkim"])
        qtbot.keyClick(focused(), Key.Key_Return)
        qtbot.waitUntil(lambda: sync.report is not None or "Not synced" in sync.message.text(), timeout=SLOW_MS)
        settle(qtbot, SLOW_MS)
        summary = sync.summary.toPlainText()
        assert "Pushed 1 visit(s) and 0 patient edit(s) to the clinic" in summary, sync.message.text()
        assert "1 record(s) were changed both here and in the clinic and were NOT applied" in summary
        assert "Resolve conflicts… below" in summary and "`" not in summary
        assert "1 conflict(s) to resolve" in sync.message.text()
        qtbot.waitUntil(lambda: "last synced 02 Mar 09:00; no visits not yet synced" in marker.text)

        assert sync.resolve_button.isVisible() and sync.resolve_button.hasFocus()
        qtbot.keyClick(focused(), Key.Key_Space)
        view = sync.conflicts_view
        assert view is not None
        settle(qtbot)
        assert view.table.rowCount() == 1 and "Rivera" in view.table.item(0, 1).text()
        assert "Weight (kg) — laptop: <b>66</b>; clinic: <b>65</b>" in view.detail.text()
        view.keep_clinic.setFocus()
        qtbot.keyClick(focused(), Key.Key_Space)
        settle(qtbot)
        assert "Conflict #1 resolved: the clinic's version is kept" in view.message.text()
        assert view.table.rowCount() == 0
        assert clinic.store.patients.get(clinic.patient.id or 0, by=nurse).weight_kg == 65
        link = sync.link
        assert link is not None
        sync.close()
        settle(qtbot)  # the clinic sign-out runs off the UI thread
        assert sync.link is None
        with pytest.raises(AuthError):  # signed out of the clinic, its database closed
            clinic.store.users.current(link.session)
        lw.sign_out()
    finally:
        settle(qtbot)  # the marker's last reading ends before its database closes
        laptop_store.close()


def test_a_wrong_nurse_is_refused_in_a_sentence(qtbot: QtBot, clinic: Clinic_, tmp_path: Path) -> None:
    from infusiondesk.records.models import Role

    clinic.store.users.create("nbell", "Nia Bell", Role.NURSE, "second-nurse-pass-1", "RN", by=clinic.admin_session)
    out = tmp_path / "laptop.db"
    day.checkout(clinic.store, clinic.session(clinic.nurse), PASSWORDS["nkim"], [clinic.patient.mrn], out,
                 also=["nbell"])
    laptop_store = day.laptop.open_laptop(out, PASSWORDS["nkim"], clock=clinic.clock.now)
    try:
        lw = open_window(qtbot, laptop_store, clinic, laptop_path=out)
        sign_in(lw, "nbell", "second-nurse-pass-1")
        qtbot.waitUntil(lambda: lw.mobile.act_sync.isEnabled())
        sync = SyncDialog(lw.session, out, lw, clinic_db=str(tmp_path / "clinic.db"))
        qtbot.addWidget(sync)
        sync.show()
        qtbot.keyClicks(sync.password, "second-nurse-pass-1")
        qtbot.keyClick(sync.password, Key.Key_Return)
        qtbot.waitUntil(lambda: "Not synced" in sync.message.text(), timeout=SLOW_MS)
        assert "password does not open this laptop database" in sync.message.text()
        assert sync.report is None and not sync.summary.isVisible()
        lw.sign_out()
    finally:
        settle(qtbot)  # the marker's last reading ends before its database closes
        laptop_store.close()


def test_closing_the_sync_dialog_while_it_runs_still_signs_out_of_the_clinic(
        qtbot: QtBot, clinic: Clinic_, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infusiondesk_ui import mobile_ops

    out = tmp_path / "laptop.db"
    day.checkout(clinic.store, clinic.session(clinic.nurse), PASSWORDS["nkim"], [clinic.patient.mrn], out)
    laptop_store = day.laptop.open_laptop(out, PASSWORDS["nkim"], clock=clinic.clock.now)
    opened: list[mobile_ops.ClinicLink] = []
    real_open = mobile_ops.open_clinic

    def open_clinic(*args: object) -> mobile_ops.ClinicLink:
        link = real_open(*args)  # type: ignore[arg-type]
        opened.append(link)
        return link

    monkeypatch.setattr(mobile_ops, "open_clinic", open_clinic)
    try:
        lw = open_window(qtbot, laptop_store, clinic, laptop_path=out)
        sign_in(lw, "nkim", PASSWORDS["nkim"])
        qtbot.waitUntil(lambda: lw.mobile.act_sync.isEnabled())
        sync = SyncDialog(lw.session, out, lw, clinic_db=str(tmp_path / "clinic.db"))
        qtbot.addWidget(sync)
        sync.show()
        synced: list[object] = []
        sync.synced.connect(synced.append)
        qtbot.keyClicks(sync.password, PASSWORDS["nkim"])
        qtbot.keyClick(sync.password, Key.Key_Return)
        assert not sync.sync_button.isEnabled() and sync.message.text().startswith("Syncing with the clinic")
        qtbot.keyClick(sync, Key.Key_Escape)  # she closes it while the sync runs
        assert not sync.isVisible()
        settle(qtbot, SLOW_MS)
        (link,) = opened
        assert sync.link is None and sync.report is None and synced == []  # nothing reported to a closed dialog
        assert sync.message.text().startswith("Syncing with the clinic")
        with pytest.raises(AuthError):  # and still signed out of the clinic
            clinic.store.users.current(link.session)
        lw.sign_out()
    finally:
        settle(qtbot)  # the marker's last reading ends before its database closes
        laptop_store.close()


def test_the_clinic_sees_who_has_a_patient_and_resolves_a_conflict(qtbot: QtBot, clinic: Clinic_,
                                                                    tmp_path: Path) -> None:
    nurse = clinic.session(clinic.nurse)
    out = tmp_path / "laptop.db"
    day.checkout(clinic.store, nurse, PASSWORDS["nkim"], [clinic.patient.mrn], out)
    laptop_store = day.laptop.open_laptop(out, PASSWORDS["nkim"], clock=clinic.clock.now)
    try:
        away = laptop_store.users.sign_in("nkim", PASSWORDS["nkim"])
        p = laptop_store.patients.get(clinic.patient.id or 0, by=away)
        laptop_store.patients.update(replace(p, family_name="Rivera-Lopez"), by=away, based_on=p)
        laptop_store.users.sign_out(away)
    finally:
        settle(qtbot)  # the marker's last reading ends before its database closes
        laptop_store.close()
    p = clinic.store.patients.get(clinic.patient.id or 0, by=nurse)
    clinic.store.patients.update(replace(p, weight_kg=63), by=nurse, based_on=p)
    report = day.sync(clinic.store, nurse, out, PASSWORDS["nkim"])
    assert len(report.conflicts) == 1

    w = open_window(qtbot, clinic.store, clinic)
    sign_in(w, "nkim", PASSWORDS["nkim"])
    assert w.mobile.marker is None  # a clinic database: no laptop marker
    w.show_chart(clinic.store.patients.get(clinic.patient.id or 0, by=nurse))
    w.new_visit()  # charting in the clinic a patient out on a laptop: a note, not a refusal
    settle(qtbot)
    assert isinstance(w.stack.currentWidget(), VisitWorkspace)
    assert w.mobile.last_note.startswith("RIVERA, Ana is out: On Noor Kim's laptop since 09:00."), w.mobile.last_note
    assert w.statusBar().currentMessage() == w.mobile.last_note

    w.mobile.act_conflicts.trigger()
    view = w.mobile.conflicts
    settle(qtbot)
    assert w.stack.currentWidget() is view and "Sync conflicts" in w.windowTitle()
    assert view.table.rowCount() == 1
    detail = view.detail.text()
    assert "Family name — laptop: <b>Rivera-Lopez</b>; clinic: <b>Rivera</b>" in detail
    assert "Weight (kg) — laptop: <b>64</b>; clinic: <b>63</b>" in detail
    w.grab().save(str(tmp_path / "conflicts.png"))
    view.table.setFocus()
    qtbot.keyClick(view.table, Key.Key_Tab)  # from the list to the first button: Keep laptop version
    assert view.keep_laptop.hasFocus(), focused()
    qtbot.keyClick(focused(), Key.Key_Space)
    settle(qtbot)
    assert "the laptop's version is kept" in view.message.text(), view.message.text()
    kept = clinic.store.patients.get(clinic.patient.id or 0, by=nurse)
    assert kept.family_name == "Rivera-Lopez" and kept.weight_kg == 64
    w.sign_out()
    settle(qtbot)
