"""The core never loads Qt, reportlab or pyHanko (checked in a fresh interpreter, as qtrio does)."""

import pkgutil
import subprocess
import sys

import infusiondesk


def test_importing_every_core_module_loads_no_ui_or_pdf_library() -> None:
    modules = [m.name for m in pkgutil.walk_packages(infusiondesk.__path__, "infusiondesk.")
               if m.name != "infusiondesk.__main__"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'reportlab', 'pyhanko', "
        "'infusiondesk_ui', 'infusiondesk_reports'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
