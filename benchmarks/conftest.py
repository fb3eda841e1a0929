"""Benchmarks report median and p95 against the targets in the issues, in one table at the end."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@dataclass
class Figure:
    name: str
    median_ms: float
    p95_ms: float
    target: str
    met: bool


FIGURES: list[Figure] = []


def record(name: str, samples_s: list[float], target: str, met_if: bool | None = None,
           target_median_ms: float | None = None, target_p95_ms: float | None = None) -> Figure:
    """Keep one benchmark's figures; `met` is judged on the stated target."""
    ordered = sorted(samples_s)
    median = statistics.median(ordered) * 1000
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000
    met = met_if if met_if is not None else True
    if target_median_ms is not None:
        met = met and median <= target_median_ms
    if target_p95_ms is not None:
        met = met and p95 <= target_p95_ms
    fig = Figure(name, median, p95, target, met)
    FIGURES.append(fig)
    return fig


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    tr = terminalreporter
    tr.section("InfusionDesk targets")
    tr.write_line(f"{'benchmark':58} {'median':>10} {'p95':>10}  target")
    for f in FIGURES:
        tr.write_line(f"{f.name:58} {f.median_ms:8.3f}ms {f.p95_ms:8.3f}ms  {f.target}  "
                      f"{'MET' if f.met else 'MISSED'}")
