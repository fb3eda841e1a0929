"""The clinic's records as one FHIR R4B Bundle (type collection), read through a signed-in session.

Every resource is validated with fhir.resources' R4B models as it is made (a record that cannot be expressed
stops the export with a sentence rather than writing a bundle another system would refuse), and every fullUrl is
a `urn:uuid:` derived from the clinic's name and the record's id, so exporting again gives the same ids.
fhir.resources is imported inside the functions: importing the core stays light (README "Start-up").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from infusiondesk.clinic_time import local_date
from infusiondesk.drugs.values import Drug
from infusiondesk.errors import DomainError
from infusiondesk.interop import fhir_resources as build
from infusiondesk.interop.fhir_codes import FhirCodes, fhir_codes
from infusiondesk.records.models import Clinic, InfusionEventKind, Patient, User, UserSession, Visit
from infusiondesk.scan import gtin_from_ndc
from infusiondesk.store.audit.events import AuditEvent
from infusiondesk.workflow.side_effects import side_effect_catalogue

_ID_NAMESPACE = uuid.UUID("5b0f8e62-7d6e-4c55-9a44-1a2f3c9e0d15")  # InfusionDesk's own; never change it


@dataclass(frozen=True)
class ExportScope:
    """Which visits: one patient's (by MRN) or everyone's, from a clinic-local date on."""

    patient_mrn: str | None = None
    since: date | None = None

    def describe(self) -> dict[str, Any]:
        """For the audit entry: the scope without patient data (the MRN is replaced by whether one was given)."""
        return {"one_patient": self.patient_mrn is not None, "since": self.since.isoformat() if self.since else None}


@dataclass
class ExportResult:
    bundle: Any  # fhir.resources R4B Bundle
    counts: dict[str, int] = field(default_factory=dict)  # resourceType -> how many
    patient_ids: tuple[int, ...] = ()

    @property
    def visits(self) -> int:
        return self.counts.get("Encounter", 0)

    def json(self) -> str:
        text: str = self.bundle.model_dump_json(exclude_none=True, by_alias=True)
        return text


def record_uuid(clinic: Clinic, kind: str, key: str) -> str:
    """The same record of the same clinic always gets the same UUID (UUID5)."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{clinic.name}\x1f{kind}\x1f{key}"))


@cache
def _model(resource_type: str) -> Any:
    """The R4B model class of a resource type, imported by name (not importlib) so a frozen build finds them."""
    from fhir.resources.R4B.adverseevent import AdverseEvent
    from fhir.resources.R4B.documentreference import DocumentReference
    from fhir.resources.R4B.encounter import Encounter
    from fhir.resources.R4B.medicationadministration import MedicationAdministration
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.patient import Patient as FhirPatient
    from fhir.resources.R4B.practitioner import Practitioner

    models = {m.__name__: m for m in (AdverseEvent, DocumentReference, Encounter, MedicationAdministration,
                                      Observation, FhirPatient, Practitioner)}
    return models[resource_type]


class _Bundler:
    """Collects validated entries; `ref` gives a record's fullUrl whether or not it is in the bundle yet."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic
        self.entries: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.full_urls: set[str] = set()

    def ref(self, kind: str, key: str) -> str:
        return f"urn:uuid:{record_uuid(self.clinic, kind, key)}"

    def add(self, kind: str, key: str, resource: dict[str, Any]) -> None:
        rtype = resource["resourceType"]
        full_url = self.ref(kind, key)
        resource = {**resource, "id": full_url.removeprefix("urn:uuid:")}
        try:
            model = _model(rtype).model_validate(resource)
        except ValueError as exc:  # pydantic's ValidationError
            raise DomainError(f"The {rtype} of {kind} {key} is not valid FHIR R4B, so nothing was written: "
                              f"{str(exc).splitlines()[0]}") from None
        self.entries.append({"fullUrl": full_url, "resource": model})
        self.full_urls.add(full_url)
        self.counts[rtype] = self.counts.get(rtype, 0) + 1


def _product(drug: Drug | None, visit: Visit) -> tuple[str | None, str]:
    """The NDC and name of the product scanned (the NDC its GTIN encodes), else of the product ordered; no NDC
    for an order by concentration or a product the library has no NDC for."""
    if drug is None or visit.dose_order is None:
        return None, visit.readiness.scanned_product_name
    pid = visit.readiness.scanned_product_id or visit.dose_order.product_id
    product = next((p for p in drug.products if p.id == pid), None)
    if product is None:
        return None, visit.readiness.scanned_product_name
    scanned = visit.readiness.scanned_gtin
    ndc = next((n for n in product.ndcs if scanned and gtin_from_ndc(n) == scanned),
               product.ndcs[0] if product.ndcs else None)
    return ndc, product.name


def _in_scope(clinic: Clinic, visit: Visit, since: date | None) -> bool:
    moment = visit.started_at or visit.created_at
    return since is None or (moment is not None and local_date(clinic, moment) >= since)


def _visit_resources(b: _Bundler, codes: FhirCodes, drug: Drug | None, visit: Visit,
                     note: build.StoredNote | None, effect_names: dict[str, str]) -> set[int]:
    """Add one visit's resources; returns the ids of the staff it refers to."""
    vid = str(visit.id)
    is_signed = build.signed(visit, note is not None)
    b.add("visit", vid, build.encounter(codes, visit, b.ref, is_signed))
    staff: set[int] = set()
    admin = build.administration(codes, visit, b.ref, *_product(drug, visit))
    if admin is not None:
        b.add("administration", vid, admin)
        staff |= {e.by for e in visit.events if e.by is not None and e.kind is InfusionEventKind.START}
    for reading in build.charted_vitals(visit):
        for key, obs in build.observations(codes, visit, reading, b.ref, is_signed):
            b.add("observation", key, obs)
        if reading.recorded_by is not None:
            staff.add(reading.recorded_by)
    for i, effect in enumerate(visit.side_effects):
        name = effect_names.get(effect.type_code, effect.type_code)
        resource = build.adverse_event(codes, visit, effect, name, b.ref)
        if admin is None:  # no infusion to suspect: the event still stands, without suspectEntity
            resource.pop("suspectEntity")
        b.add("adverse_event", f"{vid}/{i}", resource)
        if effect.recorded_by is not None:
            staff.add(effect.recorded_by)
    if note is not None and is_signed:
        doc = build.document_reference(visit, note, b.ref)
        b.add("document", vid, doc)
        staff |= {s.signer_id for s in visit.signatures}
        staff |= {a.signature.signer_id for a in visit.addenda if a.signature is not None}
    return staff


def _stored_note(store: Any, visit: Visit, session: UserSession) -> build.StoredNote | None:
    rows = store.notes.versions(visit.id, by=session)
    if not rows:
        return None
    latest = max(rows, key=lambda r: r["version"])
    pdf = store.notes.get(visit.id, latest["version"], by=session)
    return build.StoredNote(pdf, int(latest["version"]), latest.get("stored_at")) if pdf is not None else None


def export_bundle(store: Any, session: UserSession, scope: ExportScope = ExportScope(), *,
                  drug: Drug | None = None, now: datetime | None = None,
                  on_visit: Callable[[int], None] | None = None) -> ExportResult:
    """The Bundle of the visits in `scope`, read as `session` (a nurse or clinician; the store checks). Not
    audited here: the caller writes the bundle, then audits the export (`audit_export`). `on_visit(total)` is
    called once per visit exported, for a progress bar."""
    codes = fhir_codes()
    clinic = store.clinic.get()
    patient_id: int | None = None
    if scope.patient_mrn is not None:
        found: Patient | None = store.patients.by_mrn(scope.patient_mrn, by=session)
        if found is None:
            raise DomainError(f"No patient has MRN {scope.patient_mrn}; check the number.")
        patient_id = found.id
    visits = [v for v in store.visits.all(patient_id, by=session) if _in_scope(clinic, v, scope.since)]
    b = _Bundler(clinic)
    pids = sorted({v.patient_id for v in visits} | ({patient_id} if patient_id is not None else set()))
    for pid in pids:
        b.add("patient", str(pid), build.patient(codes, store.patients.get(pid, by=session)))
    names = {t.code: t.name for t in side_effect_catalogue().types}
    staff_ids: set[int] = set()
    for v in visits:
        staff_ids |= _visit_resources(b, codes, drug, v, _stored_note(store, v, session), names)
        if on_visit is not None:
            on_visit(len(visits))
    _add_staff(b, store.users.staff_names(by=session), staff_ids)
    return ExportResult(_bundle(b, now), dict(sorted(b.counts.items())), tuple(pids))


def _add_staff(b: _Bundler, staff: dict[int, User], ids: Iterable[int]) -> None:
    for uid in sorted(ids):
        user = staff.get(uid)
        if user is None:
            raise DomainError(f"User #{uid} charted in a visit but is not in the staff list; the export stopped.")
        b.add("user", str(uid), build.practitioner(user))


def _bundle(b: _Bundler, now: datetime | None) -> Any:
    from fhir.resources.R4B.bundle import Bundle

    data: dict[str, Any] = {"resourceType": "Bundle", "type": "collection", "entry": b.entries or None}
    if now is not None:
        data["timestamp"] = build.instant(now)
    return Bundle.model_validate({k: v for k, v in data.items() if v is not None})


def audit_export(store: Any, session: UserSession, scope: ExportScope, result: ExportResult, file_name: str,
                 sha256: str) -> None:
    """The export in the audit trail: who, the scope, how many of each resource, the file; never patient data."""
    store.audit.append(AuditEvent.EXPORT_FHIR, session, {"scope": scope.describe(), "counts": result.counts,
                                         "patients": len(result.patient_ids), "file": file_name,
                                         "sha256": sha256})
