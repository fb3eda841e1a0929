"""Start-up: the window is interactive at once and opens the database and drug library in the background."""

from pathlib import Path

from pytestqt.qtbot import QtBot

from ui.app import MainWindow


def test_the_window_opens_then_the_database_loads_in_the_background(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow(db=str(tmp_path / "fresh.db"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle().startswith("InfusionDesk")
    assert window.stack.currentWidget() is window.signin
    qtbot.waitUntil(lambda: window.session is not None, timeout=20_000)
    # an empty database goes to first-run setup; the drug library in force is named
    assert window.stack.currentWidget() is window.setup_view
    assert window.windowTitle() == "InfusionDesk — First-run setup"
    assert "magnesium_sulfate.toml" in window.signin.status.text()
    window.session.store.close()


def test_a_broken_database_is_explained_not_a_traceback(qtbot: QtBot, tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    window = MainWindow(db=str(bad))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.signin.error.isVisible(), timeout=20_000)
    assert window.signin.error.text().startswith("InfusionDesk cannot start:")
    assert not window.signin.button.isEnabled()
