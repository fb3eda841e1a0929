"""The signed-in person, the store and the clock: what every screen needs, in one value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from infusiondesk.records.models import Patient, User, Visit
from ui.clock import Clock

if TYPE_CHECKING:  # the drug library pulls in pint; the sign-in screen must not wait for it
    from infusiondesk.drugs.library import Drug

T = TypeVar("T")


@dataclass
class Session:
    """Passed to each view; `user` changes at sign-in and stays through an idle lock."""

    store: Any  # infusiondesk.store.Store (typed loosely: the UI must start without the store module)
    drug: Drug | Any
    clock: Clock = field(default_factory=Clock)
    user: User | None = None
    vitals_reminder_min: int = 15
    idle_lock_min: int = 10

    def require_user(self) -> User:
        if self.user is None:
            raise RuntimeError("no one is signed in")
        return self.user


class VisitController(QObject):
    """One open visit: applies a pure workflow step, saves the result, and tells the panels.

    Every step is `workflow_fn(visit, ...) -> Visit`; a DomainError leaves the visit as it was and is
    reported (in words) through `problem`.
    """

    visitChanged = Signal(object)
    problem = Signal(str)

    def __init__(self, session: Session, patient: Patient, visit: Visit) -> None:
        super().__init__()
        self.session = session
        self.patient = patient
        self.visit = visit

    def apply(self, step: Callable[..., Visit], *args: Any, **kwargs: Any) -> bool:
        from infusiondesk.errors import DomainError

        try:
            changed = step(self.visit, *args, **kwargs)
            saved = self.session.store.save_visit(changed, by=self.session.require_user())
        except DomainError as exc:
            self.problem.emit(exc.message)
            return False
        self.visit = saved
        self.problem.emit("")
        self.visitChanged.emit(saved)
        return True

    def try_(self, fn: Callable[[], T]) -> T | None:
        """Run a check that may raise a DomainError; report it instead of raising."""
        from infusiondesk.errors import DomainError

        try:
            result = fn()
        except DomainError as exc:
            self.problem.emit(exc.message)
            return None
        return result
