"""Signed notes, payments and follow-ups travel between Nina's laptop and the clinic: once, both ways, checked,
audited; a laptop note the clinic CA does not vouch for, or a payment recorded differently on both sides, is listed
as a conflict and overwrites nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from infusiondesk import pki
from infusiondesk.drugs import load_drug
from infusiondesk.errors import DomainError
from infusiondesk.mobile import day, laptop
from infusiondesk.records.models import VisitStatus
from infusiondesk.store import Store, tables
from infusiondesk_reports.laptop_notes import check_laptop_note
from infusiondesk_reports.note_commands import sign_note
from infusiondesk_reports.signing import verify_pdf
from tests.infusiondesk.mobile.day import (
    CA_PASS,
    PAID,
    chart_in_clinic,
    chart_on_laptop,
    check_out,
    clinic_keys,
    dump,
    laptop_dump,
    sign_in_clinic,
    sign_on_laptop,
    visit_uid,
)
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff


def _sync(store: Store, staff: Staff, path: Path) -> day.sync_exchange.SyncReport:
    return day.sync(store, staff.nurse, path, PASSWORD, laptop_clock=Clock(), check_note=check_laptop_note)


def _clinic_visit(store: Store, uid: str) -> tuple[int, int]:
    with store.engine.connect() as conn:
        row = conn.execute(select(tables.visits.c.id, tables.visits.c.version).where(tables.visits.c.uid == uid)).one()
    return int(row.id), int(row.version)


def _events(store: Store, table: str) -> list[str]:
    with store.engine.connect() as conn:
        return [r.event for r in conn.execute(select(tables.audit_log.c.event).where(
            tables.audit_log.c.table_name == table).order_by(tables.audit_log.c.id))]


def test_a_visit_signed_at_home_with_its_payment_and_follow_up_reaches_the_clinic_once(
        store: Store, staff: Staff, tmp_path: Path) -> None:
    keys = clinic_keys(store, staff)
    d = check_out(store, staff, tmp_path)
    chart_in_clinic(d, d.jane)  # so the clinic's visit ids are not the laptop's (the note's PDF prints the laptop's)
    home = sign_on_laptop(d, d.jane, keys.carl)
    chart_on_laptop(d, d.omar)

    report = _sync(store, staff, d.laptop_path)

    assert report.pulled_visits == 1
    assert (report.pushed_visits, report.pushed_notes, report.pushed_payments, report.pushed_follow_ups) == (2, 1, 1, 1)
    assert report.conflicts == []
    assert "Signed notes, payments and follow-ups: pushed 1, 1 and 1; pulled 0, 0 and 0." in report.summary()
    visit_id, _ = _clinic_visit(store, home)
    assert store.visits.get(visit_id, by=staff.nurse).status is VisitStatus.SIGNED
    pdf = store.notes.get(visit_id, by=staff.clinician)
    assert pdf is not None
    verdict = verify_pdf(pdf, [keys.ca.certificate_pem])
    assert verdict.valid and verdict.intact and verdict.trusted  # the clinic reads and verifies the note
    payment = store.billing.get_payment(visit_id, by=staff.nurse)
    assert payment is not None
    assert (payment.method.value, payment.amount_cents, payment.paid_at) == ("card", 19000, PAID)
    (follow_up,) = store.follow_ups.recorded(d.jane.id, by=staff.nurse)  # type: ignore[arg-type]
    assert (follow_up.visit_id, follow_up.interval_days, follow_up.note) == (visit_id, 7, "fewer attacks")
    assert _events(store, "signed_notes") == ["mobile_sync"]
    assert _events(store, "visit_payments") == ["mobile_sync"] and _events(store, "follow_ups") == ["mobile_sync"]
    audit = store.audit.verify()
    assert audit.ok, audit.summary()

    # Nothing doubled: a second sync changes nothing, on either side.
    before = (dump(store), laptop_dump(d.laptop_path))
    again = _sync(store, staff, d.laptop_path)
    assert (again.pushed_notes, again.pushed_payments, again.pushed_follow_ups, again.pulled_notes,
            again.pulled_payments, again.pulled_follow_ups, again.audit_entries, again.conflicts) == (
        0, 0, 0, 0, 0, 0, 0, [])
    assert (dump(store), laptop_dump(d.laptop_path)) == before

    # The clinic signs Omar's home visit and takes his payment: both travel back to the laptop, once.
    (omar_visit,) = store.visits.all(d.omar.id, by=staff.nurse)  # type: ignore[arg-type]
    omar_uid = visit_uid(store, omar_visit.id)
    omar_id, omar_version = _clinic_visit(store, omar_uid)
    sign_in_clinic(d, omar_id, omar_version, keys.carl)
    store.billing.record_payment(omar_id, "cash", 5000, PAID + timedelta(minutes=5), by=staff.admin)

    back = _sync(store, staff, d.laptop_path)

    assert (back.pulled_visits, back.pulled_notes, back.pulled_payments, back.pushed_payments) == (1, 1, 1, 0)
    assert _sync(store, staff, d.laptop_path).pulled_payments == 0
    lap = laptop.open_laptop(d.laptop_path, PASSWORD)
    try:
        nina = lap.users.sign_in("nina", PASSWORD)
        (omar_here,) = [v for v in lap.visits.all(d.omar.id, by=nina)  # type: ignore[arg-type]
                        if visit_uid(lap, v.id) == omar_uid]
        assert omar_here.id is not None and omar_here.status is VisitStatus.SIGNED
        assert omar_here.id != omar_id  # the pulled note's PDF names the clinic's id: audit verify accepts it
        paid = lap.billing.get_payment(omar_here.id, by=nina)
        assert paid is not None and (paid.method.value, paid.amount_cents) == ("cash", 5000)
        assert lap.notes.get(omar_here.id, by=nina) == store.notes.get(omar_id, by=staff.nurse)
        # The admin who took it is on the laptop only as a name: an inactive stub that cannot sign in.
        assert not lap.users.get(staff.admin.user_id).active
        laptop_audit = lap.audit.verify()
        assert laptop_audit.ok, laptop_audit.summary()
    finally:
        lap.close()
    audit = store.audit.verify()
    assert audit.ok, audit.summary()


def test_a_laptop_note_the_clinic_ca_does_not_vouch_for_is_refused_and_its_visit_held(
        sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path) -> None:
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    clinic = Store.open(str(tmp_path / "clinic.sqlite3"), clock=Clock())
    try:
        clinic_keys(clinic, sqlite_staff)
        d = check_out(clinic, sqlite_staff, tmp_path)
        stranger = pki.create_clinic_ca("Another Clinic", CA_PASS, datetime.now(UTC))
        forged = pki.unlock_pkcs12(pki.issue_clinician_pkcs12(
            stranger, CA_PASS, full_name="Carl Clinician", username="carl", credentials="MD", passphrase=PASSWORD,
            now=datetime.now(UTC)), PASSWORD)
        home = sign_on_laptop(d, d.jane, forged)
        with pytest.raises(DomainError, match="cannot check their signatures"):  # a sync without the reports layer
            day.sync(clinic, sqlite_staff.nurse, d.laptop_path, PASSWORD, laptop_clock=Clock())

        report = _sync(clinic, sqlite_staff, d.laptop_path)

        assert [c["kind"] for c in report.conflicts] == ["note"]
        assert "not trusted by the clinic" in report.conflicts[0]["label"]
        assert report.pushed_notes == 0 and report.pushed_visits == 0  # the signed visit stays with its note
        with clinic.engine.connect() as conn:
            assert conn.execute(select(tables.visits).where(tables.visits.c.uid == home)).first() is None
            assert conn.execute(select(tables.signed_notes)).first() is None
        (listed,) = clinic.mobile.open_conflicts(by=sqlite_staff.nurse)
        assert listed["kind"] == "note" and "not trusted" in listed["laptop"]["problem"]
        assert clinic.audit.verify().ok
        again = _sync(clinic, sqlite_staff, d.laptop_path)
        assert again.conflicts == [] and again.pushed_notes == 0  # listed once
    finally:
        clinic.close()


def test_a_payment_recorded_differently_on_both_sides_is_a_conflict_and_a_one_sided_correction_travels(
        sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path) -> None:
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    clinic = Store.open(str(tmp_path / "clinic.sqlite3"), clock=Clock())
    try:
        d = check_out(clinic, sqlite_staff, tmp_path)
        chart_on_laptop(d, d.omar)
        _sync(clinic, sqlite_staff, d.laptop_path)
        with clinic.engine.connect() as conn:
            omar_uid, omar_id = conn.execute(select(tables.visits.c.uid, tables.visits.c.id)).one()
        clinic.billing.record_payment(omar_id, "cash", 5000, PAID, by=sqlite_staff.nurse)
        assert _sync(clinic, sqlite_staff, d.laptop_path).pulled_payments == 1

        lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
        nina = lap.users.sign_in("nina", PASSWORD)
        (here,) = lap.visits.all(d.omar.id, by=nina)  # type: ignore[arg-type]
        assert here.id is not None
        lap.billing.record_payment(here.id, "cash", 6000, PAID, by=nina)  # corrected at home only
        lap.close()
        assert _sync(clinic, sqlite_staff, d.laptop_path).pushed_payments == 1
        assert clinic.billing.get_payment(omar_id, by=sqlite_staff.nurse).amount_cents == 6000  # type: ignore[union-attr]

        lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
        lap.billing.record_payment(here.id, "card", 7000, PAID, by=lap.users.sign_in("nina", PASSWORD))
        lap.close()
        clinic.billing.record_payment(omar_id, "cash", 6500, PAID, by=sqlite_staff.nurse)

        report = _sync(clinic, sqlite_staff, d.laptop_path)

        assert [c["kind"] for c in report.conflicts] == ["payment"] and report.pushed_payments == 0
        assert report.conflicts[0]["label"] == f"payment of visit {omar_uid[:8]}"
        assert clinic.billing.get_payment(omar_id, by=sqlite_staff.nurse).amount_cents == 6500  # type: ignore[union-attr]
        lap = laptop.open_laptop(d.laptop_path, PASSWORD)
        try:
            nina = lap.users.sign_in("nina", PASSWORD)
            assert lap.billing.get_payment(here.id, by=nina).amount_cents == 7000  # type: ignore[union-attr]
        finally:
            lap.close()
        (listed,) = clinic.mobile.open_conflicts(by=sqlite_staff.nurse)
        assert (listed["laptop"]["amount_cents"], listed["clinic"]["amount_cents"]) == (7000, 6500)
        # resolving it (keep laptop / keep clinic) is tested in test_record_conflicts.py
        assert clinic.audit.verify().ok
    finally:
        clinic.close()


def test_checkout_carries_the_signed_notes_of_the_visits_it_copies(
        sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path) -> None:
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    clinic = Store.open(str(tmp_path / "clinic.sqlite3"), clock=Clock())
    try:
        keys = clinic_keys(clinic, sqlite_staff)
        d = check_out(clinic, sqlite_staff, tmp_path / "first")  # Jane and Omar are in the clinic now
        from tests.clinic_day import chart_visit

        s, drug = sqlite_staff, load_drug(None)
        chart_visit(clinic, drug, d.omar, s.nurse, s.nurse2, s.clinician, PAID, until=VisitStatus.DRAFT)
        # (so Jane's visit has another id in the clinic than on the new laptop, as the note's PDF says)
        signed = chart_visit(clinic, drug, d.jane, s.nurse, s.nurse2, s.clinician, PAID, until=VisitStatus.SIGNED,
                             sign_note=lambda v: sign_note(clinic, v, drug, {s.clinician.user_id: keys.carl},
                                                           by=s.clinician), seal=keys.carl)
        path = tmp_path / "second" / "nina.db"
        day.checkout(clinic, s.nurse, PASSWORD, ["MRN0001"], path, laptop_clock=Clock())
        lap = laptop.open_laptop(path, PASSWORD)
        try:
            nina = lap.users.sign_in("nina", PASSWORD)
            (copy,) = lap.visits.all(d.jane.id, by=nina)  # type: ignore[arg-type]
            assert visit_uid(lap, copy.id) == visit_uid(clinic, signed.id) and copy.status is VisitStatus.SIGNED
            assert copy.id is not None
            assert lap.notes.get(copy.id, by=nina) == clinic.notes.get(signed.id, by=s.nurse)  # type: ignore[arg-type]
            audit = lap.audit.verify()
            assert audit.ok, audit.summary()
        finally:
            lap.close()
    finally:
        clinic.close()


def test_the_installed_command_hands_mobile_sync_the_note_check() -> None:
    from infusiondesk_ui.cli import build_parser

    args = build_parser().parse_args(["mobile", "sync", "--laptop", "nina.db", "--user", "nina"])
    assert args.check_laptop_note(b"not a pdf", [], []).startswith("This file is not a PDF")


def test_the_apps_sync_checks_and_takes_a_note_signed_on_the_laptop(store: Store, staff: Staff,
                                                                    tmp_path: Path) -> None:
    """The app's Sync (ui/mobile_ops.py) hands the core the reports layer's note check, as the command does: a
    laptop with a signed note is synced, not refused."""
    from infusiondesk_ui.mobile_ops import ClinicLink, sync

    keys = clinic_keys(store, staff)
    d = check_out(store, staff, tmp_path)
    home = sign_on_laptop(d, d.jane, keys.carl)

    report = sync(ClinicLink(store, staff.nurse), d.laptop_path, PASSWORD)

    assert report.pushed_notes == 1 and report.conflicts == []
    visit_id, _ = _clinic_visit(store, home)
    assert store.notes.get(visit_id, by=staff.clinician) is not None
