"""The billing rules as the cited sources state them (infusiondesk/data/billing_codes.toml)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from infusiondesk.billing.codes import BillingCodesError, billing_codes, default_path, read_billing_codes
from infusiondesk.billing.lines import billing_lines, drug_units, money, total_cents
from infusiondesk.billing.minutes import hour_sequence, infusion_minutes
from infusiondesk.billing.npi import npi_check_digit, npi_problem
from infusiondesk.errors import DomainError
from infusiondesk.records.models import InfusionEventKind

from .visits import T0, infused

PRICES = {"96365": 18000, "96366": 4000, "96374": 9000, "J3475": 250}


def test_2_g_over_75_min_with_a_10_min_pause_bills_65_minutes_as_the_initial_hour_and_4_units() -> None:
    visit = infused(2000, running=65, pause=10)
    m = infusion_minutes(visit)
    assert (m.started_at, m.stopped_at) == (T0, T0 + timedelta(minutes=75))
    assert (m.running_minutes, m.paused_minutes) == (65, 10)
    lines = billing_lines(visit, billing_codes(), PRICES)
    # 65 min: the 5 min beyond the first hour are not "more than 30 minutes", so no 96366 (CPT)
    assert [(x.code, x.units) for x in lines] == [("96365", 1), ("J3475", 4)]
    assert [x.amount_cents for x in lines] == [18000, 1000]
    assert total_cents(lines) == 19000


@pytest.mark.parametrize(("minutes", "expected"), [
    (15, [("96374", 1)]),                  # 15 minutes or less is a push
    (16, [("96365", 1)]),
    (60, [("96365", 1)]),
    (90, [("96365", 1)]),                  # 30 min beyond the hour: not MORE than 30
    (91, [("96365", 1), ("96366", 1)]),
    (150, [("96365", 1), ("96366", 1)]),   # the second additional hour needs more than 30 of its minutes
    (151, [("96365", 1), ("96366", 2)]),
    (211, [("96365", 1), ("96366", 3)]),
])
def test_the_hour_sequence_at_the_30_minute_thresholds(minutes: int, expected: list[tuple[str, int]]) -> None:
    assert [(u.code, u.units) for u in hour_sequence(minutes, billing_codes().hours)] == expected


def test_pauses_do_not_count_and_a_part_minute_is_not_billed() -> None:
    visit = infused(2000, running=90, pause=40)
    assert infusion_minutes(visit).running_minutes == 90  # 130 min in the chair, 90 running: initial hour only
    assert [x.code for x in billing_lines(visit, billing_codes(), PRICES)] == ["96365", "J3475"]
    late = infused(2000, running=90.5)
    assert infusion_minutes(late).running_minutes == 90


@pytest.mark.parametrize(("grams", "units"), [("1", 2), ("2", 4), ("2.5", 5), ("4", 8), ("1.2", 3), ("0.1", 1)])
def test_j3475_units_round_a_part_500_mg_up(grams: str, units: int) -> None:
    assert drug_units(Decimal(grams) * 1000, billing_codes().drug_units) == units


def test_float_noise_in_the_dose_never_adds_a_unit() -> None:
    visit = infused(2000.0000001, running=30)
    assert [(x.code, x.units) for x in billing_lines(visit, billing_codes(), PRICES)][-1] == ("J3475", 4)


def test_a_partial_dose_bills_what_ran() -> None:
    visit = infused(2000, running=30)
    stop = visit.events[-1]
    import dataclasses
    visit = dataclasses.replace(visit, events=(*visit.events[:-1], dataclasses.replace(stop, volume_infused_ml=30.0)))
    assert billing_lines(visit, billing_codes(), PRICES)[-1].units == 3  # 1.2 g given


def test_an_infusion_not_stopped_has_no_billing_time() -> None:
    visit = infused(2000, running=30)
    running = visit.__class__(**{**visit.__dict__, "events": visit.events[:-1]})
    assert running.events[-1].kind is InfusionEventKind.START
    with pytest.raises(DomainError, match="has not been stopped"):
        infusion_minutes(running)


def test_a_code_without_a_price_is_refused_never_shown_free() -> None:
    with pytest.raises(DomainError, match="no price for J3475"):
        billing_lines(infused(2000, running=30), billing_codes(), {"96365": 100})


def test_every_code_and_rule_cites_a_listed_source() -> None:
    codes = billing_codes()
    assert codes.hours.sources and codes.drug_units.sources
    for c in (*codes.procedures.values(), *codes.diagnoses.values()):
        assert c.sources and all(s in codes.sources for s in c.sources), c
    assert "G43.909" in codes.diagnoses
    assert codes.diagnosis(" g43.109 ").code == "G43.109"
    with pytest.raises(DomainError, match=r"G43\.909"):
        codes.diagnosis("R51.9")


def test_unknown_keys_and_missing_sources_are_refused_all_at_once(tmp_path: Path) -> None:
    text = default_path().read_text(encoding="utf-8")
    bad = text.replace("mg_per_unit = 500", "mg_per_unit = 500\nper = 1", 1).replace(
        'source = "cms_hcpcs_j3475"', 'source = "nowhere"', 1)
    path = tmp_path / "codes.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(BillingCodesError) as err:
        read_billing_codes(path)
    assert "drug_units.per" in str(err.value)
    bad2 = text.replace('source = "cms_hcpcs_j3475"', 'source = "nowhere"', 1)
    path.write_text(bad2, encoding="utf-8")
    with pytest.raises(BillingCodesError, match="'nowhere'"):
        read_billing_codes(path)


def test_npi_check_digit_as_in_the_cms_example() -> None:
    assert npi_check_digit("123456789") == 3  # CMS "Requirements for NPI Check Digit"
    assert npi_problem("1234567893") is None
    assert "check digit" in (npi_problem("1234567890") or "")
    assert "10 digits" in (npi_problem("12345") or "")
    assert "10 digits" in (npi_problem("１２３４５６７８９３") or "")  # full-width digits are not an NPI


def test_money_is_dollars_and_cents() -> None:
    assert money(123450) == "$1,234.50"
    assert money(5) == "$0.05"
