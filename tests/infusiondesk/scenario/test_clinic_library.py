"""A clinic tries its own drug library: `library` in the file (relative to it) is the one the run orders with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infusiondesk.cli import main as core_main
from tests.infusiondesk.conftest import LibraryVariant
from tests.infusiondesk.scenario.conftest import FILES

SOFT_2G = 'check = "dose"\nbound = "max"\nlevel = "soft"\nvalue = "2 g"'


def scenario_with(tmp_path: Path, library: str | None) -> Path:
    data = json.loads((FILES / "standard_visit.json").read_text(encoding="utf-8"))
    order = data["steps"][3]
    order.update(dose="3 g", product="premix-4g-100ml", duration="1 h")
    if library is not None:
        data["library"] = library
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def order_result(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, object]:
    assert core_main(["scenario", "run", str(path), "--json"]) == 0
    step: dict[str, object] = json.loads(capsys.readouterr().out)["steps"][3]
    return step


def test_the_clinics_library_decides_what_needs_a_reason(tmp_path: Path, library_variant: LibraryVariant,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    bundled = order_result(capsys, scenario_with(tmp_path, None))
    assert not bundled["ok"] and str(bundled["message"]).startswith("Write a reason for each warning")
    library_variant(SOFT_2G, SOFT_2G.replace('"2 g"', '"3 g"'))  # the clinic's copy: tmp_path/clinic.toml
    own = order_result(capsys, scenario_with(tmp_path, "clinic.toml"))
    assert own["ok"] and "dose.max.soft" not in [f["code"] for f in own["findings"]]  # type: ignore[attr-defined]


def test_a_library_that_is_not_there_is_an_invalid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert core_main(["scenario", "run", str(scenario_with(tmp_path, "missing.toml"))]) == 2
    assert f"library {tmp_path / 'missing.toml'} does not exist" in capsys.readouterr().err
