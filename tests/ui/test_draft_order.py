"""Draft autosave runs in workers: a save taken earlier that reaches the store after a later one must not
overwrite it (the latest text wins), and an untouched form must not overwrite a draft still being read."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from infusiondesk_ui.views.visit_workspace import draft_key
from tests.ui.conftest import Clinic_
from tests.ui.steps import clinician_workspace, finish


def test_an_older_draft_save_finishing_last_does_not_overwrite_the_newer_text(qtbot: QtBot, clinic: Clinic_) -> None:
    w = clinician_workspace(qtbot, clinic)
    finish()
    w.review.discharge.setText("Home")
    older = w.draft_job()
    w.review.discharge.setText("Home with a driver")
    newer = w.draft_job()
    assert older is not None and newer is not None
    newer()  # the later save reaches the store first...
    older()  # ...and the earlier one, arriving late, is skipped
    saved = clinic.store.drafts.load(draft_key(w.visit), by=w.session.require_session())
    assert saved is not None and saved["discharge"] == "Home with a driver"


def test_no_draft_is_taken_from_an_untouched_form_while_the_saved_one_is_read(
        qtbot: QtBot, clinic: Clinic_) -> None:
    w = clinician_workspace(qtbot, clinic)
    finish()
    w.restore_draft()  # reading again: until it arrives, the form is not what the nurse left
    assert w.draft_job() is None
    w.review.discharge.setText("H")  # typed meanwhile: that is newer, and is kept
    assert w.draft_job() is not None
    finish()
    assert w.review.discharge.text() == "H"
