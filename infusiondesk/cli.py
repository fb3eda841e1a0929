"""The core's commands: `calc`, `scan`, `demo`, `visits`, `scenario run`, `audit verify|checkpoint`, `db harden`,
`cert import`, `backup` and `restore` (infusiondesk.backup_cli).

The installed `infusiondesk` command is composed in `infusiondesk_ui.cli` (the top layer), which adds the signed-note
commands from `infusiondesk_reports.cli` and the app itself; this module never imports Qt, reportlab, pyHanko, `ui` or
`reports`, so `python -m infusiondesk` runs the core alone (demo visits are then not signed, and a scenario's
clinician signatures are refused with a sentence saying why).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from infusiondesk.errors import DomainError

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNEXPECTED = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
DESCRIPTION = "InfusionDesk: IV magnesium infusion charting."


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (no usage dump) and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def _calc(args: argparse.Namespace) -> int:
    from infusiondesk import display
    from infusiondesk.dosing import calculate_from_text
    from infusiondesk.drugs import load_drug

    drug = load_drug(args.library)
    if args.drug != drug.id:
        raise DomainError(f'Drug "{args.drug}" is not in the library; this library has "{drug.id}".')
    if args.concentration is None and args.product is None:
        raise DomainError('Enter --concentration (e.g. "2 g/50 mL") or --product (a library product id).')
    result = calculate_from_text(
        drug, dose=args.dose, concentration=args.concentration, product=args.product,
        duration=args.duration, rate=args.rate, weight=args.weight, age=args.age,
        indication=args.indication, given_last_24h=args.given_24h, renal_status=args.renal,
    )
    pump: tuple[Any, ...] = ()
    if args.pump_rate is not None or args.pump_vtbi is not None:
        from infusiondesk.pump_check import calc_pump_findings, parse_readback

        pump = calc_pump_findings(result, parse_readback(args.pump_rate or "", args.pump_vtbi or ""))
    if args.json:
        out = result.as_dict()
        out["findings"] = [f.as_dict() for f in pump] + out["findings"]
        out["blocked"] = out["blocked"] or bool(pump)
        print(json.dumps(out, indent=2))
        return EXIT_OK
    shown = result.display()
    print(shown["salt_and_elemental"])
    print(f"  concentration   {shown['concentration']}")
    print(f"  volume          {shown['volume']}  (volume to be infused)")
    print(f"  rate            {shown['rate']}  ({shown['dose_rate']})")
    print(f"  duration        {shown['duration']}")
    if "weight_based_dose" in shown:
        print(f"  weight-based    {shown['weight_based_dose']}")
    if result.order.given_last_24h is not None:
        print(f"  total in 24 h   {display.format_mass(result.total_24h)}")
    if not result.findings and not pump:
        print("No findings: within every library limit.")
    for f in (*pump, *result.findings):
        print(f"{f.level.upper():5} {f.message}")
    return EXIT_OK


def _scan(args: argparse.Namespace) -> int:
    from datetime import date

    from infusiondesk.drugs import load_drug
    from infusiondesk.scan import check_scan

    drug = load_drug(args.library)
    try:
        today = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        raise DomainError(f'--date "{args.date}" is not a date; write it as year-month-day, such as 2027-03-31.') \
            from None
    result = check_scan(drug, args.string, args.product, today)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
        return EXIT_OK
    print(f"GTIN {result.gtin}: {result.product.name if result.product else 'not in the drug library'}")
    print(f"  lot     {result.lot or '—'}")
    print(f"  expiry  {result.expiry.isoformat() if result.expiry else '—'}")
    print(f"  serial  {result.serial or '—'}")
    for f in result.findings:
        print(f"{f.level.upper():5} {f.message}")
    return EXIT_OK


def open_store(args: argparse.Namespace, *, migrate: bool = True, create: bool = False) -> Any:
    """The store named by --db. Only `demo` creates a database (create=True); every other command refuses a
    missing one, so a mistyped --db is an error, not a new empty clinic."""
    from infusiondesk.store import Store, default_db_url

    return Store.open(args.db or default_db_url(), migrate=migrate, create=create)


def sign_in(args: argparse.Namespace, store: Any) -> Any:
    """The session of `--user`, whose password is asked (the terminal, or one line of standard input when
    scripted): commands that show clinical data read it as that person, with their role checked by the store.
    No --user, or a wrong password, is one sentence and exit 2 (a DomainError)."""
    if not getattr(args, "user", None):
        raise DomainError("This command shows clinical records: give --user NAME (your InfusionDesk user name); "
                          "your password is asked.")
    session = store.users.sign_in(args.user, _ask(f"InfusionDesk password for {args.user}: "))
    args.signed_in = session
    return session


def sign_out(args: argparse.Namespace, store: Any) -> None:
    """End the session `sign_in` started for this command, if any."""
    session = getattr(args, "signed_in", None)
    if session is not None:
        store.users.sign_out(session)


def _visits(args: argparse.Namespace) -> int:
    store = open_store(args)
    session = sign_in(args, store)
    try:
        return _list_visits(args, store, session)
    finally:
        sign_out(args, store)


def _list_visits(args: argparse.Namespace, store: Any, session: Any) -> int:
    patient_id = None
    if args.patient is not None:
        patient = store.patients.by_mrn(args.patient, by=session)
        if patient is None:
            raise DomainError(f"No patient has MRN {args.patient}; check the number.")
        patient_id = patient.id
    rows = store.visits.summaries(patient_id, by=session)
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for r in rows:
        print(f"{r['id']:>8}  {r['patient']:<12} {r['patient_name']:<32} {r['status']:<10} "
              f"{r['started_at'] or '-'}")
    return EXIT_OK


def _audit_verify(args: argparse.Namespace) -> int:
    report = open_store(args, migrate=False).audit.verify(load_trust(args.trust))
    print(report.summary())
    return EXIT_OK if report.ok else EXIT_FAIL


def load_trust(paths: Sequence[str] | None) -> list[Any] | None:
    """The CA certificates given with --trust (None when none were given: verify then says nothing is anchored)."""
    from pathlib import Path

    from cryptography import x509

    if not paths:
        return None
    trust: list[Any] = []
    for path in paths:
        try:
            trust += x509.load_pem_x509_certificates(Path(path).read_bytes())
        except OSError as exc:
            raise DomainError(f"Cannot read {path}: {exc.strerror or exc}.") from None
        except ValueError:
            raise DomainError(f"{path} is not a PEM certificate; give the clinic CA certificate "
                              "(infusiondesk ca export --out ca.pem).") from None
    return trust


def read_secret(args: argparse.Namespace, prompt: str) -> str:
    """From --passphrase-file (first line; for a scheduled job), else asked."""
    from pathlib import Path

    if args.passphrase_file:
        try:
            return Path(args.passphrase_file).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as exc:
            raise DomainError(f"Cannot read a passphrase from {args.passphrase_file}.") from exc
    return _ask(prompt)


def _audit_checkpoint(args: argparse.Namespace) -> int:
    """Sign the chain head with the clinic's audit seal; the first time, issue the seal from the clinic CA."""
    from datetime import UTC, datetime

    from infusiondesk import pki

    store = open_store(args)
    seal = pki.load_audit_seal(store)
    if seal is None or args.new_seal:
        if not args.user:
            raise DomainError("Issuing the audit seal replaces a clinic key: give --user NAME of an admin (their "
                              "password is asked); later checkpoints need only the seal passphrase.")
        admin = sign_in(args, store)
        ca = pki.load_clinic_ca(store)
        passphrase = read_secret(args, "Clinic CA passphrase (issues the audit seal, once): ")
        seal = pki.issue_audit_seal(ca, passphrase, datetime.now(UTC))
        try:
            pki.save_audit_seal(store, seal, by=admin)
        finally:
            sign_out(args, store)
        print(f"Issued the audit seal: {pki.certificate_info(seal.certificate).subject}, its key locked with the "
              "clinic CA passphrase.", file=sys.stderr)
    else:
        passphrase = read_secret(args, "Audit seal passphrase (the clinic CA passphrase unless changed): ")
    credentials = seal.unlock(passphrase)
    pki.check_can_sign_seal(credentials, datetime.now(UTC))
    entry_id = store.audit.checkpoint(credentials)
    print(f"Checkpoint signed: the audit trail up to entry {entry_id} is anchored to the clinic CA.")
    return EXIT_OK


def _db_harden(args: argparse.Namespace) -> int:
    from infusiondesk.store.harden import harden

    store = open_store(args)
    for line in harden(store.engine, args.app_role):
        print(line)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    return demo_command(args)


def demo_command(args: argparse.Namespace, hook: Any = None) -> int:
    """Build the demo clinic; `hook` signs visits with real notes (given by `infusiondesk_reports.cli`)."""
    from infusiondesk.demo import build_demo

    store = open_store(args, create=True)
    result = build_demo(store, patients=args.patients, seed=args.seed, progress=not args.quiet,
                        hook=hook, max_signed_notes=args.signed_notes)
    print(f"Demo clinic \"{result.clinic}\" in {store.engine.url.render_as_string(hide_password=True)}: "
          f"{result.patients} patients, {result.visits} visits, {result.signed_notes} signed with real signed PDF "
          "notes (the rest of the clinic's finished visits await a clinician's signature).")
    if result.signed_notes:
        from infusiondesk.demo import DEMO_CA_PASSPHRASE

        print("Trust the demo clinic's CA elsewhere with: infusiondesk ca export --db DB --out ca.pem "
              "(the CA's key, needed only to issue certificates, is sealed with its own passphrase: "
              f'"{DEMO_CA_PASSPHRASE}").')
    print("Demo users (user name / password / role):")
    for username, password, role in result.logins:
        print(f"  {username:<10} {password:<24} {role}")
    return EXIT_OK


def _count(text: str) -> int:
    """A whole number, zero or more (argparse reports anything else as one line, exit 2)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f'"{text}" is not a whole number of 0 or more')
    return int(text)


def _add_records_commands(sub: Any) -> None:
    """`demo`, `visits` and `audit verify`: the records store from scripts (imports stay inside handlers)."""
    db_help = ("database file or postgresql://user:password@host/db URL "
               "(default: $INFUSIONDESK_DB, else the user data folder)")
    demo = sub.add_parser("demo", help="build a synthetic demo clinic (users, patients, visits in every status)")
    demo.add_argument("--db", help=db_help)
    demo.add_argument("--patients", type=_count, default=50, help="how many patients (default 50)")
    demo.add_argument("--seed", type=int, default=1, help="random seed: the same seed builds the same clinic")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.add_argument("--signed-notes", type=_count, default=100, metavar="N",
                      help="sign at most N visits with real signed PDF notes, ~0.5–1 s each (default 100)")
    demo.set_defaults(handler=_demo)

    visits = sub.add_parser("visits", help="list visits (id, patient MRN, status, started_at)")
    visits.add_argument("--db", help=db_help)
    visits.add_argument("--user", metavar="NAME", help="your InfusionDesk user name (required; your password is "
                        "asked, or read as one line of standard input when scripted)")
    visits.add_argument("--patient", metavar="MRN", help="only this patient's visits")
    visits.add_argument("--json", action="store_true", help="print one JSON list")
    visits.set_defaults(handler=_visits)

    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, parser_class=Parser)
    check = audit_sub.add_parser("verify", help="check the hash chain, the checkpoints, the signed notes, and that "
                                 "no record changed outside the app")
    check.add_argument("--db", help=db_help)
    check.add_argument("--trust", action="append", metavar="CA.PEM",
                       help="the clinic CA certificate, from outside the database: checkpoints must chain to it")
    check.set_defaults(handler=_audit_verify)
    point = audit_sub.add_parser("checkpoint", help="sign the chain head with the clinic's audit seal (schedule it "
                                 "daily); issues the seal from the clinic CA the first time")
    point.add_argument("--db", help=db_help)
    point.add_argument("--passphrase-file", metavar="FILE",
                       help="read the seal passphrase from the first line of FILE (for a scheduled job)")
    point.add_argument("--new-seal", action="store_true",
                       help="issue a new audit seal from the clinic CA (when the old one expires)")
    point.add_argument("--user", metavar="NAME",
                       help="an admin's user name, needed when the seal is issued (the first time, --new-seal); "
                            "the password is asked before the CA passphrase")
    point.set_defaults(handler=_audit_checkpoint)

    db = sub.add_parser("db", help="the database itself")
    db_sub = db.add_subparsers(dest="db_command", required=True, parser_class=Parser)
    harden = db_sub.add_parser("harden", help="PostgreSQL: make the audit trail insert-only for the app's role and "
                               "block changes to signed visits and stored notes")
    harden.add_argument("--db", required=True, help="postgresql://OWNER:PASSWORD@host/db (the tables' owner)")
    harden.add_argument("--app-role", required=True, metavar="ROLE",
                        help="the role the workstations connect as (not the tables' owner)")
    harden.set_defaults(handler=_db_harden)

    from infusiondesk.backup_cli import add_backup_commands

    add_backup_commands(sub, db_help)
    from infusiondesk.report_cli import add_report_commands

    add_report_commands(sub, db_help)
    from infusiondesk.fhir_cli import add_fhir_commands

    add_fhir_commands(sub, db_help)
    from infusiondesk.billing_cli import add_billing_commands

    add_billing_commands(sub)
    from infusiondesk.import_cli import add_import_commands

    add_import_commands(sub, db_help)
    from infusiondesk.followup_cli import add_followup_commands

    add_followup_commands(sub, db_help)
    from infusiondesk.mobile_cli import add_mobile_commands

    add_mobile_commands(sub, db_help)


def _scenario_run(args: argparse.Namespace) -> int:
    from infusiondesk.scenario.command import scenario_command

    # The composition root (infusiondesk_ui.cli) sets `make_note_signer` on the top parser; the core alone has none.
    return scenario_command(args, getattr(args, "make_note_signer", None))


def _add_scenario_command(sub: Any) -> None:
    """`scenario run`: a scripted clinic played through the visit service (a clinic tests its drug library)."""
    scenario = sub.add_parser("scenario", help="scripted clinics played through the visit service")
    scenario_sub = scenario.add_subparsers(dest="scenario_command", required=True, parser_class=Parser)
    run = scenario_sub.add_parser("run", help="play a scenario file and print each step's outcome")
    run.add_argument("file", help="the scenario file (JSON; see README, Scenario files)")
    run.add_argument("--db", help="an empty database file or postgresql:// URL to keep the run in (default: a "
                                  "temporary database, deleted afterwards)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.set_defaults(handler=_scenario_run)


def _add_cert_commands(sub: Any) -> None:
    """`cert import`: a clinician's own signing certificate (the `cryptography` package only)."""
    cert = sub.add_parser("cert", help="signing certificates of the clinic's staff")
    cert_sub = cert.add_subparsers(dest="cert_command", required=True, parser_class=Parser)
    cert_import = cert_sub.add_parser(
        "import", help="use your own PKCS#12 (.p12/.pfx from a real CA) to sign notes instead of the clinic CA's")
    cert_import.add_argument("--db", help="database file or URL (default: $INFUSIONDESK_DB, else the user data folder)")
    cert_import.add_argument("--user", required=True, help="your InfusionDesk user name")
    cert_import.add_argument("--p12", required=True, help="the PKCS#12 file")
    cert_import.set_defaults(handler=_cert_import)


def _ask(prompt: str) -> str:
    """A secret from the terminal (not echoed), or one line of standard input when scripted."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")


def _cert_import(args: argparse.Namespace) -> int:
    """Import a clinician's own PKCS#12. It is re-encrypted with their InfusionDesk password, which is what the
    app asks for when they sign, after checking it can sign (key usage, validity)."""
    from datetime import UTC, datetime
    from pathlib import Path

    from infusiondesk import pki

    try:
        data = Path(args.p12).read_bytes()
    except OSError as exc:
        raise DomainError(f"Cannot read {args.p12}: {exc.strerror or exc}.") from None
    store = open_store(args)
    password = _ask(f"InfusionDesk password for {args.user}: ")
    session = store.users.sign_in(args.user, password)
    try:
        user = store.users.current(session)
        if user.role.value not in ("nurse", "clinician"):
            raise DomainError("Only nurses and clinicians sign visit notes; this account cannot hold a signing "
                              "certificate.")
        p12 = pki.import_pkcs12(data, _ask("PKCS#12 passphrase: "), datetime.now(UTC), new_passphrase=password)
        cert = pki.save_clinician_pkcs12(store, user.id, p12, password, by=session)
    finally:
        store.users.sign_out(session)
    info = pki.certificate_info(cert)
    print(f"{user.full_name} now signs with {info.subject}, issued by {info.issuer}, valid until "
          f"{info.not_after:%Y-%m-%d}. Validators must trust that issuer, not the clinic CA.")
    return EXIT_OK


def calc_parser() -> argparse.ArgumentParser:
    """`infusiondesk` knowing `calc` alone: the same `calc` subcommand, without building the parsers of the ~40
    other commands (~20-30 ms of `calc`'s start, most of it argparse looking for translations of its words)."""
    parser = Parser(prog="infusiondesk", description=DESCRIPTION)
    _add_calc_command(parser.add_subparsers(dest="command", parser_class=Parser))
    return parser


def _add_calc_command(sub: Any) -> None:
    calc = sub.add_parser("calc", help="compute volume, rate and duration and check them against the library")
    calc.add_argument("--drug", default="magnesium-sulfate")
    calc.add_argument("--dose", required=True, help='e.g. "2 g", "2000 mg", "16 mEq", "25 mg/kg"')
    calc.add_argument("--concentration", help='e.g. "2 g/50 mL", "40 mg/mL", "20 %%"')
    calc.add_argument("--product", help="a product id from the drug library instead of a concentration")
    timing = calc.add_mutually_exclusive_group(required=True)
    timing.add_argument("--duration", help='e.g. "30 min", "1.5 h"')
    timing.add_argument("--rate", help='e.g. "100 mL/h", "67 mg/min"')
    calc.add_argument("--weight", help='e.g. "70 kg", "154 lb"')
    calc.add_argument("--age", help="age in years; under 18 applies the paediatric rules")
    calc.add_argument("--indication", help="an indication id from the library (default: the library's default)")
    calc.add_argument("--given-24h", dest="given_24h",
                      help='magnesium sulfate already given in the last 24 h, e.g. "2 g"')
    calc.add_argument("--renal", metavar="STATUS",
                      help="the patient's renal status: normal, moderate, severe, failure_or_dialysis or unknown "
                           "(severe and failure apply the library's renal limits)")
    calc.add_argument("--pump-rate", dest="pump_rate", metavar="RATE",
                      help='the rate the pump shows, e.g. "100 mL/h": cross-checked against the order')
    calc.add_argument("--pump-vtbi", dest="pump_vtbi", metavar="VOLUME",
                      help='the volume to be infused the pump shows, e.g. "50 mL"')
    calc.add_argument("--library", help="a drug library file (default: the clinic's, else the bundled one)")
    calc.add_argument("--json", action="store_true", help="print one JSON object")
    calc.set_defaults(handler=_calc)


def new_parser() -> tuple[argparse.ArgumentParser, Any]:
    """The `infusiondesk` parser with the core's commands; other layers add theirs to the subparsers."""
    parser = Parser(prog="infusiondesk", description=DESCRIPTION)
    parser.set_defaults(handler=lambda args: _usage(parser))
    sub = parser.add_subparsers(dest="command", parser_class=Parser)

    _add_calc_command(sub)
    scan = sub.add_parser("scan", help="read a product barcode scan (GS1: GTIN, expiry, lot, serial) against the "
                                       "library, the ordered product and today's date")
    scan.add_argument("string", help='what the scanner typed, e.g. "(01)00304096729242(17)270731(10)A123"; '
                                     "FNC1 separators as the GS character")
    scan.add_argument("--product", help="the ordered product id: another product is a hard stop")
    scan.add_argument("--date", help="the clinic's date, YYYY-MM-DD (default: today here); a lot expired before it "
                                     "is a hard stop")
    scan.add_argument("--library", help="a drug library file (default: the clinic's, else the bundled one)")
    scan.add_argument("--json", action="store_true", help="print one JSON object")
    scan.set_defaults(handler=_scan)
    _add_records_commands(sub)
    _add_cert_commands(sub)
    _add_scenario_command(sub)
    return parser, sub


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse and dispatch, never showing a traceback: a DomainError (a bad database included) is its own
    sentence on stderr and exit 2; an unexpected error is logged (type and traceback, no patient data) and
    reported as one line naming the log file, exit 3."""
    from infusiondesk import logs

    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    logs.configure()
    try:
        return handler(args)
    except DomainError as exc:
        print(f"infusiondesk: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("infusiondesk: interrupted; the change in progress was not saved.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        print(f"infusiondesk: {logs.unexpected(exc, getattr(args, 'command', None) or 'app')}", file=sys.stderr)
        return EXIT_UNEXPECTED


def main(argv: Sequence[str] | None = None) -> int:
    return run(new_parser()[0], argv)
