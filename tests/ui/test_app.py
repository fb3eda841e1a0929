"""Start-up: the window is interactive at once and opens the database and drug library in the background."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from infusiondesk_ui.app import MainWindow
from tests.ui.conftest import PASSWORDS, Clinic_


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
    assert window.signin.error.text() == (f"InfusionDesk cannot start: {bad} is not a database file; check the path "
                                          "given with --db or INFUSIONDESK_DB, or restore the clinic's database "
                                          "from the latest backup.")
    assert not window.signin.button.isEnabled()


def test_an_unexpected_start_up_error_names_the_log_file_which_holds_the_traceback(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infusiondesk import logs

    monkeypatch.setenv(logs.ENV_VAR, str(tmp_path / "logs"))
    log_file = logs.configure()

    def broken(db: str | None, clock: object) -> None:
        raise MemoryError()

    monkeypatch.setattr("infusiondesk_ui.app.open_backend", broken)
    window = MainWindow(db=str(tmp_path / "clinic.db"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.signin.error.isVisible(), timeout=20_000)
    assert window.signin.error.text() == ("InfusionDesk cannot start: Something went wrong; nothing was lost. The "
                                          f"details are in the log: {log_file}")
    assert log_file is not None and "builtins.MemoryError" in log_file.read_text(encoding="utf-8")


def test_a_library_with_several_problems_lists_them_all_at_start_up(qtbot: QtBot, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from infusiondesk.drugs.library import BUNDLED_DIR, ENV_VAR

    library = tmp_path / "magnesium_sulfate.toml"
    text = (BUNDLED_DIR / "magnesium_sulfate.toml").read_text(encoding="utf-8")
    library.write_text(text.replace("iv_ready = false", 'iv_ready = "no"')
                       .replace('match = "all"\n[[screening.when]]\nfact = "renal_status"',
                                'mach = "all"\n[[screening.when]]\nfact = "renal_status"'), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(library))
    window = MainWindow(db=str(tmp_path / "clinic.db"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.signin.error.isVisible(), timeout=20_000)
    assert window.signin.error.text().splitlines() == [
        f"InfusionDesk cannot start: Drug library {library} has 2 problems:",
        '  products[6] (vial-50pct): "iv_ready" must be true or false.',
        '  screening[4] (renal.unknown): unknown key "mach" — did you mean "match"?',
    ]
    assert not window.signin.button.isEnabled()


def test_sign_in_ready_is_announced_once_to_stderr_and_the_log(qtbot: QtBot, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    import re

    from infusiondesk import logs

    monkeypatch.setenv(logs.ENV_VAR, str(tmp_path / "logs"))
    log_file = logs.configure()
    window = MainWindow(db=str(tmp_path / "clinic.db"))
    qtbot.addWidget(window)
    assert not window.signin.button.isEnabled()
    window.show()  # the database opens only once the window is shown
    qtbot.waitUntil(window.signin.button.isEnabled, timeout=20_000)
    err = capsys.readouterr().err
    assert re.findall(r"ready: sign-in enabled after \d+ ms", err) and err.count("ready:") == 1
    assert log_file is not None
    assert re.search(r"INFO infusiondesk.ui: ready: sign-in enabled after \d+ ms", log_file.read_text("utf-8"))
    window.session.store.close()


def test_a_sign_in_typed_before_the_drug_library_is_loaded_completes_once_it_is(
        qtbot: QtBot, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign-in is enabled as soon as the database is open; the drug library loads after it. A nurse who signs
    in within that moment is signed in when the library is loaded, not told to try again."""
    import threading

    from infusiondesk.drugs import load_drug

    release = threading.Event()

    def slow_library() -> object:
        release.wait(20)
        return load_drug()

    monkeypatch.setattr("infusiondesk_ui.app.load_library", slow_library)
    window = MainWindow(db=clinic.store.url, clock=clinic.clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.session is not None, timeout=20_000)  # the database open, the library not yet
    assert window.signin.button.isEnabled() and window.session.drug is None
    assert window.signin.status.text() == "Drug library: magnesium_sulfate.toml (bundled)"
    qtbot.keyClicks(window.signin.username, "nkim")
    qtbot.keyClick(window.signin.username, Qt.Key.Key_Return)
    qtbot.keyClicks(window.signin.password, PASSWORDS["nkim"])
    qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)
    assert window.session.signed_in is None
    assert window.stack.currentWidget() is window.signin
    assert window.statusBar().currentMessage() == ("Opening the drug library; you are signed in as soon as it is "
                                                   "open.")
    release.set()
    qtbot.waitUntil(lambda: window.session.signed_in is not None, timeout=20_000)
    assert window.session.user is not None and window.session.user.username == "nkim"
    assert window.session.drug is not None and window.session.drug.name == "magnesium sulfate"
    assert window.stack.currentWidget() is window.patients
    window.session.store.users.sign_out(window.session.signed_in)
    window.session.store.close()


def test_a_sign_in_typed_while_the_database_opens_is_kept_not_refused(
        qtbot: QtBot, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fields take typing from the moment the window shows; Enter before the database is open signs the nurse
    in once it (and then the drug library) is open, instead of "try again"."""
    import threading

    from infusiondesk_ui import app

    release = threading.Event()
    real_open = app.open_backend

    def slow_open(db: str | None, clock: object) -> object:
        release.wait(20)
        return real_open(db, clock)  # type: ignore[arg-type]

    monkeypatch.setattr("infusiondesk_ui.app.open_backend", slow_open)
    window = MainWindow(db=clinic.store.url, clock=clinic.clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    # a set-up clinic at the current schema is recognised without the store (store.peek): sign-in is usable right
    # after the window's first frame
    qtbot.waitUntil(window.signin.button.isEnabled, timeout=5_000)
    assert window.session is None
    qtbot.keyClicks(window.signin.username, "drlee")
    qtbot.keyClick(window.signin.username, Qt.Key.Key_Return)
    qtbot.keyClicks(window.signin.password, PASSWORDS["drlee"])
    qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)
    assert window.session is None
    assert window.statusBar().currentMessage() == ("Opening the clinic database; you are signed in as soon as it "
                                                   "is open.")
    assert not window.signin.error.isVisible()
    assert window.signin.button.text() == "Signing in…"  # busy, with the fields as typed
    assert window.signin.cursor().shape() == Qt.CursorShape.BusyCursor
    assert window.signin.username.text() == "drlee" and window.signin.password.text() == PASSWORDS["drlee"]
    release.set()
    qtbot.waitUntil(lambda: window.session is not None and window.session.signed_in is not None, timeout=20_000)
    assert window.session.user is not None and window.session.user.username == "drlee"
    assert window.signin.button.text() == "&Sign in"
    assert window.signin.cursor().shape() != Qt.CursorShape.BusyCursor
    assert window.session.drug is not None
    window.session.store.users.sign_out(window.session.signed_in)
    window.session.store.close()


def test_a_sign_in_typed_before_a_broken_library_is_found_is_dropped(
        qtbot: QtBot, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody is signed in against a drug library that fails its checks, however early they pressed Enter."""
    import threading

    from infusiondesk.errors import LibraryError

    release = threading.Event()

    def broken_library() -> object:
        release.wait(20)
        raise LibraryError("Drug library x.toml has 1 problem: test.")

    monkeypatch.setattr("infusiondesk_ui.app.load_library", broken_library)
    window = MainWindow(db=clinic.store.url, clock=clinic.clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.session is not None, timeout=20_000)
    assert window.signin.button.isEnabled()
    window.signin.username.setText("nkim")
    window.signin.password.setText(PASSWORDS["nkim"])
    qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)
    release.set()
    qtbot.waitUntil(lambda: window.signin.error.isVisible(), timeout=20_000)
    assert window.signin.error.text() == "InfusionDesk cannot start: Drug library x.toml has 1 problem: test."
    assert not window.signin.button.isEnabled()
    assert window.session.signed_in is None and window.stack.currentWidget() is window.signin
    qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)  # Enter again: still refused, with the reason
    assert window.session.signed_in is None
    assert window.signin.error.text() == "InfusionDesk cannot start: Drug library x.toml has 1 problem: test."
    window.session.store.close()


def test_over_a_set_up_clinic_sign_in_is_ready_as_the_window_shows_and_announced_once(
        qtbot: QtBot, clinic: Clinic_, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The clinic is recognised without the store (store.peek) right after the window's first frame: the ready line
    is logged then, while the store is still opening, and not again when it has opened."""
    import threading

    from infusiondesk_ui import app

    release = threading.Event()
    real_open = app.open_backend

    def slow_open(db: str | None, clock: object) -> object:
        release.wait(20)
        return real_open(db, clock)  # type: ignore[arg-type]

    monkeypatch.setattr("infusiondesk_ui.app.open_backend", slow_open)
    window = MainWindow(db=clinic.store.url, clock=clinic.clock)
    qtbot.addWidget(window)
    assert not window.signin.button.isEnabled()  # nothing is looked at before the first frame
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.signin.button.isEnabled, timeout=5_000)
    assert window.signin.status.text() == "Drug library: magnesium_sulfate.toml (bundled)"
    assert window.session is None and capsys.readouterr().err.count("ready: sign-in enabled after") == 1
    release.set()
    qtbot.waitUntil(lambda: window.session is not None and window.session.drug is not None, timeout=20_000)
    assert "ready:" not in capsys.readouterr().err
    assert window.signin.button.isEnabled() and window.stack.currentWidget() is window.signin
    window.session.store.close()
