"""The window's first frame is the sign-in card alone, with the user name taking typing; the other cards, the look
at the database and the store follow right after it (issue 14: the window visible sooner)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from tests.ui.conftest import PASSWORDS, Clinic_


def test_the_first_frame_is_sign_in_and_the_rest_follows_with_the_focus_kept(qtbot: QtBot, clinic: Clinic_) -> None:
    window = MainWindow(db=clinic.store.url, clock=clinic.clock)
    qtbot.addWidget(window)
    assert window._later is None  # only the sign-in card is built before the window shows
    window.show()
    QApplication.processEvents()  # the first turn of the event loop: the window is laid out and drawn
    assert window._later is None and window.stack.count() == 1
    assert window.stack.currentWidget() is window.signin and window.signin.isVisible()
    assert QApplication.focusWidget() is window.signin.username
    qtbot.keyClicks(window.signin.username, "nk")  # typing is taken from the first frame
    qtbot.waitUntil(lambda: window._later is not None and window.signin.button.isEnabled(), timeout=5_000)
    assert window.stack.count() == 4 and window.stack.currentWidget() is window.signin
    assert QApplication.focusWidget() is window.signin.username  # building the other cards took no focus
    qtbot.keyClicks(window.signin.username, "im")
    qtbot.keyClick(window.signin.username, Qt.Key.Key_Return)
    qtbot.keyClicks(window.signin.password, PASSWORDS["nkim"])
    qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session is not None and window.session.signed_in is not None, timeout=20_000)
    assert window.session.user is not None and window.session.user.username == "nkim"
    window.session.store.users.sign_out(window.session.signed_in)
    window.session.store.close()


def test_a_card_asked_for_before_the_first_frame_is_built_then(qtbot: QtBot, clinic: Clinic_) -> None:
    """Nothing waits for the timer: the lock card (or setup, or the new password card) exists when first used."""
    window = MainWindow(db=clinic.store.url, clock=clinic.clock)
    qtbot.addWidget(window)
    lock = window.lock_view
    assert window._later is not None and window.stack.indexOf(lock) >= 0
    assert window.lock_view is lock and window.screen_lock.card is lock
    window.show()
    qtbot.waitUntil(window.signin.button.isEnabled, timeout=5_000)
    assert window.stack.count() == 4  # built once, not again after the first frame
    qtbot.waitUntil(lambda: window.session is not None, timeout=20_000)
    window.session.store.close()


FIRST_FRAME = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from infusiondesk_ui.app import MainWindow
window = MainWindow(db=sys.argv[1])
window.show()
app.processEvents()
print(json.dumps({"later": window._later is not None, "loaded": sorted(m for m in sys.modules if m in sys.argv[2:])}))
"""
NOT_BEFORE_THE_FIRST_FRAME = ("infusiondesk_ui.ops", "infusiondesk_ui.lock", "infusiondesk.store.peek", "sqlite3",
                              "platformdirs", "importlib.resources", "infusiondesk_ui.style",
                              "infusiondesk_ui.mobile_menu", "infusiondesk_ui.laptop_marker",
                              "infusiondesk_ui.widgets.messages")


def test_the_first_frame_imports_neither_the_look_at_the_database_nor_the_background_work(clinic: Clinic_) -> None:
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    proc = subprocess.run([sys.executable, "-c", FIRST_FRAME, clinic.store.url, *NOT_BEFORE_THE_FIRST_FRAME],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2],
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == {"later": False, "loaded": []}


SAME_LOOK = """
import json, sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from infusiondesk_ui.app import MainWindow
window = MainWindow(db=sys.argv[1])
window.show()
app.processEvents()
before = {"styled": bool(app.styleSheet()), "titles": [a.text() for a in window.menuBar().actions()]}
first = window.grab().toImage()
deadline = time.monotonic() + 20
while (window._later is None or not window.signin.button.isEnabled()) and time.monotonic() < deadline:
    app.processEvents()
after = {"styled": "MessageLabel" in app.styleSheet(), "titles": [a.text() for a in window.menuBar().actions()],
         "actions": [window.act_patients.text(), window.mobile.act_checkout.text()]}
window.signin.button.setEnabled(False)  # as in the first frame
window.signin.status.setText("Opening the clinic database\N{HORIZONTAL ELLIPSIS}")
app.processEvents()
print(json.dumps({"before": before, "after": after, "same": window.grab().toImage() == first}))
"""


def test_the_first_frame_looks_as_it_does_once_the_rest_is_built(clinic: Clinic_) -> None:
    """The stylesheet, the menus' actions and the Mobile menu come after the first frame (in a fresh interpreter:
    a test's app is styled already): the sign-in card and the menu bar of the first frame are the same pixels as
    once they are there, so nothing jumps or changes colour."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    proc = subprocess.run([sys.executable, "-c", SAME_LOOK, clinic.store.url], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2],
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == {
        "before": {"styled": False, "titles": ["&InfusionDesk", "Mobile"]},
        "after": {"styled": True, "titles": ["&InfusionDesk", "Mobile"],
                  "actions": ["&Patients", "&Take patients out to a laptop…"]},
        "same": True}
