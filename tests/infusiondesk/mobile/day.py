"""A mobile day for the tests: two patients checked out to Nina's laptop, charted on it and in the clinic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from infusiondesk import pki
from infusiondesk.drugs import load_drug
from infusiondesk.followups import FollowUpEntry
from infusiondesk.mobile import day, laptop
from infusiondesk.records.models import ClinicPolicy, Patient, VisitStatus
from infusiondesk.records.remote_approval import RemoteApproval
from infusiondesk.store import Store, tables
from tests.clinic_day import chart_visit
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff, make_patient

PRICES = {"96365": 15000, "96366": 4000, "J3475": 100}
MORNING = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
HOME_VISIT = datetime(2025, 3, 3, 13, 0, tzinfo=UTC)
CLINIC_VISIT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CA_PASSPHRASE = "clinic vault granite 7"


def clinic_ca(clinic: Store, staff: Staff, now: datetime, name: str = "Riverside Infusion Clinic") -> pki.ClinicCA:
    """The clinic's CA, saved in the clinic (so a checkout carries its certificate)."""
    ca = pki.create_clinic_ca(name, CA_PASSPHRASE, now)
    pki.save_clinic_ca(clinic, ca, by=staff.admin)
    return ca


def give_nina_a_signing_key(clinic: Store, staff: Staff) -> pki.ClinicCA:
    """The clinic CA, and Nina's regular (clinic) signing key."""
    now = datetime(2025, 3, 1, tzinfo=UTC)
    ca = clinic_ca(clinic, staff, now)
    p12 = pki.issue_clinician_pkcs12(ca, CA_PASSPHRASE, full_name="Nina Nurse", username="nina", passphrase=PASSWORD,
                                     now=now)
    pki.save_clinician_pkcs12(clinic, staff.nurse.user_id, p12, PASSWORD, by=staff.admin)
    return ca


@dataclass
class MobileDay:
    clinic: Store
    staff: Staff
    laptop_path: Path
    laptop_id: str
    jane: Patient
    omar: Patient


def check_out(clinic: Store, staff: Staff, tmp_path: Path,
              remote_approval: RemoteApproval = RemoteApproval.ALLOWED, ca_passphrase: str | None = None,
              also_passwords: dict[str, str] | None = None) -> MobileDay:
    """Nina takes Jane and Omar out, with Noel and Carl. The clinic allows Carl's remote approval unless told
    otherwise (the whole visit is charted on the laptop), as the policy carried at checkout. With the CA
    passphrase, Nina (and whoever `also_passwords` names) get signing keys for this laptop. The price list is
    carried too, so Nina can take a payment at home."""
    clinic.clinic.set_policy(ClinicPolicy(mobile_remote_approval=remote_approval), staff.admin)
    for code, cents in PRICES.items():
        clinic.billing.set_price(code, cents, datetime(2025, 1, 1, tzinfo=UTC), by=staff.admin)
    jane = clinic.patients.add(make_patient("MRN0001", "Smith", "Jane", no_known_allergies=True), staff.nurse)
    omar = clinic.patients.add(make_patient("MRN0002", "Haddad", "Omar", no_known_allergies=True), staff.nurse)
    path = tmp_path / "laptop" / "nina.db"
    laptop_id = day.checkout(clinic, staff.nurse, PASSWORD, ["MRN0001", "MRN0002"], path, also=["noel", "carl"],
                             laptop_clock=Clock(), ca_passphrase=ca_passphrase, also_passwords=also_passwords)
    return MobileDay(clinic, staff, path, laptop_id, jane, omar)


def chart_on_laptop(d: MobileDay, patient: Patient, at: datetime = HOME_VISIT) -> None:
    """Nina (with Noel, and Carl approving remotely) charts a whole visit on the laptop, through the visit service."""
    store = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
    try:
        nina, noel, carl = (store.users.sign_in(name, PASSWORD) for name in ("nina", "noel", "carl"))
        chart_visit(store, day.laptop_drug(store), patient, nina, noel, carl, at, until=VisitStatus.COMPLETED)
        for s in (nina, noel, carl):
            store.users.sign_out(s)
    finally:
        store.close()


def chart_in_clinic(d: MobileDay, patient: Patient, at: datetime = CLINIC_VISIT) -> None:
    s = d.staff
    chart_visit(d.clinic, load_drug(None), patient, s.nurse, s.nurse2, s.clinician, at, until=VisitStatus.COMPLETED)


def dump(store: Store) -> dict[str, Any]:
    """Both databases' records in a canonical form (by uid, without local integer ids), to compare runs."""
    with store.engine.connect() as conn:
        patients = {r.uid: r.content for r in conn.execute(select(tables.patients))}
        visit_uid = {r.id: r.uid for r in conn.execute(select(tables.visits))}
        visits = {r.uid: (r.version, r.status, r.content) for r in conn.execute(select(tables.visits))}
        spans = {visit_uid[r.visit_id]: (str(r.started_at), str(r.ended_at))
                 for r in conn.execute(select(tables.infusion_spans))}
        trail = [(r.event, r.username, r.table_name, r.detail if r.table_name != "visits" else "", r.entry_hash)
                 for r in conn.execute(select(tables.audit_log).order_by(tables.audit_log.c.id))
                 if r.event not in ("sign_in", "sign_out")]
        conflicts = [(r.record_uid, r.laptop_content, r.clinic_content)
                     for r in conn.execute(select(tables.mobile_conflicts).order_by(tables.mobile_conflicts.c.id))]
        bases = {r.uid: r.base for r in conn.execute(select(tables.mobile_base))}
        notes = {r.uid: (visit_uid[r.visit_id], r.version, r.sha256, r.signer_id)
                 for r in conn.execute(select(tables.signed_notes))}
        payments = {visit_uid[r.visit_id]: (r.method, r.amount_cents, r.paid_at, r.recorded_by, r.lines)
                    for r in conn.execute(select(tables.visit_payments))}
        follow_ups = {(visit_uid[r.visit_id], r.interval_days): (r.status, r.due_on, r.recorded_by, r.note)
                      for r in conn.execute(select(tables.follow_ups))}
    return {"patients": patients, "visits": visits, "spans": spans, "trail": trail, "conflicts": conflicts,
            "bases": bases, "notes": notes, "payments": payments, "follow_ups": follow_ups}



def laptop_dump(path: Path) -> dict[str, Any]:
    """The laptop database's `dump`, read without signing in (a sign-in is an audit entry the next sync carries)."""
    lap = laptop.open_laptop(path, PASSWORD)
    try:
        return dump(lap)
    finally:
        lap.close()

# -- signed notes, payments and follow-ups (they travel too) --------------------------------------------------------

CA_PASS = CA_PASSPHRASE
PAID = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
WEEK_LATER = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)  # Jane's 7-day follow-up is due


@dataclass(frozen=True)
class ClinicKeys:
    ca: pki.ClinicCA
    carl: pki.SignerCredentials  # Carl's key; the test hands it to the laptop (lane laptopkeys will carry it)


def clinic_keys(clinic: Store, staff: Staff, name: str = "Riverside Infusion Clinic") -> ClinicKeys:
    """The clinic's CA (saved in the clinic, so a checkout carries its certificate) and Carl's signing key."""
    now = datetime.now(UTC)
    ca = clinic_ca(clinic, staff, now, name)
    p12 = pki.issue_clinician_pkcs12(ca, CA_PASS, full_name="Carl Clinician", username="carl", credentials="MD",
                                     passphrase=PASSWORD, now=now)
    return ClinicKeys(ca, pki.unlock_pkcs12(p12, PASSWORD))


def visit_uid(store: Store, visit_id: int | None) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(select(tables.visits.c.uid).where(tables.visits.c.id == visit_id)).scalar_one())


def sign_on_laptop(d: MobileDay, patient: Patient, carl_key: pki.SignerCredentials) -> str:
    """Nina charts a visit at home, Carl signs its note remotely (his key on the laptop), Nina takes the payment,
    and a week later records the 7-day follow-up: all on the laptop. Returns the visit's uid."""
    from infusiondesk_reports.note_commands import sign_note

    clock = Clock()
    store = laptop.open_laptop(d.laptop_path, PASSWORD, clock=clock)
    try:
        nina, noel, carl = (store.users.sign_in(name, PASSWORD) for name in ("nina", "noel", "carl"))
        drug = day.laptop_drug(store)
        visit = chart_visit(store, drug, patient, nina, noel, carl, HOME_VISIT, until=VisitStatus.SIGNED,
                            sign_note=lambda v: sign_note(store, v, drug, {carl.user_id: carl_key}, by=carl),
                            seal=carl_key, attacks_per_month=8)
        assert visit.id is not None
        store.billing.record_payment(visit.id, "card", 19000, PAID, by=nina)
        clock.now = WEEK_LATER
        nina = store.users.sign_in("nina", PASSWORD)
        store.follow_ups.record(FollowUpEntry(visit.id, 7, attacks_per_month=3, headache_days=5, rescue_days=1,
                                              side_effects=False, note="fewer attacks"), by=nina)
        return visit_uid(store, visit.id)
    finally:
        store.close()


def sign_in_clinic(d: MobileDay, visit_id: int, version: int, carl_key: pki.SignerCredentials) -> None:
    """Carl signs a completed visit's note in the clinic (his key in hand there)."""
    from infusiondesk.service import SignedNote, Step, VisitService, sign_with_note
    from infusiondesk_reports.note_commands import sign_note

    carl, drug = d.staff.clinician, load_drug(None)
    sign_with_note(VisitService(d.clinic, drug), Step(carl, visit_id, version, PAID),
                   lambda candidate: SignedNote(sign_note(d.clinic, candidate, drug, {carl.user_id: carl_key},
                                                          by=carl), carl_key))
