"""`infusiondesk demo` signs visits with real notes: exported, they verify against the exported clinic CA."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from infusiondesk.records.models import VisitStatus
from infusiondesk.store import Store
from infusiondesk_ui.cli import main


def test_every_signed_demo_visit_has_a_signed_note_that_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "demo.db")
    assert main(["demo", "--db", db, "--patients", "12", "--seed", "5", "--quiet", "--signed-notes", "6"]) == 0
    assert "6 signed with real signed PDF notes" in capsys.readouterr().out

    store = Store.open(db)
    nurse = store.users.sign_in("nina", "demo-nurse-pass")  # the printed demo login
    signed = [v for v in store.visits.all(by=nurse) if v.status is VisitStatus.SIGNED]
    completed = [v for v in store.visits.all(by=nurse) if v.status is VisitStatus.COMPLETED]
    assert len(signed) == 6 and completed, "past the cap, finished visits wait for the clinician"
    assert all(store.notes.get(v.id, by=nurse) is not None for v in signed if v.id is not None)

    monkeypatch.setattr("sys.stdin", io.StringIO("demo-nurse-pass\n"))
    assert main(["visits", "--db", db, "--user", "nina", "--json"]) == 0
    listed = [v for v in json.loads(capsys.readouterr().out) if v["status"] == "signed"]
    note, ca = tmp_path / "note.pdf", tmp_path / "ca.pem"
    monkeypatch.setattr("sys.stdin", io.StringIO("demo-clinician-pass\n"))
    assert main(["export-note", "--db", db, "--user", "carl", "--visit", str(listed[0]["id"]), "--out",
                 str(note)]) == 0
    assert main(["ca", "export", "--db", db, "--out", str(ca)]) == 0
    assert note.read_bytes() == store.notes.get(listed[0]["id"], by=nurse)
    capsys.readouterr()
    assert main(["verify", str(note), "--trust", str(ca), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and len(report["signatures"]) == 2
    assert main(["audit", "verify", "--db", db]) == 0


def test_without_a_sign_hook_the_demo_signs_nothing(tmp_path: Path) -> None:
    from infusiondesk.demo import build_demo

    store = Store.open(str(tmp_path / "plain.db"))
    result = build_demo(store, patients=8, seed=2)
    assert result.signed_notes == 0
    nurse = store.users.sign_in("nina", "demo-nurse-pass")
    assert not [v for v in store.visits.all(by=nurse) if v.status is VisitStatus.SIGNED]


def test_a_note_that_fails_to_sign_leaves_its_visit_unsigned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The visit is saved SIGNED and its note stored in one transaction: when signing the third note fails, that
    patient's batch rolls back (no SIGNED visit without its PDF) and the patients committed before keep theirs."""
    import infusiondesk.demo as demo
    import infusiondesk_reports.demo_signing as demo_signing
    from infusiondesk.drugs import load_drug
    from infusiondesk.errors import DomainError
    from infusiondesk_reports.note_commands import sign_note as real_sign_note

    calls = 0

    def fails_on_the_third_note(*args: object, **kwargs: object) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise DomainError("The signing key could not be unlocked.")
        return real_sign_note(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(demo_signing, "sign_note", fails_on_the_third_note)
    monkeypatch.setattr(demo, "BATCH_PATIENTS", 1)  # commit after every patient
    db = str(tmp_path / "interrupted.db")
    store = Store.open(db)
    with pytest.raises(DomainError):
        demo.build_demo(store, patients=30, seed=5, hook=demo_signing.demo_sign_hook(load_drug()))

    nurse = store.users.sign_in("nina", "demo-nurse-pass")
    signed = [v for v in Store.open(db).visits.all(by=nurse) if v.status is VisitStatus.SIGNED]
    assert 1 <= len(signed) < 3, "the failed note's visit is not signed; earlier committed ones are"
    assert all(v.id is not None and store.notes.get(v.id, by=nurse) is not None for v in signed)
    assert main(["audit", "verify", "--db", db]) == 0
