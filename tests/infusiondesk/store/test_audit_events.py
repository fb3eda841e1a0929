"""AuditEvent names every event once, and the names stored in old trails keep reading (the chain hashes them)."""

from __future__ import annotations

import re
from pathlib import Path

from infusiondesk.store.audit.events import NEAR_MISSES, AuditEvent

ROOT = Path(__file__).resolve().parents[3]

# What trails written before AuditEvent existed hold. Changing one of these values would leave old entries
# unreadable by name and break nothing visibly: hence this list, spelled out.
STORED_BEFORE = {
    "create", "update", "addendum", "signed_note", "pki_saved", "pki_reencrypted", "revoke", "sign_in",
    "sign_in_failed", "sign_in_password_expired", "sign_out", "lockout", "unlock", "deactivate", "reactivate",
    "role_change", "password_reset", "password_change", "password_confirmed", "sessions_ended", "override",
    "hard_stop", "signature", "alert", "alert_acknowledged", "side_effect_updated", "export_note", "export_summary",
    "export", "print", "print_summary", "settings", "backup", "restore",
}


def test_every_name_a_trail_already_holds_reads_as_a_member() -> None:
    assert {e.value for e in AuditEvent} >= STORED_BEFORE
    assert all(AuditEvent.of(name) is not None and AuditEvent.of(name) == name for name in STORED_BEFORE)
    assert AuditEvent.of("export") is AuditEvent.EXPORT  # the app's note exports before this version
    assert AuditEvent.of("no_such_event") is None


def test_no_two_members_share_a_stored_name() -> None:
    # an Enum silently makes a second member with the same value an alias of the first
    assert len(AuditEvent.__members__) == len(list(AuditEvent))


def test_the_near_miss_report_lists_overrides_and_hard_stops() -> None:
    assert set(NEAR_MISSES) == {AuditEvent.OVERRIDE, AuditEvent.HARD_STOP}


def test_no_module_writes_an_event_as_a_bare_string() -> None:
    bare = re.compile(r"""\bevent=["']|\.audit\.append\(\s*["']|\btx\.audit\(\s*["']|_audit\(\s*["']""")
    found = [f"{path.relative_to(ROOT)}:{n}"
             for folder in ("infusiondesk", "ui", "reports")
             for path in sorted((ROOT / folder).rglob("*.py")) if "migrations" not in path.parts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if bare.search(line)]
    assert found == []
