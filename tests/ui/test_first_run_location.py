"""First run on a shared chair-side PC: the admin chooses, by keyboard, to keep the clinic for every account on
the computer; the clinic is created in the machine-wide folder, which the next account's app opens."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.store import Store, default_db_url
from infusiondesk.store.location import personal_db_path, shared_db_path
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.clock import FixedClock
from infusiondesk_ui.session import Session
from tests.ui.conftest import CLINIC_START
from tests.ui.steps import finish, sign_in


@pytest.fixture
def first_run(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MainWindow:
    monkeypatch.delenv("INFUSIONDESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "nina" / "data"))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "machine"))
    clock = FixedClock(CLINIC_START)
    store = Store.open(default_db_url(), clock=clock.now)  # what the app opens at a first run
    window = MainWindow(Session(store=store, drug=load_drug(), clock=clock))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    finish()  # the store is looked at off the UI thread before the first-run card is chosen
    return window


def _fill(qtbot: QtBot, window: MainWindow) -> None:
    v = window.setup_view
    for edit, text in ((v.clinic, "Hilltop Clinic"), (v.admin_username, "boss"), (v.admin_name, "Bo Ss"),
                       (v.admin_password, "long-pass-phrase-42"), (v.admin_confirm, "long-pass-phrase-42"),
                       (v.ca_passphrase, "hilltop vault phrase"), (v.ca_confirm, "hilltop vault phrase")):
        qtbot.keyClicks(edit, text)


def test_the_clinic_goes_to_the_machine_wide_folder_when_chosen(qtbot: QtBot, first_run: MainWindow,
                                                                tmp_path: Path) -> None:
    v = first_run.setup_view
    assert first_run.stack.currentWidget() is v and v.shared.isVisible() and v.personal.isChecked()
    assert str(personal_db_path()) in v.where_hint.text().replace("\u200b", "")
    v.personal.setFocus()
    qtbot.keyClick(v.personal, Qt.Key.Key_Down)  # arrow keys move within the choice
    assert v.shared.isChecked() and str(shared_db_path()) in v.where_hint.text().replace("\u200b", "")
    qtbot.wait(50)  # the layout settles on the next turn of the event loop
    first_run.grab().save(str(tmp_path / "first-run-shared.png"))
    _fill(qtbot, first_run)
    qtbot.keyClick(v.ca_confirm, Qt.Key.Key_Return)
    finish()  # the clinic is created off the UI thread
    assert first_run.stack.currentWidget() is first_run.signin, v.error.text()
    assert first_run.session.store.clinic.get().name == "Hilltop Clinic"
    assert Path(first_run.session.store.engine.url.database) == shared_db_path()
    sign_in(first_run, "boss", "long-pass-phrase-42")
    assert first_run.session.user is not None
    first_run.session.store.close()
    other = Store.open(default_db_url(), create=False)  # another nurse's account on the same PC
    try:
        assert other.clinic.get().name == "Hilltop Clinic"
    finally:
        other.close()


def test_by_default_the_clinic_stays_in_this_accounts_folder(qtbot: QtBot, first_run: MainWindow) -> None:
    _fill(qtbot, first_run)
    qtbot.keyClick(first_run.setup_view.ca_confirm, Qt.Key.Key_Return)
    finish()
    assert first_run.stack.currentWidget() is first_run.signin
    assert Path(first_run.session.store.engine.url.database) == personal_db_path()
    assert not shared_db_path().exists()
    first_run.session.store.close()


def test_a_machine_folder_it_cannot_create_is_said_and_nothing_is_set_up(qtbot: QtBot, first_run: MainWindow,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    (tmp_path / "machine-file").write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "machine-file"))
    v = first_run.setup_view
    v.shared.setChecked(True)
    _fill(qtbot, first_run)
    qtbot.keyClick(v.ca_confirm, Qt.Key.Key_Return)
    finish()  # the clinic is created off the UI thread
    assert first_run.stack.currentWidget() is v
    assert "cannot create the shared folder" in v.error.text() and "ask IT" in v.error.text()
    assert first_run.session.store.clinic.needs_setup()
    first_run.session.store.close()


def test_no_choice_when_the_database_was_named(qtbot: QtBot, tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "named.db"))
    window = MainWindow(Session(store=store, drug=load_drug()))
    qtbot.addWidget(window)
    window.show()
    finish()
    assert window.stack.currentWidget() is window.setup_view and not window.setup_view.shared.isVisible()
    store.close()
