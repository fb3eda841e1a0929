"""`infusiondesk calc` and the app (`infusiondesk`, `infusiondesk app`) are parsed by parsers that know their own
command alone (quicker to build): they must accept, refuse and explain exactly what the full `infusiondesk` parser
does."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infusiondesk import cli as core_cli
from infusiondesk_ui import cli as ui_cli

CASES = [
    ["calc", "--dose", "2 g", "--concentration", "2 g/50 mL", "--duration", "30 min"],
    ["calc", "--dose", "2 g", "--concentration", "2 g/50 mL", "--duration", "30 min", "--json"],
    ["calc", "--dose", "2,5 g", "--concentration", "40 mg/mL", "--duration", "30 min"],
    ["calc", "--dose", "2 g", "--concentration", "40 mg/mL", "--duration", "30 min", "--rate", "100 mL/h"],
    ["calc", "--dose", "2 g", "--concentration", "40 mg/mL"],
    ["calc", "--dose", "8 g", "--concentration", "40 mg/mL", "--duration", "5 min", "--pump-rate", "90 mL/h"],
    ["calc", "--drug", "morphine", "--dose", "2 g", "--concentration", "40 mg/mL", "--duration", "30 min"],
    ["calc", "--dose"],
    ["calc", "--nonsense"],
    ["calc", "--help"],
]


def _outcome(run: Callable[[list[str]], int], args: list[str],
             capsys: pytest.CaptureFixture[str]) -> tuple[object, str, str]:
    try:
        code: object = run(args)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("args", CASES, ids=[" ".join(a[1:3]) + f" #{i}" for i, a in enumerate(CASES)])
def test_calc_answers_as_the_full_command_does(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    full = _outcome(lambda a: core_cli.run(ui_cli.build_parser(), a), args, capsys)
    quick = _outcome(ui_cli.main, args, capsys)
    assert quick == full
    assert full[1] or full[2]  # each case said something (a result, a finding, an error or the help)


def test_the_quick_parser_knows_calc_only() -> None:
    """Any other command goes to the full parser (this one would refuse it)."""
    with pytest.raises(SystemExit):
        core_cli.calc_parser().parse_args(["scan", "(01)00304096729242"])


@pytest.mark.parametrize("args", [["app", "--help"], ["app", "--bogus"], ["app", "--idle-lock-min", "soon"],
                                  ["app", "--idle-lock-min", "0"], ["app", "extra"]])
def test_the_app_command_is_refused_and_explained_as_by_the_full_command(
        args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("infusiondesk_ui.app.run", lambda *a, **k: pytest.fail("the app must not open"))
    full = _outcome(lambda a: core_cli.run(ui_cli.build_parser(), a), args, capsys)
    quick = _outcome(ui_cli.main, args, capsys)
    assert quick == full
    assert (full[0] == 0) == (args[1] == "--help")  # refused, except the help


@pytest.mark.parametrize("args", [[], ["app"], ["app", "--db", "x.db", "--idle-lock-min", "5"]])
def test_opening_the_app_parses_as_the_full_command_does(args: list[str]) -> None:
    full, quick = vars(ui_cli.build_parser().parse_args(args)), vars(ui_cli.app_parser().parse_args(args))
    assert quick["handler"] is full["handler"] is ui_cli._run_app
    assert {k: v for k, v in quick.items() if k != "handler"} == {
        k: v for k, v in full.items()
        if k not in ("handler", "make_note_signer", "render_clinic_report_pdf", "check_laptop_note")}


def test_any_other_command_goes_to_the_full_parser(capsys: pytest.CaptureFixture[str]) -> None:
    assert _outcome(ui_cli.main, ["--help"], capsys)[1].count("calc") >= 1  # the whole command list
