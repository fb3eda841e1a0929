"""The FHIR export of a small demo clinic: it validates, its references resolve, and its numbers are the store's."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from infusiondesk.clinic_time import local_date
from infusiondesk.drugs import load_drug
from infusiondesk.interop.fhir_export import ExportScope, export_bundle, record_uuid
from infusiondesk.records.models import InfusionEventKind, UserSession, Visit, VisitStatus
from infusiondesk.store import Store
from infusiondesk.workflow.clock import dose_given_g

NURSE = ("nina", "demo-nurse-pass")
LOINC = {"systolic": "8480-6", "diastolic": "8462-4", "heart_rate": "8867-4", "resp_rate": "9279-1",
         "spo2": "59408-5", "temperature_c": "8310-5", "pain_score": "72514-3"}


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, UserSession, str]]:
    """A demo clinic of 8 patients, 3 visits signed with real notes, built once for the module."""
    from infusiondesk.demo import build_demo
    from infusiondesk_reports.demo_signing import demo_sign_hook

    db = str(tmp_path_factory.mktemp("fhir") / "demo.db")
    store = Store.open(db)
    build_demo(store, patients=8, seed=3, hook=demo_sign_hook(load_drug()), max_signed_notes=3)
    session = store.users.sign_in(*NURSE)
    yield store, session, db
    store.close()


@pytest.fixture(scope="module")
def exported(clinic: tuple[Store, UserSession, str]) -> dict[str, Any]:
    store, session, _ = clinic
    return json.loads(export_bundle(store, session, drug=load_drug()).json())


def _of(bundle: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry", []) if e["resource"]["resourceType"] == rtype]


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _visit_url(store: Store, visit_id: int | None) -> str:
    return f"urn:uuid:{record_uuid(store.clinic.get(), 'visit', str(visit_id))}"


def _by_encounter(bundle: dict[str, Any], rtype: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in _of(bundle, rtype):
        ref = r.get("encounter", r.get("context", {}))
        key = ref["reference"] if isinstance(ref, dict) and "reference" in ref else ref["encounter"][0]["reference"]
        out.setdefault(key, []).append(r)
    return out


def test_the_bundle_and_every_resource_parse_back_with_fhir_resources(exported: dict[str, Any]) -> None:
    bundle = Bundle.model_validate_json(json.dumps(exported))
    assert bundle.type == "collection" and bundle.entry
    kinds = Counter(e.resource.get_resource_type() for e in bundle.entry)
    assert {"Patient", "Encounter", "MedicationAdministration", "Observation", "AdverseEvent",
            "DocumentReference", "Practitioner"} <= set(kinds)
    for entry in bundle.entry:  # each resource again on its own, from its JSON
        again = type(entry.resource).model_validate_json(entry.resource.model_dump_json())
        assert again.id == entry.fullUrl.removeprefix("urn:uuid:")


def test_every_reference_resolves_inside_the_bundle(exported: dict[str, Any]) -> None:
    full_urls = [e["fullUrl"] for e in exported["entry"]]
    assert len(full_urls) == len(set(full_urls)), "every fullUrl is unique"
    for entry in exported["entry"]:
        resource = entry["resource"]
        contained = {f"#{c['id']}" for c in resource.get("contained", [])}
        refs = list(_references(resource))
        for ref in refs:
            assert ref in contained or ref in full_urls, f"{resource['resourceType']} refers to {ref}"
        for c in contained:  # a contained resource is referred to by its container
            assert c in refs


def test_every_visit_is_one_encounter_and_each_patient_is_identified_by_mrn(
        clinic: tuple[Store, UserSession, str], exported: dict[str, Any]) -> None:
    store, session, _ = clinic
    visits = store.visits.all(by=session)
    encounters = {e["identifier"][0]["value"] for e in _of(exported, "Encounter")}
    assert encounters == {str(v.id) for v in visits}
    mrns = {p["identifier"][0]["value"] for p in _of(exported, "Patient")}
    assert mrns == {store.patients.get(pid, by=session).mrn for pid in {v.patient_id for v in visits}}


def test_doses_rates_and_periods_are_what_the_chart_says(clinic: tuple[Store, UserSession, str],
                                                         exported: dict[str, Any]) -> None:
    store, session, _ = clinic
    given = {a["context"]["reference"]: a for a in _of(exported, "MedicationAdministration")}
    started = [v for v in store.visits.all(by=session) if any(e.kind is InfusionEventKind.START for e in v.events)]
    assert started and len(given) == len(started)
    for v in started:
        admin = given[_visit_url(store, v.id)]
        start = next(e for e in v.events if e.kind is InfusionEventKind.START)
        dose = admin["dosage"]["dose"]
        assert dose["system"] == "http://unitsofmeasure.org" and dose["code"] == "g"
        assert dose["value"] == pytest.approx(dose_given_g(v), abs=1e-6)
        assert admin["dosage"]["rateQuantity"]["code"] == "mL/h"
        assert admin["dosage"]["rateQuantity"]["value"] == pytest.approx(start.rate_ml_h, abs=1e-6)
        assert datetime.fromisoformat(admin["effectivePeriod"]["start"]) == start.at.replace(microsecond=0)
        assert admin["performer"][0]["actor"]["reference"].startswith("urn:uuid:")
        med = admin["contained"][0]
        assert med["batch"]["lotNumber"] == v.readiness.lot_number
        assert med["batch"]["expirationDate"] == str(v.readiness.lot_expiry)
        assert v.dose_order is not None
        if v.dose_order.product_id:  # coded by the ordered (or scanned) product's NDC from the drug library
            product = load_drug().product(v.readiness.scanned_product_id or v.dose_order.product_id)
            [coding] = med["code"]["coding"]
            assert coding["system"] == "http://hl7.org/fhir/sid/ndc" and coding["code"] in product.ndcs
            assert product.name in med["code"]["text"]
        stop = next((e for e in v.events if e.kind is InfusionEventKind.STOP), None)
        if stop is not None:
            assert v.dose_order is not None and stop.volume_infused_ml is not None
            whole = stop.volume_infused_ml >= v.dose_order.computed_dose.volume_ml - 1e-9
            assert admin["status"] == ("completed" if whole else "stopped")
            assert datetime.fromisoformat(admin["effectivePeriod"]["end"]) == stop.at.replace(microsecond=0)


def _charted(v: Visit) -> Counter[tuple[datetime, str, float]]:
    """(time, LOINC, value) of every value charted in the visit, the assessment's baseline counted once."""
    readings = {r.taken_at: r for r in v.vitals}
    if v.assessment.vitals is not None:
        readings.setdefault(v.assessment.vitals.taken_at, v.assessment.vitals)
    out: Counter[tuple[datetime, str, float]] = Counter()
    for r in readings.values():
        for field, code in LOINC.items():
            value = getattr(r, field)
            if value is not None:
                out[(r.taken_at.replace(microsecond=0), code, float(value))] += 1
    return out


def test_vital_signs_round_trip_as_loinc_observations_in_ucum(clinic: tuple[Store, UserSession, str],
                                                            exported: dict[str, Any]) -> None:
    store, session, _ = clinic
    by_visit = _by_encounter(exported, "Observation")
    total = 0
    for v in store.visits.all(by=session):
        got: Counter[tuple[datetime, str, float]] = Counter()
        for o in by_visit.get(_visit_url(store, v.id), []):
            assert o["valueQuantity"]["system"] == "http://unitsofmeasure.org"
            when = datetime.fromisoformat(o["effectiveDateTime"])
            got[(when, o["code"]["coding"][0]["code"], float(o["valueQuantity"]["value"]))] += 1
        assert got == _charted(v)
        total += sum(got.values())
    assert total > 0
    units = {o["code"]["coding"][0]["code"]: o["valueQuantity"]["code"] for o in _of(exported, "Observation")}
    assert units["8480-6"] == "mm[Hg]" and units["8867-4"] == "/min" and units["59408-5"] == "%"
    assert units.get("8310-5", "Cel") == "Cel" and units.get("72514-3", "{score}") == "{score}"


def test_side_effects_round_trip_with_their_grades_and_outcomes(clinic: tuple[Store, UserSession, str],
                                                               exported: dict[str, Any]) -> None:
    store, session, _ = clinic
    by_visit = _by_encounter(exported, "AdverseEvent")
    outcome = {"resolved": "resolved", "resolving": "recovering", "ongoing": "ongoing", "escalated": "ongoing",
               "fatal": "fatal"}
    seen = 0
    for v in store.visits.all(by=session):
        events = by_visit.get(_visit_url(store, v.id), [])
        assert len(events) == len(v.side_effects)
        grades = sorted(int(c["code"]) for e in events for c in e["severity"]["coding"] if "ctcae" in c["system"])
        assert grades == sorted(s.grade for s in v.side_effects)
        assert sorted(e["outcome"]["coding"][0]["code"] for e in events) == sorted(
            outcome[s.outcome.value] for s in v.side_effects)
        seen += len(events)
    assert seen > 0


def test_an_unsigned_visit_is_never_marked_signed(clinic: tuple[Store, UserSession, str],
                                                 exported: dict[str, Any]) -> None:
    store, session, _ = clinic
    visits = store.visits.all(by=session)
    statuses = {_visit_url(store, v.id): v.status for v in visits}
    assert VisitStatus.DRAFT in statuses.values() and VisitStatus.COMPLETED in statuses.values()
    encounters = {f"urn:uuid:{e['id']}": e for e in _of(exported, "Encounter")}
    documented = {d["context"]["encounter"][0]["reference"] for d in _of(exported, "DocumentReference")}
    for url, status in statuses.items():
        tag = encounters[url]["meta"]["tag"][0]["code"]
        if status is VisitStatus.SIGNED:
            assert tag == "signed" and url in documented
        else:
            assert tag == "unsigned" and url not in documented
    for url, obs in _by_encounter(exported, "Observation").items():
        expected = "final" if statuses[url] is VisitStatus.SIGNED else "preliminary"
        assert {o["status"] for o in obs} == {expected}
    assert encounters[next(u for u, s in statuses.items() if s is VisitStatus.DRAFT)]["status"] != "finished"


def test_the_signed_note_is_attached_byte_for_byte(clinic: tuple[Store, UserSession, str],
                                                  exported: dict[str, Any]) -> None:
    store, session, _ = clinic
    ids = {_visit_url(store, v.id): v.id for v in store.visits.all(by=session)}
    docs = _of(exported, "DocumentReference")
    assert len(docs) == 3
    for d in docs:
        attachment = d["content"][0]["attachment"]
        pdf = base64.b64decode(attachment["data"])
        visit_id = ids[d["context"]["encounter"][0]["reference"]]
        assert pdf == store.notes.get(visit_id, by=session)
        assert attachment["contentType"] == "application/pdf" and pdf.startswith(b"%PDF")
        assert base64.b64decode(attachment["hash"]) == hashlib.sha1(pdf).digest()
        assert d["docStatus"] == "final" and d["author"]


def test_a_second_export_gives_the_same_ids(clinic: tuple[Store, UserSession, str],
                                            exported: dict[str, Any]) -> None:
    store, session, _ = clinic
    again = json.loads(export_bundle(store, session, drug=load_drug()).json())
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in exported["entry"]]


def test_patient_and_since_narrow_the_export(clinic: tuple[Store, UserSession, str]) -> None:
    store, session, _ = clinic
    visits = store.visits.all(by=session)
    one = store.patients.get(visits[-1].patient_id, by=session)
    only = json.loads(export_bundle(store, session, ExportScope(patient_mrn=one.mrn)).json())
    assert [p["identifier"][0]["value"] for p in _of(only, "Patient")] == [one.mrn]
    assert len(_of(only, "Encounter")) == sum(v.patient_id == one.id for v in visits)

    clinic_ = store.clinic.get()
    days = sorted({local_date(clinic_, v.started_at or v.created_at) for v in visits  # type: ignore[arg-type]
                   if (v.started_at or v.created_at) is not None})
    since = days[len(days) // 2]
    recent = json.loads(export_bundle(store, session, ExportScope(since=since)).json())
    expected = {str(v.id) for v in visits
                if local_date(clinic_, v.started_at or v.created_at) >= since}  # type: ignore[arg-type]
    assert {e["identifier"][0]["value"] for e in _of(recent, "Encounter")} == expected
    assert 0 < len(expected) < len(visits)
    empty = json.loads(export_bundle(store, session, ExportScope(since=days[-1] + timedelta(days=1))).json())
    assert "entry" not in empty


def test_an_unknown_mrn_is_one_sentence(clinic: tuple[Store, UserSession, str]) -> None:
    from infusiondesk.errors import DomainError

    store, session, _ = clinic
    with pytest.raises(DomainError, match="No patient has MRN NOPE"):
        export_bundle(store, session, ExportScope(patient_mrn="NOPE"))


def _cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    from infusiondesk_ui.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(NURSE[1] + "\n"))
    return main(["fhir", "export", "--user", NURSE[0], "--quiet", *args])


def test_the_command_writes_the_bundle_audits_it_and_never_overwrites(
        clinic: tuple[Store, UserSession, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    store, session, db = clinic
    out = tmp_path / "bundle.json"
    mrn = store.patients.get(store.visits.all(by=session)[0].patient_id, by=session).mrn
    assert _cli(monkeypatch, "--db", db, "--patient", mrn, "--since", "2000-01-01", "--out", str(out)) == 0
    bundle = Bundle.model_validate_json(out.read_text(encoding="utf-8"))
    assert {e.resource.get_resource_type() for e in bundle.entry} >= {"Patient", "Encounter"}
    assert "Wrote" in capsys.readouterr().err

    entry = [e for e in store.audit.entries(by=session) if e["event"] == "export_fhir"][-1]
    assert entry["detail"]["scope"] == {"one_patient": True, "since": "2000-01-01"}
    assert entry["detail"]["counts"]["Encounter"] >= 1 and entry["detail"]["file"] == "bundle.json"
    assert mrn not in json.dumps(entry["detail"]), "the audit entry names no patient"

    before = out.read_bytes()
    assert _cli(monkeypatch, "--db", db, "--out", str(out)) == 2
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == before
    assert _cli(monkeypatch, "--db", db, "--out", str(out), "--force") == 0
    assert len(out.read_bytes()) > len(before)


def test_a_bad_since_date_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _cli(monkeypatch, "--since", "31/03/2026", "--out", str(tmp_path / "b.json"))
    assert exited.value.code == 2 and not (tmp_path / "b.json").exists()
    err = capsys.readouterr().err
    assert "is not a date" in err and len(err.strip().splitlines()) == 1
    assert date.fromisoformat(err.split("such as ")[1].strip())  # the example it gives is itself a date


def test_a_running_infusion_and_a_partial_dose_say_what_happened(tmp_path: Path) -> None:
    """Ms A's 2 g runs, slowed to 50 mL/h for warmth: in progress, no end, the rate change noted, counted as the
    full order (as the 24 h total counts it). Mr B's was stopped after 20 of 50 mL: stopped, 0.8 g."""
    from infusiondesk.records.models import Clinic, PatientDetails, Role
    from infusiondesk.service import Step, VisitService
    from tests.clinic_day import chart_visit

    password = "correct horse battery staple"
    store = Store.open(str(tmp_path / "c.db"))
    admin = store.clinic.setup(Clinic("Hillside Clinic"), "admin", "Ada Admin", password)
    for name, role in (("nina", Role.NURSE), ("noel", Role.NURSE), ("carl", Role.CLINICIAN)):
        store.users.create(name, name.title(), role, password, by=admin)
    nina, noel, carl = (store.users.sign_in(n, password) for n in ("nina", "noel", "carl"))
    drug, svc = load_drug(), VisitService(store, load_drug())
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    a = store.patients.add(PatientDetails("A1", "Alder", "Ann", date(1980, 1, 1), "female", 70,
                                          no_known_allergies=True), by=nina)
    b = store.patients.add(PatientDetails("B2", "Birch", "Bo", date(1975, 5, 5), "male", 80,
                                          no_known_allergies=True), by=nina)
    running = chart_visit(store, drug, a, nina, noel, carl, t0, until=VisitStatus.INFUSING)
    assert running.id is not None
    running = svc.change_rate(Step(nina, running.id, running.version, t0 + timedelta(minutes=35)), "50 mL/h",
                              "warmth")
    short = chart_visit(store, drug, b, nina, noel, carl, t0, until=VisitStatus.INFUSING)
    assert short.id is not None
    short = svc.stop(Step(nina, short.id, short.version, t0 + timedelta(minutes=32)), 20, "patient asked to stop")

    bundle = json.loads(export_bundle(store, nina, drug=drug).json())
    admins = {a_["subject"]["reference"]: a_ for a_ in _of(bundle, "MedicationAdministration")}
    patient_url = {p["identifier"][0]["value"]: f"urn:uuid:{p['id']}" for p in _of(bundle, "Patient")}
    ms_a, mr_b = admins[patient_url["A1"]], admins[patient_url["B2"]]
    assert ms_a["status"] == "in-progress" and "end" not in ms_a["effectivePeriod"]
    assert ms_a["dosage"]["dose"]["value"] == 2 == dose_given_g(running)
    assert ms_a["dosage"]["rateQuantity"]["value"] == 100  # the start's rate; the change is in the note
    assert any("50 mL/h" in n["text"] and "warmth" in n["text"] for n in ms_a["note"])
    assert mr_b["status"] == "stopped"
    assert mr_b["dosage"]["dose"]["value"] == pytest.approx(0.8) == pytest.approx(dose_given_g(short))
    assert {e["status"] for e in _of(bundle, "Encounter")} == {"in-progress"}
    assert {e["meta"]["tag"][0]["code"] for e in _of(bundle, "Encounter")} == {"unsigned"}
    assert not _of(bundle, "DocumentReference")
    store.close()


def test_the_patient_carries_the_home_address_and_phone_only_when_the_record_has_them() -> None:
    from fhir.resources.R4B.patient import Patient as FhirPatient

    from infusiondesk.interop import fhir_resources
    from infusiondesk.interop.fhir_codes import fhir_codes
    from infusiondesk.records.models import PatientDetails, Sex

    ana = PatientDetails("MRN-0007", "Rivera", "Ana", date(1985, 6, 1), Sex.FEMALE,
                         address="14 Orchard Lane\nRiverside\nRV1 4AB", phone="+44 20 7946 0958").saved_as(7)
    resource = FhirPatient.model_validate(fhir_resources.patient(fhir_codes(), ana))
    assert resource.address[0].use == "home" and resource.address[0].text == "14 Orchard Lane\nRiverside\nRV1 4AB"
    assert [(t.system, t.value, t.use) for t in resource.telecom] == [("phone", "+44 20 7946 0958", "home")]
    unknown = fhir_resources.patient(fhir_codes(), PatientDetails("MRN-1", "Doe", "Jo", date(1980, 1, 1),
                                                                  Sex.UNKNOWN).saved_as(8))
    assert "address" not in unknown and "telecom" not in unknown  # nothing made up for what is not known


def test_the_demo_clinics_patients_export_with_address_and_telecom(exported: dict[str, Any]) -> None:
    patients = _of(exported, "Patient")
    assert patients and all(p["address"][0]["text"] and p["telecom"][0]["value"] for p in patients)
