"""Store tests run twice: on an SQLite file and on a real PostgreSQL server this session starts itself.

The server is a private cluster (initdb + pg_ctl from Debian's postgresql package) on a free port of
127.0.0.1, run as the `postgres` user because initdb refuses root. If it cannot start, the tests fail
loudly rather than skip: `make test` installs the package (scripts/system-deps.sh).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from infusiondesk.records.models import Clinic, Patient, PatientDetails, Role, UserSession
from infusiondesk.store import Store

PASSWORD = "correct horse battery"
_db_numbers = itertools.count(1)


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    password: str

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def create_database(self, template: str = "template1") -> str:
        import psycopg

        name = f"store_test_{os.getpid()}_{next(_db_numbers)}"
        with psycopg.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        pytest.fail("PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin). Install them with "
                    "`bash scripts/system-deps.sh test` (Debian package: postgresql).", pytrace=False)
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str]) -> None:
    proc = subprocess.run(_as_server_user(args), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail(f"PostgreSQL set-up failed: {' '.join(args)}\n{proc.stdout}\n{proc.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _pg_bin()
    base = Path(tempfile.mkdtemp(prefix="infusiondesk-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    password = "store-test-pw"
    pwfile = base / "pw"
    pwfile.write_text(password)
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "infusiondesk", "--pwfile", str(pwfile),
          "-A", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync"])
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c max_connections=50"
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-o", options, "-w", "-t", "60",
          "start"])
    try:
        yield PostgresServer("127.0.0.1", port, "infusiondesk", password)
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@dataclass
class Staff:
    """The staff, each signed in (their sessions are in the template database, so every copy has them)."""

    admin: UserSession
    nurse: UserSession
    nurse2: UserSession
    clinician: UserSession


def _add_staff(store: Store) -> Staff:
    admin = store.clinic.setup(Clinic("Riverside Infusion Clinic", "1 River Rd", "555-0100", "Mon-Fri 8-17"),
                               "admin", "Ada Admin", PASSWORD)
    store.users.create("nina", "Nina Nurse", Role.NURSE, PASSWORD, "RN", by=admin)
    store.users.create("noel", "Noel Nurse", Role.NURSE, PASSWORD, "RN", by=admin)
    store.users.create("carl", "Carl Clinician", Role.CLINICIAN, PASSWORD, "MD", by=admin)
    return Staff(admin, store.users.sign_in("nina", PASSWORD), store.users.sign_in("noel", PASSWORD),
                 store.users.sign_in("carl", PASSWORD))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Staff]:
    """A set-up clinic with its staff signed in, built once (argon2 hashing is deliberately slow) and copied per
    test."""
    path = tmp_path_factory.mktemp("template") / "clinic.sqlite3"
    store = Store.open(str(path), clock=Clock())
    staff = _add_staff(store)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path, staff


@pytest.fixture(scope="session")
def _postgres_template(postgres_server: PostgresServer) -> tuple[str, Staff]:
    url = postgres_server.create_database()
    store = Store.open(url, clock=Clock())
    staff = _add_staff(store)
    store.close()
    return url.rsplit("/", 1)[1], staff


@pytest.fixture(scope="session")
def sqlite_staffed_template(_sqlite_template: tuple[Path, Staff]) -> Path:
    return _sqlite_template[0]


@pytest.fixture(scope="session")
def sqlite_staff(_sqlite_template: tuple[Path, Staff]) -> Staff:
    """The staff's sessions in every copy of the SQLite template."""
    return _sqlite_template[1]


@pytest.fixture(scope="session")
def postgres_staffed_template(_postgres_template: tuple[str, Staff]) -> str:
    return _postgres_template[0]


@pytest.fixture(scope="session")
def postgresql_staff(_postgres_template: tuple[str, Staff]) -> Staff:
    return _postgres_template[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database of each kind."""
    if backend == "sqlite":
        return str(tmp_path / "clinic.sqlite3")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
def staffed_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh database of each kind holding a set-up clinic and its staff (see Staff)."""
    if backend == "sqlite":
        path = tmp_path / "clinic.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_staffed_template"), path)
        return str(path)
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(template=request.getfixturevalue("postgres_staffed_template"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def empty_store(db_url: str, clock: Clock) -> Iterator[Store]:
    s = Store.open(db_url, clock=clock)
    yield s
    s.close()


@pytest.fixture
def store(staffed_db_url: str, clock: Clock) -> Iterator[Store]:
    s = Store.open(staffed_db_url, clock=clock)
    yield s
    s.close()


@pytest.fixture
def staff(store: Store, backend: str, request: pytest.FixtureRequest) -> Staff:
    """The staff's sessions as signed in when the template was built (no argon2 per test)."""
    staff: Staff = request.getfixturevalue(f"{backend}_staff")
    return staff


def make_patient(mrn: str = "MRN0001", family: str = "Smith", given: str = "Jane", **kw: object) -> PatientDetails:
    return PatientDetails(mrn=mrn, family_name=family, given_name=given, date_of_birth=date(1980, 5, 17),
                          sex="female", weight_kg=70.0, **kw)  # type: ignore[arg-type]


@pytest.fixture
def patient_factory(store: Store, staff: Staff) -> Callable[..., Patient]:
    def add(**kw: object) -> Patient:
        return store.patients.add(make_patient(**kw), staff.nurse)  # type: ignore[arg-type]

    return add
