"""The installed names cannot clash: ui/ and reports/ ship as infusiondesk_ui and infusiondesk_reports, every
package folder is in pyproject's list, nothing imports the bare folder names, and a wheel installed next to
another distribution's `ui` package still runs `infusiondesk calc`."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALLED_AS = {"infusiondesk": "infusiondesk", "ui": "infusiondesk_ui", "reports": "infusiondesk_reports"}


def test_every_package_folder_is_listed_under_its_installed_name() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = set()
    for folder, name in INSTALLED_AS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            on_disk.add(".".join((name, *parts)))
    assert set(config["packages"]) == on_disk
    assert config["package-dir"] == {"infusiondesk_ui": "ui", "infusiondesk_reports": "reports"}


def test_no_module_imports_the_bare_folder_names() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "rename_packages.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"run scripts/rename_packages.py; these still use `ui.`/`reports.`:\n{proc.stdout}"


def test_the_check_finds_an_old_import() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from rename_packages import rewrite
    finally:
        sys.path.pop(0)
    ui, reports = "ui", "reports"  # spelled apart, so the rewrite (run on this file too) leaves the sample alone
    old = (f'from {ui}.app import run\nfrom {reports} import cli\nimport {ui}.documents\n'
           f'run_in_process("{ui}.note_worker")\n')
    assert rewrite(old) == ('from infusiondesk_ui.app import run\nfrom infusiondesk_reports import cli\n'
                            'import infusiondesk_ui.documents\nrun_in_process("infusiondesk_ui.note_worker")\n')
    assert rewrite("reports.append(x)  # a list") == "reports.append(x)  # a list"
    assert rewrite(f'type(t).__module__.startswith("{ui}.")') == 'type(t).__module__.startswith("infusiondesk_ui.")'
    assert rewrite(rewrite(old)) == rewrite(old)


@pytest.mark.slow
def test_a_wheel_installed_next_to_another_ui_package_still_runs_calc(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("infusiondesk-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # another distribution's top-level `ui` and `reports`, installed first, as pip would leave them
    for name in ("ui", "reports"):
        (site / name).mkdir()
        (site / name / "__init__.py").write_text("raise ImportError('this is another project')\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", str(wheel)],
                   check=True, capture_output=True)
    assert (site / "ui" / "__init__.py").read_text().startswith("raise ImportError")  # left alone
    # the dependencies come from the test environment's site-packages (not its editable InfusionDesk: a .pth
    # on PYTHONPATH is not run)
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    calc = subprocess.run([str(venv / "bin" / "infusiondesk"), "calc", "--drug", "magnesium-sulfate", "--dose",
                           "2 g", "--concentration", "2 g/50 mL", "--duration", "30 min"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert calc.returncode == 0, calc.stderr
    assert "100 mL/h" in calc.stdout
    code = "import infusiondesk_ui.cli, infusiondesk_reports.cli as r; print(r.__file__)"
    where = subprocess.run([str(py), "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                           check=True).stdout
    assert Path(where.strip()).is_relative_to(site)
