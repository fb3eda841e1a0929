"""Dose orders as a nurse enters them, and every library limit from both sides."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infusiondesk.dosing import DoseOrder, calculate, calculate_from_text
from infusiondesk.drugs import Drug, Limit, load_drug
from infusiondesk.drugs.library import BUNDLED_DIR
from infusiondesk.errors import InputError
from infusiondesk.units import Q

DRUG = load_drug(BUNDLED_DIR / "magnesium_sulfate.toml")


def codes(**kw: str) -> set[str]:
    return {f.code for f in calculate_from_text(DRUG, **kw).findings}


def test_2_g_of_2_g_per_50_ml_over_30_min_runs_at_100_ml_per_h() -> None:
    r = calculate_from_text(DRUG, dose="2 g", concentration="2 g/50 mL", duration="30 min")
    assert r.volume.to("mL").magnitude == pytest.approx(50)
    assert r.rate_volume.to("mL/h").magnitude == pytest.approx(100)
    assert r.rate_mass.to("mg/min").magnitude == pytest.approx(66.67, abs=0.01)
    assert r.dose_meq.to("mEq").magnitude == pytest.approx(16.23, abs=0.01)
    assert r.dose_mmol.to("mmol").magnitude == pytest.approx(8.11, abs=0.01)
    assert r.findings == ()
    assert not r.blocked and not r.needs_reason
    assert r.salt_and_elemental() == "2 g magnesium sulfate = 16.2 mEq = 8.1 mmol Mg"


def test_rate_entered_instead_of_duration_gives_the_duration() -> None:
    r = calculate_from_text(DRUG, dose="1 g", concentration="1 g/100 mL", rate="200 mL/h")
    assert r.duration.to("min").magnitude == pytest.approx(30)
    assert r.display()["duration"] == "30 min"


def test_a_dose_rate_in_mg_per_min_is_turned_into_a_pump_rate() -> None:
    r = calculate_from_text(DRUG, dose="2 g", concentration="40 mg/mL", rate="50 mg/min")
    assert r.rate_volume.to("mL/h").magnitude == pytest.approx(75)
    assert r.duration.to("min").magnitude == pytest.approx(40)


def test_dose_in_meq_is_converted_with_the_drugs_own_valence() -> None:
    r = calculate_from_text(DRUG, dose="16.23 mEq", concentration="2 g/50 mL", duration="30 min")
    assert r.dose_mass.to("g").magnitude == pytest.approx(2, abs=0.001)


def test_ismp_bag_volume_programmed_as_rate_is_a_hard_stop() -> None:
    # ISMP 1997: 310 mL entered as the rate instead of 30 mL/h; here 4 g/100 mL at 310 mL/h.
    r = calculate_from_text(DRUG, dose="4 g", concentration="4 g/100 mL", rate="310 mL/h")
    assert r.blocked
    assert "dose_rate.max.hard" in {f.code for f in r.findings}


def test_ismp_16_g_for_16_meq_is_a_hard_stop() -> None:
    assert calculate_from_text(DRUG, dose="16 g", concentration="40 mg/mL", duration="2 h").blocked


def test_undiluted_50_percent_vial_is_blocked_twice_over() -> None:
    found = codes(dose="2 g", product="vial-50pct", duration="30 min")
    assert {"product.not_iv_ready", "concentration.max.hard"} <= found


def test_a_hard_stop_is_not_repeated_as_a_soft_warning_on_the_same_rule() -> None:
    found = codes(dose="2 g", concentration="2 g/50 mL", duration="10 min")
    assert "dose_rate.max.hard" in found and "dose_rate.max.soft" not in found


def test_soft_findings_need_a_reason_but_do_not_block() -> None:
    r = calculate_from_text(DRUG, dose="3 g", concentration="4 g/100 mL", duration="1 h")
    assert r.needs_reason and not r.blocked
    (soft,) = r.soft_findings
    assert soft.message == ("Dose 3 g is above the soft maximum of 2 g (migraine, adult); "
                            "a written reason is needed to continue.")


def test_under_18_without_weight_is_a_hard_stop() -> None:
    assert "weight.required" in codes(dose="1 g", concentration="40 mg/mL", duration="30 min", age="12")


def test_weight_based_dose_uses_the_weight() -> None:
    r = calculate_from_text(DRUG, dose="25 mg/kg", weight="40 kg", age="14", concentration="40 mg/mL",
                            duration="30 min")
    assert r.dose_mass.to("g").magnitude == pytest.approx(1)
    assert r.pediatric


def test_mg_per_kg_without_weight_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Weight is needed") as err:
        calculate_from_text(DRUG, dose="25 mg/kg", concentration="40 mg/mL", duration="30 min")
    assert err.value.field == "weight"


def test_product_volume_notes() -> None:
    r = calculate_from_text(DRUG, dose="1 g", product="premix-2g-50ml", duration="30 min")
    assert any(f.code == "product.partial_bag" and "25 mL" in f.message for f in r.findings)
    r = calculate_from_text(DRUG, dose="4 g", product="premix-2g-50ml", duration="1 h")
    assert any(f.code == "product.multiple_bags" and "2 bags" in f.message for f in r.findings)


def test_nonstandard_concentration_is_noted() -> None:
    assert "concentration.nonstandard" in codes(dose="1 g", concentration="33 mg/mL", duration="30 min")
    assert "concentration.nonstandard" not in codes(dose="1 g", concentration="2 g/50 mL", duration="30 min")


def test_concentration_that_contradicts_the_chosen_product_is_refused() -> None:
    with pytest.raises(InputError, match="does not match the chosen product"):
        calculate_from_text(DRUG, dose="1 g", product="premix-2g-50ml", concentration="80 mg/mL",
                            duration="30 min")


def test_both_duration_and_rate_or_neither_is_refused() -> None:
    with pytest.raises(InputError, match="either a duration or a rate"):
        calculate_from_text(DRUG, dose="1 g", concentration="40 mg/mL", duration="30 min", rate="50 mL/h")
    with pytest.raises(InputError, match="Enter a duration"):
        calculate_from_text(DRUG, dose="1 g", concentration="40 mg/mL")


def test_repletion_uses_its_own_g_per_h_limits() -> None:
    migraine = codes(dose="2 g", concentration="40 mg/mL", duration="30 min")
    repletion = codes(dose="2 g", concentration="40 mg/mL", duration="30 min", indication="repletion")
    assert "dose_rate.max.hard" not in migraine
    assert "dose_rate.max.hard" in repletion


# --- every limit in the library, just inside and just outside --------------------------------------

def _order_for(lim: Limit, factor: float) -> DoseOrder:
    """A baseline-safe order whose checked quantity is `factor` times the limit's value."""
    v = lim.value * factor
    pediatric = lim.population == "pediatric"
    base = {
        "dose": Q(1, "g"),
        "concentration": Q(40, "mg/mL"),
        "duration": Q(60, "min"),
        "weight": Q(70 if not pediatric else 60, "kg"),
        "age_years": 10.0 if pediatric else 40.0,
        "indication": None if lim.indication == "*" else lim.indication,
        "renal_status": lim.renal[0] if lim.renal else None,
    }
    if lim.check == "dose":
        base["dose"] = v
        base["duration"] = Q(24, "h") if lim.level == "hard" else Q(4, "h")
    elif lim.check == "weight_based_dose":
        base["dose"] = v
        base["weight"] = Q(20, "kg")
    elif lim.check == "concentration":
        base["concentration"] = v
    elif lim.check == "dose_rate":
        base["duration"] = None
        return DoseOrder(dose=base["dose"], concentration=base["concentration"], rate=v,
                         weight=base["weight"], age_years=base["age_years"], indication=base["indication"],
                         renal_status=base["renal_status"])
    elif lim.check == "dose_24h":
        return DoseOrder(dose=base["dose"], concentration=base["concentration"], duration=base["duration"],
                         weight=base["weight"], age_years=base["age_years"], indication=base["indication"],
                         given_last_24h=v - Q(1, "g"), renal_status=base["renal_status"])
    elif lim.check == "duration":
        base["duration"] = v
        base["dose"] = Q(0.5, "g") if lim.bound == "min" else Q(1, "g")
    elif lim.check == "volume":
        base["concentration"] = Q(1, "g") / v  # 1 g in exactly the volume checked
    elif lim.check == "pump_rate":
        return DoseOrder(dose=Q(0.5, "g"), concentration=Q(1, "mg/mL"), rate=v, weight=base["weight"],
                         age_years=base["age_years"], indication=base["indication"],
                         renal_status=base["renal_status"])
    return DoseOrder(dose=base["dose"], concentration=base["concentration"], duration=base["duration"],
                     weight=base["weight"], age_years=base["age_years"], indication=base["indication"],
                     renal_status=base["renal_status"])


def _limit_id(lim: Limit) -> str:
    renal = f"-renal:{'+'.join(lim.renal)}" if lim.renal else ""
    return f"{lim.indication}-{lim.population}-{lim.check}-{lim.bound}-{lim.level}{renal}"


@pytest.mark.parametrize("lim", DRUG.limits, ids=_limit_id)
def test_each_limit_fires_just_outside_and_not_just_inside(lim: Limit) -> None:
    code = f"{lim.check}.{lim.bound}.{lim.level}"
    outside, inside = (1.01, 0.99) if lim.bound == "max" else (0.99, 1.01)

    def fired(factor: float, drug: Drug = DRUG) -> bool:
        r = calculate(drug, _order_for(lim, factor))
        return any(f.code == code and f.limit == lim for f in r.findings)

    assert fired(outside), f"{code} should fire at {outside}x {lim.value}"
    assert not fired(inside), f"{code} should not fire at {inside}x {lim.value}"


def test_a_value_exactly_at_a_limit_is_within_it() -> None:
    # 2 g over 15 min is exactly the 133.3 mg/min soft limit: the published migraine regimen passes.
    assert "dose_rate.max.soft" not in codes(dose="2 g", concentration="2 g/50 mL", duration="15 min")
    assert "dose_rate.max.hard" not in codes(dose="1.5 g", concentration="40 mg/mL", duration="10 min")


@given(grams=st.floats(min_value=0.01, max_value=50), minutes=st.floats(min_value=1, max_value=600),
       conc=st.sampled_from([10.0, 40.0, 80.0, 200.0]))
def test_volume_rate_and_duration_are_consistent(grams: float, minutes: float, conc: float) -> None:
    r = calculate(DRUG, DoseOrder(dose=Q(grams, "g"), concentration=Q(conc, "mg/mL"), duration=Q(minutes, "min")))
    assert (r.rate_volume * r.duration).to("mL").magnitude == pytest.approx(r.volume.to("mL").magnitude)
    assert (r.rate_mass * r.duration).to("g").magnitude == pytest.approx(grams)
    back = calculate(DRUG, DoseOrder(dose=Q(grams, "g"), concentration=Q(conc, "mg/mL"), rate=r.rate_volume))
    assert back.duration.to("min").magnitude == pytest.approx(minutes)


@given(st.floats(min_value=0.001, max_value=1000))
def test_mass_mmol_meq_round_trip(grams: float) -> None:
    mass = Q(grams, "g")
    assert DRUG.to_mass(DRUG.mmol(mass)).to("g").magnitude == pytest.approx(grams)
    assert DRUG.to_mass(DRUG.meq(mass)).to("g").magnitude == pytest.approx(grams)
