"""The check a laptop's signed note passes before the clinic takes it at sync (infusiondesk.store.sync_notes)."""

from __future__ import annotations

from collections.abc import Sequence

from infusiondesk_reports.signing import NotAPdfError, verify_pdf


def check_laptop_note(pdf: bytes, trust_roots: Sequence[bytes], crls: Sequence[bytes]) -> str:
    """"" when every signature of the note is valid, nothing was changed after it, and each chains to the clinic CA
    without being revoked; otherwise the first reason, in a sentence for the conflict list."""
    try:
        report = verify_pdf(pdf, trust_roots, crls)
    except NotAPdfError as exc:
        return exc.message
    if not report.signed:
        return "its PDF carries no signature"
    if not report.valid:
        return "a signature does not match the signed content"
    if not report.intact:
        return "the note was changed after it was signed"
    if not report.trusted:
        problems = "; ".join(s.trust_problem for s in report.signatures if not s.trusted)
        return f"a signature is not trusted by the clinic ({problems})"
    return ""
