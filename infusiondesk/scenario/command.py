"""`infusiondesk scenario run FILE [--db URL] [--json]`: check the file, play it on a fresh temporary database
(or the empty one given), and print each step's outcome. The PDF code is not imported here: the composition
root (`infusiondesk_ui.cli`) hands in `make_note_signer` for the clinician's signed notes."""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infusiondesk.drugs.library import Drug
from infusiondesk.scenario.loader import load_scenario
from infusiondesk.scenario.runner import NoteSigner, ScenarioResult, run_scenario

# Given the run's store and drug library, a note signer (the clinic CA and staff certificates made on first use).
MakeNoteSigner = Callable[[Any, Drug], NoteSigner]

EXIT_OK = 0


def scenario_command(args: argparse.Namespace, make_note_signer: MakeNoteSigner | None = None) -> int:
    """Exit 0 when the file ran (refused steps are results); an invalid file is a ScenarioError (one line,
    exit 2, from `infusiondesk.cli.run`)."""
    from infusiondesk.drugs import load_drug
    from infusiondesk.store import Store

    scenario = load_scenario(args.file)
    drug = load_drug(scenario.library)
    with tempfile.TemporaryDirectory(prefix="infusiondesk-scenario-") as tmp:
        store = Store.open(args.db or str(Path(tmp) / "scenario.db"))
        try:
            signer = make_note_signer(store, drug) if make_note_signer is not None else None
            result = run_scenario(scenario, store, drug, signer)
        finally:
            store.close()
    print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False) if args.json else render(result))
    return EXIT_OK


def render(result: ScenarioResult) -> str:
    """One readable line per step (✓ done, ✗ refused), then the audit trail's verdict."""
    lines = []
    for s in result.steps:
        mark = "✓" if s.ok else "✗"
        status = f"[{s.status}]" if s.status else ""
        lines.append(f"{mark} {s.index:>3} {s.do:<14} {status:<12} {s.message}")
        lines.extend(f"        {x['level']}: {x['code']}" for x in s.findings if not s.ok or x["level"] != "info")
    lines.append(result.audit_summary)
    return "\n".join(lines)
