"""scripts/store_api.py: the old one-class store API is rewritten to the store's parts, and nothing is left.

The samples spell the old names from pieces, so the script (which runs over this file too) leaves them alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import store_api
    finally:
        sys.path.pop(0)
    return store_api


def _old(*parts: str) -> str:
    return "".join(parts)


def test_no_file_uses_the_old_store_api() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "store_api.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"run scripts/store_api.py; these still use the old store API:\n{proc.stdout}"


def test_old_calls_are_rewritten_to_the_parts_with_their_arguments_as_they_were() -> None:
    api = _script()
    old = (f"p = store.{_old('get_patient', '_by_mrn')}(mrn, by=nurse)\n"
           f"v = self.session.store.{_old('create', '_visit')}(p.id, nurse)\n"
           f"with store.{_old('visit', '_transaction')}() as tx:\n"
           f"    tx.{_old('au', 'dit')}({_old('', '')}\"side_effect_updated\", user, {{}})\n"
           f"empty_store.{_old('needs', '_setup')}()\n"
           f"store.{_old('au', 'dit')}(\"export_note\", session, {{\"visit_id\": 3}})\n"
           f"rows = clinic.store.{_old('audit', '_entries')}(by=admin)\n"
           f"signed = Store.open(db).{_old('list', '_visits')}(by=nurse)\n")
    new = api.rewrite(old)
    assert new == ("from infusiondesk.store.audit.events import AuditEvent\n"
                   "p = store.patients.by_mrn(mrn, by=nurse)\n"
                   "v = self.session.store.visits.create(p.id, nurse)\n"
                   "with store.visits.transaction() as tx:\n"
                   "    tx.audit(AuditEvent.SIDE_EFFECT_UPDATED, user, {})\n"
                   "empty_store.clinic.needs_setup()\n"
                   "store.audit.append(AuditEvent.EXPORT_NOTE, session, {\"visit_id\": 3})\n"
                   "rows = clinic.store.audit.entries(by=admin)\n"
                   "signed = Store.open(db).visits.all(by=nurse)\n")
    assert api.rewrite(new) == new  # safe to run again on converted code


def test_new_code_and_other_objects_are_left_alone() -> None:
    api = _script()
    untouched = ("store.users.sign_in(name, password)\n"
                 "store.audit.append(AuditEvent.PRINT, session, {})\n"
                 "store.visits.magnesium_given_last_24h(pid, at, by=nurse)\n"
                 "window.sign_in(name, password)  # a screen, not the store\n"
                 "enrolment.reset_password(store, user_id, password, by=admin)\n"
                 "tables.clinic_policy\n")
    assert api.rewrite(untouched) == untouched
    assert api.leftovers(untouched) == []


def test_moved_audit_imports_follow_the_audit_code_into_the_store() -> None:
    api = _script()
    pkg = _old("infusion", "desk")
    old = (f"from {pkg} import {_old('au', 'dit')}, pki\n"
           f"from {pkg}.{_old('audit', '_notes')} import pdf_identity\n"
           f"h = {_old('au', 'dit')}.content_hash(row)\n"
           f"report = {_old('au', 'dit')}.verify(store, trust)\n")
    assert api.rewrite(old) == ("from infusiondesk import pki\n"
                                "from infusiondesk.store.audit import chain\n"
                                "from infusiondesk.store.audit.notes import pdf_identity\n"
                                "h = chain.content_hash(row)\n"
                                "report = store.audit.verify(trust)\n")


def test_what_cannot_be_rewritten_is_reported_with_its_line() -> None:
    api = _script()
    held_elsewhere = f"patient = workstation.{_old('add', '_patient')}(p, nurse)\n"
    assert api.rewrite(held_elsewhere) == held_elsewhere  # the receiver is not named like a store
    [(line, _text, what)] = api.leftovers(held_elsewhere)
    assert line == 1 and "old store method" in what
    new_event = f"store.{_old('au', 'dit')}(\"a_new_event\", session, {{}})\n"
    assert api.rewrite(new_event) == "store.audit.append(\"a_new_event\", session, {})\n"
    assert "name it in AuditEvent" in api.leftovers(api.rewrite(new_event))[0][2]
