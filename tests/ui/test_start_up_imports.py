"""What sign-in needs, and `calc`, import in a fresh interpreter: never pint, pydantic, the PDF libraries, alembic
or the visit workflow before sign-in; never the database for `calc` (issue 14: each is tenths of a second at
start-up, and one careless module-level import brings it back without any test noticing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.ui.conftest import PASSWORDS, Clinic_

ROOT = Path(__file__).resolve().parents[2]
NOT_BEFORE_SIGN_IN = ("pint", "pydantic", "reportlab", "pyhanko", "alembic", "sqlalchemy.dialects.postgresql",
                      "infusiondesk.drugs.library", "infusiondesk.workflow.assessment", "infusiondesk.service")
NOT_FOR_CALC = ("sqlalchemy", "infusiondesk.store.store", "PySide6", "reportlab", "pyhanko", "alembic")

# The window's start-up path up to a usable sign-in: the window built, the database opened, the library's name
# shown, the session made, the daily backup armed, a nurse signed in.
SIGN_IN = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from infusiondesk_ui.app import MainWindow, library_in_force, open_backend
from infusiondesk_ui.backup_ops import DailyBackup
from infusiondesk_ui.clock import Clock
from infusiondesk_ui.first_run import location_choice
from infusiondesk_ui.session import Session
window = MainWindow(db=sys.argv[1])
store = open_backend(sys.argv[1], Clock())
line = library_in_force()
session = Session(store=store, drug=None)
assert not store.clinic.needs_setup()
signed_in = store.users.sign_in("nkim", sys.argv[2])
print(json.dumps({"line": line, "user": signed_in.user.username,
                  "loaded": sorted(m for m in sys.modules if m in json.loads(sys.argv[3])
                                   or m.split(".")[0] in json.loads(sys.argv[3]))}))
"""


# The window shown over a set-up SQLite clinic, before its store has opened: sign-in is usable right after the
# first frame.
SIGN_IN_USABLE = """
import json, sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from infusiondesk_ui import app as app_module
app_module.run_in_thread = lambda *args: None  # the store is never opened here: what is usable without it?
window = app_module.MainWindow(db=sys.argv[1])
window.show()
deadline = time.monotonic() + 10
while window._later is None and time.monotonic() < deadline:  # the first frame, then the step after it
    app.processEvents()
print(json.dumps({"enabled": window.signin.button.isEnabled(), "line": window.signin.status.text(),
                  "loaded": sorted(m for m in sys.modules if m in json.loads(sys.argv[2])
                                   or m.split(".")[0] in json.loads(sys.argv[2]))}))
"""
NOT_BEFORE_SIGN_IN_IS_USABLE = ("sqlalchemy", *NOT_BEFORE_SIGN_IN)


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False,
                          cwd=ROOT, env=env, timeout=120)


def test_signing_in_imports_no_pint_pydantic_pdf_library_alembic_or_workflow(clinic: Clinic_) -> None:
    proc = _run(SIGN_IN, clinic.store.url, PASSWORDS["nkim"], json.dumps(NOT_BEFORE_SIGN_IN))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["user"] == "nkim"
    assert result["line"] == "Drug library: magnesium_sulfate.toml (bundled)"
    assert result["loaded"] == []


def test_the_guard_sees_a_module_that_is_imported() -> None:
    """The check above could pass by looking in the wrong place: the same check after checking the library (in
    full: a load from the cache of checked libraries imports no pydantic) does see pint and pydantic."""
    code = ("import json, sys\nfrom infusiondesk.drugs.library import library_path, parse_library\n"
            "parse_library(library_path()[0])\n"
            "print(json.dumps(sorted(m for m in ('pint', 'pydantic', 'sqlalchemy') if m in sys.modules)))")
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["pint", "pydantic"]


def test_calc_imports_no_database_qt_or_pdf_library() -> None:
    code = ("import json, runpy, sys, contextlib, io\n"
            "sys.argv = ['infusiondesk', 'calc', '--dose', '2 g', '--concentration', '2 g/50 mL', '--duration', "
            "'30 min']\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
            "    runpy.run_module('infusiondesk_ui', run_name='__main__')\n"
            f"bad = sorted(m for m in sys.modules if m in {NOT_FOR_CALC!r} or m.split('.')[0] in {NOT_FOR_CALC!r})\n"
            "print(json.dumps({'out': out.getvalue(), 'bad': bad}))")
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert "rate            100 mL/h" in result["out"]
    assert result["bad"] == []


def test_sign_in_is_usable_over_an_sqlite_clinic_before_sqlalchemy_is_imported(clinic: Clinic_) -> None:
    """The window recognises a set-up clinic at the current schema with the standard library (store.peek), so
    the nurse can sign in at once; SQLAlchemy (~0.3 s) loads in the background afterwards."""
    proc = _run(SIGN_IN_USABLE, clinic.store.url, json.dumps(NOT_BEFORE_SIGN_IN_IS_USABLE))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["enabled"] is True
    assert result["line"] == "Drug library: magnesium_sulfate.toml (bundled)"
    assert result["loaded"] == []


# PySide6 builds a class's Python enums the first time it is touched: all of the `Qt` namespace at once (~100
# enums, ~1,200 members, tens of ms) or QIcon's 151 theme icons. A bare window touches neither.
ENUMS_BUILT = """
import enum, json, sys
built, sized = [], []
make = enum.EnumType._create_
def spy(cls, class_name, names, **kw):
    built.append(class_name)
    made = make(cls, class_name, names, **kw)
    sized.append([class_name, len(made.__members__)])
    return made
enum.EnumType._create_ = spy
from PySide6.QtWidgets import QApplication
app = QApplication([])
from infusiondesk_ui.app import MainWindow
window = MainWindow(db=sys.argv[1])
window._open_backend = None
window.show()
app.processEvents()
built.append("--shown--")
sized.append("--shown--")
window.signin.error.say("Wrong user name or password.")  # a message: selectable from now on
from PySide6.QtCore import QEvent
QEvent.Type.KeyPress  # built by now, whoever touched it first
print(json.dumps({"built": built, "sized": sized,
                  "selectable": int(window.signin.error.textInteractionFlags().value)}))
"""
QT_NAMESPACE_ENUMS = {"Key", "WindowType", "MouseButton", "AlignmentFlag", "CursorShape"}


def test_the_window_shows_without_building_the_qt_namespace_enums(clinic: Clinic_) -> None:
    proc = _run(ENUMS_BUILT, clinic.store.url)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    shown = result["built"].index("--shown--")
    before, after = set(result["built"][:shown]), set(result["built"][shown:])
    assert "EchoMode" in before and after >= QT_NAMESPACE_ENUMS  # the spy sees PySide6's enums being built
    assert not QT_NAMESPACE_ENUMS & before and "ThemeIcon" not in before
    assert result["selectable"] == 1  # Qt.TextInteractionFlag.TextSelectableByMouse
    # QEvent.Type (179 members): built by importing QEvent or a subclass, or by handing an event to a Python
    # override (showEvent, eventFilter); the window's idle filter and palette follower come after the first frame
    shown_at = result["sized"].index("--shown--")
    assert ["Type", 179] in result["sized"][shown_at:] and ["Type", 179] not in result["sized"][:shown_at]
