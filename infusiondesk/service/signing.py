"""Sign a visit or an addendum together with its signed note: one operation for every caller.

The service makes the signature candidate (the visit as it will read once signed), the caller's note maker
renders and signs its PDF (reportlab and pyHanko live outside the core: `infusiondesk_reports.demo_signing`,
the app's note worker), and the signature, the note and the audit seal are saved in one transaction. The demo,
scenario runs and the tests call these; the app runs the same two halves around its note worker, because its
note is made in another process (`infusiondesk_ui.documents.NoteDocuments.sign`).
"""

from __future__ import annotations

from collections.abc import Callable

from infusiondesk.records.models import SignatureMeaning, Visit
from infusiondesk.service.entries import SignedNote, Step
from infusiondesk.service.visits import VisitService

NoteMaker = Callable[[Visit], SignedNote]


def sign_with_note(service: VisitService, step: Step, make_note: NoteMaker) -> Visit:
    """ "Reviewed and approved by": the visit becomes signed, saved with the note `make_note` makes from the
    candidate (and, when the note comes with the signer's key, a signed checkpoint of the audit trail)."""
    meaning = SignatureMeaning.REVIEWED_APPROVED
    note = make_note(service.signature_candidate(step, meaning))
    return service.sign(step, meaning, note=note.pdf, seal=note.seal)


def sign_addendum_with_note(service: VisitService, step: Step, index: int, make_note: NoteMaker) -> Visit:
    """Sign the addendum at `index`: a new version of the signed note, saved with its signature."""
    note = make_note(service.addendum_candidate(step, index))
    return service.sign_addendum(step, index, note.pdf, seal=note.seal)
