"""Signing rules: who signs with which meaning, and addenda after the visit is signed."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from infusiondesk.records.models import Addendum, Role, Signature, SignatureMeaning, User, Visit, VisitStatus
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.guards import (
    require_active,
    require_aware,
    require_charting,
    require_clinician,
    require_status,
    require_text,
)


def _own(signature: Signature, user: User) -> None:
    if signature.signer_id != user.id:
        raise WorkflowError("A signature can only be made by the person signed in; sign in as the signer.")


def sign(visit: Visit, signature: Signature, user: User, now: datetime) -> Visit:
    """Sign a completed visit. "Reviewed and approved by" is the clinician's signature and makes the visit
    SIGNED (final). "Administered by" is the nurse's (or clinician's) and leaves it completed."""
    require_status(visit, (VisitStatus.COMPLETED,), "sign the visit")
    require_aware(now)
    require_active(user)
    _own(signature, user)
    signed = dataclasses.replace(signature, signed_at=now)
    if signature.meaning is SignatureMeaning.REVIEWED_APPROVED:
        require_clinician(user, 'sign "Reviewed and approved by"')
        return dataclasses.replace(visit, signatures=(*visit.signatures, signed), status=VisitStatus.SIGNED)
    if signature.meaning is SignatureMeaning.ADMINISTERED:
        require_charting(user, 'sign "Administered by"')
        if any(s.signer_id == user.id and s.meaning is signature.meaning for s in visit.signatures):
            raise WorkflowError(f"{user.full_name} has already signed this visit as administering.")
        return dataclasses.replace(visit, signatures=(*visit.signatures, signed))
    raise WorkflowError("An addendum signature belongs to the addendum; use sign_addendum.")


def add_addendum(visit: Visit, text: str, user: User, now: datetime) -> Visit:
    """A later change or correction to a signed visit, kept beside it (the signed record is not edited)."""
    if visit.status is not VisitStatus.SIGNED:
        raise WorkflowError("Addenda are for signed visits; this visit can still be edited directly.")
    by = require_charting(user, "add an addendum")
    require_aware(now)
    written = require_text(text, "The addendum")
    return dataclasses.replace(visit, addenda=(*visit.addenda, Addendum(text=written, by=by, at=now)))


def sign_addendum(visit: Visit, index: int, signature: Signature, user: User, now: datetime) -> Visit:
    """Sign one addendum ("Addendum signed by"): its author, or a clinician."""
    if visit.status is not VisitStatus.SIGNED:
        raise WorkflowError("Only addenda of signed visits are signed this way.")
    require_charting(user, "sign an addendum")
    require_aware(now)
    _own(signature, user)
    if not 0 <= index < len(visit.addenda):
        raise WorkflowError("That addendum does not exist on this visit.")
    addendum = visit.addenda[index]
    if addendum.signature is not None:
        raise WorkflowError("This addendum is already signed; write a new addendum for a further change.")
    if signature.meaning is not SignatureMeaning.ADDENDUM:
        raise WorkflowError('An addendum is signed with the meaning "Addendum signed by".')
    if user.id != addendum.by and user.role is not Role.CLINICIAN:
        raise WorkflowError("An addendum is signed by its author or by a clinician.")
    signed = dataclasses.replace(addendum, signature=dataclasses.replace(signature, signed_at=now))
    addenda = (*visit.addenda[:index], signed, *visit.addenda[index + 1:])
    return dataclasses.replace(visit, addenda=addenda)


def signed_versions(visit: Visit) -> list[tuple[int, Signature]]:
    """Every signature with the note version it belongs to: the visit's own signatures make version 1, the
    k-th signed addendum makes version k + 1 (whatever version number the caller put on the Signature)."""
    out = [(1, s) for s in visit.signatures]
    signed_addenda = [a.signature for a in visit.addenda if a.signature is not None]
    out += [(k + 1, sig) for k, sig in enumerate(signed_addenda, start=1)]
    return out


def note_version(visit: Visit, draft: bool) -> int:
    """Version 1 is the first signed note; each signed addendum makes the next. A draft is the version that
    signing would make: the next one when there is something unsigned to sign. Before the approval there is no
    signed note at all (a nurse's "Administered by" is not one), so every draft of an unsigned visit is version 1."""
    if visit.status is not VisitStatus.SIGNED:
        return 1
    latest = max((v for v, _ in signed_versions(visit)), default=0)
    pending = visit.status != VisitStatus.SIGNED or any(a.signature is None for a in visit.addenda)
    if draft and pending:
        return latest + 1
    return max(latest, 1)


def unsigned_addendum(visit: Visit) -> int | None:
    """The index of the first addendum still waiting for its signature, if any."""
    return next((i for i, a in enumerate(visit.addenda) if a.signature is None), None)
