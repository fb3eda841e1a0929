"""A synthetic demo clinic, built through the same calls the app makes (Store + workflow + dosing).

No real person is in it: names, MRNs and histories come from a seeded random generator, so the same
seed always builds the same clinic. Visits cover every status; some completed visits wait for a
clinician's signature. A visit is only ever SIGNED with its real signed PDF note, which the signing code
makes through the sign hook (`infusiondesk_reports.demo_signing`); without a hook, or past `max_signed_notes` (signing
takes ~0.5–1 s a note), visits the clinic would have signed stay COMPLETED, awaiting the clinician.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from infusiondesk.drugs import load_drug
from infusiondesk.drugs.library import Drug
from infusiondesk.errors import DomainError
from infusiondesk.records.models import (
    Allergy,
    Clinic,
    IVAccess,
    MigraineFeatures,
    Patient,
    PatientDetails,
    PregnancyStatus,
    RenalStatus,
    Role,
    Sex,
    SideEffect,
    SideEffectAction,
    SideEffectOutcome,
    SignatureMeaning,
    UserSession,
    Visit,
    VisitStatus,
    VitalSigns,
    VitalsPhase,
)
from infusiondesk.service import (
    AssessmentEntry,
    OrderEntry,
    Preparation,
    SignedNote,
    Step,
    VisitService,
    sign_with_note,
)
from infusiondesk.store import Store

BATCH_PATIENTS = 500  # patients per transaction: a crash loses one batch at most, and commits stay cheap
MAX_SIGNED_NOTES = 100  # real signed notes in a demo by default: each costs ~0.5–1 s of rendering and signing

# Renders and signs the note of a visit as it will read once signed (the visit service's signature candidate)
# and returns it with the signer's key, which the service then saves with the signature (and a checkpoint sealed
# by that key) in one transaction. The PDF code provides it (infusiondesk_reports.demo_signing); with none, nothing
# is signed.
# Called as hook(store, candidate, patient, signer, admin): the signer's session reads the note's facts; an admin's
# session keeps the clinic CA and the staff's certificates the first time.
SignHook = Callable[[Store, Visit, Patient, UserSession, UserSession], SignedNote]
sign_hook: SignHook | None = None

DEMO_CLINIC = Clinic(name="Riverside Headache & Infusion Clinic (DEMO)", address="1 River Road, Springfield",
                     phone="555-0100", hours="Mon-Fri 08:00-17:00", timezone="UTC")
DEMO_USERS = (  # username, full name, role, credentials, password (printed by `infusiondesk demo`)
    ("admin", "Ada Admin", Role.ADMIN, "", "demo-office-pass"),
    ("nina", "Nina Novak", Role.NURSE, "RN", "demo-nurse-pass"),
    ("noel", "Noel Okafor", Role.NURSE, "RN", "demo-nurse-pass"),
    ("carl", "Dr Carla Reyes", Role.CLINICIAN, "MD", "demo-clinician-pass"),
    ("dev", "Dr Dev Patel", Role.CLINICIAN, "MD", "demo-clinician-pass"),
)
# The demo clinic CA's own passphrase (printed by `infusiondesk demo`): a CA key is never under a login password.
DEMO_CA_PASSPHRASE = "demo clinic vault"
_FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
           "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
           "Clarke", "Nguyen", "Garcia", "Kowalski", "O'Brien", "Murphy", "Khan", "Ahmed", "Chen", "Lopez",
           "Martin", "Lee", "Müller", "Rossi", "Novak", "Silva", "Dubois", "Andersen", "Ivanova", "Okafor")
_GIVEN_F = ("Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sofia", "Emily", "Priya", "Fatima", "Zoe",
            "Chloe", "Hannah", "Leah", "Nora", "Maya", "Elena", "Anna", "Ruth", "Jane")
_GIVEN_M = ("Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Jack", "Samuel", "Omar", "Ravi", "Luca",
            "Daniel", "Adam", "Ethan", "Tom", "Ivan", "Mateo", "Ben", "Kofi", "Sam")
_MEDICINES = ("propranolol 40 mg BD", "topiramate 50 mg BD", "amitriptyline 10 mg nocte", "sumatriptan 50 mg PRN",
              "candesartan 8 mg daily", "erenumab 70 mg monthly", "paracetamol 1 g PRN", "levonorgestrel IUD")
_STREETS = ("Orchard Lane", "Mill Road", "Station Street", "Church Walk", "Harbour View", "Elm Close")
_ORDERS = (  # dose, product, duration: the clinic's usual migraine orders
    ("1 g", "premix-1g-100ml-d5w", "1 h"),
    ("2 g", "premix-2g-50ml", "30 min"),
    ("2 g", "premix-2g-50ml", "1 h"),
    ("4 g", "premix-4g-100ml", "1 h"),
)
_SITES = ("left antecubital", "right antecubital", "left forearm", "right hand")


@dataclass(frozen=True)
class DemoResult:
    clinic: str
    patients: int
    visits: int
    signed_notes: int
    logins: tuple[tuple[str, str, str], ...]  # (username, password, role)


class _DemoClock:
    """The store's clock during the demo: set to each step's time so records carry realistic dates."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def build_demo(store: Store, *, patients: int = 50, seed: int = 1, progress: bool = False,
               today: date | None = None, hook: SignHook | None = None,
               max_signed_notes: int = MAX_SIGNED_NOTES) -> DemoResult:
    """Fill an empty store with a demo clinic. Commits every BATCH_PATIENTS patients."""
    if not store.clinic.needs_setup():
        raise DomainError("The demo needs an empty database; this one is already set up. Choose a new --db file.")
    today = today or datetime.now(UTC).date()
    clock = _DemoClock(datetime.combine(today - timedelta(days=120), time(7, 0), UTC))
    demo_store = store.with_clock(clock)
    builder = _Builder(demo_store, clock, random.Random(seed), load_drug(), today, hook or sign_hook,
                       max_signed_notes)
    with demo_store.batch():
        builder.add_staff()
    from infusiondesk.progress import progress_bar

    bar = progress_bar(total=patients, unit="patient", desc="demo clinic", disable=not progress)
    done = 0
    while done < patients:
        size = min(BATCH_PATIENTS, patients - done)
        with demo_store.batch():
            for i in range(done, done + size):
                builder.add_patient_with_visits(i)
        done += size
        bar.update(size)
    bar.close()
    logins = tuple((u, pw, role.value) for u, _, role, _, pw in DEMO_USERS)
    return DemoResult(DEMO_CLINIC.name, patients, builder.visits, builder.signed_notes, logins)


class _Builder:
    def __init__(self, store: Store, clock: _DemoClock, rng: random.Random, drug: Drug, today: date,
                 hook: SignHook | None, max_signed_notes: int = MAX_SIGNED_NOTES) -> None:
        self.store, self.clock, self.rng, self.drug, self.today, self.hook = store, clock, rng, drug, today, hook
        self.max_signed_notes = max_signed_notes
        self.signed_notes = 0
        self.visits = 0
        self.nurses: list[UserSession] = []
        self.clinicians: list[UserSession] = []
        self.admin: UserSession | None = None
        self.service = VisitService(store, drug)

    def add_staff(self) -> None:
        """The demo's staff, each signed in once (the demo acts as them through their sessions)."""
        (username, full, _, cred, pw), *others = DEMO_USERS
        admin = self.admin = self.store.clinic.setup(DEMO_CLINIC, username, full, pw)
        for username, full, role, cred, pw in others:
            self.store.users.create(username, full, role, pw, cred, by=admin)
            (self.nurses if role is Role.NURSE else self.clinicians).append(self.store.users.sign_in(username, pw))

    # -- patients ------------------------------------------------------------------------------------

    def _patient(self, i: int) -> PatientDetails:
        r = self.rng
        female = r.random() < 0.75  # migraine clinics see mostly women
        age = r.randint(19, 78)  # adults on every visit date in the demo window
        dob = self.today - timedelta(days=age * 365 + r.randint(0, 364))
        renal = r.choices([*list(RenalStatus)[:3], RenalStatus.UNKNOWN], weights=(80, 12, 2, 6))[0]
        egfr = {RenalStatus.NORMAL: r.randint(60, 110), RenalStatus.MODERATE: r.randint(30, 59),
                RenalStatus.SEVERE: r.randint(15, 29)}.get(renal)
        allergies = (Allergy(r.choice(("penicillin", "sulfonamides", "codeine", "latex")),
                             r.choice(("rash", "hives", "nausea", "anaphylaxis"))),) if r.random() < 0.25 else ()
        return PatientDetails(
            mrn=f"DEMO{i + 1:07d}", family_name=r.choice(_FAMILY),
            given_name=r.choice(_GIVEN_F if female else _GIVEN_M), date_of_birth=dob,
            sex=Sex.FEMALE if female else Sex.MALE, weight_kg=round(r.uniform(48, 110), 1), allergies=allergies,
            no_known_allergies=not allergies, medicines=tuple(r.sample(_MEDICINES, r.randint(0, 3))),
            migraine_diagnosis=True, egfr_ml_min=float(egfr) if egfr is not None else None, renal_status=renal,
            heart_block=r.random() < 0.02, myasthenia_gravis=r.random() < 0.005,
            pregnancy=(PregnancyStatus.NOT_PREGNANT if female and age < 55 else PregnancyStatus.NOT_APPLICABLE),
            history_notes=r.choice(("", "Chronic migraine since teens.", "Menstrual migraine.",
                                    "Medication-overuse headache, now weaning.")),
            # made up from the number, not drawn: the seeded draws (and so every other demo field) stay as they were
            address=f"{i % 90 + 1} {_STREETS[i % len(_STREETS)]}\nRiverside\nRV{i % 9 + 1} {i % 7 + 1}AB",
            phone=f"555 01{i % 100:02d}")

    def add_patient_with_visits(self, i: int) -> None:
        r = self.rng
        self.clock.now = datetime.combine(self.today - timedelta(days=120), time(7, r.randint(0, 59)), UTC)
        patient = self.store.patients.add(self._patient(i), r.choice(self.nurses))
        past = r.choices((0, 1, 2, 3), weights=(15, 45, 25, 15))[0]
        days = sorted(r.sample(range(3, 110), past), reverse=True)
        weight = patient.weight_kg
        for d in days:
            status = r.choices((VisitStatus.SIGNED, VisitStatus.COMPLETED), weights=(85, 15))[0]
            weight = self._visit(patient, self.today - timedelta(days=d), status, weight)
        if r.random() < 0.3:  # seen today, at any stage
            status = r.choice(list(VisitStatus))
            self._visit(patient, self.today, status, weight)

    # -- one visit through the workflow --------------------------------------------------------------

    def _at(self, day: date, start_minute: int, minutes: int) -> datetime:
        self.clock.now = datetime.combine(day, time(8, 0), UTC) + timedelta(minutes=start_minute + minutes)
        return self.clock.now

    def _visit(self, patient: Patient, day: date, target: VisitStatus, previous_weight: float | None) -> float | None:
        r, svc = self.rng, self.service
        nurse, nurse2 = r.sample(self.nurses, 2)
        clinician = r.choice(self.clinicians)
        start = r.randint(0, 7 * 60)
        self._at(day, start, 0)
        visit = svc.new_visit(nurse, patient.id)
        self.visits += 1

        def step(who: UserSession, minutes: int) -> Step:
            return Step(who, visit.id, visit.version, self._at(day, start, minutes))

        weight = round((previous_weight or 70.0) * r.uniform(0.97, 1.03), 1)
        t = self._at(day, start, 5)
        vitals = VitalSigns(t, systolic=r.randint(105, 145), diastolic=r.randint(62, 90), heart_rate=r.randint(58, 96),
                            resp_rate=r.randint(14, 18), spo2=r.randint(95, 100),
                            temperature_c=round(r.uniform(36.2, 37.3), 1), pain_score=r.randint(4, 9),
                            patellar_reflex="present", phase=VitalsPhase.BASELINE)
        migraine = MigraineFeatures(onset=t - timedelta(hours=r.randint(4, 60)), duration_hours=r.randint(4, 60),
                                    aura=r.random() < 0.3, attacks_per_month=r.randint(2, 15),
                                    nausea=r.random() < 0.6, photophobia=r.random() < 0.8,
                                    phonophobia=r.random() < 0.6, current_symptoms="Throbbing unilateral headache.")
        answers: dict[str, Any] = {"heart_block": patient.heart_block, "myocardial_damage": False,
                                   "myasthenia_gravis": patient.myasthenia_gravis, "hypermagnesemia": False}
        visit = svc.assess(step(nurse, 5), AssessmentEntry(vitals, vitals.pain_score, migraine, answers))
        if target is VisitStatus.DRAFT:
            return weight
        contraindicated = any(x.level.stops_the_visit for x in visit.assessment.screening)
        if contraindicated:  # the clinician declines: the visit stays a draft
            svc.decide(step(clinician, 15), False, "Contraindication on screening; referred back to GP.")
            return weight
        visit = svc.decide(step(clinician, 15), True, "")
        dose, product, duration = r.choice(_ORDERS)
        entry = OrderEntry(dose, product=product, duration=duration, weight=f"{weight} kg")
        calc = svc.preview_order(visit.id, entry, self._at(day, start, 16), by=clinician)
        if calc.blocked:
            dose, product, duration = _ORDERS[0]
            entry = OrderEntry(dose, product=product, duration=duration, weight=f"{weight} kg")
            calc = svc.preview_order(visit.id, entry, self._at(day, start, 16), by=clinician)
            if calc.blocked:  # nothing the clinic would give today (the 24 h total): the visit stays assessed
                return weight
        reasons = {f.code: "Usual dose for this patient; agreed with neurology." for f in calc.soft_findings}
        visit = svc.order(step(clinician, 16), dataclasses.replace(entry, reasons=reasons))
        visit = svc.double_check(step(nurse2, 20))
        if target is VisitStatus.ASSESSED:
            return weight
        lot_expiry = day + timedelta(days=r.randint(30, 400))
        visit = svc.prepare(step(nurse, 24), Preparation(
            consent=True, allergies_reviewed=True, weight_change_acknowledged=True,
            iv=IVAccess(r.choice(_SITES), r.choice(("20G", "22G")), r.choices((1, 2), weights=(85, 15))[0],
                        nurse.user.full_name, self._at(day, start, 24)),
            lot=f"L{r.randint(100000, 999999)}", expiry=lot_expiry, calcium_gluconate_at_chair=True,
            pump_rate=calc.display()["rate"].replace(",", ""), pump_vtbi=calc.display()["volume"].replace(",", "")))
        visit = svc.start(step(nurse, 25))
        assert visit.dose_order is not None  # started: the order was checked
        computed = visit.dose_order.computed_dose
        minutes, volume = computed.duration_min, computed.volume_ml
        visit = svc.record_vitals(step(nurse, 40), dataclasses.replace(
            vitals, taken_at=self._at(day, start, 40), phase=VitalsPhase.DURING, heart_rate=r.randint(58, 90)))
        effect = r.random()
        if effect < 0.25:
            kind = r.choice(("flushing", "warmth", "injection_site_pain", "nausea_vomiting", "drowsiness"))
            visit = svc.log_side_effect(step(nurse, 41), SideEffect(
                kind, self._at(day, start, 35), 1, SideEffectAction.NONE, SideEffectOutcome.RESOLVED,
                "Mild; reassured."))
        partial = effect < 0.03
        if target is VisitStatus.INFUSING and day == self.today:
            return weight
        stop_minute = 25 + int(minutes) + (0 if not partial else -int(minutes) // 2)
        if partial:
            visit = svc.stop(step(nurse, stop_minute), round(volume / 2, 1),
                             "Hypotension 88/50; stopped and lay flat, recovered.")
        else:
            visit = svc.stop(step(nurse, stop_minute), volume)
        observed = stop_minute + int(self.drug.monitoring.observation_after_min) + 1
        visit = svc.record_vitals(step(nurse, observed), dataclasses.replace(
            vitals, taken_at=self._at(day, start, observed), phase=VitalsPhase.AFTER, pain_score=r.randint(0, 4)))
        visit = svc.complete(step(nurse, observed + 1), r.randint(0, 4),
                             "Headache much improved; discharged home with an adult.")
        visit = svc.sign(step(nurse, observed + 2), SignatureMeaning.ADMINISTERED)
        if target is not VisitStatus.SIGNED:
            return weight
        if self.hook is None or self.signed_notes >= self.max_signed_notes:
            return weight  # completed, awaiting the clinician's signature
        signing = step(clinician, observed + 20)
        hook, admin = self.hook, self.admin
        assert admin is not None
        sign_with_note(svc, signing, lambda candidate: hook(self.store, candidate, patient, clinician, admin))
        self.signed_notes += 1
        return weight
