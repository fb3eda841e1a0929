from pytestqt.qtbot import QtBot

from ui.app import MainWindow


def test_main_window_opens_with_the_product_name(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle().startswith("InfusionDesk")
