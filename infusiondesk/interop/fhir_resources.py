"""One visit's records as FHIR R4B resources (plain JSON-ready dicts; fhir_export validates each with
fhir.resources). Pure functions: the numbers come from the record and the workflow's own readings of it
(`dose_given_g`, `infusion_state`), never recomputed here, so the bundle says what the note says."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infusiondesk.interop.fhir_codes import FhirCodes
from infusiondesk.records.models import InfusionEventKind, Patient, SideEffect, User, Visit, VisitStatus, VitalSigns
from infusiondesk.workflow.clock import dose_given_g
from infusiondesk.workflow.infusion import NOT_STARTED, PAUSED, STOPPED, infusion_state, planned_volume_ml

Json = dict[str, Any]
Ref = Callable[[str, str], str]  # (kind, key) -> "urn:uuid:…", the bundle's fullUrl of that record

# Our visit status -> Encounter.status (R4B: planned | arrived | triaged | in-progress | onleave | finished |
# cancelled | entered-in-error | unknown). README "FHIR export" explains the choice.
ENCOUNTER_STATUS = {
    VisitStatus.DRAFT: "arrived",       # opened and being assessed
    VisitStatus.ASSESSED: "triaged",    # assessed (and perhaps ordered), not started
    VisitStatus.INFUSING: "in-progress",
    VisitStatus.COMPLETED: "finished",  # the visit is over; its note is NOT signed (tagged "unsigned")
    VisitStatus.SIGNED: "finished",     # over and signed (tagged "signed")
}
_REL_TOL = 1e-9


def instant(at: datetime) -> str:
    """An aware datetime as FHIR dateTime/instant text (UTC, seconds)."""
    return at.isoformat(timespec="seconds")


def number(value: float) -> float | int:
    """A value as FHIR decimal: whole numbers stay whole ("2", not "2.0"), others keep 6 decimals."""
    rounded = round(float(value), 6)
    return int(rounded) if rounded == int(rounded) else rounded


def quantity(codes: FhirCodes, value: float, unit: str, shown: str | None = None) -> Json:
    return {"value": number(value), "unit": shown or unit, "system": codes.systems["ucum"], "code": unit}


def signed(visit: Visit, has_note: bool) -> bool:
    """Signed means the workflow's *signed* status and a stored signed note, never less."""
    return visit.status is VisitStatus.SIGNED and has_note


def patient(codes: FhirCodes, p: Patient) -> Json:
    """The Patient: MRN, name, gender, birth date, and the home address and phone when the record has them. The
    address is Address.text with its lines (the record keeps the clinic's lines, not street, city and postcode
    apart); the phone is one telecom of system phone, use home."""
    code, display = codes.mrn_type
    out: Json = {
        "resourceType": "Patient",
        "identifier": [{"use": "usual", "type": {"coding": [{"system": codes.systems["identifier_type"],
                                                             "code": code, "display": display}], "text": "MRN"},
                        "system": codes.systems["mrn"], "value": p.mrn}],
        "name": [{"family": p.family_name, "given": [p.given_name]}],
        "gender": p.sex if p.sex in ("female", "male", "other", "unknown") else "unknown",
        "birthDate": p.date_of_birth.isoformat(),
    }
    if p.address:
        out["address"] = [{"use": "home", "text": p.address}]
    if p.phone:
        out["telecom"] = [{"system": "phone", "value": p.phone, "use": "home"}]
    return out


def practitioner(u: User) -> Json:
    out: Json = {"resourceType": "Practitioner", "name": [{"text": u.full_name}], "active": u.active}
    if u.credentials:
        out["qualification"] = [{"code": {"text": u.credentials}}]
    return out


def _last_charted(visit: Visit) -> datetime | None:
    moments = [e.at for e in visit.events] + [v.taken_at for v in visit.vitals]
    return max(moments, default=None)


def encounter(codes: FhirCodes, visit: Visit, ref: Ref, is_signed: bool) -> Json:
    code, display = codes.encounter_class
    period: Json = {}
    if visit.created_at is not None:
        period["start"] = instant(visit.created_at)
    end = _last_charted(visit) if visit.status in (VisitStatus.COMPLETED, VisitStatus.SIGNED) else None
    if end is not None:
        period["end"] = instant(max(end, visit.created_at) if visit.created_at else end)
    tag = "signed" if is_signed else "unsigned"
    out: Json = {
        "resourceType": "Encounter",
        "meta": {"tag": [{"system": codes.systems["note_status"], "code": tag,
                          "display": "Visit note signed" if is_signed else "Visit note not signed"}]},
        "status": ENCOUNTER_STATUS[visit.status],
        "class": {"system": codes.systems["encounter_class"], "code": code, "display": display},
        "subject": {"reference": ref("patient", str(visit.patient_id))},
        "identifier": [{"system": codes.systems["visit"], "value": str(visit.id)}],
    }
    if period:
        out["period"] = period
    return out


def _administration_status(visit: Visit) -> str:
    """R4B MedicationAdministration.status: running is in-progress, paused on-hold, the whole volume completed,
    stopped short stopped (a partial dose)."""
    state = infusion_state(visit)
    if state.phase == PAUSED:
        return "on-hold"
    if state.phase != STOPPED:
        return "in-progress"
    assert visit.dose_order is not None
    planned = planned_volume_ml(visit.dose_order)
    return "completed" if state.volume_read_ml >= planned * (1 - _REL_TOL) else "stopped"


def medication(codes: FhirCodes, visit: Visit, ndc: str | None, product_name: str = "") -> Json:
    """The contained Medication: the product (NDC when the library knows one), its lot and expiry, strength."""
    order, ready = visit.dose_order, visit.readiness
    assert order is not None
    name = f"{codes.medication_text}, {product_name}" if product_name else codes.medication_text
    med: Json = {"resourceType": "Medication", "id": "med",
                 "code": {"text": name} if ndc is None else
                 {"coding": [{"system": codes.systems["ndc"], "code": ndc}], "text": name}}
    mg_per_ml = order.computed.concentration_mg_per_ml if order.computed is not None else None
    if mg_per_ml:
        num, den = codes.strength_units
        med["ingredient"] = [{"itemCodeableConcept": {"text": "magnesium sulfate"}, "isActive": True,
                              "strength": {"numerator": quantity(codes, float(mg_per_ml), num),
                                           "denominator": quantity(codes, 1, den)}}]
    batch: Json = {}
    if ready.lot_number:
        batch["lotNumber"] = ready.lot_number
    if ready.lot_expiry is not None:
        batch["expirationDate"] = ready.lot_expiry.isoformat()
    if batch:
        med["batch"] = batch
    return med


def administration(codes: FhirCodes, visit: Visit, ref: Ref, ndc: str | None,
                   product_name: str = "") -> Json | None:
    """The infusion as given, or None when it never started. Dose: `dose_given_g` (what the note and the 24 h
    total count); rate: the start's rate (later changes are listed in the note); period: start to stop."""
    events = sorted(visit.events, key=lambda e: e.at)
    start = next((e for e in events if e.kind is InfusionEventKind.START), None)
    if visit.dose_order is None or start is None or infusion_state(visit).phase == NOT_STARTED:
        return None
    stop = next((e for e in reversed(events) if e.kind is InfusionEventKind.STOP), None)
    period: Json = {"start": instant(start.at)}
    if stop is not None:
        period["end"] = instant(stop.at)
    order = visit.dose_order
    dosage: Json = {"text": f"Ordered {order.dose_text}" + (f" over {order.duration_text}" if order.duration_text
                                                            else ""),
                    "route": {"text": "intravenous"},
                    "dose": quantity(codes, dose_given_g(visit), codes.dose_unit)}
    if start.rate_ml_h is not None:
        dosage["rateQuantity"] = quantity(codes, start.rate_ml_h, codes.rate_unit)
    out: Json = {
        "resourceType": "MedicationAdministration",
        "contained": [medication(codes, visit, ndc, product_name)],
        "status": _administration_status(visit),
        "medicationReference": {"reference": "#med"},
        "subject": {"reference": ref("patient", str(visit.patient_id))},
        "context": {"reference": ref("visit", str(visit.id))},
        "effectivePeriod": period,
        "dosage": dosage,
    }
    if start.by is not None:
        out["performer"] = [{"actor": {"reference": ref("user", str(start.by))}}]
    changes = [e for e in events if e.kind is InfusionEventKind.RATE_CHANGE and e.rate_ml_h is not None]
    notes = [f"Rate changed to {number(e.rate_ml_h or 0)} mL/h at {instant(e.at)}"
             + (f": {e.reason}" if e.reason else "") for e in changes]
    if stop is not None and stop.volume_infused_ml is not None:
        notes.append(f"{number(stop.volume_infused_ml)} mL infused (pump reading at the stop)")
    if notes:
        out["note"] = [{"text": n} for n in notes]
    return out


def charted_vitals(visit: Visit) -> tuple[VitalSigns, ...]:
    """The visit's readings, oldest first; the assessment's baseline once (it is also charted with the visit)."""
    series = list(visit.vitals)
    base = visit.assessment.vitals
    if base is not None and all(v.taken_at != base.taken_at for v in series):
        series.append(base)
    return tuple(sorted(series, key=lambda v: v.taken_at))


def observations(codes: FhirCodes, visit: Visit, reading: VitalSigns, ref: Ref,
                 is_signed: bool) -> list[tuple[str, Json]]:
    """One Observation per value charted in the reading, each with its key for a stable fullUrl."""
    out = []
    for vc in codes.vitals:
        value = getattr(reading, vc.field)
        if value is None:
            continue
        obs: Json = {
            "resourceType": "Observation",
            "status": "final" if is_signed else "preliminary",
            "category": [{"coding": [{"system": codes.systems["observation_category"], "code": vc.category}]}],
            "code": {"coding": [{"system": codes.systems["loinc"], "code": vc.code, "display": vc.display}],
                     "text": vc.display},
            "subject": {"reference": ref("patient", str(visit.patient_id))},
            "encounter": {"reference": ref("visit", str(visit.id))},
            "effectiveDateTime": instant(reading.taken_at),
            "valueQuantity": quantity(codes, value, vc.unit, vc.unit_display),
            "note": [{"text": f"Phase: {reading.phase}"}],
        }
        if reading.recorded_by is not None:
            obs["performer"] = [{"reference": ref("user", str(reading.recorded_by))}]
        out.append((f"{visit.id}/{instant(reading.taken_at)}/{reading.phase}/{vc.field}", obs))
    return out


def adverse_event(codes: FhirCodes, visit: Visit, effect: SideEffect, name: str, ref: Ref) -> Json:
    grade, outcome = effect.grade, effect.outcome.value
    out: Json = {
        "resourceType": "AdverseEvent",
        "actuality": "actual",
        "event": {"coding": [{"system": codes.systems["side_effect"], "code": effect.type_code, "display": name}],
                  "text": name},
        "subject": {"reference": ref("patient", str(visit.patient_id))},
        "encounter": {"reference": ref("visit", str(visit.id))},
        "date": instant(effect.onset_at),
        "severity": {"coding": [
            {"system": codes.systems["adverse_event_severity"], "code": codes.severity[grade]},
            {"system": codes.systems["ctcae_grade"], "code": str(grade), "display": f"Grade {grade}"}],
            "text": f"CTCAE v5.0 grade {grade}"},
        "outcome": {"coding": [{"system": codes.systems["adverse_event_outcome"], "code": codes.outcome[outcome]}],
                    "text": outcome},
        "suspectEntity": [{"instance": {"reference": ref("administration", str(visit.id))}}],
    }
    if effect.recorded_by is not None:
        out["recorder"] = {"reference": ref("user", str(effect.recorded_by))}
    return out


@dataclass(frozen=True)
class StoredNote:
    """The latest signed note of a visit as stored (the exact bytes)."""

    pdf: bytes
    version: int
    stored_at: datetime | None


def document_reference(visit: Visit, note: StoredNote, ref: Ref) -> Json:
    """The signed note: the stored PDF bytes, base64, with the SHA-1 FHIR's Attachment.hash asks for (a checksum
    by FHIR's definition; the note's integrity rests on its PAdES signature and the SHA-256 in the audit trail)."""
    signatures = [*visit.signatures, *(a.signature for a in visit.addenda if a.signature is not None)]
    signers = sorted({s.signer_id for s in signatures})
    when = max((s.signed_at for s in signatures), default=note.stored_at)
    out: Json = {
        "resourceType": "DocumentReference",
        "status": "current",
        "docStatus": "final",
        "type": {"text": "Signed visit note (IV magnesium sulfate infusion)"},
        "subject": {"reference": ref("patient", str(visit.patient_id))},
        "author": [{"reference": ref("user", str(s))} for s in signers],
        "description": f"Signed visit note, version {note.version}",
        "content": [{"attachment": {
            "contentType": "application/pdf",
            "data": base64.b64encode(note.pdf).decode("ascii"),
            "size": len(note.pdf),
            "hash": base64.b64encode(hashlib.sha1(note.pdf, usedforsecurity=False).digest()).decode("ascii"),
            "title": f"Visit {visit.id} note, version {note.version}",
        }}],
        "context": {"encounter": [{"reference": ref("visit", str(visit.id))}]},
    }
    if when is not None:
        out["date"] = instant(when)
        out["content"][0]["attachment"]["creation"] = instant(when)
    return out
