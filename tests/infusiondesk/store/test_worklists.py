"""Worklists read from the store: the clinic's day by status, and each person's notes awaiting signature."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from infusiondesk import worklists
from infusiondesk.drugs import load_drug
from infusiondesk.records.models import Patient, SignatureMeaning, VisitStatus
from infusiondesk.service import Step, VisitService
from infusiondesk.store import Store
from infusiondesk.worklists import BoardStatus
from tests.clinic_day import chart_visit
from tests.infusiondesk.store.conftest import Clock, Staff

T0 = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
NOTE = b"%PDF-1.7 /ByteRange [0 1 2 3] /Contents <00> signed"


def _day(store: Store, staff: Staff, add: Callable[..., Patient], clock: Clock) -> dict[VisitStatus, int]:
    clock.now = datetime(2025, 3, 2, 15, 0, tzinfo=UTC)  # yesterday: a completed visit still waiting
    older = add(mrn="MRN-OLD", family="Older", no_known_allergies=True)
    old = chart_visit(store, load_drug(None), older, staff.nurse, staff.nurse2, staff.clinician, clock.now,
                      until=VisitStatus.COMPLETED)
    clock.now = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    ids = {VisitStatus.DRAFT: 0}
    for i, status in enumerate((VisitStatus.DRAFT, VisitStatus.ASSESSED, VisitStatus.INFUSING,
                                VisitStatus.COMPLETED, VisitStatus.SIGNED)):
        patient = add(mrn=f"MRN-{i}", family=f"Family{i}", no_known_allergies=True)
        v = chart_visit(store, load_drug(None), patient, staff.nurse, staff.nurse2, staff.clinician, T0,
                        until=status, sign_note=lambda _: NOTE)
        assert v.id is not None
        ids[status] = v.id
    ids[VisitStatus.COMPLETED + "-old"] = old.id  # type: ignore[index, operator]
    return ids


def test_today_board_and_signature_queue(store: Store, staff: Staff, patient_factory: Callable[..., Patient],
                                         clock: Clock) -> None:
    ids = _day(store, staff, patient_factory, clock)
    zone = ZoneInfo("Europe/Dublin")
    start, end = worklists.clinic_day(T0.astimezone(zone).date(), zone)
    now = T0 + timedelta(minutes=25)
    board = worklists.today_board(store.visits.worklist(by=staff.nurse, opened_from=start, opened_before=end), now)
    assert [r.status for r in board] == list(BoardStatus)
    assert [r.visit_id for r in board] == [ids[s] for s in VisitStatus]  # yesterday's visit is not on today's
    infusing = board[2]
    assert infusing.detail == "25 min left" and infusing.since == T0 + timedelta(minutes=20)
    assert board[3].detail == "nurse signed"
    assert board[0].patient == "FAMILY0, Jane" and board[0].mrn == "MRN-0"

    waiting = store.visits.worklist(by=staff.clinician, statuses=(VisitStatus.COMPLETED,))
    queue = worklists.awaiting_signature(waiting, staff.clinician.user, now)
    assert [r.visit_id for r in queue] == [ids[VisitStatus.COMPLETED + "-old"],  # type: ignore[index, operator]
                                           ids[VisitStatus.COMPLETED]]  # oldest first, across patients and days
    assert worklists.awaiting_signature(waiting, staff.nurse.user, now) == []  # she signed "Administered by"
    assert worklists.awaiting_signature(waiting, staff.nurse2.user, now) == []  # she only double-checked

    # The clinician signs the newest: it leaves his queue and moves to "Signed" on the board.
    svc = VisitService(store, load_drug(None))
    visit = store.visits.get(ids[VisitStatus.COMPLETED], by=staff.clinician)
    assert visit.id is not None
    signing = Step(staff.clinician, visit.id, visit.version, now)
    svc.sign(signing, SignatureMeaning.REVIEWED_APPROVED, note=NOTE)
    queue = worklists.awaiting_signature(store.visits.worklist(by=staff.clinician, statuses=(VisitStatus.COMPLETED,)),
                                         staff.clinician.user, now)
    assert [r.visit_id for r in queue] == [ids[VisitStatus.COMPLETED + "-old"]]  # type: ignore[index, operator]
    board = worklists.today_board(store.visits.worklist(by=staff.nurse, opened_from=start, opened_before=end), now)
    assert [r.status for r in board].count(BoardStatus.SIGNED) == 2


def test_a_clinic_day_follows_the_clinics_zone_across_daylight_saving() -> None:
    zone = ZoneInfo("America/New_York")
    start, end = worklists.clinic_day(datetime(2025, 3, 9).date(), zone)  # clocks go forward that night
    assert end - start == timedelta(hours=23)
    assert start.astimezone(UTC) == datetime(2025, 3, 9, 5, 0, tzinfo=UTC)
