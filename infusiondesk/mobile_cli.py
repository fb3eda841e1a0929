"""`infusiondesk mobile …`: check patients out to a laptop, sync it back, resolve conflicts, revoke a lost laptop
(infusiondesk.mobile does the work; imports stay inside the handlers)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAIL = 0, 1


def _signed_in(args: argparse.Namespace, store: Any) -> tuple[Any, str]:
    """The --user's session and the password they typed (it also seals and opens the laptop database)."""
    from infusiondesk.cli import _ask

    password = _ask(f"InfusionDesk password for {args.user}: ")
    return store.users.sign_in(args.user, password), password


def _checkout(args: argparse.Namespace) -> int:
    from infusiondesk.cli import _ask, open_store
    from infusiondesk.mobile import day

    store = open_store(args)
    try:
        session, password = _signed_in(args, store)
        try:
            ca = _ask("Clinic CA passphrase (to issue this laptop's signing keys; empty: no signing on the "
                      "laptop): ") or None
            others = {}
            if ca is not None:
                for name in args.also or ():
                    others[name] = _ask(f"Password of {name} (seals {name}'s signing key for this laptop; empty: "
                                        f"{name} signs no notes on it): ")
            laptop_id = day.checkout(store, session, password, args.patient, Path(args.out), also=args.also or (),
                                     library=Path(args.library) if args.library else None, ca_passphrase=ca,
                                     also_passwords=others)
        finally:
            store.users.sign_out(session)
    finally:
        store.close()
    print(f"Checked out {len(args.patient)} patient(s) to {args.out} (laptop {laptop_id}), encrypted: it opens "
          f"only with {args.user}'s password. Sync it when back: infusiondesk mobile sync --laptop {args.out}")
    signers = [args.user, *(n for n, pw in others.items() if pw)]
    print(f"Signing keys for this laptop only: {', '.join(signers)}; revoking the laptop revokes them." if ca else
          "This laptop carries NO signing key: visits are charted on it, and their notes are signed in the clinic "
          "after sync (the sync's audit checkpoint is sealed with your clinic key there).")
    return EXIT_OK


def _sync(args: argparse.Namespace) -> int:
    from infusiondesk.cli import open_store
    from infusiondesk.mobile import day

    store = open_store(args)
    try:
        session, password = _signed_in(args, store)
        try:
            report = day.sync(store, session, Path(args.laptop), password,
                              check_note=getattr(args, "check_laptop_note", None))
        finally:
            store.users.sign_out(session)
    finally:
        store.close()
    print(report.summary())
    return EXIT_OK


def _conflicts(args: argparse.Namespace) -> int:
    from infusiondesk.cli import open_store

    store = open_store(args)
    try:
        session, _password = _signed_in(args, store)
        try:
            found = store.mobile.conflicts(by=session, resolved=args.all)
        finally:
            store.users.sign_out(session)
    finally:
        store.close()
    if args.json:
        print(json.dumps(found, default=str, indent=1, sort_keys=True))
        return EXIT_OK
    if not found:
        print("No open conflicts." if not args.all else "No conflicts.")
    for c in found:
        _print_conflict(c)
    return EXIT_OK


def _print_conflict(c: dict[str, Any]) -> None:
    from datetime import datetime

    from infusiondesk.mobile.conflict_words import visit_differences

    done = (f" — resolved {c['resolved_at']:%Y-%m-%d %H:%M} UTC keeping the {c['resolution']}'s version"
            if c.get("resolved_at") else "")
    if c["kind"] == "visit":
        opened = c["clinic"].get("created_at")
        when = f" opened {datetime.fromisoformat(opened):%Y-%m-%d %H:%M} UTC" if opened else ""
        print(f"#{c['id']} visit{when} for {c['patient']} (laptop {c['laptop_id'][:8]}), charted on both "
              f"sides{done}:")
        for what, laptop_words, clinic_words in visit_differences(c["laptop"], c["clinic"]):
            print(f"   {what}:\n      laptop: {laptop_words}\n      clinic: {clinic_words}")
        return
    if c["kind"] in ("payment", "follow_up", "note"):
        from infusiondesk.mobile.record_words import record_words

        headline, lines = record_words(c)
        print(f"#{c['id']} {headline}{done}:")
        for what, laptop_words, clinic_words in lines:
            print(f"   {what}:\n      laptop: {laptop_words}\n      clinic: {clinic_words}")
        return
    changed = sorted(k for k in c["laptop"].keys() | c["clinic"].keys() if c["laptop"].get(k) != c["clinic"].get(k))
    print(f"#{c['id']} {c['kind']} MRN {c['clinic'].get('mrn', '?')} (laptop {c['laptop_id'][:8]}), changed on "
          f"both sides{done}:")
    for k in changed:
        print(f"   {k}: laptop {c['laptop'].get(k)!r} | clinic {c['clinic'].get(k)!r}")


def _resolve(args: argparse.Namespace) -> int:
    from infusiondesk.cli import open_store

    store = open_store(args)
    try:
        session, _password = _signed_in(args, store)
        try:
            store.mobile.resolve(args.conflict, args.keep, by=session)
        finally:
            store.users.sign_out(session)
    finally:
        store.close()
    other = "clinic" if args.keep == "laptop" else "laptop"
    print(f"Conflict #{args.conflict} resolved, keeping the {args.keep}'s version; the {other}'s stays in the "
          "conflict record (mobile conflicts --all). The laptop takes the kept version at its next sync.")
    return EXIT_OK


def _conflict_pdf(args: argparse.Namespace) -> int:
    """The laptop's signed PDF a note conflict keeps whole, written to a file for the record."""
    from infusiondesk.cli import open_store
    from infusiondesk.errors import DomainError

    out = Path(args.out)
    if out.exists():
        raise DomainError(f"{out} already exists; choose another file (nothing is overwritten).")
    store = open_store(args)
    try:
        session, _password = _signed_in(args, store)
        try:
            pdf = store.mobile.conflict_pdf(args.conflict, by=session)
        finally:
            store.users.sign_out(session)
    finally:
        store.close()
    out.write_bytes(pdf)
    print(f"Wrote the laptop's signed note of conflict #{args.conflict} to {out} ({len(pdf):,} bytes), as it was "
          "signed; it is not the clinic's note.")
    return EXIT_OK


def _revoke(args: argparse.Namespace) -> int:
    from infusiondesk.cli import _ask, open_store
    from infusiondesk.mobile import day

    store = open_store(args)
    try:
        session, _password = _signed_in(args, store)
        try:
            ca = _ask("Clinic CA passphrase (to put this laptop's signing certificates on the CRL; empty to "
                      "skip): ") or None
            revoked, on_crl = day.revoke(store, session, args.laptop, ca, args.reason)
        finally:
            store.users.sign_out(session)
    finally:
        store.close()
    print(f"Laptop {revoked.laptop_id} ({revoked.username}) revoked: its syncs are refused.")
    print("The signing certificates issued for this laptop are on the clinic CRL; everyone's clinic signing "
          "keys are untouched." if on_crl else
          "No certificate was put on the CRL (no CA passphrase, or the laptop carried no signing key).")
    _print_missing([revoked])
    return EXIT_OK


def _print_missing(laptops: list[Any]) -> None:
    for r in laptops:
        since = f"its last sync at {r.last_sync_at:%Y-%m-%d %H:%M} UTC" if r.last_sync_at else "its checkout"
        print(f"Laptop {r.laptop_id} ({r.username}): anything charted after {since} for "
              f"{', '.join(r.patients)} never came back; chart it again from the paper record.")


def _missing(args: argparse.Namespace) -> int:
    from infusiondesk.cli import open_store

    store = open_store(args)
    try:
        session, _password = _signed_in(args, store)
        try:
            found = store.mobile.missing(by=session)
        finally:
            store.users.sign_out(session)
    finally:
        store.close()
    if not found:
        print("No revoked laptops.")
    _print_missing(found)
    return EXIT_OK


def add_mobile_commands(sub: Any, db_help: str) -> None:
    """`mobile checkout | sync | conflicts | resolve | conflict-pdf | revoke | missing`."""
    from infusiondesk.cli import Parser

    mobile = sub.add_parser("mobile", help="home visits: take patients out on a laptop, chart offline, sync back")
    mobile_sub = mobile.add_subparsers(dest="mobile_command", required=True, parser_class=Parser)
    out = mobile_sub.add_parser("checkout", help="copy the day's mobile patients into a new encrypted laptop database")
    out.add_argument("--db", help=db_help)
    out.add_argument("--user", required=True, help="the nurse going out (her password is asked; it seals the laptop), "
                                                   "then the clinic CA passphrase (to issue the laptop's signing keys)")
    out.add_argument("--patient", action="append", required=True, metavar="MRN", help="a patient to take (repeat)")
    out.add_argument("--out", required=True, metavar="LAPTOP.db", help="the new laptop database file")
    out.add_argument("--also", action="append", metavar="NAME",
                     help="another user who charts on this laptop (a clinician approving remotely, a second nurse); "
                          "with the CA passphrase, their password is asked to seal their key for this laptop")
    out.add_argument("--library", metavar="TOML", help="the drug library to carry (default: the one in force)")
    out.set_defaults(handler=_checkout)

    sync = mobile_sub.add_parser("sync", help="push the laptop's visits and audit entries, pull the clinic's")
    sync.add_argument("--db", help=db_help)
    sync.add_argument("--laptop", required=True, metavar="LAPTOP.db")
    sync.add_argument("--user", required=True, help="the nurse who checked the laptop out (her password is asked)")
    sync.set_defaults(handler=_sync)

    conflicts = mobile_sub.add_parser("conflicts", help="records changed both on a laptop and in the clinic")
    conflicts.add_argument("--db", help=db_help)
    conflicts.add_argument("--user", required=True)
    conflicts.add_argument("--json", action="store_true", help="both versions of each record, as JSON")
    conflicts.add_argument("--all", action="store_true", help="resolved ones too (the set-aside versions)")
    conflicts.set_defaults(handler=_conflicts)

    resolve = mobile_sub.add_parser("resolve", help="keep one side of a conflict (audited)")
    resolve.add_argument("conflict", type=int, metavar="ID")
    resolve.add_argument("--keep", required=True, choices=("laptop", "clinic"))
    resolve.add_argument("--db", help=db_help)
    resolve.add_argument("--user", required=True)
    resolve.set_defaults(handler=_resolve)

    pdf = mobile_sub.add_parser("conflict-pdf", help="write the laptop's signed PDF a note conflict keeps whole")
    pdf.add_argument("conflict", type=int, metavar="ID")
    pdf.add_argument("--out", required=True, metavar="FILE")
    pdf.add_argument("--db", help=db_help)
    pdf.add_argument("--user", required=True)
    pdf.set_defaults(handler=_conflict_pdf)

    revoke = mobile_sub.add_parser("revoke", help="a lost laptop: refuse its syncs, put its credential on the CRL")
    revoke.add_argument("--db", help=db_help)
    revoke.add_argument("--user", required=True, help="an admin (password, then the CA passphrase, are asked)")
    revoke.add_argument("--laptop", required=True, metavar="ID", help="the laptop id printed at checkout")
    revoke.add_argument("--reason", default="laptop lost")
    revoke.set_defaults(handler=_revoke)

    missing = mobile_sub.add_parser("missing", help="revoked laptops and the patients whose work never came back")
    missing.add_argument("--db", help=db_help)
    missing.add_argument("--user", required=True)
    missing.set_defaults(handler=_missing)
