"""Frozen values for everything a visit records. Times are timezone-aware (UTC in storage).

Quantities that a person typed are kept twice: as typed (`*_text`, what the record shows was entered)
and as computed numbers in one canonical unit (kg, mL, mL/h, mg), so the store can query them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from infusiondesk.errors import DomainError
from infusiondesk.records.computed import ComputedDose
from infusiondesk.records.location import MobileCover, VisitLocation
from infusiondesk.records.remote_approval import RemoteApproval
from infusiondesk.records.statuses import PregnancyStatus as PregnancyStatus  # re-exported: the record's words
from infusiondesk.records.statuses import RenalStatus as RenalStatus


class Role(StrEnum):
    NURSE = "nurse"
    CLINICIAN = "clinician"
    ADMIN = "admin"


@dataclass(frozen=True)
class User:
    id: int  # users come from the store only, so the id is always there
    username: str
    full_name: str
    role: Role
    credentials: str = ""  # printed after the name on signatures: "RN", "MD"
    active: bool = True


@dataclass(frozen=True)
class UserSession:
    """A sign-in, as `store.users.sign_in` hands it out: what every store call that reads or changes clinical data
    takes. The store finds the session row by `id`, compares the token's hash and re-reads the user's role and
    active flag at every call, so a session cannot be forged by naming a user. `user` is the person as at
    sign-in, for display only; the store never trusts it."""

    id: int
    user: User
    token: str = field(repr=False)

    @property
    def user_id(self) -> int:
        return self.user.id


@dataclass(frozen=True)
class Clinic:
    name: str
    address: str = ""
    phone: str = ""
    hours: str = ""
    timezone: str = "UTC"  # IANA name; notes show local time and zone
    tax_id: str = ""  # on receipts and superbills (EIN or the clinic's tax id as the clinic writes it)
    provider_name: str = ""  # the billing provider on superbills
    npi: str = ""  # the provider's National Provider Identifier: 10 digits with the CMS check digit


@dataclass(frozen=True)
class ClinicPolicy:
    """Clinic-wide rules an admin sets (audited): what the visit service enforces at every step."""

    double_check_required: bool = True  # an independent second check of every order before the start
    mobile_cover: MobileCover = MobileCover.EITHER  # what a mobile visit needs beside the nurse (location.py)
    mobile_remote_approval: RemoteApproval = RemoteApproval.AT_SYNC  # approval on a laptop (remote_approval.py)


class Sex(StrEnum):
    """Administrative sex as registered. A StrEnum: stored as its value, and equal to it ("female")."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> Sex | None:
        """ "Female" or " male " from an import or an older row reads as the same sex; anything else is refused
        (never guessed into "unknown")."""
        if isinstance(value, str):
            return next((m for m in cls if m.value == value.strip().lower()), None)
        return None


@dataclass(frozen=True)
class Allergy:
    substance: str
    reaction: str = ""


@dataclass(frozen=True)
class PatientDetails:
    """Who a patient is and what the screening reads, without a record id: a patient as typed on the form or read
    from an import, before `store.patients.add` registers it (and hands back a `Patient`)."""

    mrn: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: Sex
    weight_kg: float | None = None
    allergies: tuple[Allergy, ...] = ()
    no_known_allergies: bool = False
    medicines: tuple[str, ...] = ()
    migraine_diagnosis: bool = False
    egfr_ml_min: float | None = None  # eGFR or creatinine clearance, mL/min(/1.73 m2)
    renal_status: RenalStatus = RenalStatus.UNKNOWN
    heart_block: bool = False
    myasthenia_gravis: bool = False
    pregnancy: PregnancyStatus = PregnancyStatus.UNKNOWN
    history_notes: str = ""
    address: str = ""  # home address as the clinic writes it: street lines, city, postcode, one per line
    phone: str = ""    # digits, spaces and + ( ) - (infusiondesk.contact_details)

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"

    def age_on(self, day: date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years

    def saved_as(self, patient_id: int) -> Patient:
        """These details as the registered patient `patient_id` (the store's answer to `add`)."""
        return Patient(**{f.name: getattr(self, f.name) for f in fields(PatientDetails)}, id=patient_id)


@dataclass(frozen=True)
class Patient(PatientDetails):
    """A registered patient: read from the store, so the id is always there. The id is keyword-only (it follows
    the details' defaulted fields): `Patient(id=7, mrn=..., ...)`."""

    id: int = field(kw_only=True)

    def details(self) -> PatientDetails:
        """The same person without the record id: to register them in another store (a test, a benchmark)."""
        return PatientDetails(**{f.name: getattr(self, f.name) for f in fields(PatientDetails)})


class VisitStatus(StrEnum):
    """draft -> assessed -> infusing -> completed -> signed. A signed visit changes only by addenda."""

    DRAFT = "draft"
    ASSESSED = "assessed"
    INFUSING = "infusing"
    COMPLETED = "completed"
    SIGNED = "signed"


class VitalsPhase(StrEnum):
    """When a set of vital signs was taken: before the start, while the infusion runs, or after the stop."""

    BASELINE = "baseline"
    DURING = "during"
    AFTER = "after"


@dataclass(frozen=True)
class VitalSigns:
    taken_at: datetime
    systolic: int | None = None       # mmHg
    diastolic: int | None = None      # mmHg
    heart_rate: int | None = None     # /min
    resp_rate: int | None = None      # /min
    spo2: int | None = None           # %
    temperature_c: float | None = None
    pain_score: int | None = None     # 0-10 NRS
    patellar_reflex: str | None = None  # "present" | "diminished" | "absent"
    phase: VitalsPhase = VitalsPhase.DURING
    recorded_by: int | None = None


@dataclass(frozen=True)
class MigraineFeatures:
    onset: datetime | None = None     # this attack
    duration_hours: float | None = None
    aura: bool | None = None
    attacks_per_month: int | None = None
    nausea: bool | None = None
    photophobia: bool | None = None
    phonophobia: bool | None = None
    current_symptoms: str = ""


class ScreeningLevel(StrEnum):
    """How much a screening finding weighs, most serious first (the drug library's `level` words: see
    infusiondesk.drugs.vocabulary.SCREENING_LEVELS, which a test keeps equal)."""

    ABSOLUTE = "absolute"
    CONTRAINDICATION = "contraindication"
    CAUTION = "caution"
    INFO = "info"

    @property
    def stops_the_visit(self) -> bool:
        """A contraindication (absolute or not) stops the visit until a clinician decides."""
        return self in (ScreeningLevel.ABSOLUTE, ScreeningLevel.CONTRAINDICATION)


@dataclass(frozen=True)
class Screening:
    """One contraindication or caution found by the screening rules, with its reason and source."""

    code: str
    level: ScreeningLevel
    message: str
    source: str = ""


@dataclass(frozen=True)
class Suitability:
    suitable: bool
    decided_by: int
    decided_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class Assessment:
    vitals: VitalSigns | None = None
    pain_score: int | None = None  # 0-10 before treatment
    migraine: MigraineFeatures = field(default_factory=MigraineFeatures)
    answers: dict[str, Any] = field(default_factory=dict)  # screening questions -> answers
    screening: tuple[Screening, ...] = ()
    suitability: Suitability | None = None
    assessed_by: int | None = None
    assessed_at: datetime | None = None
    withdrawn: str = ""  # why the last suitability decision was withdrawn (new findings), for the next one
    diagnosis_code: str = ""  # ICD-10-CM, one of infusiondesk/data/billing_codes.toml's (the superbill's)


@dataclass(frozen=True)
class Override:
    """A soft limit passed with a written reason."""

    code: str
    message: str
    reason: str
    by: int
    at: datetime


@dataclass(frozen=True)
class DoubleCheck:
    by: int
    at: datetime


@dataclass(frozen=True)
class DoseOrderRecord:
    """The calc inputs as typed, what the engine computed from them, and who accepted its findings."""

    dose_text: str
    concentration_text: str = ""
    product_id: str | None = None
    duration_text: str = ""
    rate_text: str = ""
    weight_text: str = ""
    indication: str = "migraine"
    computed: ComputedDose | None = None  # DoseCalculation.computed(), made by the service; None until then
    overrides: tuple[Override, ...] = ()  # the approving clinician's (a nurse's reasons are proposals until then)
    double_check: DoubleCheck | None = None
    ordered_by: int | None = None
    ordered_at: datetime | None = None
    approved_by: int | None = None  # the prescriber: a clinician who ordered or approved a nurse's entry
    approved_at: datetime | None = None
    age_years: float | None = None  # the inputs the calculation used, read by the service at the time
    weight_kg: float | None = None
    given_24h_g: float = 0.0

    @property
    def computed_dose(self) -> ComputedDose:
        """The numbers of an order the service saved (it computes every order it keeps); an order without them
        is refused in words rather than read as zeros."""
        if self.computed is None:
            raise DomainError(f"The order {self.dose_text!r} has no calculation; a clinician must order it again.")
        return self.computed


@dataclass(frozen=True)
class IVAccess:
    site: str
    gauge: str
    attempts: int
    placed_by: str
    placed_at: datetime | None = None


@dataclass(frozen=True)
class Readiness:
    consent: bool = False
    allergies_reviewed: bool = False
    weight_kg_today: float | None = None
    weight_change_acknowledged: bool = False
    baseline_vitals_done: bool = False  # kept for old records; readiness counts charted baseline vitals only
    iv_access: IVAccess | None = None
    lot_number: str = ""
    lot_expiry: date | None = None
    calcium_gluconate_available: bool = False
    pump_rate_text: str = ""  # the pump readback before the start, as typed ("100 mL/h") and in mL/h
    pump_vtbi_text: str = ""  # the volume to be infused the pump shows, as typed ("50 mL") and in mL
    pump_rate_ml_h: float | None = None
    pump_vtbi_ml: float | None = None
    scanned_gtin: str = ""  # the product barcode scanned at the chair (scan.py); empty when the lot was typed
    scanned_product_id: str = ""  # the library product with that GTIN, empty when none has it
    scanned_product_name: str = ""
    scanned_serial: str = ""
    emergency_plan_reviewed: bool = False  # mobile visits only (readiness.mobile_problems)
    calcium_gluconate_in_kit: bool = False
    second_person_present: bool = False
    phone_check_in_arranged: bool = False


class InfusionEventKind(StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    RATE_CHANGE = "rate_change"
    STOP = "stop"


@dataclass(frozen=True)
class InfusionEvent:
    kind: InfusionEventKind
    at: datetime
    rate_ml_h: float | None = None        # the rate from this event on (start, resume, rate change)
    volume_infused_ml: float | None = None  # pump reading at this event
    reason: str = ""
    by: int | None = None
    confirmed: bool = False  # a pump volume beyond what the rate allows in the time, confirmed as read


class SideEffectAction(StrEnum):
    NONE = "none"
    RATE_SLOWED = "rate_slowed"
    PAUSED = "paused"
    STOPPED = "stopped"
    TREATED = "treated"


class SideEffectOutcome(StrEnum):
    RESOLVED = "resolved"
    RESOLVING = "resolving"
    ONGOING = "ongoing"
    ESCALATED = "escalated"  # transferred / emergency care
    FATAL = "fatal"


@dataclass(frozen=True)
class SideEffect:
    type_code: str  # "flushing", "warmth", ... "other"; the catalogue is data
    onset_at: datetime
    grade: int  # 1-5, CTCAE-style
    action: SideEffectAction = SideEffectAction.NONE
    outcome: SideEffectOutcome = SideEffectOutcome.ONGOING
    notes: str = ""
    recorded_by: int | None = None
    id: int | None = None


class AlertAction(StrEnum):
    """What was done about a toxicity alert; acknowledging one needs one of these."""

    PAUSED = "paused"
    STOPPED = "stopped"
    CALCIUM_GLUCONATE_GIVEN = "calcium_gluconate_given"
    CLINICIAN_INFORMED = "clinician_informed"


@dataclass(frozen=True)
class Alert:
    """A sign of magnesium toxicity or a severe side effect seen during the infusion. Until acknowledged with
    the action taken, the infusion cannot be resumed or sped up."""

    code: str
    message: str
    raised_at: datetime
    source: str = ""
    acknowledged_by: int | None = None
    acknowledged_at: datetime | None = None
    action: AlertAction | None = None
    note: str = ""

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None


class SignatureMeaning(StrEnum):
    ADMINISTERED = "Administered by"
    REVIEWED_APPROVED = "Reviewed and approved by"
    ADDENDUM = "Addendum signed by"


@dataclass(frozen=True)
class Signature:
    signer_id: int
    signer_name: str
    credentials: str
    meaning: SignatureMeaning
    signed_at: datetime
    version: int = 1
    pdf_sha256: str = ""


@dataclass(frozen=True)
class Addendum:
    text: str
    by: int
    at: datetime
    signature: Signature | None = None


@dataclass(frozen=True)
class Visit:
    id: int  # visits are made by the store (`store.visits.create`), so a visit always has its id
    patient_id: int
    status: VisitStatus = VisitStatus.DRAFT
    created_at: datetime | None = None
    started_at: datetime | None = None  # infusion start
    assessment: Assessment = field(default_factory=Assessment)
    dose_order: DoseOrderRecord | None = None
    readiness: Readiness = field(default_factory=Readiness)
    events: tuple[InfusionEvent, ...] = ()
    vitals: tuple[VitalSigns, ...] = ()
    side_effects: tuple[SideEffect, ...] = ()
    post_pain_score: int | None = None
    discharge_notes: str = ""
    notes: str = ""
    signatures: tuple[Signature, ...] = ()
    addenda: tuple[Addendum, ...] = ()
    version: int = 0  # optimistic concurrency: bumped by every save
    alerts: tuple[Alert, ...] = ()
    superseded_orders: tuple[DoseOrderRecord, ...] = ()  # earlier orders an amended order replaced
    location: VisitLocation = field(default_factory=VisitLocation)  # in clinic unless set_location says mobile
