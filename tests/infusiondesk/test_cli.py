"""`infusiondesk calc` is a contract other tools rely on: JSON keys, exit codes, one-line errors."""

import json
import subprocess
import sys

import pytest

from infusiondesk.cli import main

STANDARD = ["calc", "--drug", "magnesium-sulfate", "--dose", "2 g", "--concentration", "2 g/50 mL",
            "--duration", "30 min"]


def test_json_has_the_numeric_keys_and_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*STANDARD, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("dose_mg", "dose_mmol", "dose_meq", "volume_ml", "rate_ml_per_h", "rate_mg_per_min",
                "duration_min"):
        assert isinstance(out[key], float), key
    assert out["rate_ml_per_h"] == pytest.approx(100)
    assert out["findings"] == []


def test_hard_findings_are_reported_with_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", "--dose", "2 g", "--concentration", "2 g/50 mL", "--rate", "310 mL/h", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"level": "hard", "code": "dose_rate.max.hard"}.items() <= out["findings"][0].items()
    assert isinstance(out["findings"][0]["message"], str)


def test_human_summary_uses_ismp_display(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(STANDARD) == 0
    text = capsys.readouterr().out
    assert "2 g magnesium sulfate = 16.2 mEq = 8.1 mmol Mg" in text
    assert "100 mL/h" in text and "2.0 g" not in text and "MgSO4" not in text


@pytest.mark.parametrize(
    "args",
    [
        ["calc", "--dose", "2,5 g", "--concentration", "40 mg/mL", "--duration", "30 min"],
        ["calc", "--dose", "2 g", "--concentration", "40 mg/mL", "--duration", "2 g"],
        ["calc", "--dose", "2 g", "--concentration", "40 mg/mL"],
        ["calc", "--dose", "2 g", "--duration", "30 min"],
        ["calc", "--drug", "morphine", "--dose", "2 g", "--concentration", "40 mg/mL", "--duration", "30 min"],
        ["calc", "--dose", "2 g", "--product", "nope", "--duration", "30 min"],
        ["calc", "--dose"],
    ],
)
def test_invalid_input_exits_2_with_one_line_and_no_traceback(args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "infusiondesk", *args], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_installed_command_runs_calc_without_loading_qt_or_pdf_libraries() -> None:
    # ui.cli is what the `infusiondesk` console script runs: it composes every command, yet calc stays light.
    code = (f"import sys; from ui.cli import main; main({STANDARD!r}); "
            "bad = [m for m in ('PySide6', 'reportlab', 'pyhanko') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, check=False).returncode == 0


def test_python_m_infusiondesk_is_the_core_alone_and_the_installed_command_has_everything() -> None:
    core = subprocess.run([sys.executable, "-m", "infusiondesk", "--help"], capture_output=True, text=True, check=False)
    full = subprocess.run([sys.executable, "-m", "ui", "--help"], capture_output=True, text=True, check=False)
    assert core.returncode == 0 and full.returncode == 0
    for command in ("calc", "demo", "visits", "audit", "cert"):
        assert command in core.stdout and command in full.stdout
    for command in ("verify", "export-note", "app"):
        assert command not in core.stdout.split("positional arguments")[1].split("options")[0]
        assert command in full.stdout
