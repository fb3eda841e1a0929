"""`store.audit`: appending to the audit trail, reading it, the near-miss report, signed checkpoints, and
`verify` (the whole trail checked: infusiondesk.store.audit.verify)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, or_, select

from infusiondesk.records.models import Role, UserSession
from infusiondesk.store import sessions, tables
from infusiondesk.store.audit import chain, trail
from infusiondesk.store.audit.events import NEAR_MISSES, AuditEvent
from infusiondesk.store.part import StorePart
from infusiondesk.store.sessions import acting

if TYPE_CHECKING:
    from cryptography import x509

    from infusiondesk import pki
    from infusiondesk.store.audit.verify import AuditReport

READERS = (Role.NURSE, Role.CLINICIAN, Role.ADMIN)  # the near-miss report is on every role's menu


class AuditLog(StorePart):
    """`store.audit`: the hash-chained trail (infusiondesk.store.audit.chain) seen from the store."""

    def append(self, event: AuditEvent, by: UserSession | None, detail: Mapping[str, Any]) -> int:
        """Audit an event that changes no record (export, print, hard stop seen) by the session's user (checked),
        or by no one. Returns the entry id."""
        with self._write() as conn:
            actor = sessions.session_user(conn, by)[1] if by is not None else None
            return chain.append(conn, at=self._now(), by=actor, event=event, detail=detail)

    def checkpoint(self, seal: pki.SignerCredentials) -> int:
        """Sign the audit chain's head now with an unlocked key (the clinic's audit seal, `infusiondesk audit
        checkpoint`) and keep the checkpoint. Returns the entry id it anchors."""
        with self._write() as conn:
            return trail.write_checkpoint(conn, seal).checkpoint.entry_id

    def entries(self, table: str | None = None, record_id: int | None = None, *,
                by: UserSession) -> list[dict[str, Any]]:
        """The audit trail (for one record when given), oldest first, with the detail parsed; a record
        change's detail holds the fields changed and their values before and after."""
        a = tables.audit_log.c
        query = select(tables.audit_log).order_by(a.id)
        if table is not None:
            query = query.where(a.table_name == table)
        if record_id is not None:
            query = query.where(a.record_id == record_id)
        with self._read() as conn:
            acting(conn, by, READERS, "read the audit trail")
            entries = [{**r, "detail": json.loads(r["detail"])} for r in conn.execute(query).mappings()]
            trail.fill_after(conn, entries)
        return entries

    def override_report(self, since: datetime, until: datetime, *, by: UserSession) -> list[dict[str, Any]]:
        """Near misses between two times: soft-limit overrides and hard stops, by date, user and rule."""
        with self._read() as conn:
            acting(conn, by, READERS, "read the near-miss report")
            return _near_misses(conn, since, until)

    def near_misses_for_reports(self, since: datetime, until: datetime, *, by: UserSession) -> list[dict[str, Any]]:
        """The same near misses for the clinic reports, whose readers are admins and clinicians."""
        with self._read() as conn:
            acting(conn, by, sessions.REPORT_READERS, "read the clinic reports")
            return _near_misses(conn, since, until)

    def verify(self, trust: Sequence[x509.Certificate] | None = None) -> AuditReport:
        """Check the chain, every audited record against it, the signed notes, and the checkpoints (against
        `trust`, the clinic CA brought from outside the database, when given). Needs no session: an auditor's
        read-only copy is checked as it is. The checking code (and `cryptography`) loads on the first call."""
        from infusiondesk.store.audit.verify import verify_trail

        return verify_trail(self._store.engine, trust)


def _near_misses(conn: Connection, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Soft-limit overrides and hard stops audited in [since, until), oldest first: the near-miss report's rows
    (and the clinic reports' "overrides" counts), those charted on a laptop included (see `_laptop_near_misses`)."""
    a = tables.audit_log.c
    query = (select(tables.audit_log).where(a.event.in_([e.value for e in NEAR_MISSES]), a.at >= since,
                                             a.at < until).order_by(a.at, a.id))
    report = []
    for r in conn.execute(query).all():
        detail = json.loads(r.detail)
        report.append(_near_miss(r.at, r.event, r.user_id, r.username, detail, detail.get("visit_id")))
    report += _laptop_near_misses(conn, since, until)
    return sorted(report, key=lambda row: row["at"])


def _near_miss(at: datetime, event: str, user_id: int | None, username: str, detail: Mapping[str, Any],
               visit_id: int | None, laptop_id: str = "") -> dict[str, Any]:
    return {"at": at, "date": at.date(), "kind": event, "user_id": user_id, "username": username,
            "rule": detail.get("code", ""), "message": detail.get("message", ""), "reason": detail.get("reason", ""),
            "visit_id": visit_id, "patient_id": detail.get("patient_id"), "laptop_id": laptop_id}


# A laptop's entry reaches the clinic at its sync, after it happened; a laptop clock running ahead of the clinic's
# by up to this much still finds its entry in the right period.
LAPTOP_CLOCK_SLACK = timedelta(days=1)


def _laptop_near_misses(conn: Connection, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Overrides and hard stops charted on a laptop, carried into the clinic's chain inside `mobile_entry` entries
    (infusiondesk.mobile.segment): at the time they happened on the laptop, marked with the laptop, and with the
    clinic's visit id found by the visit's uid (the laptop's own visit ids mean nothing here; patient ids are the
    clinic's on both sides). An entry from before visit uids were audited shows no visit id."""
    a = tables.audit_log.c
    wanted = {e.value for e in NEAR_MISSES}
    query = select(a.detail).where(a.event == AuditEvent.MOBILE_ENTRY.value, a.at >= since - LAPTOP_CLOCK_SLACK,
                                   or_(*(a.detail.contains(f'"event":"{e}"') for e in sorted(wanted))))
    found = []
    for (text,) in conn.execute(query):
        outer = json.loads(text)
        carried = outer.get("entry") or {}
        at = datetime.fromisoformat(str(carried.get("at")))
        if carried.get("event") not in wanted or not since <= at < until:
            continue
        found.append((outer.get("laptop_id", ""), carried, at, json.loads(carried.get("detail") or "{}")))
    uids = {d["visit_uid"] for *_, d in found if d.get("visit_uid")}
    ids = dict(conn.execute(select(tables.visits.c.uid, tables.visits.c.id).where(tables.visits.c.uid.in_(uids))).all()
               ) if uids else {}
    return [_near_miss(at, str(c["event"]), c.get("user_id"), str(c.get("username") or ""), d,
                       ids.get(d.get("visit_uid")), str(laptop)) for laptop, c, at, d in found]
