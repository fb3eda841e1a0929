"""One clinic CA and two clinicians' credentials for every signing test (key generation is the slow part)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from infusiondesk import pki
from tests.reports import scenario

CA_PASS = "ca-secret-1"


@dataclass(frozen=True)
class ClinicKeys:
    ca: pki.ClinicCA
    nurse: pki.SignerCredentials
    clinician: pki.SignerCredentials

    @property
    def by_user(self) -> dict[int, pki.SignerCredentials]:
        return {scenario.NURSE.id: self.nurse, scenario.CLINICIAN.id: self.clinician}


@pytest.fixture(scope="session")
def keys() -> ClinicKeys:
    now = datetime.now(UTC)
    ca = pki.create_clinic_ca(scenario.CLINIC.name, CA_PASS, now)
    nurse = pki.issue_clinician_pkcs12(ca, CA_PASS, full_name="Jane Doe", username="jdoe", credentials="RN",
                                       passphrase="nurse-pass", now=now)
    clinician = pki.issue_clinician_pkcs12(ca, CA_PASS, full_name="Alan Smith", username="asmith",
                                           credentials="MD", passphrase="doc-pass-1", now=now)
    return ClinicKeys(ca, pki.unlock_pkcs12(nurse, "nurse-pass"), pki.unlock_pkcs12(clinician, "doc-pass-1"))


@pytest.fixture(scope="session")
def signed_note(keys: ClinicKeys) -> bytes:
    from infusiondesk_reports.signing import sign_visit_note

    return sign_visit_note(scenario.CLINIC, scenario.PATIENT, scenario.standard_visit(), scenario.USERS,
                           scenario.drug(), keys.by_user)
