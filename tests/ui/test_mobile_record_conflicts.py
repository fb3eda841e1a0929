"""The conflicts screen over a real clinic store: a payment conflict in words, kept from the laptop by keyboard; a
refused laptop note listed with its PDF saved from the screen and closed keeping the clinic's version."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from infusiondesk.store import Store
from infusiondesk_ui import operations
from infusiondesk_ui.views.mobile_conflicts import ConflictsView
from tests.infusiondesk.mobile.test_record_conflicts import (  # noqa: F401
    Both,
    _paid,
    _payment_conflict,
    both,
    refused_note,
)
from tests.infusiondesk.store.conftest import (  # noqa: F401
    Clock,
    Staff,
    _sqlite_template,
    sqlite_staff,
    sqlite_staffed_template,
)


def _local(t: object) -> object:
    return t


@pytest.fixture
def view(qtbot: QtBot, both: Both) -> Iterator[ConflictsView]:  # noqa: F811
    v = ConflictsView(both.clinic, lambda: both.staff.nurse, _local)
    qtbot.addWidget(v)
    v.resize(1280, 600)
    v.show()
    yield v
    qtbot.waitUntil(lambda: operations.pending() == 0, timeout=5000)


def _read(qtbot: QtBot, v: ConflictsView) -> None:
    v.refresh()
    qtbot.waitUntil(lambda: operations.pending() == 0, timeout=5000)


def test_a_payment_conflict_reads_in_words_and_the_laptops_is_kept_by_keyboard(
        qtbot: QtBot, both: Both, view: ConflictsView, tmp_path: Path) -> None:  # noqa: F811
    conflict_id = _payment_conflict(both)
    _read(qtbot, view)

    assert view.table.item(0, 1).text() == "Payment, MRN0002 Haddad, Omar"
    detail = view.detail.text()
    assert "<b>Payment for MRN0002 Haddad, Omar's visit, recorded differently on the laptop and in the clinic" in detail
    assert "Amount — laptop: <b>70.00</b>; clinic: <b>65.00</b>" in detail
    assert "A nurse or an admin keeps one payment" in detail
    assert view.keep_laptop.isEnabled() and not view.save_pdf.isVisible()
    view.grab().save(str(tmp_path / "payment-conflict.png"))

    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Tab)  # Tab from the list reaches the choice
    assert QApplication.focusWidget() is view.keep_laptop
    qtbot.keyClick(view.keep_laptop, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: operations.pending() == 0 and view.table.rowCount() == 0, timeout=5000)

    assert f"Conflict #{conflict_id} resolved: the laptop's version is kept" in view.message.text()
    assert _paid(both)[0] == 7000


def test_a_nurse_keeping_a_payment_is_refused_in_a_sentence_when_she_is_not_allowed(
        qtbot: QtBot, both: Both, view: ConflictsView) -> None:  # noqa: F811
    _payment_conflict(both)
    view.by = lambda: both.staff.clinician
    _read(qtbot, view)
    view.keep("clinic")
    qtbot.waitUntil(lambda: operations.pending() == 0, timeout=5000)
    assert "clinician" in view.message.text().lower() and view.table.rowCount() == 1




def test_a_refused_laptop_note_is_told_its_pdf_saved_and_it_is_closed_keeping_the_clinics(
        qtbot: QtBot, sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path) -> None:  # noqa: F811
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    clinic = Store.open(str(tmp_path / "clinic.sqlite3"), clock=Clock())
    try:
        b, _home, conflict = refused_note(clinic, sqlite_staff, tmp_path)
        v = ConflictsView(clinic, lambda: sqlite_staff.clinician, _local)
        qtbot.addWidget(v)
        v.resize(1280, 600)
        v.show()
        _read(qtbot, v)

        assert v.table.item(0, 1).text() == "Signed note, MRN0001 Smith, Jane"
        assert "not trusted by the clinic" in v.detail.text() and "held there until this conflict is closed" in \
            v.detail.text()
        assert not v.keep_laptop.isEnabled() and v.keep_clinic.isEnabled() and v.save_pdf.isVisible()
        v.grab().save(str(tmp_path / "note-conflict.png"))
        v.export_pdf(int(conflict["id"]), tmp_path / "laptop-note.pdf")  # type: ignore[call-overload]
        qtbot.waitUntil(lambda: operations.pending() == 0, timeout=5000)
        assert (tmp_path / "laptop-note.pdf").read_bytes().startswith(b"%PDF")
        assert "it is not the clinic's note" in v.message.text()
        v.export_pdf(int(conflict["id"]), tmp_path / "laptop-note.pdf")  # type: ignore[call-overload]
        qtbot.waitUntil(lambda: operations.pending() == 0, timeout=5000)
        assert "already exists" in v.message.text()  # never over a file

        v.keep_clinic.click()
        qtbot.waitUntil(lambda: operations.pending() == 0 and v.table.rowCount() == 0, timeout=5000)
        assert clinic.mobile.open_conflicts(by=sqlite_staff.clinician) == []
        assert b.d.laptop_path.exists()
    finally:
        clinic.close()
