"""The signed-in session, the store and the clock: what every screen needs, in one value."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from infusiondesk.records.models import Clinic, Patient, User, UserSession, Visit
from infusiondesk_ui.clock import Clock

if TYPE_CHECKING:  # the drug library pulls in pint; the sign-in screen must not wait for it
    from infusiondesk.drugs.library import Drug
    from infusiondesk.errors import DomainError
    from infusiondesk.service import Step, VisitService

T = TypeVar("T")


class ClinicZoneUnknown(RuntimeError):
    """A screen asked for clinic times before the clinic was read (a programming error): showing the computer's
    or UTC times as if they were the clinic's would be a silent lie on a chart."""


def _say_nothing(_text: str) -> None:
    """A visit step shows it is busy by the pointer and its disabled buttons; the problem line stays for problems."""


@dataclass(frozen=True)
class _Outcome:
    """What a visit step's worker hands back: the saved visit, or the refusal and the visit as saved now."""

    saved: Visit | None = None
    error: DomainError | None = None
    latest: Visit | None = None


@dataclass
class Session:
    """Passed to each view; `signed_in` (the store's session) changes at sign-in, stays through an idle lock, and
    ends at sign-out. Every store call that reads or changes clinical data passes it (`by=`)."""

    store: Any  # infusiondesk.store.Store (typed loosely: the UI must start without the store module)
    drug: Drug | Any
    clock: Clock = field(default_factory=Clock)
    signed_in: UserSession | None = None
    vitals_reminder_min: int = 15
    idle_lock_min: int = 10
    _service: Any = field(default=None, repr=False)
    _zone: ZoneInfo | None = field(default=None, repr=False)
    _zone_problem: str = field(default="", repr=False)

    @property
    def user(self) -> User | None:
        """The signed-in person as at sign-in: for what the screens show (the store re-checks at every call)."""
        return self.signed_in.user if self.signed_in is not None else None

    def require_user(self) -> User:
        return self.require_session().user

    def require_session(self) -> UserSession:
        if self.signed_in is None:
            raise RuntimeError("no one is signed in")
        return self.signed_in

    @property
    def service(self) -> VisitService:
        """The one visit service of this session, over its store and drug library: every visit change goes
        through it (made on first use, so the sign-in screen does not wait for the service's imports)."""
        from infusiondesk.service import VisitService

        if self._service is None or self._service.store is not self.store or self._service.drug is not self.drug:
            self._service = VisitService(self.store, self.drug)
        service: VisitService = self._service
        return service

    # -- clinic time: every time on every screen is the clinic's, whatever the computer's zone --------------

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's time zone, as last read off the UI thread (`use_clinic`: at start-up, at sign-in, after
        Settings saved the profile); never a store read here, on the UI thread."""
        if self._zone is None:
            if self._zone_problem:
                from infusiondesk.errors import DomainError

                raise DomainError(self._zone_problem)
            raise ClinicZoneUnknown("The clinic's time zone has not been read yet: Session.use_clinic(clinic) "
                                    "sets it (the app reads the clinic off the UI thread at start-up and sign-in).")
        return self._zone

    def use_clinic(self, clinic: Clinic) -> None:
        """The clinic as read in a worker: its zone for every time on every screen from now on. A zone the
        computer does not know is kept as its sentence, said where a time would be shown."""
        from infusiondesk.clinic_time import clinic_zone
        from infusiondesk.errors import DomainError

        try:
            self._zone, self._zone_problem = clinic_zone(clinic), ""
        except DomainError as exc:
            self._zone, self._zone_problem = None, exc.message

    def local(self, moment: datetime) -> datetime:
        """`moment` (aware) on the clinic's clock."""
        return moment.astimezone(self.zone)

    def hhmm(self, moment: datetime) -> str:
        """"14:05" on the clinic's clock."""
        return f"{self.local(moment):%H:%M}"

    def today(self) -> date:
        """The clinic's calendar date now."""
        return self.local(self.clock.now()).date()

    @property
    def zone_label(self) -> str:
        """Said once per screen that shows times: "Times in Europe/Dublin"."""
        return f"Times in {self.zone.key}"


class VisitController(QObject):
    """One open visit: runs a visit-service step on the version this screen shows, and tells the panels.

    A step runs off the UI thread (`run` starts it through `infusiondesk_ui.operations.StoreOp`); its outcome
    arrives on the UI thread. A step is refused by the service with a DomainError whose sentence is reported
    through `problem`; the visit and everything typed stay as they were. `last_error` keeps the refusal for a
    caller that asks the user something and tries again (an over-infusion the pump reading must confirm).
    One step at a time: while one runs (`running`), another is not started, so a second Enter saves nothing.
    """

    visitChanged = Signal(object)
    problem = Signal(str)

    def __init__(self, session: Session, patient: Patient, visit: Visit, parent: QObject | None = None) -> None:
        """`parent`: the screen showing the visit; once it is gone, a step still running reports to no one."""
        super().__init__(parent)
        self.session = session
        self.patient = patient
        self.visit = visit
        self.last_error: DomainError | None = None
        self.running = False

    def step(self, by: UserSession | None = None) -> Step:
        """Who acts (the signed-in session unless `by`, the dose witness's own session), on the visit as this
        screen saw it, now."""
        from infusiondesk.service import Step

        actor = by if by is not None else self.session.require_session()
        return Step(actor, self.visit.id, self.visit.version, self.session.clock.now())

    def run(self, name: str, *args: Any, by: UserSession | None = None, step: Step | None = None,
            then: Callable[[Visit], None] | None = None, refused: Callable[[DomainError], None] | None = None,
            disable: Sequence[QWidget] = (), **kwargs: Any) -> bool:
        """Start `service.<name>(Step(...), *args, **kwargs)` off the UI thread. When saved, the panels are told,
        then `then(visit)`; when refused, the sentence is shown, then `refused(error)`. `disable`: the form's
        action buttons, off while it runs. False when not started (another step of this visit is running)."""
        method = getattr(self.session.service, name)  # made here, on the UI thread, once per session
        acting = step or self.step(by)
        return self.start(lambda: method(acting, *args, **kwargs), then=then, refused=refused, disable=disable)

    def start(self, call: Callable[[], Visit], *, then: Callable[[Visit], None] | None = None,
              refused: Callable[[DomainError], None] | None = None, disable: Sequence[QWidget] = ()) -> bool:
        """Run `call` (a service step returning the saved visit) off the UI thread, as `run` does: for a step that
        needs more work beside the service call in the same worker (a witness signing in first)."""
        from infusiondesk.errors import DomainError
        from infusiondesk_ui.operations import StoreOp

        if self.running:
            return False
        self.running = True
        reader = self.session.require_session()
        visit_id = self.visit.id
        store = self.session.store

        def work() -> _Outcome:  # in the worker: the step, and on a refusal the visit as saved now
            try:
                return _Outcome(saved=call())
            except DomainError as exc:
                try:
                    latest = store.visits.get(visit_id, by=reader)
                except Exception:  # the refusal is what the user must see; a failed re-read changes nothing
                    latest = None
                return _Outcome(error=exc, latest=latest)

        def arrived(outcome: _Outcome) -> None:
            if outcome.error is not None:
                self.last_error = outcome.error
                self.problem.emit(self._refused(outcome.error, outcome.latest))
                if refused is not None:
                    refused(outcome.error)
                return
            assert outcome.saved is not None
            self.last_error = None
            self.show(outcome.saved)
            if then is not None:
                then(outcome.saved)

        StoreOp(self, work).busy(_say_nothing, "", *disable).ended(self._ended).success(arrived) \
            .failure(self.problem.emit).run()
        return True

    def _ended(self) -> None:
        self.running = False

    def show(self, visit: Visit) -> None:
        self.visit = visit
        self.problem.emit("")
        self.visitChanged.emit(visit)

    def _refused(self, exc: DomainError, saved: Visit | None) -> str:
        """The refusal's sentence. When the visit was saved since this screen read it (another workstation, or a
        refusal that leaves something on record, such as a withdrawn decision), the screen now shows the saved
        visit (`saved`, read in the worker); what was typed stays in the fields."""
        if saved is None or saved.version <= self.visit.version:
            return exc.message
        self.visit = saved
        self.visitChanged.emit(saved)
        from infusiondesk.store.errors import ConflictError

        if isinstance(exc, ConflictError):
            said = exc.message.split(" Reopen the visit")[0]  # reopening is done: the screen shows it
            return (f"{said} The screen now shows the latest version; what you typed is still in the fields: "
                    "check it, then press again.")
        return exc.message

    def try_(self, fn: Callable[[], T]) -> T | None:
        """Run a check that may raise a DomainError; report it instead of raising."""
        from infusiondesk.errors import DomainError

        try:
            result = fn()
        except DomainError as exc:
            self.problem.emit(exc.message)
            return None
        return result
