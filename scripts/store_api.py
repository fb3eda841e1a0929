"""Rewrite calls of the old one-class store API to the store's parts: `store.get_patient(id, by=s)` ->
`store.patients.get(id, by=s)`, `store.audit("print", s, {...})` -> `store.audit.append(AuditEvent.PRINT, s, {...})`,
and imports of the audit code that moved into the store (`infusiondesk.audit` -> `infusiondesk.store.audit.chain`).

Arguments are left exactly as they were (the parts kept every signature), so the rewrite is mechanical, and it is
idempotent: no new name is an old one on the same receiver. Run it again after merging a branch written against
the old API; `--check` (part of `make test`, through tests/scripts/test_store_api.py) fails while any remains.

    python scripts/store_api.py            # rewrite in place, print the files changed
    python scripts/store_api.py --check    # exit 1 if any file still uses the old API (and say where)

What it recognises as a store: an expression whose last name ends in "store" (`store`, `self.session.store`,
`empty_store`, `Store`, `Store.open(path)`). A store held under another name (`again.get_visit(...)`) is not
rewritten; `--check` still reports the old names no other class uses, and mypy reports the rest (the old methods
are gone; the app's `session.store` is typed loosely, so its tests are the check there). After a rewrite that
added `from infusiondesk.store.audit.events import AuditEvent`, `ruff check --fix` sorts it; a long line the
rewrite made is for `ruff check` to point at.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ["infusiondesk", "ui", "reports", "tests", "benchmarks", "scripts"]

# old Store method -> (part, new method)
RENAMED: dict[str, tuple[str, str]] = {
    # store.clinic
    "needs_setup": ("clinic", "needs_setup"), "setup_clinic": ("clinic", "setup"), "get_clinic": ("clinic", "get"),
    "update_clinic": ("clinic", "update"), "clinic_policy": ("clinic", "policy"),
    "set_clinic_policy": ("clinic", "set_policy"),
    # store.users
    "create_user": ("users", "create"), "update_user": ("users", "update"), "unlock_user": ("users", "unlock"),
    "set_active": ("users", "set_active"), "set_role": ("users", "set_role"),
    "reset_password": ("users", "reset_password"), "sign_in": ("users", "sign_in"), "sign_out": ("users", "sign_out"),
    "current_user": ("users", "current"), "confirm_password": ("users", "confirm_password"),
    "change_password": ("users", "change_password"), "get_user": ("users", "get"), "list_users": ("users", "all"),
    "staff_names": ("users", "staff_names"), "account_status": ("users", "account_status"),
    # store.patients
    "add_patient": ("patients", "add"), "update_patient": ("patients", "update"), "get_patient": ("patients", "get"),
    "get_patient_by_mrn": ("patients", "by_mrn"), "search_patients": ("patients", "search"),
    # store.visits
    "create_visit": ("visits", "create"), "get_visit": ("visits", "get"), "list_visits": ("visits", "all"),
    "visit_history": ("visits", "history"), "visit_summaries": ("visits", "summaries"),
    "worklist_visits": ("visits", "worklist"), "visit_transaction": ("visits", "transaction"),
    "magnesium_given_last_24h": ("visits", "magnesium_given_last_24h"),
    # store.drafts
    "save_draft": ("drafts", "save"), "load_draft": ("drafts", "load"), "discard_draft": ("drafts", "discard"),
    # store.notes
    "get_signed_note": ("notes", "get"), "list_signed_notes": ("notes", "versions"),
    # store.keys
    "save_pki_object": ("keys", "save"), "load_pki_objects": ("keys", "load"),
    "revoke_certificate": ("keys", "revoke"), "list_revoked": ("keys", "revoked"),
    # store.audit (`store.audit(...)` itself is handled apart: the name stays, as the part)
    "audit_checkpoint": ("audit", "checkpoint"), "audit_entries": ("audit", "entries"),
    "override_report": ("audit", "override_report"),
}
# Old names no other class in the code base uses: `--check` reports them whatever the receiver.
DISTINCTIVE = sorted(set(RENAMED) - {"sign_in", "sign_out", "save_draft", "reset_password", "current_user",
                                     "update_patient", "get_user", "clinic_policy", "visit_summaries",
                                     "visit_history", "set_active", "set_role", "change_password", "get_clinic",
                                     "load_draft", "discard_draft", "override_report", "staff_names",
                                     "confirm_password", "needs_setup", "account_status", "list_visits",
                                     "magnesium_given_last_24h"})

# Every event name the app writes (infusiondesk/store/audit/events.py), by stored value.
EVENTS = ("create", "update", "addendum", "signed_note", "pki_saved", "pki_reencrypted", "revoke", "sign_in",
          "sign_in_failed", "sign_in_password_expired", "sign_out", "lockout", "unlock", "deactivate", "reactivate",
          "role_change", "password_reset", "password_change", "password_confirmed", "sessions_ended", "override",
          "hard_stop", "signature", "alert", "alert_acknowledged", "side_effect_updated", "export_note",
          "export_summary", "export", "print", "print_summary", "settings", "backup", "restore")
EVENT_IMPORT = "from infusiondesk.store.audit.events import AuditEvent"

_STORE = r"(?<![\w.])(?P<recv>(?:[A-Za-z_]\w*(?:\(\))?\.)*[A-Za-z_]*[sS]tore(?:\.open\([^()\n]*\))?)"
_OLD_CALL = re.compile(_STORE + r"\.(?P<old>" + "|".join(sorted(RENAMED, key=len, reverse=True))
                       + r")\b(?!\s*=[^=])")
_OLD_AUDIT = re.compile(_STORE + r"\.audit\(")
_EVENT_ARG = re.compile(r"(?P<head>(?:\.audit\.append|(?<![\w.])(?:c\.)?tx\.audit)\(\s*)(?P<q>[\"'])"
                        r"(?P<name>[a-z_]+)(?P=q)")
_EVENT_KW = re.compile(r"(?P<head>(?:record_change|chain\.append|audit\.append)\([^\n]*?\bevent=)(?P<q>[\"'])"
                       r"(?P<name>[a-z_]+)(?P=q)")
_VERIFY = re.compile(r"(?<![\w.])audit\.verify\((?P<store>[\w.]+)(?:,\s*(?P<trust>[^()\n]*?))?\)")

# modules that moved: (pattern, replacement) on import lines and dotted paths
_MOVED = [
    (re.compile(r"\binfusiondesk\.audit_verify\b"), "infusiondesk.store.audit.verify"),
    (re.compile(r"\binfusiondesk\.audit_notes\b"), "infusiondesk.store.audit.notes"),
    (re.compile(r"\binfusiondesk\.checkpoints\b"), "infusiondesk.store.audit.checkpoints"),
    (re.compile(r"\binfusiondesk\.store\.trail\b"), "infusiondesk.store.audit.trail"),
    (re.compile(r"\binfusiondesk\.store\.accounts\b"), "infusiondesk.store.users"),
    (re.compile(r"(?m)^(\s*from\s+)infusiondesk\.audit(\s+import\s+(?!verify\b))"),
     r"\1infusiondesk.store.audit.chain\2"),
]
_FROM_IMPORT = re.compile(r"(?m)^(?P<indent>[ \t]*)from (?P<pkg>infusiondesk|infusiondesk\.store) import "
                          r"(?P<names>[\w ,]+)$")
_OUT_OF = {"infusiondesk": {"audit": "chain", "checkpoints": "checkpoints", "audit_verify": "verify",
                            "audit_notes": "notes"},
           "infusiondesk.store": {"trail": "trail"}}
_CHAIN_NAMES = ("append|head|GENESIS|content_hash|_entry_hash|flatten|row_content|by_id|REDACTED_COLUMNS|"
                "move_head|batched_head|BATCH_HEAD")


def _split_imports(text: str) -> str:
    """`from infusiondesk import audit, pki` -> the moved names from `infusiondesk.store.audit`, the rest as they
    were. `audit` (the chain module) is imported as `chain`, and its uses in the file follow."""
    uses_chain = False

    def fix(m: re.Match[str]) -> str:
        nonlocal uses_chain
        moved_here = _OUT_OF[m["pkg"]]
        names = [n.strip() for n in m["names"].split(",") if n.strip()]
        moved = [n for n in names if n.split(" as ")[0] in moved_here]
        if not moved:
            return m.group(0)
        kept = [n for n in names if n not in moved]
        lines = [f"{m['indent']}from {m['pkg']} import {', '.join(kept)}"] if kept else []
        new = sorted(moved_here[n] if " as " not in n else f"{moved_here[n.split(' as ')[0]]} as {n.split(' as ')[1]}"
                     for n in moved)
        uses_chain = uses_chain or "audit" in moved
        lines.append(f"{m['indent']}from infusiondesk.store.audit import {', '.join(new)}")
        return "\n".join(lines)

    text = _FROM_IMPORT.sub(fix, text)
    if uses_chain:
        text = re.sub(rf"(?<![\w.])audit\.(?={_CHAIN_NAMES}\b)", "chain.", text)
    return text


def _add_event_import(text: str) -> str:
    """Import AuditEvent where the rewrite named an event and the file does not import it yet."""
    if "AuditEvent." not in text or re.search(r"import [\w, ]*\bAuditEvent\b|class AuditEvent\(", text):
        return text
    lines = text.split("\n")
    first_party = [i for i, line in enumerate(lines) if re.match(r"from infusiondesk[\w.]* import ", line)]
    if first_party:
        after = [i for i in first_party if lines[i].split()[1] > "infusiondesk.store.audit.events"]
        at = after[0] if after else first_party[-1] + 1
        if not after:
            while at < len(lines) and lines[at - 1].rstrip().endswith(("(", ",")) and lines[at].startswith(" "):
                at += 1
            if at < len(lines) and lines[at].strip() == ")":
                at += 1
    else:
        imports = [i for i, line in enumerate(lines) if re.match(r"(from \S+ )?import ", line)]
        at = imports[-1] + 1 if imports else 0
    lines.insert(at, EVENT_IMPORT)
    return "\n".join(lines)


def rewrite(text: str) -> str:
    for pattern, repl in _MOVED:
        text = pattern.sub(repl, text)
    text = _split_imports(text)
    text = _VERIFY.sub(lambda m: f"{m['store']}.audit.verify({m['trust'] or ''})", text)
    text = _OLD_AUDIT.sub(lambda m: f"{m['recv']}.audit.append(", text)
    text = _OLD_CALL.sub(lambda m: f"{m['recv']}.{RENAMED[m['old']][0]}.{RENAMED[m['old']][1]}", text)

    def event(m: re.Match[str]) -> str:
        if m["name"] not in EVENTS:
            return m.group(0)  # a new event: add it to AuditEvent by hand (mypy and --check point at it)
        return f"{m['head']}AuditEvent.{m['name'].upper()}"

    named = _EVENT_KW.sub(event, _EVENT_ARG.sub(event, text))
    return _add_event_import(named) if named != text else text


_LEFT = [
    (re.compile(r"\.(" + "|".join(DISTINCTIVE) + r")\("), "an old store method (rewrite the receiver by hand)"),
    (re.compile(r"from infusiondesk\.audit import verify|(?<![\w.])audit\.verify\("),
     "the old audit.verify(store[, trust]): write store.audit.verify(trust)"),
    (re.compile(r"(?:\.audit\.append|(?<![\w.])tx\.audit)\(\s*[\"']"),
     "an audit event as a string: name it in AuditEvent"),
]


def leftovers(text: str) -> list[tuple[int, str, str]]:
    """(line number, line, what) for old API uses the rewrite cannot make (reported by --check)."""
    found = []
    for n, line in enumerate(text.split("\n"), 1):
        for pattern, what in _LEFT:
            if pattern.search(line):
                found.append((n, line.strip(), what))
    return found


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed, left = [], []
    for top in FILES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.resolve() == Path(__file__).resolve() or "migrations" in path.parts:  # migrations stay as written
                continue
            text = path.read_text(encoding="utf-8")
            new = rewrite(text)
            if new != text:
                changed.append(path.relative_to(ROOT))
                if not check:
                    path.write_text(new, encoding="utf-8")
            left += [(path.relative_to(ROOT), n, line, what) for n, line, what in leftovers(new)]
    for p in changed:
        print(p)
    for p, n, line, what in left:
        print(f"{p}:{n}: {what}: {line}")
    return 1 if (check and changed) or left else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
