"""Every Alt+letter on a visit tab reaches one control: no two labels or buttons on the same tab (or the menu bar,
or the workspace around the tabs) underline the same letter."""

from __future__ import annotations

import re
from collections import Counter

from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, sign_in

_MNEMONIC = re.compile(r"&([A-Za-z0-9])")


def _letters(widget: QWidget) -> list[str]:
    found = []
    for w in widget.findChildren(QWidget):
        text = w.text() if isinstance(w, QAbstractButton | QLabel) else ""
        m = _MNEMONIC.search(text.replace("&&", ""))
        if m:
            found.append(m.group(1).lower())
    return found


def test_no_alt_letter_is_used_twice_on_a_visit_tab(qtbot: QtBot, window: MainWindow, clinic: Clinic_) -> None:
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    finish()
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    menus = [m.group(1).lower() for a in window.menuBar().actions() if (m := _MNEMONIC.search(a.text()))]
    inside = {id(w) for i in range(ws.tabs.count()) for w in ws.tabs.widget(i).findChildren(QWidget)}
    around = [m.group(1).lower() for w in ws.findChildren(QAbstractButton)
              if id(w) not in inside and (m := _MNEMONIC.search(w.text()))]  # "← Chart", beside the tabs
    for i in range(ws.tabs.count()):
        tab = ws.tabs.widget(i)
        letters = _letters(tab) + menus + around
        clashes = {k: n for k, n in Counter(letters).items() if n > 1}
        assert not clashes, f"tab {ws.tabs.tabText(i)!r}: Alt+{sorted(clashes)} reach more than one control"

