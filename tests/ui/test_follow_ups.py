"""Follow-ups due, driven from the keyboard against the real store: Ctrl+Shift+F, Enter on the row, the answers
typed with Enter between fields, a refusal shown in the core's words, then saved and gone from the list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from infusiondesk.drugs import load_drug
from infusiondesk.followups import FollowUpStatus
from infusiondesk.records.models import Role, VisitStatus
from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.follow_ups import FollowUpIntervalsBox
from tests.clinic_day import chart_visit
from tests.ui.conftest import CLINIC_START, Clinic_
from tests.ui.steps import finish, sign_in


def _ana_treated_a_week_ago(clinic: Clinic_) -> int:
    clinic.store.users.create("rpatel", "Ravi Patel", Role.NURSE, "second-nurse-pass-1", "RN",
                             by=clinic.admin_session)
    second = clinic.store.users.sign_in("rpatel", "second-nurse-pass-1")
    visit = chart_visit(clinic.store, load_drug(), clinic.patient, clinic.session(clinic.nurse), second,
                        clinic.session(clinic.clinician), CLINIC_START, until=VisitStatus.COMPLETED,
                        attacks_per_month=9)
    assert visit.id is not None
    return visit.id


def _due_list_days_later(window: MainWindow, clinic: Clinic_, days: int, username: str, password: str) -> Any:
    """Ana treated a week ago, `days` later: `username` signs in and opens Follow-ups due (read off the UI thread)."""
    _ana_treated_a_week_ago(clinic)
    clinic.clock.advance(minutes=days * 24 * 60)
    sign_in(window, username, password)
    window.show_follow_ups()
    finish()
    return window.follow_ups


def _type(qtbot: QtBot, text: str) -> None:
    widget = QApplication.focusWidget()
    assert widget is not None
    if text:
        qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_a_nurse_records_a_due_follow_up_by_keyboard(qtbot: QtBot, window: MainWindow, clinic: Clinic_,
                                                     tmp_path: Path) -> None:
    visit_id = _ana_treated_a_week_ago(clinic)
    clinic.clock.advance(minutes=6 * 24 * 60)
    sign_in(window, "nkim", "nurse-chair-pass-1")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    finish()  # the list is read off the UI thread
    board = window.follow_ups
    assert window.stack.currentWidget() is board and board.rows == []  # day 6: not yet
    assert "0 follow-ups due" in board.summary.text()

    clinic.clock.advance(minutes=24 * 60)
    qtbot.keyClick(board.table, Qt.Key.Key_F5)
    finish()
    assert [(r.visit_id, r.interval_days) for r in board.rows] == [(visit_id, 7)]
    assert [board.table.item(0, c).text() for c in range(5)] == [
        "RIVERA, Ana", "MRN-0007", "2026-03-02", "7 days", "due today"]

    board.table.setFocus()
    window.resize(1280, 800)
    window.grab().save(str(tmp_path / "follow-ups-due.png"))
    qtbot.keyClick(board.table, Qt.Key.Key_Return)
    form = board.form
    assert form.isVisible() and QApplication.focusWidget() is form.attacks
    _type(qtbot, "40")          # attacks per month: out of range, refused by the core
    assert QApplication.focusWidget() is form.headache_days
    _type(qtbot, "6")
    _type(qtbot, "sumatriptan")
    _type(qtbot, "2")
    assert QApplication.focusWidget() is form.side_effects
    qtbot.keyClick(form.side_effects, Qt.Key.Key_Down)  # "no"
    qtbot.keyClick(form.side_effects, Qt.Key.Key_Tab)
    _type(qtbot, "")
    _type(qtbot, "feels much better")  # Enter on the note saves
    finish()
    assert form.isVisible()
    assert form.error.text() == "Attacks per month must be 0 to 31; 40 was entered."
    assert QApplication.focusWidget() is form.note and form.save_button.isEnabled()  # back where she pressed Enter
    form.grab().save(str(tmp_path / "follow-up-form.png"))

    form.attacks.setFocus()
    form.attacks.selectAll()
    qtbot.keyClicks(form.attacks, "3")
    qtbot.keyClick(form.attacks, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    finish()
    assert not form.isVisible()
    assert board.done.text() == "Saved: the 7 days follow-up of RIVERA, Ana (recorded)."
    assert board.rows == []
    (saved,) = clinic.store.follow_ups.recorded(clinic.patient.id, by=clinic.reader)  # type: ignore[arg-type]
    assert (saved.status, saved.attacks_per_month, saved.headache_days, saved.rescue_medication,
            saved.rescue_days, saved.side_effects, saved.note) == (
        FollowUpStatus.RECORDED, 3, 6, "sumatriptan", 2, False, "feels much better")
    assert saved.recorded_by_name == "Noor Kim"


def test_esc_goes_back_to_the_list_and_could_not_reach_needs_no_answers(qtbot: QtBot, window: MainWindow,
                                                                       clinic: Clinic_) -> None:
    board = _due_list_days_later(window, clinic, 8, "drlee", "doctor-sign-pass-1")
    assert board.table.item(0, 4).text() == "due since 2026-03-09 (1 day)"
    qtbot.keyClick(board.table, Qt.Key.Key_Return)
    finish()
    qtbot.keyClick(board.form.attacks, Qt.Key.Key_Escape)
    finish()
    assert not board.form.isVisible() and len(board.rows) == 1
    qtbot.keyClick(board.table, Qt.Key.Key_Return)
    board.form.status.set_value(FollowUpStatus.COULD_NOT_REACH)
    assert not board.form.attacks.isEnabled()
    board.form.note.setFocus()
    _type(qtbot, "no answer twice")
    finish()
    assert board.rows == [] and "(could not reach)" in board.done.text()


def test_the_menu_offers_follow_ups_to_nurses_and_clinicians_only(qtbot: QtBot, window: MainWindow) -> None:
    sign_in(window, "admin", "ward-office-key-1")
    assert not window.act_follow_ups.isEnabled()


def test_the_chart_shows_attacks_before_the_course_and_at_the_latest_follow_up(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, tmp_path: Path) -> None:
    from infusiondesk.followups import FollowUpEntry

    visit_id = _ana_treated_a_week_ago(clinic)
    sign_in(window, "nkim", "nurse-chair-pass-1")
    window.show_chart(clinic.patient)
    finish()
    assert window.chart is not None
    assert window.chart.outcome.text() == ("<b>Attacks per month</b>: 9 before the course (2026-03-02); no "
                                           "follow-up answered yet.")
    clinic.clock.advance(minutes=7 * 24 * 60)
    clinic.store.follow_ups.record(FollowUpEntry(visit_id, 7, attacks_per_month=3, headache_days=6, rescue_days=1,
                                              rescue_medication="sumatriptan", side_effects=False),
                  by=clinic.session(clinic.nurse))
    window.show_chart(clinic.patient)
    finish()
    assert window.chart.outcome.text() == (
        "<b>Attacks per month</b>: 9 before the course (2026-03-02) → 3 at the 7-day follow-up (recorded "
        "2026-03-09): −6 a month.<br>Headache days: 6 a month; rescue medication on 1 day (sumatriptan); "
        "no side effects.")
    window.resize(1280, 800)
    qtbot.wait(50)  # the layout settles the card's new height
    outcome = window.chart.outcome
    assert outcome.height() >= outcome.heightForWidth(outcome.width())  # both lines shown, none clipped
    window.grab().save(str(tmp_path / "chart.png"))


def save_days(qtbot: QtBot, box: FollowUpIntervalsBox, days: str) -> None:
    """Type the follow-up days over what is there, press Enter, and wait for the save (off the UI thread)."""
    box.intervals.selectAll()
    qtbot.keyClicks(box.intervals, days)
    qtbot.keyClick(box.intervals, Qt.Key.Key_Return)
    finish()


def test_an_admin_sets_the_follow_up_days_in_settings(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "admin", "ward-office-key-1")
    window.show_settings()
    finish()  # the settings are read off the UI thread
    box = window.settings_view.follow_up_days
    assert box.intervals.text() == "7, 30"  # the cited defaults
    box.intervals.setFocus()
    save_days(qtbot, box, "7, 400")
    assert box.message.text() == "A follow-up interval of 400 days is not allowed; give 1 to 365 days."
    assert clinic.store.follow_ups.policy().intervals_days == (7, 30)
    save_days(qtbot, box, "30 14")
    assert clinic.store.follow_ups.policy().intervals_days == (14, 30)
    assert box.message.text() == "Saved: follow-ups fall due 14 days, 30 days (1 month) after each course visit."
    (entry,) = clinic.store.audit.entries("follow_up_policy", by=clinic.admin_session)
    assert entry["username"] == "admin"


def test_a_double_enter_records_one_follow_up_and_the_cursor_goes_back_to_the_list(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    board = _due_list_days_later(window, clinic, 7, "nkim", "nurse-chair-pass-1")
    assert len(board.rows) == 1
    qtbot.keyClick(board.table, Qt.Key.Key_Return)
    form = board.form
    form.status.set_value(FollowUpStatus.COULD_NOT_REACH)
    form.note.setFocus()
    qtbot.keyClicks(form.note, "no answer")
    qtbot.keyClick(form.note, Qt.Key.Key_Return)
    # the save runs in the worker: Save is off, and a second Enter (or Ctrl+S) does not save again
    assert form.saving and not form.save_button.isEnabled()
    qtbot.keyClick(form.note, Qt.Key.Key_Return)
    qtbot.keyClick(form.note, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    finish()
    assert form.error.text() == "" and not form.isVisible()
    assert board.done.text() == "Saved: the 7 days follow-up of RIVERA, Ana (could not reach)."
    assert board.rows == [] and "0 follow-ups due" in board.summary.text()
    assert QApplication.focusWidget() is board.table  # back on the list, for the next one
    (saved,) = clinic.store.follow_ups.recorded(clinic.patient.id, by=clinic.reader)  # type: ignore[arg-type]
    assert saved.status is FollowUpStatus.COULD_NOT_REACH
    created = [e for e in clinic.store.audit.entries(by=clinic.admin_session) if e["table_name"] == "follow_ups"]
    assert [e["event"] for e in created] == ["create"]  # one save reached the store


def test_a_double_enter_saves_the_follow_up_days_once(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "admin", "ward-office-key-1")
    window.show_settings()
    finish()
    box = window.settings_view.follow_up_days
    box.intervals.setFocus()
    box.intervals.selectAll()
    qtbot.keyClicks(box.intervals, "14, 30")
    qtbot.keyClick(box.intervals, Qt.Key.Key_Return)
    assert box.saving and not box.save_button.isEnabled()
    assert box.message.text() == "Saving the follow-up days…"
    qtbot.keyClick(box.intervals, Qt.Key.Key_Return)
    finish()
    assert box.message.text() == "Saved: follow-ups fall due 14 days, 30 days (1 month) after each course visit."
    assert box.save_button.isEnabled() and QApplication.focusWidget() is box.intervals
    assert len(clinic.store.audit.entries("follow_up_policy", by=clinic.admin_session)) == 1


def test_a_nurse_is_told_in_a_sentence_that_the_follow_up_days_are_an_admins(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "nkim", "nurse-chair-pass-1")
    box = FollowUpIntervalsBox(window.session)
    qtbot.addWidget(box)
    box.show()
    box.refresh()
    finish()
    assert box.intervals.text() == "7, 30"
    box.intervals.setFocus()
    save_days(qtbot, box, "14")
    assert box.message.text() == "Only an admin can change the follow-up intervals; Noor Kim is signed in as nurse."
    assert clinic.store.follow_ups.policy().intervals_days == (7, 30)
    assert QApplication.focusWidget() is box.intervals and box.save_button.isEnabled()
