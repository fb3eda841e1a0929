"""The visit service: the one way a visit changes, for the app, the CLI, the demo, scenario files and tests.

Each step re-reads the acting user (active, current role), the visit at the version the caller saw and the
patient, re-derives everything derived (the dose calculation from the order as typed, today's weight, age, the
24 h total; the screening from the latest charted values), runs the workflow's rule, and saves the result
with its audit entry, all in one transaction. Nothing a caller computed is trusted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from infusiondesk import workflow as wf
from infusiondesk.clinic_time import clinic_zone, local_date
from infusiondesk.dosing import DoseCalculation, DoseOrder, calculate
from infusiondesk.drugs.library import Drug
from infusiondesk.drugs.vocabulary import FACTS_FROM_VITALS
from infusiondesk.errors import DomainError
from infusiondesk.pump_check import parse_readback
from infusiondesk.records.location import VisitLocation, VisitSetting
from infusiondesk.records.models import (
    AlertAction,
    Assessment,
    DoseOrderRecord,
    Patient,
    Readiness,
    Role,
    SideEffect,
    SideEffectAction,
    SideEffectOutcome,
    Signature,
    SignatureMeaning,
    User,
    UserSession,
    Visit,
    VisitStatus,
    VitalSigns,
    VitalsPhase,
)
from infusiondesk.records.remote_approval import approval_refusal
from infusiondesk.scan import read_scan
from infusiondesk.service.entries import (
    AssessmentEntry,
    LocationEntry,
    OrderContext,
    OrderEntry,
    Preparation,
    Step,
)
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.store.visit_tx import VisitTransaction
from infusiondesk.units import Kind, Q, parse_quantity
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.infusion import infusion_state
from infusiondesk.workflow.mobile import set_location
from infusiondesk.workflow.monitoring import acknowledge, raise_alerts, side_effect_alert, toxicity_alerts
from infusiondesk.workflow.screening import contraindications, screen

CHARTING = (Role.NURSE, Role.CLINICIAN)
CLINICIAN = (Role.CLINICIAN,)

if TYPE_CHECKING:  # the key code (cryptography) loads only where a key is used
    from infusiondesk.pki import SignerCredentials


class _SaveThenRefuse(Exception):
    """A step that is refused but leaves something on record (a withdrawn decision, a hard stop seen)."""

    def __init__(self, message: str, visit: Visit | None = None,
                 audit: tuple[AuditEvent, dict[str, Any]] | None = None):
        super().__init__(message)
        self.visit = visit
        self.audit = audit


@dataclasses.dataclass(frozen=True)
class _Ctx:
    tx: VisitTransaction
    user: User
    visit: Visit
    patient: Patient
    at: datetime


def _latest_readings(visit: Visit) -> dict[str, Any]:
    """The newest charted value of each screening fact the vital signs answer (FACTS_FROM_VITALS: respiratory rate,
    patellar reflex, systolic pressure)."""
    series = sorted([v for v in (visit.assessment.vitals, *visit.vitals) if v is not None], key=lambda v: v.taken_at)
    out: dict[str, Any] = {}
    for v in series:
        for fact in FACTS_FROM_VITALS:
            value = getattr(v, fact)
            if value is not None:
                out[fact] = value
    return out


def _diagnosis(code: str) -> str:
    """The ICD-10-CM code as listed in the billing codes file (empty when none was chosen); any other refused."""
    if not code.strip():
        return ""
    from infusiondesk.billing.codes import billing_codes

    try:
        return billing_codes().diagnosis(code).code
    except DomainError as exc:
        raise WorkflowError(str(exc)) from None


class VisitService:
    """Every visit step, each one transaction. `drug` is the library in force."""

    def __init__(self, store: Any, drug: Drug) -> None:
        self.store = store
        self.drug = drug

    # -- the transaction every step runs in ------------------------------------------------------------------

    def _step(self, step: Step, roles: tuple[Role, ...], action: str, rule: Callable[[_Ctx], Visit], *,
              note: bytes | None = None, seal: SignerCredentials | None = None) -> Visit:
        if step.at.tzinfo is None:
            raise WorkflowError("The time of a step must be timezone-aware (UTC).")
        refusal: _SaveThenRefuse | None = None
        with self.store.visits.transaction() as tx:
            user = tx.acting_user(step.by, roles, action)
            visit = tx.visit(step.visit_id, step.version)
            ctx = _Ctx(tx, user, visit, tx.patient(visit.patient_id), step.at)
            try:
                saved = tx.save_visit(visit, rule(ctx), user, note=note, seal=seal)
            except _SaveThenRefuse as exc:
                refusal = exc
                if exc.visit is not None:
                    tx.save_visit(visit, exc.visit, user)
                if exc.audit is not None:
                    tx.audit(exc.audit[0], user, exc.audit[1])
        if refusal is not None:
            raise WorkflowError(str(refusal))
        result: Visit = saved
        return result

    # -- derived facts ---------------------------------------------------------------------------------------

    def _context(self, tx: VisitTransaction, visit: Visit, patient: Patient, at: datetime) -> OrderContext:
        day = local_date(tx.clinic(), at)
        return OrderContext(age_years=float(patient.age_on(day)), weight_kg=visit.readiness.weight_kg_today,
                            given_24h_g=tx.magnesium_given_g(visit.patient_id, at, exclude_visit_id=visit.id),
                            renal_status=patient.renal_status.value)

    def order_context(self, visit_id: int, at: datetime, *, by: UserSession) -> OrderContext:
        """What an order on this visit would be calculated with now (the dose screen's preview)."""
        with self.store.visits.transaction() as tx:
            tx.acting_user(by, CHARTING, "see a visit's order")
            visit = tx.visit(visit_id)
            return self._context(tx, visit, tx.patient(visit.patient_id), at)

    def preview_order(self, visit_id: int, entry: OrderEntry, at: datetime, *, by: UserSession) -> DoseCalculation:
        """The calculation an order would get now (nothing saved): what the dose screen and the demo show."""
        with self.store.visits.transaction() as tx:
            tx.acting_user(by, CHARTING, "see a visit's order")
            visit = self._chart_weight(tx.visit(visit_id), entry.weight)
            ctx = self._context(tx, visit, tx.patient(visit.patient_id), at)
        return self._calculate(self._order_record(entry), ctx)

    def _calculate(self, order: DoseOrderRecord, ctx: OrderContext) -> DoseCalculation:
        def typed(text: str, kind: Kind, name: str) -> Any:
            return parse_quantity(text, kind, name) if text.strip() else None

        dose_order = DoseOrder(
            dose=parse_quantity(order.dose_text, Kind.DOSE, "dose"),
            concentration=typed(order.concentration_text, Kind.CONCENTRATION, "concentration"),
            duration=typed(order.duration_text, Kind.DURATION, "duration"),
            rate=typed(order.rate_text, Kind.RATE, "rate"),
            weight=Q(ctx.weight_kg, "kg") if ctx.weight_kg is not None else None,
            age_years=ctx.age_years, indication=order.indication or None,
            given_last_24h=Q(ctx.given_24h_g, "g") if ctx.given_24h_g > 0 else None,
            product_id=order.product_id or None, renal_status=ctx.renal_status)
        return calculate(self.drug, dose_order)

    def _rescreen(self, visit: Visit, patient: Patient) -> tuple[tuple[Any, ...], tuple[str, ...]]:
        """Screening on the patient's current record and the latest charted values; and the contraindications
        that were not there when the clinician decided."""
        answers = {**visit.assessment.answers, **_latest_readings(visit)}
        found = screen(patient, answers, self.drug)
        known = {s.code for s in visit.assessment.screening}
        new = tuple(s.message for s in contraindications(found) if s.code not in known)
        return found, new

    def _withdrawn(self, visit: Visit, screening: tuple[Any, ...], new: tuple[str, ...]) -> Visit:
        why = ("New contraindication since the suitability decision: " + " ".join(new) +
               " The decision was withdrawn; a clinician must decide again.")
        assessment = dataclasses.replace(visit.assessment, screening=screening, suitability=None, withdrawn=why)
        return dataclasses.replace(visit, assessment=assessment, status=VisitStatus.DRAFT)

    # -- steps -----------------------------------------------------------------------------------------------

    def new_visit(self, by: UserSession, patient_id: int) -> Visit:
        visit: Visit = self.store.visits.create(patient_id, by)
        return visit

    def update_patient(self, by: UserSession, patient: Patient, *, based_on: Patient) -> Patient:
        """`patient` is `based_on` (as read) with the changes; only those are written (`store.patients.update`)."""
        updated: Patient = self.store.patients.update(patient, by, based_on=based_on)
        return updated

    def assess(self, step: Step, entry: AssessmentEntry) -> Visit:
        def rule(c: _Ctx) -> Visit:
            assessment = Assessment(vitals=entry.vitals, pain_score=entry.pain_score, migraine=entry.migraine,
                                    answers=dict(entry.answers), diagnosis_code=_diagnosis(entry.diagnosis_code))
            v = wf.record_assessment(c.visit, assessment, c.patient, self.drug, c.user, c.at)
            if entry.vitals is not None:  # the assessment's vital signs are the charted baseline
                v = dataclasses.replace(v, assessment=dataclasses.replace(
                    v.assessment, vitals=dataclasses.replace(entry.vitals, phase=VitalsPhase.BASELINE,
                                                             recorded_by=c.user.id)))
            return v
        return self._step(step, CHARTING, "record the assessment", rule)

    def decide(self, step: Step, suitable: bool, reason: str = "") -> Visit:
        def rule(c: _Ctx) -> Visit:
            found, _new = self._rescreen(c.visit, c.patient)  # decided on the findings as they are now
            current = dataclasses.replace(c.visit, assessment=dataclasses.replace(c.visit.assessment,
                                                                                   screening=found))
            return wf.decide_suitability(current, suitable, reason, c.user, c.at)
        return self._step(step, CLINICIAN, "decide whether the patient is suitable", rule)

    def _order_record(self, entry: OrderEntry) -> DoseOrderRecord:
        if entry.product and entry.concentration.strip():
            raise WorkflowError("Choose a product or type a concentration, not both.")
        return DoseOrderRecord(dose_text=entry.dose.strip(), concentration_text=entry.concentration.strip(),
                               product_id=entry.product or None, duration_text=entry.duration.strip(),
                               rate_text=entry.rate.strip(), indication=entry.indication or "")

    def _chart_weight(self, visit: Visit, text: str) -> Visit:
        if not text.strip():
            return visit
        kg = float(parse_quantity(text, Kind.WEIGHT, "weight").to("kg").magnitude)
        return dataclasses.replace(visit, readiness=dataclasses.replace(visit.readiness, weight_kg_today=kg))

    def _checked_order(self, c: _Ctx, visit: Visit, record: DoseOrderRecord) -> tuple[DoseOrderRecord,
                                                                                      DoseCalculation]:
        ctx = self._context(c.tx, visit, c.patient, c.at)
        calc = self._calculate(record, ctx)
        if calc.blocked:
            hard = [f for f in calc.findings if f.level == "hard"]
            raise _SaveThenRefuse(
                "This dose cannot be ordered: " + " ".join(f.message for f in hard),
                audit=(AuditEvent.HARD_STOP, {"visit_id": visit.id, "patient_id": visit.patient_id,
                                              "code": hard[0].code, "message": hard[0].message,
                                              "codes": [f.code for f in hard]}))
        inputs = dataclasses.replace(record, age_years=ctx.age_years, weight_kg=ctx.weight_kg,
                                     given_24h_g=ctx.given_24h_g,
                                     weight_text=f"{ctx.weight_kg:g} kg" if ctx.weight_kg is not None else "",
                                     indication=calc.indication)
        return inputs, calc

    def order(self, step: Step, entry: OrderEntry) -> Visit:
        """A clinician orders (approved at once); a nurse enters an order that waits for approval. While the
        infusion runs, only a clinician's amended order (same bag) replaces the running one."""
        def rule(c: _Ctx) -> Visit:
            if c.user.role is Role.CLINICIAN:  # a clinician's order (or amended order) is approved at once
                self._check_approval_here(c)
            visit = self._chart_weight(c.visit, entry.weight)
            record, calc = self._checked_order(c, visit, self._order_record(entry))
            if visit.status is VisitStatus.INFUSING:
                read = infusion_state(visit).volume_read_ml
                return wf.amend_order(visit, record, calc, entry.reasons, c.user, c.at, read)
            return wf.order_dose(visit, record, calc, entry.reasons, c.user, c.at)
        return self._step(step, CHARTING, "enter a dose order", rule)

    @staticmethod
    def _check_approval_here(c: _Ctx) -> None:
        """On a laptop, the clinic's policy as carried at checkout may keep approval for the clinic."""
        refusal = approval_refusal(c.tx.policy().mobile_remote_approval, c.tx.on_laptop())
        if refusal is not None:
            raise WorkflowError(refusal)

    def approve_order(self, step: Step, reasons: Mapping[str, str] | None = None) -> Visit:
        def rule(c: _Ctx) -> Visit:
            if c.visit.dose_order is None:
                raise WorkflowError("There is no dose order to approve yet.")
            self._check_approval_here(c)
            record, calc = self._checked_order(c, c.visit, c.visit.dose_order)
            visit = dataclasses.replace(c.visit, dose_order=dataclasses.replace(c.visit.dose_order, **{
                k: getattr(record, k) for k in ("age_years", "weight_kg", "given_24h_g", "weight_text")}))
            return wf.approve_order(visit, calc, reasons or {}, c.user, c.at)
        return self._step(step, CLINICIAN, "approve a dose order", rule)

    def double_check(self, step: Step) -> Visit:
        return self._step(step, CHARTING, "double-check the dose",
                          lambda c: wf.double_check(c.visit, c.user, c.at))

    def prepare(self, step: Step, prep: Preparation) -> Visit:
        def rule(c: _Ctx) -> Visit:
            wf.ensure_editable(c.visit)
            if c.visit.status not in (VisitStatus.DRAFT, VisitStatus.ASSESSED):
                raise WorkflowError("The checklist is done before the start; the infusion has started.")
            visit = self._chart_weight(c.visit, prep.weight)
            pump = parse_readback(prep.pump_rate, prep.pump_vtbi)
            lot, expiry = prep.lot.strip(), prep.expiry
            scanned: dict[str, Any] = {}
            if prep.scan.strip():
                scan = read_scan(self.drug, prep.scan)
                if lot and scan.lot is not None and lot != scan.lot:
                    raise WorkflowError(f"The lot typed ({lot}) is not the lot scanned ({scan.lot}); scan the bag "
                                        "again or correct the lot.")
                if expiry is not None and scan.expiry is not None and expiry != scan.expiry:
                    raise WorkflowError(f"The expiry typed ({expiry.isoformat()}) is not the expiry scanned "
                                        f"({scan.expiry.isoformat()}); scan the bag again or correct the expiry.")
                lot, expiry = lot or scan.lot or "", expiry or scan.expiry
                scanned = {"scanned_gtin": scan.gtin, "scanned_serial": scan.serial or "",
                           "scanned_product_id": scan.product.id if scan.product else "",
                           "scanned_product_name": scan.product.name if scan.product else ""}
            r = visit.readiness
            ready = Readiness(consent=prep.consent, allergies_reviewed=prep.allergies_reviewed,
                              weight_kg_today=r.weight_kg_today,
                              weight_change_acknowledged=prep.weight_change_acknowledged, iv_access=prep.iv,
                              lot_number=lot, lot_expiry=expiry,
                              # at a mobile visit the antidote at hand is the one in the kit
                              calcium_gluconate_available=prep.calcium_gluconate_at_chair or (
                                  visit.location.mobile and prep.calcium_gluconate_in_kit),
                              pump_rate_text=pump.rate_text, pump_vtbi_text=pump.vtbi_text,
                              pump_rate_ml_h=pump.rate_ml_h, pump_vtbi_ml=pump.vtbi_ml,
                              emergency_plan_reviewed=prep.emergency_plan_reviewed,
                              calcium_gluconate_in_kit=prep.calcium_gluconate_in_kit,
                              second_person_present=prep.second_person_present,
                              phone_check_in_arranged=prep.phone_check_in_arranged)
            return dataclasses.replace(visit, readiness=dataclasses.replace(ready, **scanned))
        return self._step(step, CHARTING, "record the checklist", rule)

    def set_location(self, step: Step, entry: LocationEntry) -> Visit:
        """Where the visit happens: in clinic, or mobile at the patient's home or office with its address and travel
        times (validated against the step's time, shown in the clinic's zone); before the start only."""
        def rule(c: _Ctx) -> Visit:
            try:
                setting = VisitSetting(entry.setting.strip().lower())
            except ValueError:
                raise WorkflowError(f'"{entry.setting}" is not a visit location; choose clinic, home or office.') \
                    from None
            where = VisitLocation(setting, entry.address, entry.departed_at, entry.arrived_at)
            return set_location(c.visit, where, c.user, c.at, clinic_zone(c.tx.clinic()))
        return self._step(step, CHARTING, "record the visit's location", rule)

    def start_problems(self, c: _Ctx) -> list[str]:
        """What re-checking the order at the start finds: a new hard or soft finding, or numbers that changed
        with today's weight or the 24 h total since the order was approved."""
        order = c.visit.dose_order
        if order is None or order.computed is None:
            return []
        was_numbers = order.computed
        ctx = self._context(c.tx, c.visit, c.patient, c.at)
        calc = self._calculate(order, ctx)
        problems = []
        if calc.blocked:
            problems.append("Re-checked now, the order breaks a hard limit: " +
                            " ".join(f.message for f in calc.findings if f.level == "hard"))
        overridden = {o.code for o in order.overrides if o.by == order.approved_by}
        unreasoned = [f.message for f in calc.soft_findings if f.code not in overridden]
        if unreasoned and order.approved_by is not None:
            problems.append("Re-checked now, there is a warning the prescriber has not answered: " +
                            " ".join(unreasoned) + " A clinician must re-approve the order.")
        now_numbers = calc.computed()
        for now, was, what in ((now_numbers.dose_mg, was_numbers.dose_mg, "dose"),
                               (now_numbers.volume_ml, was_numbers.volume_ml, "volume"),
                               (now_numbers.rate_ml_per_h, was_numbers.rate_ml_per_h, "rate")):
            if abs(now - was) > max(1e-6, abs(was) * 1e-6):
                problems.append(f"The order's {what} changes with today's facts (weight "
                                f"{ctx.weight_kg if ctx.weight_kg is not None else 'not charted'} kg); a clinician "
                                "must re-order.")
                break
        return problems

    def start(self, step: Step) -> Visit:
        def rule(c: _Ctx) -> Visit:
            if c.visit.status is VisitStatus.ASSESSED:
                found, new = self._rescreen(c.visit, c.patient)
                if new:
                    withdrawn = self._withdrawn(c.visit, found, new)
                    raise _SaveThenRefuse("The infusion cannot start: " + withdrawn.assessment.withdrawn, withdrawn)
            policy = c.tx.policy()
            previous = c.tx.previous_weight(c.visit)
            return wf.start_infusion(c.visit, c.patient, previous, c.user, c.at,
                                     today=local_date(c.tx.clinic(), c.at),
                                     double_check_required=policy.double_check_required,
                                     mobile_cover=policy.mobile_cover,
                                     problems=tuple(self.start_problems(c)))
        return self._step(step, CHARTING, "start the infusion", rule)

    def record_vitals(self, step: Step, vitals: VitalSigns) -> Visit:
        """Chart vital signs. Before the start, a value that is now a contraindication withdraws the decision;
        during the infusion, a toxicity sign raises an alert."""
        def rule(c: _Ctx) -> Visit:
            phase = vitals.phase
            if c.visit.status is VisitStatus.INFUSING:
                phase = VitalsPhase.AFTER if infusion_state(c.visit).phase == "stopped" else VitalsPhase.DURING
            elif c.visit.status in (VisitStatus.DRAFT, VisitStatus.ASSESSED):
                phase = VitalsPhase.BASELINE
            elif c.visit.status is VisitStatus.COMPLETED:
                phase = VitalsPhase.AFTER
            v = wf.record_vitals(c.visit, dataclasses.replace(vitals, phase=phase), c.user)
            if v.status is VisitStatus.ASSESSED:
                found, new = self._rescreen(v, c.patient)
                if new:
                    return self._withdrawn(v, found, new)
            return raise_alerts(v, toxicity_alerts(self.drug, vitals))
        return self._step(step, CHARTING, "record vital signs", rule)

    def log_side_effect(self, step: Step, effect: SideEffect) -> Visit:
        def rule(c: _Ctx) -> Visit:
            v = wf.log_side_effect(c.visit, effect, c.user)
            alert = side_effect_alert(self.drug, effect)
            return raise_alerts(v, (alert,)) if alert is not None else v
        return self._step(step, CHARTING, "log a side effect", rule)

    def update_side_effect(self, step: Step, index: int, outcome: SideEffectOutcome | str,
                           action: SideEffectAction | str, notes: str = "") -> Visit:
        """Chart how the side effect at `index` went on (outcome, action, notes), while infusing or once completed;
        audited with what it said before and after."""
        def rule(c: _Ctx) -> Visit:
            before = c.visit.side_effects[index] if 0 <= index < len(c.visit.side_effects) else None
            v = wf.update_side_effect(c.visit, index, SideEffectOutcome(outcome), SideEffectAction(action), notes,
                                      c.user)
            after = v.side_effects[index]
            assert before is not None
            c.tx.audit(AuditEvent.SIDE_EFFECT_UPDATED, c.user, {
                "visit_id": c.visit.id, "patient_id": c.visit.patient_id, "index": index,
                "type": after.type_code, "grade": after.grade,
                "before": {"outcome": before.outcome.value, "action": before.action.value, "notes": before.notes},
                "after": {"outcome": after.outcome.value, "action": after.action.value, "notes": after.notes}})
            return v
        return self._step(step, CHARTING, "update a side effect", rule)

    def acknowledge(self, step: Step, action: AlertAction | str, note: str = "") -> Visit:
        return self._step(step, CHARTING, "acknowledge an alert",
                          lambda c: acknowledge(c.visit, action, note, c.user, c.at))

    def pause(self, step: Step, volume_ml: float, reason: str, confirmed: bool = False) -> Visit:
        return self._step(step, CHARTING, "pause the infusion",
                          lambda c: wf.pause(c.visit, volume_ml, reason, c.user, c.at, confirmed))

    def resume(self, step: Step) -> Visit:
        return self._step(step, CHARTING, "resume the infusion", lambda c: wf.resume(c.visit, c.user, c.at))

    def change_rate(self, step: Step, rate: str, reason: str) -> Visit:
        def rule(c: _Ctx) -> Visit:
            q = parse_quantity(rate, Kind.RATE, "rate")
            if not q.check("[length] ** 3 / [time]"):
                raise WorkflowError('Enter the new pump rate in mL/h, such as "50 mL/h".')
            return wf.change_rate(c.visit, float(q.to("mL/h").magnitude), reason, c.user, c.at)
        return self._step(step, CHARTING, "change the rate", rule)

    def stop(self, step: Step, volume_ml: float, reason: str = "", confirmed: bool = False) -> Visit:
        return self._step(step, CHARTING, "stop the infusion",
                          lambda c: wf.stop(c.visit, volume_ml, reason, c.user, c.at, confirmed))

    def complete(self, step: Step, pain_after: int | None, notes: str = "") -> Visit:
        return self._step(step, CHARTING, "complete the visit",
                          lambda c: wf.complete(c.visit, pain_after, notes, c.user, c.at,
                                                self.drug.monitoring.observation_after_min))

    # -- signatures: the note is made from the candidate, then both are saved together ---------------------------

    def _signature(self, user: User, meaning: SignatureMeaning, at: datetime, version: int) -> Signature:
        return Signature(user.id, user.full_name, user.credentials, meaning, at, version=version)

    def _signed(self, c: _Ctx, meaning: SignatureMeaning) -> Visit:
        version = wf.note_version(c.visit, draft=True)
        return wf.sign(c.visit, self._signature(c.user, meaning, c.at, version), c.user, c.at)

    def signature_candidate(self, step: Step, meaning: SignatureMeaning) -> Visit:
        """The visit as it will read once this signature is made (render and sign its note from this); nothing
        is saved."""
        with self.store.visits.transaction() as tx:
            user = tx.acting_user(step.by, CHARTING, "sign the visit")
            visit = tx.visit(step.visit_id, step.version)
            return self._signed(_Ctx(tx, user, visit, tx.patient(visit.patient_id), step.at), meaning)

    def sign(self, step: Step, meaning: SignatureMeaning, note: bytes | None = None,
             seal: SignerCredentials | None = None) -> Visit:
        """ "Administered by" is saved alone. "Reviewed and approved by" makes the visit signed, and is saved
        in one transaction with its signed note (`note`, made from `signature_candidate`); with `seal` (the
        signer's unlocked key) a signed checkpoint of the audit trail is kept with them."""
        return self._step(step, CHARTING, "sign the visit", lambda c: self._signed(c, meaning), note=note, seal=seal)

    def add_addendum(self, step: Step, text: str) -> Visit:
        return self._step(step, CHARTING, "add an addendum",
                          lambda c: wf.add_addendum(c.visit, text, c.user, c.at))

    def _addendum_signed(self, c: _Ctx, index: int) -> Visit:
        version = wf.note_version(c.visit, draft=True)
        return wf.sign_addendum(c.visit, index, self._signature(c.user, SignatureMeaning.ADDENDUM, c.at, version),
                                c.user, c.at)

    def addendum_candidate(self, step: Step, index: int) -> Visit:
        with self.store.visits.transaction() as tx:
            user = tx.acting_user(step.by, CHARTING, "sign an addendum")
            visit = tx.visit(step.visit_id, step.version)
            return self._addendum_signed(_Ctx(tx, user, visit, tx.patient(visit.patient_id), step.at), index)

    def sign_addendum(self, step: Step, index: int, note: bytes, seal: SignerCredentials | None = None) -> Visit:
        return self._step(step, CHARTING, "sign an addendum", lambda c: self._addendum_signed(c, index), note=note,
                          seal=seal)
