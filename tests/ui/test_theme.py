"""The app follows the system's light or dark palette while it runs, not only at start-up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QFrame, QWidget
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from infusiondesk_ui.style import dark_palette
from infusiondesk_ui.views.visit_workspace import VisitWorkspace
from tests.ui.conftest import Clinic_
from tests.ui.steps import finish, sign_in


def background(widget: QWidget) -> QColor:
    """The colour most of the widget is painted in (its background, whatever text sits on it)."""
    image = widget.grab().toImage()
    counts: Counter[int] = Counter(image.pixel(x, y) for x in range(2, image.width() - 2, 3)
                                   for y in range(2, image.height() - 2, 3))
    return QColor.fromRgb(counts.most_common(1)[0][0])


@pytest.fixture
def app_palette() -> Iterator[QApplication]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = QPalette(app.palette())
    yield app
    app.setPalette(light)  # later tests see the light palette again
    QApplication.processEvents()


def test_switching_the_system_to_dark_restyles_the_open_visit(
        qtbot: QtBot, window: MainWindow, clinic: Clinic_, app_palette: QApplication) -> None:
    sign_in(window, "drlee", "doctor-sign-pass-1")
    window.show_chart(clinic.patient)
    window.new_visit()
    finish()
    ws = window.stack.currentWidget()
    assert isinstance(ws, VisitWorkspace)
    ws.assessment.record.click()
    ws.assessment.suitable.click()
    ws.tabs.setCurrentWidget(ws.dose)
    panel = ws.dose.panel
    qtbot.keyClicks(panel.dose, "2 g")
    qtbot.keyClicks(panel.concentration, "2 g/50 mL")
    qtbot.keyClicks(panel.duration, "10 min")  # too fast: a hard stop
    assert panel.blocked
    hard = ws.findChild(QFrame, "finding_hard")
    assert hard is not None
    banner_light, hard_light = background(ws.banner), background(hard)
    assert banner_light.lightness() > 160 and hard_light.lightness() > 160

    app_palette.setPalette(dark_palette())  # what Qt does when the system switches to dark
    qtbot.waitUntil(lambda: background(ws.banner).lightness() < 100, timeout=3000)
    assert background(hard).lightness() < 100
    assert background(hard).red() > background(hard).blue()  # still reads as a hard stop: dark red, not grey
    assert background(ws.banner) != banner_light

    app_palette.setPalette(QPalette(QColor("#efefef")))  # and back to light
    qtbot.waitUntil(lambda: background(ws.banner).lightness() > 160, timeout=3000)
    assert background(hard) == hard_light
