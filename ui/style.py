"""The few colours the app adds to the system palette (light or dark): errors, alerts, findings."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication


def is_dark(app: QApplication) -> bool:
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def stylesheet(dark: bool) -> str:
    red, amber, green = ("#ff8a80", "#ffd180", "#b9f6ca") if dark else ("#b71c1c", "#8a5a00", "#1b5e20")
    hard_bg, soft_bg, banner_bg = ("#4a1c1c", "#4a3a14", "#1d3346") if dark else ("#fdecea", "#fff4e0", "#e3effa")
    return f"""
    QLabel#fieldError, ErrorLabel {{ color: {red}; }}
    QLineEdit[invalid="true"] {{ border: 2px solid {red}; }}
    QFrame#finding_hard {{ background: {hard_bg}; border: 1px solid {red}; border-radius: 4px; }}
    QFrame#finding_soft {{ background: {soft_bg}; border: 1px solid {amber}; border-radius: 4px; }}
    QLabel#findingOk {{ color: {green}; }}
    QLabel#findingSource, QLabel#libraryPath {{ font-size: 9pt; color: palette(mid); }}
    QFrame#identityBanner {{ background: {banner_bg}; border-radius: 4px; }}
    QLabel#allergyText[alert="true"] {{ color: {red}; font-weight: bold; }}
    QLabel#vitalsReminder {{ color: {amber}; font-weight: bold; }}
    QLabel#readOnlyNotice {{ color: {amber}; font-weight: bold; }}
    QLabel#workflowProblem {{ font-weight: bold; }}
    """


def apply(app: QApplication) -> None:
    app.setStyleSheet(stylesheet(is_dark(app)))
