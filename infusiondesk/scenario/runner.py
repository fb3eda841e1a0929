"""Play a checked scenario through the visit service, one step at a time, as the app would.

The runner is a plain client: it sets up the clinic, staff and patients through the Store's public calls (as
the first-run setup and the admin screens do), then hands every visit step to `VisitService` with the version
of the visit it has just re-read (as a nurse reopening the visit would). A refused step is a result with the
sentence the app shows, and the run goes on. The store's clock follows each step's time, so the record reads
as the scenario says it happened.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from infusiondesk.drugs.library import Drug
from infusiondesk.errors import DomainError
from infusiondesk.records.location import MobileCover
from infusiondesk.records.models import (
    ClinicPolicy,
    IVAccess,
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
)
from infusiondesk.records.remote_approval import RemoteApproval
from infusiondesk.scenario import fields as f
from infusiondesk.scenario.loader import ADMIN_USERNAME, Scenario, StepSpec
from infusiondesk.service import (
    AssessmentEntry,
    LocationEntry,
    OrderEntry,
    Preparation,
    SignedNote,
    Step,
    VisitService,
    sign_addendum_with_note,
    sign_with_note,
)

# Renders and signs the note of a signature candidate (the visit as it will read once signed) for its patient,
# returning the signed PDF the service saves with the signature. The PDF code provides it (see infusiondesk_ui.cli).
# Called as
# note_signer(candidate, patient, signer, admin): the signer's session reads the note's facts, the admin's keeps the
# clinic CA and the staff's certificates the first time.
NoteSigner = Callable[[Visit, Patient, UserSession, UserSession], SignedNote]

NO_NOTE_SIGNER = ('Signing "{meaning}" saves the signed PDF note with the signature, and this run has no PDF '
                  "code to make one; run the installed `infusiondesk scenario run`, not `python -m infusiondesk`.")


@dataclass(frozen=True)
class StepResult:
    index: int
    do: str
    ok: bool
    status: str | None  # the visit's status after the step (None for steps on no visit)
    message: str
    findings: tuple[dict[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "do": self.do, "ok": self.ok, "status": self.status, "message": self.message,
                "findings": [dict(x) for x in self.findings]}


@dataclass(frozen=True)
class ScenarioResult:
    steps: tuple[StepResult, ...]
    audit_intact: bool
    audit_summary: str

    def as_dict(self) -> dict[str, Any]:
        return {"steps": [s.as_dict() for s in self.steps], "audit_intact": self.audit_intact}


_Outcome = tuple[str, list[dict[str, str]]]  # a step's message and findings


class _StepClock:
    """The store's clock during the run: each step's time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _finding(code: str, level: str, message: str) -> dict[str, str]:
    return {"code": code, "level": level, "message": message}


class ScenarioRunner:
    """One run of a scenario on an empty store. `note_signer` signs the clinician's notes (None: such a
    signature is refused with a sentence saying why)."""

    def __init__(self, scenario: Scenario, store: Any, drug: Drug, note_signer: NoteSigner | None = None) -> None:
        self.scenario = scenario
        self.clock = _StepClock(scenario.steps[0].at)
        self.store = store.with_clock(self.clock)
        self.service = VisitService(self.store, drug)
        self.note_signer = note_signer
        self.users: dict[str, UserSession] = {}  # each user signed in once, at set-up
        self.reader: UserSession | None = None  # whose session reads the visits between steps
        self.patients: dict[str, int] = {}
        self.visits: dict[str, int] = {}

    # -- the clinic, as first-run setup and the admin make it -------------------------------------------------

    def set_up(self) -> None:
        if not self.store.clinic.needs_setup():
            raise DomainError("A scenario runs on an empty database; this one is already set up. Leave out --db "
                              "for a temporary one, or give a new database.")
        s = self.scenario
        admin = self.store.clinic.setup(s.clinic, ADMIN_USERNAME, "Clinic Admin", secrets.token_urlsafe(18))
        self.users[ADMIN_USERNAME] = admin
        for u in s.users:
            password = secrets.token_urlsafe(18)
            self.store.users.create(u.username, u.name, u.role, password, u.credentials, by=admin)
            self.users[u.username] = self.store.users.sign_in(u.username, password)
        anyone = next((u for u in self.users.values() if u.user.role is not Role.ADMIN), admin)
        self.reader = anyone
        for p in s.patients:
            saved = self.store.patients.add(_patient(PatientDetails(mrn=p.mrn, family_name="", given_name="",
                                                                    date_of_birth=datetime(1900, 1, 1).date(),
                                                                    sex=Sex.UNKNOWN),
                                                    p.values), anyone)
            self.patients[p.mrn] = saved.id

    # -- the run ---------------------------------------------------------------------------------------------

    def run(self) -> ScenarioResult:
        self.set_up()
        results = tuple(self.play(step) for step in self.scenario.steps)
        report = self.store.audit.verify()
        return ScenarioResult(results, report.ok, report.summary())

    def play(self, spec: StepSpec) -> StepResult:
        self.clock.now = spec.at
        before = self._visit(spec.visit)
        try:
            message, findings = getattr(self, f"_do_{spec.do}")(spec, before)
            ok = True
        except DomainError as exc:
            ok, message = False, exc.message
            findings = self._refusal_findings(spec, before)
        after = self._visit(spec.visit)
        return StepResult(spec.index, spec.do, ok, after.status.value if after is not None else None, message,
                          tuple(findings))

    def _visit(self, name: str | None) -> Visit | None:
        if name is None or name not in self.visits:
            return None
        visit: Visit = self.store.visits.get(self.visits[name], by=self.reader)
        return visit

    def _step(self, spec: StepSpec, visit: Visit | None) -> Step:
        if visit is None:
            raise DomainError(f'Visit "{spec.visit}" was not opened: its new_visit step was refused.')
        return Step(self.users[spec.actor], visit.id, visit.version, spec.at)

    def _by(self, spec: StepSpec) -> UserSession:
        return self.users[spec.actor]

    # -- steps: each returns (message, findings) or raises the service's DomainError -------------------------

    def _do_new_visit(self, spec: StepSpec, _: Visit | None) -> _Outcome:
        visit = self.service.new_visit(self._by(spec), self.patients[spec.values["patient"]])
        assert spec.visit is not None
        self.visits[spec.visit] = visit.id
        return f'Visit "{spec.visit}" opened for patient {spec.values["patient"]}.', []

    def _do_update_patient(self, spec: StepSpec, _: Visit | None) -> _Outcome:
        by = self._by(spec)
        current = self.store.patients.get(self.patients[spec.values["patient"]], by=by)
        changes = {k: v for k, v in spec.values.items() if k != "patient"}
        self.service.update_patient(by, _patient(current, changes), based_on=current)
        return f"Patient {spec.values['patient']} updated: {', '.join(changes) or 'nothing changed'}.", []

    def _do_policy(self, spec: StepSpec, _: Visit | None) -> _Outcome:
        """The keys given change; the others keep what the clinic has."""
        current = self.store.clinic.policy()
        required = spec.values.get("double_check_required", current.double_check_required)
        cover = MobileCover(spec.values.get("mobile_cover", current.mobile_cover))
        remote = RemoteApproval(spec.values.get("mobile_remote_approval", current.mobile_remote_approval))
        self.store.clinic.set_policy(ClinicPolicy(double_check_required=required, mobile_cover=cover,
                                                  mobile_remote_approval=remote), self._by(spec))
        said = []
        if "double_check_required" in spec.values:
            said.append(f"double check {'required' if required else 'not required'} before the start")
        if "mobile_cover" in spec.values:
            said.append(f"a mobile visit needs {cover.label[0].lower() + cover.label[1:]}")
        if "mobile_remote_approval" in spec.values:
            said.append(f"on a laptop a dose order is {remote.label[0].lower() + remote.label[1:]}")
        return f"Clinic policy: {'; '.join(said) or 'unchanged'}.", []

    def _do_location(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        v = spec.values
        saved = self.service.set_location(self._step(spec, before), LocationEntry(
            v["setting"], v.get("address", ""), v.get("departed"), v.get("arrived")))
        return f"Location: {saved.location.setting.label.lower()}.", []

    def _do_assess(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        v = spec.values
        vitals = _vitals(v["vitals"], spec.at) if "vitals" in v else None
        pain = v.get("pain", vitals.pain_score if vitals is not None else None)
        saved = self.service.assess(self._step(spec, before), AssessmentEntry(
            vitals=vitals, pain_score=pain, answers=v.get("answers", {})))
        return "Assessment recorded.", [_finding(s.code, s.level, s.message) for s in saved.assessment.screening]

    def _do_decide(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        suitable = spec.values["suitable"]
        self.service.decide(self._step(spec, before), suitable, spec.values.get("reason", ""))
        return ("Suitable for the infusion." if suitable else "Not suitable for the infusion."), []

    def _order_entry(self, spec: StepSpec) -> OrderEntry:
        v = spec.values
        return OrderEntry(dose=v["dose"], product=v.get("product"), concentration=v.get("concentration", ""),
                          duration=v.get("duration", ""), rate=v.get("rate", ""), indication=v.get("indication"),
                          weight=v.get("weight", ""), reasons=v.get("reasons", {}))

    def _do_order(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        saved = self.service.order(self._step(spec, before), self._order_entry(spec))
        amended = before is not None and len(saved.superseded_orders) > len(before.superseded_orders)
        return _order_message(saved, amended), _order_findings(saved)

    _do_amend = _do_order

    def _do_approve_order(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        saved = self.service.approve_order(self._step(spec, before), spec.values.get("reasons", {}))
        return _order_message(saved), _order_findings(saved)

    def _do_double_check(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        self.service.double_check(self._step(spec, before))
        return "Dose double-checked.", []

    def _do_prepare(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        v = spec.values
        iv = IVAccess(placed_at=spec.at, **v["iv"]) if "iv" in v else None
        self.service.prepare(self._step(spec, before), Preparation(
            consent=v.get("consent", False), allergies_reviewed=v.get("allergies_reviewed", False),
            weight=v.get("weight", ""), weight_change_acknowledged=v.get("weight_change_acknowledged", False),
            iv=iv, lot=v.get("lot", ""), expiry=v.get("expiry"),
            calcium_gluconate_at_chair=v.get("calcium_gluconate_at_chair", False),
            pump_rate=v.get("pump_rate", ""), pump_vtbi=v.get("pump_vtbi", ""), scan=v.get("scan", ""),
            emergency_plan_reviewed=v.get("emergency_plan_reviewed", False),
            calcium_gluconate_in_kit=v.get("calcium_gluconate_in_kit", False),
            second_person_present=v.get("second_person_present", False),
            phone_check_in_arranged=v.get("phone_check_in_arranged", False)))
        return "Checklist recorded.", []

    def _do_start(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        saved = self.service.start(self._step(spec, before))
        rate = saved.events[-1].rate_ml_h
        return f"Infusion started at {rate:g} mL/h.", []

    def _do_vitals(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        saved = self.service.record_vitals(self._step(spec, before), _vitals(spec.values["vitals"], spec.at))
        found = _new_alerts(before, saved)
        if before is not None and before.status is VisitStatus.ASSESSED and saved.status is VisitStatus.DRAFT:
            found += [_finding(s.code, s.level, s.message) for s in saved.assessment.screening
                      if s.level.stops_the_visit]
            return saved.assessment.withdrawn, found
        return ("Vital signs charted." + (" Alert: " + " ".join(x["message"] for x in found) if found else "")), found

    def _do_side_effect(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        v = spec.values
        onset = v.get("onset", spec.at)
        saved = self.service.log_side_effect(self._step(spec, before), SideEffect(
            type_code=v["code"], onset_at=onset, grade=v["grade"],
            action=SideEffectAction(v.get("action", "none")), outcome=SideEffectOutcome(v.get("outcome", "ongoing")),
            notes=v.get("notes", "")))
        found = _new_alerts(before, saved)
        return ("Side effect logged." + (" Alert: " + " ".join(x["message"] for x in found) if found else "")), found

    def _do_acknowledge(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        self.service.acknowledge(self._step(spec, before), spec.values["action"], spec.values.get("note", ""))
        return f"Alert acknowledged: {spec.values['action']}.", []

    def _do_pause(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        v = spec.values
        self.service.pause(self._step(spec, before), v["volume"], v.get("reason", ""), v.get("confirm", False))
        return f"Paused at {v['volume']:g} mL.", []

    def _do_resume(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        self.service.resume(self._step(spec, before))
        return "Resumed.", []

    def _do_change_rate(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        self.service.change_rate(self._step(spec, before), spec.values["rate"], spec.values.get("reason", ""))
        return f"Rate changed to {spec.values['rate']}.", []

    def _do_stop(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        v = spec.values
        self.service.stop(self._step(spec, before), v["volume"], v.get("reason", ""), v.get("confirm", False))
        return f"Stopped at {v['volume']:g} mL.", []

    def _do_complete(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        self.service.complete(self._step(spec, before), spec.values.get("pain_after"), spec.values.get("notes", ""))
        return "Visit completed.", []

    def _do_sign(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        by = self._by(spec)
        default = "approved" if by.user.role is Role.CLINICIAN else "administered"
        meaning = {"administered": SignatureMeaning.ADMINISTERED,
                   "approved": SignatureMeaning.REVIEWED_APPROVED}[spec.values.get("meaning", default)]
        step = self._step(spec, before)
        if meaning is SignatureMeaning.REVIEWED_APPROVED:
            sign_with_note(self.service, step, lambda candidate: self._note(candidate, meaning, by))
            return f'Signed "{meaning.value}" {by.user.full_name} with the signed note.', []
        self.service.sign(step, meaning)
        return f'Signed "{meaning.value}" {by.user.full_name}.', []

    def _do_addendum(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        self.service.add_addendum(self._step(spec, before), spec.values["text"])
        return "Addendum added.", []

    def _do_sign_addendum(self, spec: StepSpec, before: Visit | None) -> _Outcome:
        step = self._step(spec, before)
        assert before is not None
        index = spec.values.get("index", len(before.addenda) - 1)
        sign_addendum_with_note(self.service, step, index,
                                lambda candidate: self._note(candidate, SignatureMeaning.ADDENDUM, self._by(spec)))
        return f"Addendum {index} signed with a new note version.", []

    def _note(self, candidate: Visit, meaning: SignatureMeaning, signer: UserSession) -> SignedNote:
        if self.note_signer is None:
            raise DomainError(NO_NOTE_SIGNER.format(meaning=meaning.value))
        return self.note_signer(candidate, self.store.patients.get(candidate.patient_id, by=signer), signer,
                                self.users[ADMIN_USERNAME])

    # -- what a refusal found --------------------------------------------------------------------------------

    def _refusal_findings(self, spec: StepSpec, before: Visit | None) -> list[dict[str, str]]:
        """For a refused order, the findings the dose screen shows (read without saving)."""
        if spec.do not in ("order", "amend") or before is None:
            return []
        try:
            calc = self.service.preview_order(before.id, self._order_entry(spec), spec.at, by=self._by(spec))
        except DomainError:
            return []
        return [_finding(x.code, x.level, x.message) for x in calc.findings]


def _order_findings(visit: Visit) -> list[dict[str, str]]:
    order = visit.dose_order
    if order is None or order.computed is None:
        return []
    return [_finding(x.code, x.level, x.message) for x in order.computed.findings]


def _order_message(visit: Visit, amended: bool = False) -> str:
    order = visit.dose_order
    assert order is not None
    shown = order.computed.display if order.computed else {}
    what = (f"{order.dose_text}: {shown.get('volume', '?')} at {shown.get('rate', '?')} over "
            f"{shown.get('duration', '?')}")
    if amended:
        return f"Order amended while infusing ({what}); the earlier order is kept."
    if order.approved_by is None:
        return f"Order entered ({what}); it waits for a clinician's approval."
    return f"Order approved ({what})."


def _new_alerts(before: Visit | None, after: Visit) -> list[dict[str, str]]:
    known = set(before.alerts) if before is not None else set()
    return [_finding(a.code, "alert", a.message) for a in after.alerts if a not in known]


def _vitals(values: Mapping[str, Any], at: datetime) -> VitalSigns:
    return VitalSigns(taken_at=at, systolic=values.get("systolic"), diastolic=values.get("diastolic"),
                      heart_rate=values.get("heart_rate"), resp_rate=values.get("resp_rate"),
                      spo2=values.get("spo2"), temperature_c=values.get("temperature"),
                      pain_score=values.get("pain"),
                      patellar_reflex=f.REFLEXES[values["patellar_reflex"]] if "patellar_reflex" in values else None)


P = TypeVar("P", bound=PatientDetails)  # a new patient's details, or a registered Patient


def _patient(base: P, values: Mapping[str, Any]) -> P:
    """The patient record with the file's fields applied (conditions given replace the record's)."""
    names = {"mrn": "mrn", "family": "family_name", "given": "given_name", "born": "date_of_birth", "sex": "sex",
             "weight": "weight_kg", "medicines": "medicines", "egfr": "egfr_ml_min", "history": "history_notes"}
    changes: dict[str, Any] = {names[k]: v for k, v in values.items() if k in names}
    if "allergies" in values:  # a list given, even empty, is the reviewed list: [] means no known allergies
        changes.update(allergies=values["allergies"], no_known_allergies=not values["allergies"])
    if "sex" in values:
        changes["sex"] = Sex(values["sex"])
    if "renal_status" in values:
        changes["renal_status"] = RenalStatus(values["renal_status"])
    if "pregnancy" in values:
        changes["pregnancy"] = PregnancyStatus(values["pregnancy"])
    if "conditions" in values:
        for name, attr in f.CONDITIONS.items():
            changes[attr] = name in values["conditions"]
    return dataclasses.replace(base, **changes)


def run_scenario(scenario: Scenario, store: Any, drug: Drug, note_signer: NoteSigner | None = None) -> ScenarioResult:
    """Play `scenario` on an empty `store` with the drug library `drug`."""
    return ScenarioRunner(scenario, store, drug, note_signer).run()
