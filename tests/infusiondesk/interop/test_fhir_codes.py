"""The export's codes are data with a citation each; a file missing one is refused with a sentence."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from infusiondesk.errors import LibraryError
from infusiondesk.interop.fhir_codes import FHIR_CODES_FILE, fhir_codes, parse_codes


def _data() -> dict[str, Any]:
    return tomllib.loads(FHIR_CODES_FILE.read_text(encoding="utf-8"))


def test_the_vital_signs_have_the_loinc_codes_and_ucum_units_fhir_names() -> None:
    codes = {v.field: (v.code, v.unit) for v in fhir_codes().vitals}
    assert codes == {"systolic": ("8480-6", "mm[Hg]"), "diastolic": ("8462-4", "mm[Hg]"),
                     "heart_rate": ("8867-4", "/min"), "resp_rate": ("9279-1", "/min"), "spo2": ("59408-5", "%"),
                     "temperature_c": ("8310-5", "Cel"), "pain_score": ("72514-3", "{score}")}


def test_every_entry_cites_a_listed_source() -> None:
    data = _data()
    for v in data["vitals"]:
        assert v["source"] in data["sources"]
    for section in ("mrn_type", "encounter_class", "medication", "severity", "outcome"):
        assert data[section]["source"] in data["sources"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["vitals"][0].update(source="nowhere"), "vital 'systolic' must cite a source"),
    (lambda d: d["severity"].pop("5"), "each CTCAE grade 1-5"),
    (lambda d: d["outcome"].pop("escalated"), "must map each of"),
    (lambda d: d["systems"].pop("loinc"), "lacks loinc"),
    (lambda d: d.pop("vitals"), "missing or malformed"),
])
def test_a_malformed_file_is_refused_naming_what_is_wrong(change: Any, message: str) -> None:
    data = copy.deepcopy(_data())
    change(data)
    with pytest.raises(LibraryError, match=message):
        parse_codes(data)


def test_fhir_resources_loads_only_when_a_bundle_is_made() -> None:
    """The command line and the export module import without pydantic's FHIR models (start-up stays light)."""
    import subprocess
    import sys

    code = ("import sys, infusiondesk.cli, infusiondesk.fhir_cli, infusiondesk.interop.fhir_export; "
            "infusiondesk.cli.new_parser(); print(any(m.startswith('fhir') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
