"""The limits the library used to lack: absurd volumes and pump rates, the mg/g slip, repletion and renal
limits, paediatric speed, and a rate the pump cannot show. Each is tested on both sides of its boundary."""

from __future__ import annotations

import pytest

from infusiondesk.dosing import DoseOrder, calculate, calculate_from_text, pump_rate_ml_per_h
from infusiondesk.drugs import load_drug
from infusiondesk.drugs.library import BUNDLED_DIR
from infusiondesk.drugs.vocabulary import RENAL_STATUSES
from infusiondesk.errors import InputError
from infusiondesk.records.models import RenalStatus
from infusiondesk.units import Q

DRUG = load_drug(BUNDLED_DIR / "magnesium_sulfate.toml")


def found(**kw: str) -> dict[str, str]:
    return {f.code: f.message for f in calculate_from_text(DRUG, **kw).findings}


# --- volume and pump rate ------------------------------------------------------------------------------

def test_2_g_of_2_mg_per_50_ml_is_50_litres_at_100000_ml_per_h_and_is_blocked_twice() -> None:
    r = calculate_from_text(DRUG, dose="2 g", concentration="2 mg/50 mL", duration="30 min")
    assert r.volume.to("L").magnitude == pytest.approx(50)
    assert r.blocked
    codes = {f.code for f in r.findings if f.level == "hard"}
    assert {"volume.max.hard", "pump_rate.max.hard"} <= codes
    assert "1,000 mL" in next(f.message for f in r.findings if f.code == "volume.max.hard")


@pytest.mark.parametrize(("volume", "fires"), [("1000 mL", False), ("1001 mL", True)])
def test_the_hard_volume_limit_is_1000_ml(volume: str, fires: bool) -> None:
    codes = found(dose="4 g", concentration=f"4 g/{volume}", duration="4 h", indication="repletion")
    assert ("volume.max.hard" in codes) is fires


@pytest.mark.parametrize(("rate", "fires"), [("1200 mL/h", False), ("1201 mL/h", True)])
def test_the_hard_pump_rate_limit_is_the_pumps_1200_ml_per_h(rate: str, fires: bool) -> None:
    codes = found(dose="1 g", concentration="1 g/1000 mL", rate=rate, indication="repletion")
    assert ("pump_rate.max.hard" in codes) is fires


def test_a_migraine_dose_in_more_than_250_ml_needs_a_reason() -> None:
    assert "volume.max.soft" in found(dose="1 g", concentration="1 g/260 mL", duration="1 h")
    assert "volume.max.soft" not in found(dose="1 g", concentration="1 g/250 mL", duration="1 h")


# --- mg/g slips ------------------------------------------------------------------------------------------

def test_2_mg_for_a_migraine_is_a_hard_stop_that_asks_whether_2_g_was_meant() -> None:
    r = calculate_from_text(DRUG, dose="2 mg", concentration="2 g/50 mL", duration="30 min")
    slip = next(f for f in r.findings if f.code == "dose.unit_slip")
    assert slip.level == "hard" and r.blocked
    assert "Dose 2 mg" in slip.message and "did you mean 2 g?" in slip.message.lower()
    assert "dose.min.soft" not in {f.code for f in r.findings}  # the slip says it once


@pytest.mark.parametrize(("dose", "slip"), [("5 mg", False), ("4.9 mg", True), ("0.004 g", True)])
def test_the_slip_finding_starts_100_times_below_the_lowest_usual_dose(dose: str, slip: bool) -> None:
    # The adult migraine floor is 0.5 g: 5 mg is exactly 100 times below it.
    codes = found(dose=dose, concentration="40 mg/mL", rate="1 mL/h")
    assert ("dose.unit_slip" in codes) is slip
    if not slip:
        assert "dose.min.soft" in codes


def test_a_microgram_slip_suggests_milligrams() -> None:
    assert "Did you mean 750 mg?" in found(dose="750 mcg", concentration="40 mg/mL", rate="1 mL/h")[
        "dose.unit_slip"]


@pytest.mark.parametrize(("dose", "slip"), [("3 mg", False), ("2.9 mg", True)])
def test_a_paediatric_slip_is_measured_per_kilogram(dose: str, slip: bool) -> None:
    # 30 kg child: the paediatric floor is 10 mg/kg, so 0.1 mg/kg (3 mg) is the slip boundary.
    codes = found(dose=dose, weight="30 kg", age="10", concentration="40 mg/mL", rate="1 mL/h")
    assert ("dose.unit_slip" in codes) is slip
    if slip:
        assert "mg/kg" in codes["dose.unit_slip"] and "Did you mean 2.9 g?" in codes["dose.unit_slip"]


def test_a_far_too_small_dose_in_mmol_is_flagged_without_guessing_a_unit() -> None:
    message = found(dose="0.01 mmol", concentration="40 mg/mL", rate="1 mL/h")["dose.unit_slip"]
    assert message.startswith("Dose 2.5 mg is far below the lowest usual dose of 500 mg")  # 0.01 mmol = 2.46 mg
    assert "Did you mean" not in message


def test_a_normal_dose_is_no_slip() -> None:
    assert "dose.unit_slip" not in found(dose="1 g", concentration="40 mg/mL", duration="30 min")
    assert "dose.unit_slip" not in found(dose="25 mg/kg", weight="30 kg", age="10", concentration="40 mg/mL",
                                         duration="30 min")


# --- paediatric speed -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("duration", "hard", "soft"),
                         [("14 min", True, False), ("15 min", False, True), ("19 min", False, True),
                          ("20 min", False, False)])
def test_a_childs_infusion_runs_at_least_15_min_and_a_reason_is_needed_under_20(duration: str, hard: bool,
                                                                                soft: bool) -> None:
    codes = found(dose="25 mg/kg", weight="30 kg", age="10", concentration="40 mg/mL", duration=duration)
    assert ("duration.min.hard" in codes) is hard
    assert ("duration.min.soft" in codes) is soft


def test_the_adult_migraine_minimum_duration_is_unchanged() -> None:
    assert "duration.min.hard" not in found(dose="1 g", concentration="40 mg/mL", duration="14 min")


# --- repletion and renal limits --------------------------------------------------------------------------

@pytest.mark.parametrize(("dose", "soft", "hard"), [("4 g", False, False), ("4.1 g", True, False),
                                                    ("6 g", True, False), ("6.1 g", False, True)])
def test_repletion_dose_limits(dose: str, soft: bool, hard: bool) -> None:
    codes = found(dose=dose, concentration="40 mg/mL", duration="6 h", indication="repletion")
    assert ("dose.max.soft" in codes) is soft
    assert ("dose.max.hard" in codes) is hard


@pytest.mark.parametrize(("duration", "code"), [("59 min", "duration.min.soft"), ("61 min", None),
                                                ("6 h", None), ("6.1 h", "duration.max.soft")])
def test_repletion_duration_limits(duration: str, code: str | None) -> None:
    codes = found(dose="0.5 g", concentration="40 mg/mL", duration=duration, indication="repletion")
    assert {c for c in codes if c.startswith("duration.")} == ({code} if code else set())


@pytest.mark.parametrize(
    ("renal", "given", "fires"),
    [("severe", "15 g", True), ("failure_or_dialysis", "15 g", True), ("severe", "14 g", False),
     ("moderate", "15 g", False), ("normal", "15 g", False), ("unknown", "15 g", False), (None, "15 g", False)],
)
def test_severe_renal_impairment_caps_24_h_at_20_g(renal: str | None, given: str, fires: bool) -> None:
    r = calculate_from_text(DRUG, dose="6 g", concentration="40 mg/mL", duration="6 h", indication="repletion",
                            given_last_24h=given, renal_status=renal)
    hits = [f for f in r.findings if f.code == "dose_24h.max.hard"]
    assert bool(hits) is fires
    if fires:
        assert hits[0].limit is not None and hits[0].limit.renal == ("severe", "failure_or_dialysis")
        assert "renal" in hits[0].message and "20 g" in hits[0].message
    assert r.as_dict()["renal_status"] == renal


def test_renal_statuses_are_the_records_renal_statuses() -> None:
    assert set(RENAL_STATUSES) == {s.value for s in RenalStatus}


def test_an_unknown_renal_status_is_refused_by_name() -> None:
    with pytest.raises(InputError, match='Renal status "kidneys-fine"') as err:
        calculate_from_text(DRUG, dose="1 g", concentration="40 mg/mL", duration="30 min",
                            renal_status="kidneys-fine")
    assert err.value.field == "renal_status"


# --- the rate as the pump is programmed -------------------------------------------------------------------

def test_the_pump_rate_is_the_displayed_rate() -> None:
    r = calculate_from_text(DRUG, dose="1 g", concentration="40 mg/mL", duration="35 min")
    assert r.as_dict()["rate_ml_per_h"] == pytest.approx(42.857, abs=1e-3)
    assert r.as_dict()["rate_ml_per_h_pump"] == 42.9
    assert r.display()["rate"] == "42.9 mL/h"
    assert "pump.rate_display" not in {f.code for f in r.findings}


def test_0_01_ml_per_h_never_shows_as_0_and_is_a_hard_stop() -> None:
    r = calculate(DRUG, DoseOrder(dose=Q(0.5, "g"), concentration=Q(40, "mg/mL"), rate=Q(0.01, "mL/h")))
    assert r.display()["rate"] == "less than 0.1 mL/h"
    assert r.as_dict()["rate_ml_per_h_pump"] == 0.0
    (f,) = [f for f in r.findings if f.code == "pump.rate_display"]
    assert f.level == "hard" and r.blocked
    assert "0.01 mL/h" in f.message


@pytest.mark.parametrize(("rate", "fires"), [(0.96, False), (0.95, True), (1.05, False), (0.55, True),
                                             (0.05, True), (0.04, True), (0.1, False)])
def test_the_pump_finding_fires_when_the_programmed_rate_is_more_than_5_percent_off(rate: float,
                                                                                   fires: bool) -> None:
    r = calculate(DRUG, DoseOrder(dose=Q(0.5, "g"), concentration=Q(40, "mg/mL"), rate=Q(rate, "mL/h")))
    pump = pump_rate_ml_per_h(Q(rate, "mL/h"))
    assert ("pump.rate_display" in {f.code for f in r.findings}) is fires, (rate, pump)


def test_a_solution_holding_drug_never_reads_0_percent() -> None:
    from infusiondesk import display

    assert display.format_concentration(Q(0.04, "mg/mL")) == "0.04 mg/mL (less than 0.01 %)"
    assert display.format_concentration(Q(0.05, "mg/mL")) == "0.05 mg/mL (0.01 %)"
    assert display.format_volume_rate(Q(0.05, "mL/h")) == "0.1 mL/h"
    assert display.format_volume_rate(Q(0.049, "mL/h")) == "less than 0.1 mL/h"
    assert display.format_volume_rate(Q(0, "mL/h")) == "0 mL/h"
