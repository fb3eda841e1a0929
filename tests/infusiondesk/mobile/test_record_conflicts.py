"""Payment, follow-up and signed-note conflicts resolved: each kind both ways (a note: closed on the clinic's side),
the roles refused, the laptop taking the kept record at its next sync, a second sync changing nothing."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from infusiondesk import pki
from infusiondesk.auth import PermissionDenied
from infusiondesk.cli import main
from infusiondesk.errors import DomainError
from infusiondesk.followups import FollowUpEntry
from infusiondesk.mobile import day, laptop
from infusiondesk.records.models import VisitStatus
from infusiondesk.store import Store, tables
from infusiondesk_reports.laptop_notes import check_laptop_note
from tests.infusiondesk.mobile.day import (
    CA_PASS,
    PAID,
    WEEK_LATER,
    MobileDay,
    chart_on_laptop,
    check_out,
    clinic_keys,
    dump,
    laptop_dump,
    sign_on_laptop,
)
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


@dataclass
class Both:
    """A clinic, its laptop day, and Omar's home visit synced (its id in the clinic and on the laptop)."""

    clinic: Store
    clock: Clock
    staff: Staff
    d: MobileDay
    clinic_visit: int
    laptop_visit: int


def _sync(b: Both) -> day.sync_exchange.SyncReport:
    return day.sync(b.clinic, b.staff.nurse, b.d.laptop_path, PASSWORD, laptop_clock=Clock(),
                    check_note=check_laptop_note)


def _on_laptop(b: Both, fn: object) -> object:
    clock = Clock()
    clock.now = WEEK_LATER
    lap = laptop.open_laptop(b.d.laptop_path, PASSWORD, clock=clock)
    try:
        return fn(lap, lap.users.sign_in("nina", PASSWORD))  # type: ignore[operator]
    finally:
        lap.close()


def _resolve_events(store: Store) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [json.loads(r.detail) for r in conn.execute(select(tables.audit_log).where(
            tables.audit_log.c.event == "mobile_resolve", tables.audit_log.c.table_name.is_(None)))]


@pytest.fixture
def both(sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path) -> Iterator[Both]:
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    clock = Clock()
    clinic = Store.open(str(tmp_path / "clinic.sqlite3"), clock=clock)
    try:
        d = check_out(clinic, sqlite_staff, tmp_path)
        chart_on_laptop(d, d.omar)
        b = Both(clinic, clock, sqlite_staff, d, 0, 0)
        _sync(b)
        with clinic.engine.connect() as conn:
            b.clinic_visit = int(conn.execute(select(tables.visits.c.id)).scalar_one())
        b.laptop_visit = int(_on_laptop(b, lambda lap, nina: lap.visits.all(d.omar.id, by=nina)[0].id))  # type: ignore
        yield b
    finally:
        clinic.close()


def _payment_conflict(b: Both) -> int:
    """Omar's payment: 70 by card at home, 65 cash in the clinic, neither synced: listed, not applied."""
    _on_laptop(b, lambda lap, nina: lap.billing.record_payment(b.laptop_visit, "card", 7000, PAID, by=nina))
    b.clinic.billing.record_payment(b.clinic_visit, "cash", 6500, PAID, by=b.staff.nurse)
    report = _sync(b)
    assert [c["kind"] for c in report.conflicts] == ["payment"]
    return int(report.conflicts[0]["id"])


def _paid(b: Both) -> tuple[int, int]:
    clinic = b.clinic.billing.get_payment(b.clinic_visit, by=b.staff.nurse)
    here = _on_laptop(b, lambda lap, nina: lap.billing.get_payment(b.laptop_visit, by=nina))
    return clinic.amount_cents, here.amount_cents  # type: ignore[union-attr]


def _settles(b: Both, conflict_id: int) -> None:
    """The next sync applies the resolution on the laptop; the one after changes nothing on either side."""
    _sync(b)
    with b.clinic.engine.connect() as conn:
        applied = conn.execute(select(tables.mobile_conflicts.c.applied).where(
            tables.mobile_conflicts.c.id == conflict_id)).scalar_one()
    assert applied
    before = (dump(b.clinic), laptop_dump(b.d.laptop_path))
    again = _sync(b)
    assert again.conflicts == [] and (again.pushed_payments, again.pulled_payments, again.pushed_follow_ups,
                                      again.pulled_follow_ups, again.pulled_visits, again.pushed_visits) == (0,) * 6
    assert (dump(b.clinic), laptop_dump(b.d.laptop_path)) == before
    assert b.clinic.mobile.open_conflicts(by=b.staff.clinician) == []
    audit = b.clinic.audit.verify()
    assert audit.ok, audit.summary()


def test_a_payment_kept_from_the_laptop_is_the_clinics_at_once_and_the_clinics_is_set_aside_whole(both: Both) -> None:
    conflict_id = _payment_conflict(both)
    assert _paid(both) == (6500, 7000)
    with pytest.raises(PermissionDenied):  # a clinician does not take payments, so does not choose one
        both.clinic.mobile.resolve(conflict_id, "laptop", by=both.staff.clinician)
    assert both.clinic.mobile.open_conflicts(by=both.staff.admin)[0]["id"] == conflict_id  # still open

    both.clinic.mobile.resolve(conflict_id, "laptop", by=both.staff.admin)  # the front desk

    assert _paid(both)[0] == 7000  # in the clinic now
    (event,) = _resolve_events(both.clinic)
    assert event["kept"] == "laptop" and event["kind"] == "payment"
    assert event["set_aside"]["amount_cents"] == 6500 and event["set_aside"]["method"] == "cash"  # type: ignore[index]
    (listed,) = both.clinic.mobile.conflicts(by=both.staff.nurse, resolved=True)
    assert listed["clinic"]["amount_cents"] == 6500 and listed["resolution"] == "laptop"
    with pytest.raises(DomainError, match="no open conflict"):
        both.clinic.mobile.resolve(conflict_id, "clinic", by=both.staff.admin)
    _settles(both, conflict_id)
    assert _paid(both) == (7000, 7000)


def test_a_payment_kept_from_the_clinic_reaches_the_laptop_at_its_next_sync(both: Both) -> None:
    conflict_id = _payment_conflict(both)
    before = dump(both.clinic)["payments"]

    both.clinic.mobile.resolve(conflict_id, "clinic", by=both.staff.nurse)

    assert dump(both.clinic)["payments"] == before  # nothing written in the clinic
    (event,) = _resolve_events(both.clinic)
    assert event["set_aside"]["amount_cents"] == 7000  # type: ignore[index]
    assert _paid(both) == (6500, 7000)  # the laptop has not synced yet
    _settles(both, conflict_id)
    assert _paid(both) == (6500, 6500)


def test_a_laptop_that_recorded_past_a_resolution_gets_a_new_conflict_not_an_overwrite(both: Both) -> None:
    conflict_id = _payment_conflict(both)
    both.clinic.mobile.resolve(conflict_id, "clinic", by=both.staff.nurse)
    _on_laptop(both, lambda lap, nina: lap.billing.record_payment(both.laptop_visit, "card", 7100, PAID, by=nina))

    report = _sync(both)

    assert [c["kind"] for c in report.conflicts] == ["payment"] and report.conflicts[0]["id"] != conflict_id
    assert _paid(both) == (6500, 7100)


def _follow_up_conflict(b: Both) -> int:
    """Omar's 7-day follow-up recorded at home and, differently, by phone from the clinic, before a sync."""
    _on_laptop(b, lambda lap, nina: lap.follow_ups.record(FollowUpEntry(
        b.laptop_visit, 7, attacks_per_month=3, headache_days=5, rescue_days=1, side_effects=False,
        note="at home: fewer attacks"), by=nina))
    b.clock.now = WEEK_LATER
    b.clinic.follow_ups.record(FollowUpEntry(b.clinic_visit, 7, attacks_per_month=4, headache_days=6, rescue_days=2,
                                             side_effects=False, note="by phone"), by=b.staff.nurse2)
    report = _sync(b)
    assert [c["kind"] for c in report.conflicts] == ["follow_up"]
    return int(report.conflicts[0]["id"])


def _notes(b: Both) -> tuple[str, str]:
    (clinic,) = b.clinic.follow_ups.recorded(b.d.omar.id, by=b.staff.nurse)  # type: ignore[arg-type]
    (here,) = _on_laptop(b, lambda lap, nina: lap.follow_ups.recorded(b.d.omar.id, by=nina))  # type: ignore[misc]
    return clinic.note, here.note


@pytest.mark.parametrize(("keep", "kept"), [("laptop", "at home: fewer attacks"), ("clinic", "by phone")])
def test_a_follow_up_conflict_is_resolved_either_way_by_a_nurse_or_clinician(both: Both, keep: str,
                                                                              kept: str) -> None:
    conflict_id = _follow_up_conflict(both)
    assert [c["kind"] for c in both.clinic.mobile.open_conflicts(by=both.staff.admin)] == []  # clinical answers
    with pytest.raises(PermissionDenied):
        both.clinic.mobile.resolve(conflict_id, keep, by=both.staff.admin)

    both.clinic.mobile.resolve(conflict_id, keep, by=both.staff.clinician)

    (event,) = _resolve_events(both.clinic)
    other = "by phone" if keep == "laptop" else "at home: fewer attacks"
    assert event["set_aside"]["note"] == other  # type: ignore[index]
    assert _notes(both)[0] == kept
    _settles(both, conflict_id)
    assert _notes(both) == (kept, kept)


def refused_note(clinic: Store, staff: Staff, tmp_path: Path) -> tuple[Both, str, dict[str, object]]:
    """Jane's visit signed at home with a key of another clinic's CA: the sync refuses the note and holds the
    visit. Returns the day, the visit's uid and the note conflict as the sync reported it."""
    clinic_keys(clinic, staff)
    d = check_out(clinic, staff, tmp_path)
    stranger = pki.create_clinic_ca("Another Clinic", CA_PASS, datetime.now(UTC))
    forged = pki.unlock_pkcs12(pki.issue_clinician_pkcs12(
        stranger, CA_PASS, full_name="Carl Clinician", username="carl", credentials="MD", passphrase=PASSWORD,
        now=datetime.now(UTC)), PASSWORD)
    home = sign_on_laptop(d, d.jane, forged)
    b = Both(clinic, Clock(), staff, d, 0, 0)
    (conflict,) = _sync(b).conflicts
    assert conflict["kind"] == "note"
    return b, home, conflict


def test_a_refused_laptop_note_is_closed_on_the_clinics_side_its_pdf_kept_and_its_visit_let_in_unsigned(
        sqlite_staffed_template: Path, sqlite_staff: Staff, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    clinic = Store.open(str(tmp_path / "clinic.sqlite3"), clock=Clock())
    try:
        b, home, conflict = refused_note(clinic, sqlite_staff, tmp_path)
        d = b.d
        (listed,) = clinic.mobile.open_conflicts(by=sqlite_staff.clinician)
        assert "pdf_base64" not in listed["laptop"] and listed["laptop"]["pdf_bytes"] > 1000  # listed, not dumped
        with pytest.raises(DomainError, match="never overwritten"):
            clinic.mobile.resolve(conflict["id"], "laptop", by=sqlite_staff.clinician)
        with pytest.raises(PermissionDenied):
            clinic.mobile.resolve(conflict["id"], "clinic", by=sqlite_staff.nurse)
        with pytest.raises(PermissionDenied):
            clinic.mobile.conflict_pdf(conflict["id"], by=sqlite_staff.admin)

        code, out = _cli(monkeypatch, capsys, "mobile", "conflicts", "--db", str(tmp_path / "clinic.sqlite3"),
                         "--user", "carl")
        assert code == 0 and "Signed note (version" in out and "MRN0001 Smith, Jane's visit" in out
        assert "not trusted by the clinic" in out and "held there until this conflict is closed" in out

        clinic.mobile.resolve(conflict["id"], "clinic", by=sqlite_staff.clinician)

        laptop_pdf = _on_laptop(b, lambda lap, nina: lap.notes.get(
            next(v.id for v in lap.visits.all(d.jane.id, by=nina)), by=nina))
        assert clinic.mobile.conflict_pdf(conflict["id"], by=sqlite_staff.nurse) == laptop_pdf  # whole, exportable
        code, out = _cli(monkeypatch, capsys, "mobile", "conflict-pdf", str(conflict["id"]), "--out",
                         str(tmp_path / "laptop-note.pdf"), "--db", str(tmp_path / "clinic.sqlite3"), "--user", "nina")
        assert code == 0 and (tmp_path / "laptop-note.pdf").read_bytes() == laptop_pdf, out
        with clinic.engine.connect() as conn:
            row = conn.execute(select(tables.visits).where(tables.visits.c.uid == home)).one()
            assert conn.execute(select(tables.signed_notes)).first() is None  # the refused note never stored
        visit = clinic.visits.get(row.id, by=sqlite_staff.clinician)
        assert visit.status is VisitStatus.COMPLETED and visit.signatures == ()  # in, unsigned: sign it here
        assert f"conflict #{conflict['id']}" in visit.notes and "refused its signed note" in visit.notes
        (event,) = _resolve_events(clinic)
        assert event["kind"] == "note" and event["visit"]["outcome"] == "came in unsigned"  # type: ignore[index]
        assert len(str(event["set_aside_pdf_sha256"])) == 64

        report = _sync(b)  # the laptop takes the clinic's (unsigned) visit; its note is not offered again
        assert report.conflicts == [] and report.pulled_visits == 1
        before = (dump(clinic), laptop_dump(b.d.laptop_path))
        again = _sync(b)
        assert again.conflicts == [] and (dump(clinic), laptop_dump(b.d.laptop_path)) == before
        here = _on_laptop(b, lambda lap, nina: next(v for v in lap.visits.all(d.jane.id, by=nina)))
        assert here.status is VisitStatus.COMPLETED and here.version == visit.version  # type: ignore[attr-defined]
        assert clinic.mobile.open_conflicts(by=sqlite_staff.clinician) == []
        audit = clinic.audit.verify()
        assert audit.ok, audit.summary()
    finally:
        clinic.close()


def test_the_command_line_tells_a_payment_conflict_in_words_and_resolves_it(
        both: Both, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    conflict_id = _payment_conflict(both)
    db = str(tmp_path / "clinic.sqlite3")

    code, out = _cli(monkeypatch, capsys, "mobile", "conflicts", "--db", db, "--user", "admin")

    assert code == 0
    assert f"#{conflict_id} Payment for MRN0002 Haddad, Omar's visit, recorded differently" in out
    assert "amount:\n      laptop: 70.00\n      clinic: 65.00" in out and "method:\n      laptop: card" in out
    code, out = _cli(monkeypatch, capsys, "mobile", "resolve", str(conflict_id), "--keep", "laptop", "--db", db,
                     "--user", "carl")
    assert code == 2 and "clinician" in out.lower()  # refused in one sentence: a clinician does not take payments
    code, out = _cli(monkeypatch, capsys, "mobile", "resolve", str(conflict_id), "--keep", "laptop", "--db", db,
                     "--user", "nina")
    assert code == 0 and "keeping the laptop's version" in out
    assert _paid(both)[0] == 7000
