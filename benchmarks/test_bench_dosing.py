"""Dose recalculation from strings (parse -> compute -> findings): target <= 5 ms median per call."""

from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.conftest import record
from infusiondesk.dosing import calculate_from_text
from infusiondesk.drugs import load_drug


def test_dose_recalculation_from_typed_strings(benchmark: BenchmarkFixture) -> None:
    drug = load_drug()

    def recalc() -> object:
        return calculate_from_text(drug, dose="2 g", concentration="2 g/50 mL", duration="30 min",
                                   weight="70 kg", age="42", given_last_24h="1 g")

    benchmark.pedantic(recalc, rounds=500, iterations=1, warmup_rounds=20)
    fig = record("dose recalculation (parse, compute, findings)", list(benchmark.stats.stats.data),
                 "median <= 5 ms", target_median_ms=5.0)
    benchmark.extra_info.update(median_ms=fig.median_ms, p95_ms=fig.p95_ms)
