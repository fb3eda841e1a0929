"""Checks shared by every workflow step: who may do it, on which status, at which time."""

from __future__ import annotations

from datetime import datetime

from infusiondesk.records.models import Role, User, Visit, VisitStatus
from infusiondesk.workflow.errors import WorkflowError

SIGNED_MESSAGE = "This visit is signed: signed visits are never edited; add an addendum instead."

_STATUS_WORDS = {
    VisitStatus.DRAFT: "a draft (not yet assessed as suitable)",
    VisitStatus.ASSESSED: "assessed (not yet started)",
    VisitStatus.INFUSING: "infusing",
    VisitStatus.COMPLETED: "completed",
    VisitStatus.SIGNED: "signed",
}


def ensure_editable(visit: Visit) -> None:
    """Refuse any change to a signed visit: the signed record is final, later facts go in addenda."""
    if visit.status is VisitStatus.SIGNED:
        raise WorkflowError(SIGNED_MESSAGE)


def require_status(visit: Visit, allowed: tuple[VisitStatus, ...], action: str) -> None:
    """Refuse a step the visit's status does not allow, naming the status and the step."""
    ensure_editable(visit)
    if visit.status not in allowed:
        raise WorkflowError(f"Cannot {action}: this visit is {_STATUS_WORDS[visit.status]}.")


def require_active(user: User) -> None:
    if not user.active:
        raise WorkflowError(f"{user.full_name}'s account is deactivated; sign in with an active account.")
    if user.id is None:
        raise WorkflowError("This user is not saved yet; sign in with a saved account.")


def require_charting(user: User, action: str) -> int:
    """Nurses and clinicians chart; an admin account manages users and the clinic, not patients."""
    require_active(user)
    if user.role not in (Role.NURSE, Role.CLINICIAN):
        raise WorkflowError(f"Only a nurse or clinician can {action}; admin accounts manage users and the "
                            "clinic profile.")
    assert user.id is not None
    return user.id


def require_clinician(user: User, action: str) -> int:
    require_active(user)
    if user.role is not Role.CLINICIAN:
        raise WorkflowError(f"Only a clinician can {action}; {user.full_name} is signed in as {user.role.value}.")
    assert user.id is not None
    return user.id


def require_aware(moment: datetime, what: str = "The time") -> datetime:
    """Every time in the record is timezone-aware; a naive time is a programming slip, refused loudly."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise WorkflowError(f"{what} has no time zone; times must be timezone-aware (UTC).")
    return moment


def require_text(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise WorkflowError(f"{what} is empty; write it in a few words.")
    return cleaned
