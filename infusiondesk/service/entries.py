"""What a caller hands the visit service: who acts on which visit as they saw it, and the step's inputs as typed.

Nothing here is a result: calculations, screening and signatures are made by the service from these and from
what it reads in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from infusiondesk.records.models import IVAccess, MigraineFeatures, UserSession, VitalSigns

if TYPE_CHECKING:
    from infusiondesk.pki import SignerCredentials


@dataclass(frozen=True)
class Step:
    """Who acts: their signed-in session (checked, with their current role and active flag, in the step's
    transaction; naming a user grants nothing), the visit and the version the caller saw (a later save elsewhere
    makes the step a conflict), and when it happened (timezone-aware). The dose double check's step is the
    witness's own session: nobody names a witness without their password."""

    by: UserSession
    visit_id: int
    version: int
    at: datetime


@dataclass(frozen=True)
class AssessmentEntry:
    vitals: VitalSigns | None = None
    pain_score: int | None = None
    migraine: MigraineFeatures = field(default_factory=MigraineFeatures)
    answers: Mapping[str, object] = field(default_factory=dict)  # the drug library's screening fact names
    diagnosis_code: str = ""  # ICD-10-CM from infusiondesk/data/billing_codes.toml (the superbill's diagnosis)


@dataclass(frozen=True)
class OrderEntry:
    """A dose order as typed. Exactly one of product and concentration; one of duration and rate. `weight` charts
    today's weight when given; `reasons` answer soft findings by their code."""

    dose: str
    product: str | None = None
    concentration: str = ""
    duration: str = ""
    rate: str = ""
    indication: str | None = None
    weight: str = ""
    reasons: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Preparation:
    """The chair-side checklist before the start, as charted."""

    consent: bool = False
    allergies_reviewed: bool = False
    weight: str = ""  # today's weight as typed ("64 kg"); empty keeps what was charted
    weight_change_acknowledged: bool = False
    iv: IVAccess | None = None
    lot: str = ""
    expiry: date | None = None
    calcium_gluconate_at_chair: bool = False
    pump_rate: str = ""  # what the pump shows, as typed ("100 mL/h"): the readback checked against the order
    pump_vtbi: str = ""  # the volume to be infused the pump shows ("50 mL")
    scan: str = ""  # the product barcode as the scanner typed it (a GS1 element string); fills lot and expiry
    emergency_plan_reviewed: bool = False  # the home-visit items: asked of mobile visits only
    calcium_gluconate_in_kit: bool = False
    second_person_present: bool = False
    phone_check_in_arranged: bool = False


@dataclass(frozen=True)
class OrderContext:
    """The facts an order is calculated with, as the service reads them now (for the dose screen's preview; the
    service reads them again when the order is made)."""

    age_years: float
    weight_kg: float | None
    given_24h_g: float
    renal_status: str


@dataclass(frozen=True)
class SignedNote:
    """A signature candidate's note as the signing code made it, and the signer's unlocked key when it is at hand
    (it seals a checkpoint of the audit trail in the signing transaction)."""

    pdf: bytes
    seal: SignerCredentials | None = None


@dataclass(frozen=True)
class LocationEntry:
    """Where the visit happens, as chosen: "clinic" (the default), or a mobile visit at the patient's "home" or
    "office" with its address and the travel times (UTC-aware; either may wait until it happens)."""

    setting: str = "clinic"
    address: str = ""
    departed_at: datetime | None = None
    arrived_at: datetime | None = None
