"""The drug library is data with a citation per number, refused at load if malformed or contradictory."""

import re
from pathlib import Path

import pytest

from infusiondesk.drugs import load_drug
from infusiondesk.drugs.library import BUNDLED_DIR, ENV_VAR, library_path, parse_library
from infusiondesk.errors import LibraryError
from infusiondesk.units import Q
from tests.infusiondesk.conftest import LibraryVariant

BUNDLED = BUNDLED_DIR / "magnesium_sulfate.toml"


def test_bundled_library_loads_with_the_products_the_clinic_stocks() -> None:
    drug = load_drug(BUNDLED)
    assert drug.name == "magnesium sulfate"
    by_id = {p.id: p for p in drug.products}
    assert by_id["premix-2g-50ml"].concentration.to("mg/mL").magnitude == pytest.approx(40)
    assert by_id["premix-4g-50ml"].concentration.to("mg/mL").magnitude == pytest.approx(80)
    assert by_id["premix-1g-100ml-d5w"].concentration.to("mg/mL").magnitude == pytest.approx(10)
    assert not by_id["vial-50pct"].iv_ready
    assert {"premix-4g-100ml", "premix-20g-500ml", "premix-40g-1000ml"} <= set(by_id)


def test_every_number_cites_a_source_that_exists() -> None:
    drug = load_drug(BUNDLED)
    for lim in drug.limits:
        assert lim.source in drug.sources, lim
        assert lim.basis.strip(), lim
    for p in drug.products:
        assert p.source in drug.sources


def test_conversions_use_molar_mass_and_valence_not_rounded_constants() -> None:
    drug = load_drug(BUNDLED)
    assert drug.mmol(Q(1, "g")).magnitude == pytest.approx(1000 / 246.47)
    assert drug.meq(Q(1, "g")).magnitude == pytest.approx(2 * 1000 / 246.47)
    assert drug.meq(Q(1, "g")).magnitude == pytest.approx(8.12, abs=0.01)
    assert drug.mmol(Q(1, "g")).magnitude == pytest.approx(4.06, abs=0.01)
    assert drug.elemental_mass(Q(1, "g")).to("mg").magnitude == pytest.approx(98.6, abs=0.1)
    assert drug.to_mass(Q(16.23, "mEq")).to("g").magnitude == pytest.approx(2, abs=0.001)
    assert drug.to_mass_concentration(Q(4.06, "mEq/mL")).to("mg/mL").magnitude == pytest.approx(500, rel=1e-3)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('value = "4 g"', 'value = "1.5 g"', r"soft maximum 2 g is not below the hard maximum 1.5 g"),
        ('value = "200 mg/mL"', 'value = "200 mg/h"', r"does not have the dimension"),
        ('source = "iredell-formulary"', 'source = "nowhere"', r'cites source "nowhere"'),
        ('level = "hard"', 'level = "firm"', r'level "firm" must be hard or soft'),
        ('check = "duration"', 'check = "vibes"', r'check "vibes" is not one of'),
        ('value = "15 min"', 'value = "5 h"', r"minimum 5 h is not below the maximum 4 h"),
        ('value = "200 mg/mL"', 'value = "30 mg/mL"', r"iv_ready but its concentration is above"),
        ("default = true", "default = false", r"exactly one indication"),
        ('molar_mass = "246.47 g/mol"', 'molar_mass = "-246.47 g/mol"', r"must be more than zero"),
        ("schema = 1", "schema = 7", r"schema = 1"),
        ('indication = "migraine"', 'indication = "hiccups"', r'indication "hiccups" is not in'),
        ('[[products]]\nid = "premix-2g-50ml"', '[[products]]\nid = "premix-1g-100ml-d5w"', "two products share"),
    ],
)
def test_malformed_or_contradictory_library_is_a_clear_error(library_variant: LibraryVariant, old: str, new: str,
                                                             message: str) -> None:
    path = library_variant(old, new)
    with pytest.raises(LibraryError, match=message) as err:
        parse_library(path)
    assert str(path) in err.value.message


def test_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[drug\nname = ", encoding="utf-8")
    with pytest.raises(LibraryError, match=re.escape(f"Drug library {path} is not valid TOML")):
        parse_library(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="cannot be read"):
        load_drug(tmp_path / "absent.toml")


def test_a_clinic_library_overrides_the_bundled_one_and_says_where_it_came_from(
        library_variant: LibraryVariant, monkeypatch: pytest.MonkeyPatch) -> None:
    path = library_variant('value = "2 g"', 'value = "3 g"')
    monkeypatch.setenv(ENV_VAR, str(path))
    assert library_path() == (path, ENV_VAR)
    drug = load_drug()
    assert drug.path == path.resolve()
    assert drug.provenance == ENV_VAR
    assert any(lim.value == Q(3, "g") for lim in drug.limits)


def test_clinic_file_in_the_config_folder_is_used_when_present(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert library_path()[1] == "bundled"
    clinic = tmp_path / "InfusionDesk" / "drugs" / "magnesium_sulfate.toml"
    clinic.parent.mkdir(parents=True)
    clinic.write_text(BUNDLED.read_text(encoding="utf-8"), encoding="utf-8")
    assert library_path() == (clinic, "clinic library")
