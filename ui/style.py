"""The few colours the app adds to the system palette (light or dark): errors, alerts, findings.

The app follows the palette while it runs: when the system switches between light and dark
(QStyleHints.colorSchemeChanged) or the application palette changes (QEvent.ApplicationPaletteChange /
PaletteChange), the stylesheet is rebuilt for the new palette.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget


def is_dark(app: QApplication) -> bool:
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def stylesheet(dark: bool) -> str:
    red, amber, green = ("#ff8a80", "#ffd180", "#b9f6ca") if dark else ("#b71c1c", "#8a5a00", "#1b5e20")
    blue = "#8ab4f8" if dark else "#0d47a1"
    hard_bg, soft_bg, banner_bg = ("#4a1c1c", "#4a3a14", "#1d3346") if dark else ("#fdecea", "#fff4e0", "#e3effa")
    hint, read_only_bg = ("#8f959c", "#26282b") if dark else ("#7a7f85", "#eef0f2")
    muted = "#b0b5ba" if dark else "#5f6368"  # a source or path: quieter than the text, still readable on a finding
    return f"""
    QLabel#fieldError, ErrorLabel, MessageLabel[kind="error"] {{ color: {red}; }}
    MessageLabel[kind="success"] {{ color: {green}; }}
    MessageLabel[kind="info"], MessageLabel#fieldError[kind="info"] {{ color: {blue}; }}
    MessageLabel[kind="warning"] {{ color: {amber}; font-weight: bold; }}
    QLineEdit {{ placeholder-text-color: {hint}; }}
    QLineEdit[hint="true"] {{ font-style: italic; }}
    /* a value on record stays in the text colour when its field is read-only or disabled: only a hint is grey */
    QLineEdit[readOnly="true"], QPlainTextEdit[readOnly="true"], QTextEdit[readOnly="true"], QLineEdit:disabled {{
        background: {read_only_bg}; color: palette(text); }}
    QLineEdit[invalid="true"] {{ border: 2px solid {red}; }}
    QFrame#finding_hard {{ background: {hard_bg}; border: 1px solid {red}; border-radius: 4px; }}
    QFrame#finding_soft {{ background: {soft_bg}; border: 1px solid {amber}; border-radius: 4px; }}
    QLabel#findingOk {{ color: {green}; }}
    QLabel#findingSource, QLabel#libraryPath {{ font-size: 9pt; color: {muted}; }}
    QFrame#identityBanner {{ background: {banner_bg}; border-radius: 4px; }}
    QLabel#allergyText[alert="true"] {{ color: {red}; font-weight: bold; }}
    QLabel#vitalsReminder {{ color: {amber}; font-weight: bold; }}
    QLabel#readOnlyNotice {{ color: {amber}; font-weight: bold; }}
    QLabel#workflowProblem {{ font-weight: bold; }}
    """


def dark_palette() -> QPalette:
    """A dark palette like a system in dark mode gives the app (screenshots and tests set it by hand)."""
    p = QPalette()
    role = QPalette.ColorRole
    for r, colour in ((role.Window, "#202124"), (role.WindowText, "#e8eaed"), (role.Base, "#17181a"),
                      (role.AlternateBase, "#26282b"), (role.Text, "#e8eaed"), (role.Button, "#2d2f33"),
                      (role.ButtonText, "#e8eaed"), (role.BrightText, "#ffffff"), (role.Light, "#3c4043"),
                      (role.Midlight, "#34373b"), (role.Mid, "#80868b"), (role.Dark, "#111214"),
                      (role.Shadow, "#000000"), (role.Highlight, "#5b8def"), (role.HighlightedText, "#000000"),
                      (role.Link, "#8ab4f8"), (role.PlaceholderText, "#9aa0a6"), (role.ToolTipBase, "#303134"),
                      (role.ToolTipText, "#e8eaed")):
        p.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor("#6f7378"))
    return p


class PaletteFollower(QWidget):
    """Re-applies the stylesheet whenever the application's palette turns light or dark.

    A hidden widget, never shown: every widget is told when the application palette changes, and watching
    one costs nothing, where an event filter on the application would see every event of the app.
    """

    def __init__(self, app: QApplication) -> None:
        super().__init__()
        self.app = app
        self.dark: bool | None = None
        self.setObjectName("paletteFollower")
        app.styleHints().colorSchemeChanged.connect(self.refresh)

    def refresh(self, *_: object) -> None:
        dark = is_dark(self.app)
        if dark != self.dark:  # setting the stylesheet re-polishes widgets; that must not loop back here
            self.dark = dark
            self.app.setStyleSheet(stylesheet(dark))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange):
            self.refresh()
        super().changeEvent(event)


_follower: PaletteFollower | None = None


def apply(app: QApplication) -> PaletteFollower:
    """Style the app for its current palette and keep following it (once per application)."""
    global _follower
    if _follower is None or _follower.app is not app:
        _follower = PaletteFollower(app)
    _follower.refresh()
    return _follower
