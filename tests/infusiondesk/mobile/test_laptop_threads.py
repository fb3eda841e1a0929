"""A laptop store is read and written from many threads at once, as the app does (a Qt thread pool beside the UI
thread). SQLAlchemy's default pool for an encrypted file kept one connection per thread and, past five threads,
closed other threads' connections while in use: "Cannot operate on a closed database", then a segmentation fault."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from infusiondesk.mobile import laptop
from infusiondesk.store import Store
from tests.infusiondesk.mobile.day import check_out
from tests.infusiondesk.store.conftest import PASSWORD, Clock, Staff

THREADS = 10  # with the caller, more threads than the five connections the old pool kept
ROUNDS = 20


def test_a_laptop_store_serves_many_threads_at_once(sqlite_staffed_template: Path, sqlite_staff: Staff,
                                                     tmp_path: Path) -> None:
    shutil.copyfile(sqlite_staffed_template, tmp_path / "clinic.sqlite3")
    clinic = Store.open(str(tmp_path / "clinic.sqlite3"), clock=Clock())
    try:
        d = check_out(clinic, sqlite_staff, tmp_path)
    finally:
        clinic.close()
    lap = laptop.open_laptop(d.laptop_path, PASSWORD, clock=Clock())
    nina = lap.users.sign_in("nina", PASSWORD)
    problems: list[str] = []
    start = threading.Barrier(THREADS + 1)

    def work() -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                assert [p.mrn for p in lap.patients.search("Smith", by=nina)] == ["MRN0001"]
                lap.drafts.save(f"draft-{threading.get_ident()}", {"typed": "x"}, by=nina)
        except Exception as exc:  # reported below, with its words
            problems.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    try:
        for t in threads:
            t.start()
        work()  # this thread too, as the UI thread reads while the pool works
    finally:
        for t in threads:
            t.join()
        lap.close()
    assert problems == []
