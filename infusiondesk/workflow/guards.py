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


def require_charting(user: User, action: str) -> int:
    """Nurses and clinicians chart; an admin account manages users and the clinic, not patients."""
    require_active(user)
    if user.role not in (Role.NURSE, Role.CLINICIAN):
        raise WorkflowError(f"Only a nurse or clinician can {action}; admin accounts manage users and the "
                            "clinic profile.")
    return user.id


def require_clinician(user: User, action: str) -> int:
    require_active(user)
    if user.role is not Role.CLINICIAN:
        raise WorkflowError(f"Only a clinician can {action}; {user.full_name} is signed in as {user.role.value}.")
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


# The status changes the workflow makes, and nothing else: re-assessing sends an assessed visit back to draft
# (and a new contraindication withdraws the decision); nothing goes back once the infusion has started.
ALLOWED_TRANSITIONS: dict[VisitStatus, frozenset[VisitStatus]] = {
    VisitStatus.DRAFT: frozenset({VisitStatus.DRAFT, VisitStatus.ASSESSED}),
    VisitStatus.ASSESSED: frozenset({VisitStatus.ASSESSED, VisitStatus.DRAFT, VisitStatus.INFUSING}),
    VisitStatus.INFUSING: frozenset({VisitStatus.INFUSING, VisitStatus.COMPLETED}),
    VisitStatus.COMPLETED: frozenset({VisitStatus.COMPLETED, VisitStatus.SIGNED}),
    VisitStatus.SIGNED: frozenset({VisitStatus.SIGNED}),
}


def check_transition(old: Visit, new: Visit) -> None:
    """The one guard on what a saved visit may become, used by the workflow's steps and by the store on every
    save: an allowed status change, backed by the facts that status means."""
    if new.patient_id != old.patient_id:
        raise WorkflowError("A visit cannot be moved to another patient; open a new visit for them.")
    if new.status not in ALLOWED_TRANSITIONS[old.status]:
        raise WorkflowError(f"A visit that is {_STATUS_WORDS[old.status]} cannot become {new.status.value}; "
                            "take the steps in order.")
    if new.status is old.status:
        return
    if new.status is VisitStatus.ASSESSED:
        s = new.assessment.suitability
        if s is None or not s.suitable:
            raise WorkflowError("A visit becomes assessed only when a clinician decides the patient is suitable.")
    elif new.status is VisitStatus.INFUSING:
        if new.dose_order is None or not new.events or new.events[0].kind != "start" or new.started_at is None:
            raise WorkflowError("A visit becomes infusing only when the ordered infusion is started.")
    elif new.status is VisitStatus.COMPLETED:
        if not new.events or new.events[-1].kind != "stop":
            raise WorkflowError("A visit is completed only after the infusion is stopped.")
    elif new.status is VisitStatus.SIGNED and not any(
            s.meaning == "Reviewed and approved by" for s in new.signatures):
        raise WorkflowError('A visit becomes signed only with a clinician\'s "Reviewed and approved by" signature.')
