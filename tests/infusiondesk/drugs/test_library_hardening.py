"""A library file is edited by hand: whatever it holds, loading ends in one LibraryError sentence naming the file
and the entry, quickly, never a traceback, a hang or an infinite limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from infusiondesk.cli import main
from infusiondesk.drugs.library import BUNDLED_DIR, parse_library
from infusiondesk.drugs.reading import MAX_FILE_BYTES
from infusiondesk.errors import LibraryError
from tests.infusiondesk.conftest import LibraryVariant

BUNDLED = BUNDLED_DIR / "magnesium_sulfate.toml"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('value = "4 g"', 'value = "inf g"',
         r'limits\[4\] \(dose max hard, migraine, adult\): "inf g" is not a number'),
        ('value = "4 g"', 'value = "nan g"', r'"nan g" is not a number and a unit'),
        ('value = "4 g"', 'value = "1e400 g"', r'"1e400 g" is not a finite number'),
        ('value = "4 g"', 'value = "1e12 g"', r'"1e12 g" is absurdly large'),
        ('value = "4 g"', 'value = "9**9**9 g"', r'"9\*\*9\*\*9 g" is not a number and a unit, .*powers'),
        ('value = "4 g"', 'value = "9^9^9 g"', r"powers, expressions"),
        ('value = "4 g"', 'value = "(4) g"', r"not a number and a unit"),
        ('value = "4 g"', f'value = "{"1" * 80} g"', r"characters long"),
        ('molar_mass = "246.47 g/mol"', 'molar_mass = "246.47 g/mol/mol/mol"', r"not a number and a unit"),
        ("below = 30\n", "below = inf\n", r"screening\[\d+\]\.when\[\d+\]\.below: inf is not a finite number"),
        ("below = 30\n", "below = nan\n", r"nan is not a finite number"),
        ("observation_after_min = 30", "observation_after_min = 1e400", r"inf is not a finite number"),
    ],
)
def test_non_finite_absurd_or_expression_numbers_are_refused_by_entry(library_variant: LibraryVariant, old: str,
                                                                     new: str, message: str) -> None:
    path = library_variant(old, new)
    started = time.monotonic()
    with pytest.raises(LibraryError, match=message) as err:
        parse_library(path)
    assert time.monotonic() - started < 5
    assert str(path) in err.value.message


def test_a_file_over_1_mib_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    text = BUNDLED.read_text(encoding="utf-8")
    path.write_text(text + "#" * (MAX_FILE_BYTES - len(text.encode()) + 1), encoding="utf-8")
    with pytest.raises(LibraryError, match=r"huge.toml is 1,048,577 bytes; a drug library is at most 1,048,576"):
        parse_library(path)


def test_a_file_just_under_the_size_limit_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "padded.toml"
    text = BUNDLED.read_text(encoding="utf-8")
    path.write_text(text + "#" * (MAX_FILE_BYTES - len(text.encode()) - 1) + "\n", encoding="utf-8")
    assert parse_library(path).name == "magnesium sulfate"


def test_deep_nesting_is_refused_without_a_recursion_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("schema = 1\nx = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    with pytest.raises(LibraryError, match=r"too deeply|nested more than"):
        parse_library(path)


def test_nesting_deeper_than_the_schema_needs_is_refused_by_key(tmp_path: Path) -> None:
    path = tmp_path / "nested.toml"
    path.write_text(BUNDLED.read_text(encoding="utf-8") + "\n[extra]\nx = [[[[[[[[[1]]]]]]]]]\n", encoding="utf-8")
    with pytest.raises(LibraryError, match=r"extra\.x.*nested more than 8 levels"):
        parse_library(path)


def test_non_utf8_bytes_name_the_file_the_entry_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    data = BUNDLED.read_bytes().replace(b'name = "Migraine, acute treatment (off-label)"',
                                        b'name = "Migraine, acute treatment (off-label) caf\xe9"')  # Latin-1 e
    path.write_bytes(data)
    with pytest.raises(LibraryError) as err:
        parse_library(path)
    msg = err.value.message
    assert msg.startswith(f"Drug library {path}: [indications.migraine] line ")
    assert "0xe9 is not UTF-8" in msg and "\n" not in msg


def test_calc_with_a_bad_library_prints_one_line_and_exits_2(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"schema = 1\n[drug]\nname = \"\xff\xfe\"\n")
    args = ["calc", "--dose", "2 g", "--concentration", "2 g/50 mL", "--duration", "30 min"]
    assert main([*args, "--library", str(bad)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"infusiondesk: Drug library {bad}: [drug] line 3")
    assert "Traceback" not in out.err
    assert main([*args, "--library", str(tmp_path / "absent.toml")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_calc_reports_the_new_findings_and_the_renal_option(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    args = ["calc", "--dose", "6 g", "--concentration", "40 mg/mL", "--duration", "6 h", "--indication",
            "repletion", "--given-24h", "15 g", "--renal", "severe", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert "dose_24h.max.hard" in {f["code"] for f in out["findings"]}
    assert out["renal_status"] == "severe" and out["rate_ml_per_h_pump"] == 25.0
    assert main(["calc", "--dose", "2 mg", "--concentration", "2 g/50 mL", "--duration", "30 min"]) == 0
    assert "Did you mean 2 g?" in capsys.readouterr().out
    assert main([*args[:-3], "--renal", "grand"]) == 2
    assert 'Renal status "grand"' in capsys.readouterr().err
