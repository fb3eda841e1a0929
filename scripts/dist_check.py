"""`make dist-check`: run the built desktop app (dist/InfusionDesk) the way a clinic would, with no Python of ours.

calc, a small demo clinic, export-note of a signed note and of a draft, the note worker through the hidden
`_worker` subcommand, verify against the exported clinic CA, the data commands that load libraries of their own
(a FHIR export validated by fhir.resources, a patient import check, a clinic report, a mobile checkout into an
SQLCipher laptop database), and the window (offscreen) until sign-in is enabled.
Everything runs in a temporary folder (database, log, pint cache); the first failure stops with its output.

    python scripts/dist_check.py [dist/InfusionDesk]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NURSE_PASSWORD = b"demo-nurse-pass\n"  # the demo's nurse (infusiondesk.demo.DEMO_USERS), typed on standard input
ADMIN_PASSWORD = b"demo-office-pass\n"
CLINICIAN_PASSWORD = b"demo-clinician-pass\n"
CALC = ["calc", "--drug", "magnesium-sulfate", "--dose", "2 g", "--concentration", "2 g/50 mL",
        "--duration", "30 min"]


class CheckFailed(Exception):
    pass


def _exe(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / f"{name}.exe", folder / "InfusionDesk.app" / "Contents" / "MacOS" / name):
        if candidate.is_file():
            return candidate
    raise CheckFailed(f"no {name} executable in {folder}; run `make dist` first")


def _run(what: str, cmd: list[str], env: dict[str, str], *, stdin: bytes | None = None,
         expect: int = 0) -> subprocess.CompletedProcess[bytes]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env, timeout=300, check=False)
    took = time.perf_counter() - start
    if proc.returncode != expect:
        raise CheckFailed(f"{what}: exit {proc.returncode} (expected {expect})\n--- stdout\n"
                          f"{proc.stdout.decode(errors='replace')[-3000:]}\n--- stderr\n"
                          f"{proc.stderr.decode(errors='replace')[-3000:]}")
    print(f"ok  {what} ({took:.2f} s)")
    return proc


def _nurse_session(db: Path) -> dict[str, object]:
    """The demo nurse signed in (with this source tree's store), as the app hands a session to its note worker."""
    from infusiondesk.store import Store
    from infusiondesk_ui.note_worker import session_job

    store = Store.open(str(db), create=False)
    try:
        return session_job(store.users.sign_in("nina", NURSE_PASSWORD.decode().strip()))
    finally:
        store.close()


def _pdf_text(pdf: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)


def _wait_for_ready(app: Path, env: dict[str, str], log: Path, tmp: Path) -> str:
    """Start the window offscreen and wait for its "ready" line in the log (a windowed Windows build has no
    stderr); on other systems it must be on stderr too. Returns the line."""
    marker = "ready: sign-in enabled after"
    err_file = tmp / "app-stderr.txt"
    with err_file.open("wb") as err:
        proc = subprocess.Popen([str(app)], env={**env, "QT_QPA_PLATFORM": "offscreen"},
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                if log.exists() and marker in log.read_text(encoding="utf-8"):
                    break
                time.sleep(0.1)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    logged = [line for line in (log.read_text(encoding="utf-8") if log.exists() else "").splitlines()
              if marker in line]
    stderr = err_file.read_text(encoding="utf-8", errors="replace")
    if not logged:
        raise CheckFailed(f"the app never logged that sign-in was ready ({log}); its stderr:\n{stderr[-3000:]}")
    if sys.platform != "win32" and marker not in stderr:
        raise CheckFailed(f"the ready line is in the log but not on stderr:\n{stderr[-3000:]}")
    return logged[0][logged[0].index(marker):]


def check(folder: Path) -> None:
    app = _exe(folder, "InfusionDesk")
    cli = _exe(folder, "infusiondesk-cli")
    with tempfile.TemporaryDirectory(prefix="infusiondesk-dist-check-") as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "clinic.sqlite3"
        env = {**os.environ, "INFUSIONDESK_DB": str(db), "INFUSIONDESK_LOG_DIR": str(tmp / "log"),
               "XDG_CACHE_HOME": str(tmp / "cache"), "XDG_DATA_HOME": str(tmp / "data"),
               "XDG_CONFIG_HOME": str(tmp / "config")}
        env.pop("PYTHONPATH", None)
        for exe in (app, cli):
            out = _run(f"{exe.name} calc", [str(exe), *CALC], env).stdout.decode()
            if "100 mL/h" not in out:
                raise CheckFailed(f"calc did not give 100 mL/h:\n{out}")
        _run("demo (3 patients, 2 signed notes)", [str(app), "demo", "--patients", "3", "--quiet",
                                                   "--signed-notes", "2"], env)
        visits = json.loads(_run("visits --json", [str(app), "visits", "--json", "--user", "nina"], env,
                                 stdin=NURSE_PASSWORD).stdout)
        signed = next(v["id"] for v in visits if v["status"] == "signed")
        draft = next(v["id"] for v in visits if v["status"] != "signed")
        signed_pdf, draft_pdf, ca = tmp / "signed.pdf", tmp / "draft.pdf", tmp / "ca.pem"
        _run(f"export-note (signed visit {signed})", [str(app), "export-note", "--user", "nina", "--visit",
                                                      str(signed), "--out", str(signed_pdf)], env,
             stdin=NURSE_PASSWORD)
        _run(f"export-note (draft of visit {draft})", [str(app), "export-note", "--user", "nina", "--visit",
                                                       str(draft), "--out", str(draft_pdf)], env,
             stdin=NURSE_PASSWORD)
        if "DRAFT" not in _pdf_text(draft_pdf.read_bytes()):
            raise CheckFailed("the draft note is not marked DRAFT")
        job = json.dumps({"db": f"sqlite:///{db}", "visit_id": draft, "library": None,
                          "session": _nurse_session(db)}).encode()
        pdf = _run("note worker (_worker infusiondesk_ui.note_worker)",
                   [str(app), "_worker", "infusiondesk_ui.note_worker"], env, stdin=job).stdout
        if not pdf.startswith(b"%PDF") or "DRAFT" not in _pdf_text(pdf):
            raise CheckFailed("the note worker did not return the draft note")
        _run("ca export", [str(app), "ca", "export", "--out", str(ca)], env)
        report = _run("verify (trusting the clinic CA)", [str(app), "verify", str(signed_pdf), "--trust", str(ca)],
                      env).stdout.decode()
        if ": VALID" not in report:
            raise CheckFailed(f"verify did not find the signed note valid:\n{report}")
        _data_commands(app, env, tmp, visits[0]["patient"])
        print(f"ok  window offscreen: {_wait_for_ready(app, env, tmp / 'log' / 'infusiondesk.log', tmp)}")


def _data_commands(app: Path, env: dict[str, str], tmp: Path, mrn: str) -> None:
    """The commands whose libraries PyInstaller must have found: fhir.resources (pydantic models), SQLCipher."""
    bundle = tmp / "bundle.json"
    _run("fhir export", [str(app), "fhir", "export", "--user", "carl", "--out", str(bundle)], env,
         stdin=CLINICIAN_PASSWORD)
    if json.loads(bundle.read_text(encoding="utf-8")).get("resourceType") != "Bundle":
        raise CheckFailed("fhir export did not write a Bundle")
    people = tmp / "patients.csv"
    people.write_text("mrn,family_name,given_name,date_of_birth,sex\nDIST-1,Doe,Jane,1980-04-03,female\n",
                      encoding="utf-8")
    out = _run("import patients (a check)", [str(app), "import", "patients", str(people), "--user", "admin"], env,
               stdin=ADMIN_PASSWORD).stdout.decode()
    if "rejected 0 row(s)" not in out:
        raise CheckFailed(f"the import check rejected a good row:\n{out}")
    _run("report visits-per-day", [str(app), "report", "visits-per-day", "--user", "carl"], env,
         stdin=CLINICIAN_PASSWORD)
    laptop = tmp / "laptop.db"
    _run("mobile checkout (SQLCipher)", [str(app), "mobile", "checkout", "--user", "nina", "--patient", mrn,
                                         "--out", str(laptop)], env, stdin=NURSE_PASSWORD)
    if b"SQLite format 3" in laptop.read_bytes()[:16]:
        raise CheckFailed("the laptop database is not encrypted")


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "dist" / "InfusionDesk"
    try:
        check(folder)
    except (CheckFailed, StopIteration) as exc:
        print(f"FAILED {exc or 'the demo clinic lacks a signed or an unsigned visit'}", file=sys.stderr)
        return 1
    print(f"dist-check passed: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
