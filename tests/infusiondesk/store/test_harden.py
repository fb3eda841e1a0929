"""`infusiondesk db harden` on the real PostgreSQL server: the workstations' role charts, signs and adds addenda
as before, but can no longer rewrite the audit trail or a stored note, and nobody can edit a signed visit."""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from infusiondesk.cli import main
from infusiondesk.drugs import load_drug
from infusiondesk.errors import DomainError
from infusiondesk.records.models import (
    VisitStatus,
)
from infusiondesk.service import AssessmentEntry, Step, VisitService
from infusiondesk.store import Store
from infusiondesk.store.harden import harden
from tests.clinic_day import chart_visit
from tests.infusiondesk.store.conftest import Clock, PostgresServer, Staff

APP_PASSWORD = "workstation-pw"
_roles = itertools.count(1)
postgres_only = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture
def app_role(postgres_server: PostgresServer) -> str:
    import psycopg

    name = f"clinic_app_{os.getpid()}_{next(_roles)}"
    with psycopg.connect(host=postgres_server.host, port=postgres_server.port, user=postgres_server.user,
                         password=postgres_server.password, dbname="postgres", autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{APP_PASSWORD}'")
    return name


@pytest.fixture
def workstation(store: Store, app_role: str, clock: Clock) -> Iterator[Store]:
    """The same database, hardened, opened as the workstations' role."""
    harden(store.engine, app_role)
    url = make_url(store.url).set(username=app_role, password=APP_PASSWORD)
    app = Store.open(url.render_as_string(hide_password=False), clock=clock)
    yield app
    app.close()


def _refused(store: Store, sql: str, why: str) -> None:
    with pytest.raises(DBAPIError, match=why), store.engine.begin() as conn:
        conn.execute(text(sql))


@postgres_only
def test_the_workstation_role_charts_signs_and_adds_addenda_but_cannot_rewrite_history(
        store: Store, workstation: Store, staff: Staff, clock: Clock) -> None:
    from tests.infusiondesk.store.conftest import make_patient

    patient = workstation.patients.add(make_patient(no_known_allergies=True), staff.nurse)
    note = b"%PDF-1.7 /ByteRange [0 1 2 3] /Contents <00> signed"
    v = chart_visit(workstation, load_drug(None), patient, staff.nurse, staff.nurse2, staff.clinician, clock.now,
                    until=VisitStatus.SIGNED, sign_note=lambda _: note)
    svc = VisitService(workstation, load_drug(None))
    later = clock.now + timedelta(days=1)
    v = svc.add_addendum(Step(staff.nurse, v.id, v.version, later), "Called next day: well.")  # type: ignore[arg-type]
    v = svc.sign_addendum(Step(staff.clinician, v.id, v.version, later), 0, note + b" version 2")
    assert v.addenda[0].signature is not None and workstation.audit.verify().ok

    _refused(workstation, "UPDATE audit_log SET username = 'carl'", "permission denied")
    _refused(workstation, "DELETE FROM audit_log WHERE id > 3", "permission denied")
    _refused(workstation, "TRUNCATE audit_log", "permission denied")
    _refused(workstation, "DELETE FROM signed_notes", "permission denied")
    _refused(workstation, "UPDATE signed_notes SET pdf = 'x'", "permission denied")
    _refused(workstation, "DELETE FROM audit_checkpoints", "permission denied")
    _refused(workstation, f"UPDATE visits SET content = replace(content, '\"2 g\"', '\"4 g\"') WHERE id = {v.id}",
             "is signed; only addenda may be added")
    _refused(workstation, f"UPDATE visits SET content = replace(content, 'next day', 'same day') WHERE id = {v.id}",
             "a saved addendum of visit .* is never edited")
    _refused(workstation, f"DELETE FROM visits WHERE id = {v.id}", "is signed and is never deleted")
    # The owner keeps its grants, but the triggers stop it too (it would have to drop them first).
    _refused(store, "UPDATE audit_log SET username = 'carl'", "audit_log is append-only")
    _refused(store, "DELETE FROM signed_notes", "signed_notes is append-only")
    _refused(store, "TRUNCATE audit_checkpoints", "audit_checkpoints is append-only")
    assert workstation.visits.get(v.id, by=staff.nurse).dose_order.dose_text == "2 g"


@postgres_only
def test_unsigned_visits_and_patients_stay_editable(workstation: Store, staff: Staff) -> None:
    from tests.infusiondesk.store.conftest import make_patient

    patient = workstation.patients.add(make_patient(mrn="MRN0010"), staff.nurse)
    workstation.patients.update(dataclasses.replace(patient, weight_kg=71.0), staff.nurse, based_on=patient)
    v = workstation.visits.create(patient.id, staff.nurse)  # type: ignore[arg-type]
    VisitService(workstation, load_drug(None)).assess(Step(staff.nurse, v.id, v.version, v.created_at),
                                                      AssessmentEntry(pain_score=4))
    with workstation.engine.begin() as conn:  # a not-yet-signed visit may still change
        conn.execute(text(f"UPDATE visits SET status = 'draft' WHERE id = {v.id}"))


@postgres_only
def test_harden_command_refuses_the_owner_role_and_unknown_roles(
        store: Store, app_role: str, capsys: pytest.CaptureFixture[str]) -> None:
    owner = make_url(store.url).username
    assert main(["db", "harden", "--db", store.url, "--app-role", str(owner)]) == 2
    assert "owns the tables, so it could undo this" in capsys.readouterr().err
    assert main(["db", "harden", "--db", store.url, "--app-role", "nobody_here"]) == 2
    assert 'There is no role "nobody_here"' in capsys.readouterr().err
    assert main(["db", "harden", "--db", store.url, "--app-role", "x; DROP TABLE visits"]) == 2
    assert "is not a PostgreSQL role name" in capsys.readouterr().err
    assert main(["db", "harden", "--db", store.url, "--app-role", app_role]) == 0
    assert "append-only" not in capsys.readouterr().err
    assert main(["db", "harden", "--db", store.url, "--app-role", app_role]) == 0  # running it again is harmless


def test_harden_is_for_postgresql_only(tmp_path: object) -> None:
    sqlite = Store.open(f"{tmp_path}/clinic.sqlite3", clock=lambda: datetime(2025, 3, 3, tzinfo=UTC))
    with pytest.raises(DomainError, match="db harden is for PostgreSQL"):
        harden(sqlite.engine, "clinic_app")
