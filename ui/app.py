"""Start the desktop app."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

APP_NAME = "InfusionDesk"


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)
        self.setCentralWidget(QLabel("InfusionDesk"))


def run(argv: Sequence[str]) -> int:
    app = QApplication.instance() or QApplication(list(argv))
    app.setApplicationName(APP_NAME)
    window = MainWindow()
    window.show()
    return int(app.exec())
