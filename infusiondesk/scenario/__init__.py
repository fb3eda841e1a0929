"""Scenario files: a scripted clinic played through the visit service (`infusiondesk scenario run`), so a clinic
can try its own drug library before putting it into service, and the tests can reproduce every refusal."""

from infusiondesk.scenario.loader import Scenario, ScenarioError, load_scenario, parse_scenario
from infusiondesk.scenario.runner import NoteSigner, ScenarioResult, ScenarioRunner, StepResult, run_scenario

__all__ = ["NoteSigner", "Scenario", "ScenarioError", "ScenarioResult", "ScenarioRunner", "StepResult",
           "load_scenario", "parse_scenario", "run_scenario"]
