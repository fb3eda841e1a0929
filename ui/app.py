"""The InfusionDesk window: sign-in, patients, chart, visit workspace, near-miss report, idle lock.

Start-up shows the sign-in card alone first (the other cards are built right after the first frame) and opens the
database in a background thread, so the window is interactive about as fast as a bare Qt window; sign-in is enabled
right after the first frame over an SQLite clinic recognised without the store (infusiondesk.store.peek), otherwise
once the database is open, and the drug library (which sign-in does not need)
is loaded next, also in the background; a sign-in submitted before both are open completes when they are. The idle
lock reads the app's clock (checked every second), so a suspended laptop locks on waking and tests move time
instead of waiting.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMenu, QStackedWidget, QWidget

from infusiondesk_ui import qt_start  # noqa: F401  (first: makes the imports after it cheaper)
from infusiondesk_ui.clock import Clock
from infusiondesk_ui.settings import WorkstationSettings
from infusiondesk_ui.views.signin import ChangePasswordView, LockView, SetupView, SignInView

if TYPE_CHECKING:  # imported when first shown, not at start-up
    from PySide6.QtCore import QEvent, QObject  # importing QEvent builds QEvent.Type's 179-member Python enum
    from PySide6.QtGui import QAction, QCloseEvent

    from infusiondesk.records.models import UserSession
    from infusiondesk_ui.lock import ScreenLock
    from infusiondesk_ui.mobile_menu import MobileMenu
    from infusiondesk_ui.sign_in_checks import ClinicLook, SignInOutcome
    from infusiondesk_ui.views.chart import ChartView
    from infusiondesk_ui.views.visit_workspace import VisitWorkspace

APP_NAME = "InfusionDesk"
log = logging.getLogger("infusiondesk.ui")
IDLE_CHECK_MS = 1000


@dataclass(frozen=True)
class _LaterCards:
    """The window's cards that the first screen does not show (MainWindow._build_later)."""

    setup_view: SetupView
    lock_view: LockView
    password_view: ChangePasswordView
    screen_lock: ScreenLock


def run_in_thread(fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[Exception], None]
                  ) -> None:
    """`infusiondesk_ui.ops.run_in_thread`, imported at first use: ops (QProcess, the thread pool, json) is not
    needed for the first frame."""
    from infusiondesk_ui import ops

    ops.run_in_thread(fn, on_done, on_error)


def user_message(exc: Exception) -> str:
    """`infusiondesk_ui.ops.user_message`, imported at first use (as run_in_thread)."""
    from infusiondesk_ui import ops

    return ops.user_message(exc)


@cache
def _activity() -> frozenset[QEvent.Type]:
    """The events that show someone is at the screen (idle lock). Made at the first event, not at import: reading
    `QEvent.Type` builds its 179-member Python enum, which the first frame does not need."""
    from PySide6.QtCore import QEvent

    return frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel})


def open_backend(db: str | None, clock: Clock) -> Any:
    """The store (slow import: SQLAlchemy); run off the UI thread. Sign-in needs nothing else."""
    from infusiondesk.store import Store, default_db_url

    return Store.open(db or default_db_url(), clock=clock.now)


def open_and_look(db: str | None, clock: Clock) -> tuple[Any, ClinicLook]:
    """Off the UI thread: the store opened and looked at (`open_backend`, `look_at_clinic`)."""
    from infusiondesk_ui.sign_in_checks import look_at_clinic

    store = open_backend(db, clock)
    return store, look_at_clinic(store)


def load_library() -> Any:
    """The drug library (imports pint and pydantic, then reads and checks the file); run off the UI thread once
    sign-in is enabled: every screen after sign-in needs it, the sign-in screen only names the file."""
    from infusiondesk.drugs import load_drug

    return load_drug()


def library_in_force(drug: Any = None) -> str:
    """The sign-in screen's line naming the drug library, from the loaded library or, before it is parsed, from
    where it will be read (infusiondesk.drugs.location: no pint, no pydantic)."""
    if drug is not None:
        return f"Drug library: {drug.path.name} ({drug.provenance})"
    from infusiondesk.drugs.location import library_path

    path, provenance = library_path()
    return f"Drug library: {path.name} ({provenance})"


def announce_ready() -> None:
    """One INFO line when sign-in can be used, to stderr and the log: how long a nurse waited from the program's
    start (infusiondesk_ui.launch) to a usable sign-in."""
    from infusiondesk_ui import launch

    message = f"ready: sign-in enabled after {launch.since_start_ms():.0f} ms"
    log.info(message)
    if sys.stderr is not None:  # None in a windowed build on Windows
        print(message, file=sys.stderr, flush=True)


class MainWindow(QMainWindow):
    """Pass `session` (tests) to skip the background start; otherwise `db` names the database. `settings` is
    this workstation's settings file (idle lock, vitals reminder) with any command-line overrides."""

    def __init__(self, session: Any = None, *, db: str | None = None, clock: Clock | None = None,
                 settings: WorkstationSettings | None = None, laptop: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)
        self.session: Any = session
        self._announced = session is not None  # tests hand in a session: nothing started, nothing to announce
        self._open_backend: Any = None  # started once, when the window is first shown
        self._start_error: str | None = None  # the database or drug library could not be opened: no sign-in
        self._pending_sign_in: tuple[str, str] | None = None  # submitted before the database and library opened
        self._checking_password = False  # a sign-in, unlock or password change is being checked: Enter waits
        self._checked: UserSession | None = None  # a sign-in the store granted, not yet applied to the screen
        self._closed = False
        self.clock = clock or (session.clock if session is not None else Clock())
        self.settings = settings or WorkstationSettings()
        self.timing = self.settings.effective()
        self.last_activity = self.clock.now()
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.signin = SignInView()
        self.stack.addWidget(self.signin)
        self._later: _LaterCards | None = None  # the other cards: built after the first frame (_build_later)
        self._password_change_for: str | None = None  # a user name whose admin-reset password must change
        self.patients: Any = None
        self.chart: ChartView | None = None
        self.report: Any = None
        self.clinic_reports: Any = None
        self.today_board: Any = None
        self.queue: Any = None
        self.follow_ups: Any = None
        self.users: Any = None
        self.settings_view: Any = None
        self.patient_import: Any = None
        self.price_list: Any = None
        self.workspaces: dict[int, VisitWorkspace] = {}
        self._opening: set[int] = set()  # visits whose workspace is being read (asking again opens one)
        self._opening_ask: dict[int, int] = {}  # ... and the latest ask that wants each of them
        self._creating = False  # a new visit is being created (New visit again meanwhile creates none)
        self._finding_next = False  # the next note to sign is being found (Ctrl+J)
        self._said_opening = ""  # what the status bar was told while a visit was being opened
        self._asks = 0  # counts the nurse's asks to open a visit: only the latest one is shown when it arrives
        self._before_lock: QWidget | None = None
        self._before_password: QWidget | None = None
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        self.signin.submitted.connect(self.sign_in)
        # The menus' titles are in the first frame (the bar does not jump when they fill); their actions and the
        # Mobile menu are made with the other cards (_build_later): nothing in them works before sign-in.
        self._menu = self.menuBar().addMenu("&InfusionDesk")
        self._mobile_title: QMenu | None = self.menuBar().addMenu("Mobile")
        self._mobile: MobileMenu | None = None
        self._laptop_path = laptop
        self.idle = QTimer(self)
        self.idle.setInterval(IDLE_CHECK_MS)
        self.idle.timeout.connect(self.check_idle)
        self._show(self.signin, "Sign in")
        self._daily_backup: Any = None
        self._starts_backups = session is None  # the app itself runs the clinic's daily backup; tests pass a session
        if session is not None:
            self._build_later()
            self._store_ready(session.store, None)
        else:
            # Everything after the first frame (setVisible): the other cards, the look at the database, then the
            # store. The fields take typing from the start; Enter before sign-in is usable is kept (sign_in).
            self.signin.button.setEnabled(False)
            self._open_backend = lambda: self._after_first_frame(db)

    # --- start-up ---------------------------------------------------------------------------------
    def setVisible(self, visible: bool) -> None:
        """Shown (`show()` comes here): start what follows the first frame. Not in an override of showEvent:
        handing Qt's show event to Python builds QEvent.Type's 179-member Python enum before the first frame."""
        super().setVisible(visible)
        if visible and self._open_backend is not None:
            start, self._open_backend = self._open_backend, None
            # at the event loop's second turn: the first one lays out and draws the window (a timer started here
            # would run in that same turn, before the frame is on screen)
            QTimer.singleShot(0, lambda: QTimer.singleShot(0, start))

    def _after_first_frame(self, db: str | None) -> None:
        """Right after the window's first frame (zero timers from setVisible): the cards not on the first screen,
        then sign-in made usable at once over a set-up SQLite clinic at this version's schema, recognised with
        the standard library (store.peek, a few ms; anything else waits for the store to say what it is), then
        the store opened in the background. Its imports (SQLAlchemy) would otherwise compete with building and
        drawing the window, which would appear later; the drug library (pint) loads after it (_store_ready)."""
        self._build_later()
        from infusiondesk.store.peek import ready_for_sign_in

        if ready_for_sign_in(db) is not None:
            self.signin.button.setEnabled(True)
            self.signin.status.setText(library_in_force())
            self._announce()
        run_in_thread(lambda: open_and_look(db, self.clock), lambda opened: self._store_ready(*opened),
                      self._backend_failed)

    def _build_later(self) -> _LaterCards:
        """First-run setup, the lock and the new-password cards, and the screen lock: built once, after the first
        frame, or at first use if something needs one sooner. Building all four cards before the window showed
        was ~30-60 ms of its start."""
        if self._later is None:
            from infusiondesk_ui.lock import ScreenLock

            self._style()
            self._actions()
            setup, lock, password = SetupView(), LockView(), ChangePasswordView()
            for w in (setup, lock, password):
                self.stack.addWidget(w)
            setup.submitted.connect(self.set_up)
            lock.unlock.connect(self.unlock)
            lock.sign_out.connect(self.sign_out)
            password.submitted.connect(self.change_password)
            password.cancelled.connect(self._password_change_cancelled)
            self._later = _LaterCards(setup, lock, password, ScreenLock(self, lock, keep_running=(self.idle,)))
        return self._later

    def _style(self) -> None:
        """The app's stylesheet and the palette follower, applied after the first frame: nothing on the sign-in
        card looks different with it (its message label is hidden and its fields have no hint), and an app-wide
        stylesheet set before the first frame made Qt style every widget of it through the stylesheet style."""
        from infusiondesk_ui import style

        app = QApplication.instance()
        if isinstance(app, QApplication):
            style.apply(app)  # and follow the system's light/dark palette from now on

    @property
    def mobile(self) -> MobileMenu:
        """The Mobile menu (check out, sync, conflicts, the laptop marker), made with the other cards."""
        self._build_later()
        assert self._mobile is not None
        return self._mobile

    def _lock_card(self) -> LockView | None:
        """The lock card if it is built (nothing is locked before it is), without building it."""
        return self._later.lock_view if self._later is not None else None

    @property
    def setup_view(self) -> SetupView:
        return self._build_later().setup_view

    @property
    def lock_view(self) -> LockView:
        return self._build_later().lock_view

    @property
    def password_view(self) -> ChangePasswordView:
        return self._build_later().password_view

    @property
    def screen_lock(self) -> ScreenLock:
        return self._build_later().screen_lock

    def _announce(self) -> None:
        if not self._announced:
            self._announced = True
            announce_ready()

    def _store_ready(self, store: Any, look: ClinicLook | None) -> None:
        """The database is open: sign-in can be used. The drug library is loaded next, in the background; a
        sign-in submitted before it is loaded (even before the database was open: the fields take typing from
        the start) completes when it is (`_library_ready`). `look`: the clinic as read in the worker that opened
        the store; None when the store was handed in (tests), then it is read now, off the UI thread."""
        if self.session is None:
            from infusiondesk_ui.session import Session

            self.session = Session(store=store, drug=None, clock=self.clock)
        self.apply_timing(self.timing)
        self.signin.status.setText(library_in_force(self.session.drug))
        self.signin.button.setEnabled(True)
        if self._daily_backup is None and self._starts_backups:
            from infusiondesk_ui.backup_ops import DailyBackup

            self._daily_backup = DailyBackup(lambda: self.session.store, lambda: self.session.signed_in,
                                             lambda text, _ok: self.statusBar().showMessage(text), self)
        self._announce()
        if self.session.drug is None:
            run_in_thread(load_library, self._library_ready, self._library_failed)
            if self._pending_sign_in is not None:
                self._say_pending()
        if look is not None:
            self._clinic_looked(store, look)
            return
        from infusiondesk_ui.operations import StoreOp
        from infusiondesk_ui.sign_in_checks import look_at_clinic

        StoreOp(self, lambda: look_at_clinic(store), busy_cursor=False) \
            .success(lambda read: self._clinic_looked(store, read)).failure(self._cannot_start).run()

    def _clinic_looked(self, store: Any, look: ClinicLook) -> None:
        """The clinic as read off the UI thread: its zone for the screens (the laptop marker shows times before
        sign-in), then the first-run setup card if nobody is set up yet."""
        if look.clinic is not None:
            self.session.use_clinic(look.clinic)
        self.mobile.store_ready(store)
        if look.needs_setup:
            self._pending_sign_in = None  # nobody to sign in yet: the clinic is set up first
            self.signin.waiting(False)
            self.statusBar().clearMessage()
            from infusiondesk_ui.first_run import location_choice

            paths = location_choice(store)
            self.setup_view.offer_locations((str(paths[0]), str(paths[1])) if paths else None)
            self._show(self.setup_view, "First-run setup")

    def _say_pending(self) -> None:
        what = "the clinic database" if self.session is None else "the drug library"
        self.statusBar().showMessage(f"Opening {what}; you are signed in as soon as it is open.")
        self.signin.waiting(True)

    def _library_ready(self, drug: Any) -> None:
        self.session.drug = drug
        if self._pending_sign_in is not None:
            username, password = self._pending_sign_in
            self._pending_sign_in = None
            self.statusBar().clearMessage()
            self.sign_in(username, password)

    def _library_failed(self, exc: Exception) -> None:
        """A bad drug library stops the app at the sign-in screen: no visit may be charted against it."""
        self.signin.button.setEnabled(False)
        if self.stack.currentWidget() is self.setup_view:  # no clinic is set up against a library that is wrong
            self._show(self.signin, "Sign in")
        self._backend_failed(exc)

    def _backend_failed(self, exc: Exception) -> None:
        self._cannot_start(user_message(exc))

    def _cannot_start(self, sentence: str) -> None:
        self._pending_sign_in = None
        self.signin.waiting(False)
        self.signin.button.setEnabled(False)
        self._start_error = f"InfusionDesk cannot start: {sentence}"
        self.statusBar().clearMessage()
        self.signin.status.setText(sentence)
        self.signin.show_error(self._start_error)

    def _actions(self) -> None:
        from PySide6.QtGui import QAction, QKeySequence

        def action(text: str, keys: str, slot: Any) -> QAction:
            # QAction(parent) then setText, and setShortcuts([...]) rather than QAction(text, parent) and
            # setShortcut(...): PySide6 resolves those overloads by building the Python enums of QIcon and of the
            # whole Qt namespace (~1,200 members, tens of ms before the window first shows); these do not.
            a = QAction(self)
            a.setText(text)
            a.setShortcuts([QKeySequence(keys)])
            a.triggered.connect(slot)
            a.setEnabled(False)
            self.addAction(a)
            return a

        self.act_patients = action("&Patients", "Ctrl+P", self.show_patients)
        self.act_report = action("&Near-miss report", "Ctrl+R", self.show_report)
        self.act_today = action("&Today's visits", "Ctrl+T", self.show_today)
        self.act_clinic_reports = action("&Clinic reports", "Ctrl+Shift+R", self.show_clinic_reports)
        self.act_queue = action("Awaiting my si&gnature", "Ctrl+G", self.show_queue)
        self.act_next = action("Ne&xt awaiting my signature", "Ctrl+J", self.open_next_in_queue)
        self.act_follow_ups = action("&Follow-ups due", "Ctrl+Shift+F", self.show_follow_ups)
        self.act_users = action("&Users", "Ctrl+U", self.show_users)
        self.act_import = action("&Import patients…", "Ctrl+Shift+I", self.show_import)
        self.act_settings = action("&Settings", "Ctrl+,", self.show_settings)
        self.act_prices = action("P&rice list", "Ctrl+Shift+L", self.show_price_list)
        self.act_lock = action("&Lock now", "Ctrl+L", lambda: self.lock(idle=False))
        self.act_password = action("Change my pass&word", "Ctrl+Shift+P", self.ask_new_password)
        self.act_sign_out = action("Sign &out", "Ctrl+Shift+Q", self.sign_out)
        for a in self._user_actions():
            self._menu.addAction(a)
        from infusiondesk_ui.mobile_menu import MobileMenu

        if self._mobile_title is not None:  # the first frame's title makes way for the menu itself (still last)
            self.menuBar().removeAction(self._mobile_title.menuAction())
            self._mobile_title.deleteLater()
            self._mobile_title = None
        self._mobile = MobileMenu(self)  # check out, sync, conflicts, the laptop marker
        self._mobile.laptop_path = self._laptop_path

    def _user_actions(self) -> tuple[QAction, ...]:
        return (self.act_patients, self.act_today, self.act_queue, self.act_next, self.act_follow_ups,
                self.act_report, self.act_clinic_reports,
                self.act_users, self.act_import, self.act_settings, self.act_prices, self.act_lock,
                self.act_password, self.act_sign_out)

    def _show(self, widget: QWidget, title: str) -> None:
        """Show a screen; the screen left behind forgets its message, so nobody reads it as news later."""
        if self.stack.indexOf(widget) < 0:
            self.stack.addWidget(widget)
        left = self.stack.currentWidget()
        lock = self._lock_card()
        if left is not None and left is not widget and widget is not lock and left is not lock:
            from infusiondesk_ui.widgets.messages import clear_screen_messages

            clear_screen_messages(left)  # (the lock hides a screen without leaving it: its message stays)
            self.statusBar().clearMessage()
        self.stack.setCurrentWidget(widget)
        user = self.session.user if self.session is not None else None
        who = f" — {user.full_name} ({user.role.value})" if user is not None else ""
        self.setWindowTitle(f"{APP_NAME} — {title}{who}")
        widget.setFocus()

    # --- sign-in, setup, lock ---------------------------------------------------------------------
    def sign_in(self, username: str, password: str) -> None:
        """Check the name and password off the UI thread (argon2 takes a moment on purpose); the card says it is
        checking, and Enter or the button does not start a second check meanwhile. The outcome is applied here,
        on the UI thread (`_signed_in`); after an admin's reset the right password leads to choosing a new one."""
        if self._start_error is not None:
            self.signin.show_error(self._start_error)
            return
        if self.session is None or self.session.drug is None:
            # still opening (a fraction of a second): signed in as soon as the database and library are open
            self._pending_sign_in = (username, password)
            self._say_pending()
            return
        if self._checking_password:
            return
        self._checking_password = True
        self.signin.waiting(False)
        from infusiondesk_ui.operations import StoreOp
        from infusiondesk_ui.sign_in_checks import check_sign_in
        from infusiondesk_ui.widgets.messages import MessageKind

        def checking(text: str) -> None:
            self.signin.error.say(text, MessageKind.INFO)

        def refused(sentence: str) -> None:
            self.signin.show_error(sentence)
            self.signin.password.clear()
            self.signin.password.setFocus()

        store = self.session.store

        def check() -> SignInOutcome:
            outcome = check_sign_in(store, username, password)
            self._checked = outcome.signed_in  # closing the window before it is applied still signs it out
            return outcome

        StoreOp(self, check) \
            .busy(checking, "Checking your password…", self.signin.username, self.signin.password,
                  self.signin.button).ended(self._password_checked) \
            .success(lambda outcome: self._signed_in(username, password, outcome)).failure(refused).run()

    def _password_checked(self) -> None:
        self._checking_password = False

    def _signed_in(self, username: str, password: str, outcome: SignInOutcome) -> None:
        """The sign-in worker's outcome, on the UI thread: the screens for the person, or the new-password card."""
        self._checked = None
        if self._closed:
            return  # the window closed while the password was checked; closing signed that session out
        if outcome.change_required:
            self.signin.show_error("")
            self.signin.password.clear()
            self._password_change_for = username
            self.password_view.ask(outcome.change_required, current=password)
            self._show(self.password_view, "Choose a new password")
            return
        signed_in = outcome.signed_in
        self.session.use_clinic(outcome.clinic)
        self.session.signed_in = signed_in
        user = signed_in.user
        self.signin.reset()
        self.signin.status.setText("")  # the first run's recovery code is shown once, until the first sign-in
        for a in self._user_actions():
            a.setEnabled(True)
        self.status_label.setText(f"Signed in: {user.full_name} ({user.role.value})")
        self._arm_idle()
        from infusiondesk.records.models import Role

        self.act_users.setEnabled(user.role is Role.ADMIN)
        self.act_import.setEnabled(user.role is Role.ADMIN)
        self.act_settings.setEnabled(user.role is Role.ADMIN)
        self.act_prices.setEnabled(user.role is Role.ADMIN)  # the store refuses anyone else's price change too
        self.act_clinic_reports.setEnabled(user.role in (Role.ADMIN, Role.CLINICIAN))  # the store checks too
        self.act_patients.setEnabled(user.role is not Role.ADMIN)
        for a in (self.act_today, self.act_queue, self.act_next, self.act_follow_ups):
            a.setEnabled(user.role is not Role.ADMIN)
        self.mobile.signed_in(user)
        if user.role is Role.ADMIN:
            self.show_users()
        else:
            self.show_patients()

    def set_up(self, form: dict[str, str]) -> None:
        """Create the clinic off the UI thread (a CA key and the admin's password hash take seconds), in the
        machine-wide database when asked; then the sign-in screen with the CA recovery code."""
        from infusiondesk.records.models import Clinic
        from infusiondesk_ui.operations import StoreOp

        store, clock = self.session.store, self.clock
        opened: list[Any] = []  # the machine-wide database, when this setup opened it

        def create() -> Any:
            from infusiondesk import enrolment

            target = store
            if form.get("shared"):
                from infusiondesk_ui.first_run import open_shared

                target = open_shared(store, clock)
                opened.append(target)
            made = enrolment.set_up_clinic(
                target, Clinic(name=form["clinic"], address=form["address"], phone=form["phone"],
                               timezone=form["timezone"]),
                admin_username=form["username"], admin_full_name=form["full_name"], admin_password=form["password"],
                ca_passphrase=form["ca_passphrase"], now=clock.now())
            target.users.sign_out(made.admin_session)  # the admin signs in on the next screen, as every day
            return made

        def created(made: Any) -> None:
            self._use_shared_database(opened)
            self.signin.username.setText(form["username"])
            self._show(self.signin, "Sign in")
            self.signin.show_error("")
            self.signin.status.setText(
                f"Clinic created. CA recovery code: {made.recovery_code}. Write it down and keep it with the CA "
                "passphrase: it is shown only now, and it resets a forgotten CA passphrase. Then sign in as the "
                "admin to add nurses and clinicians.")

        def refused(sentence: str) -> None:
            self._use_shared_database(opened)
            self.setup_view.show_error(sentence)

        from infusiondesk_ui.widgets.messages import MessageKind

        def say(text: str) -> None:
            self.setup_view.error.say(text, MessageKind.INFO)

        StoreOp(self, create).busy(say, "Creating the clinic…", self.setup_view.button) \
            .success(created).failure(refused).run()

    def _use_shared_database(self, opened: list[Any]) -> None:
        """First run on a shared chair-side PC: the clinic goes into the machine-wide database instead."""
        shared = opened[0] if opened else self.session.store
        if shared is not self.session.store:
            self.session.store.close()  # this account's database stays empty; the machine's is used from now on
            self.session.store = shared
            self.setup_view.offer_locations(None)  # chosen: the machine's database exists now

    def ask_new_password(self) -> None:
        """The signed-in person changes their own password (the current one is asked)."""
        if self.session is None or self.session.user is None:
            return
        self._before_password = self.stack.currentWidget()
        self._password_change_for = None
        self.password_view.ask("Type your current password, then the new one twice. A clinician's signing "
                               "certificate moves to the new password too.")
        self._show(self.password_view, "Change my password")

    def change_password(self, current: str, new: str) -> None:
        """Change the password off the UI thread (two argon2 hashes and a re-sealed signing key); the card says
        so and Enter waits for it. After an admin's reset the person is then signed in with the new one."""
        if self._checking_password:
            return
        forced = self._password_change_for
        username = forced or (self.session.user.username if self.session.user is not None else "")
        self._checking_password = True
        from infusiondesk_ui.operations import StoreOp
        from infusiondesk_ui.widgets.messages import MessageKind

        view = self.password_view

        def changing(text: str) -> None:
            view.error.say(text, MessageKind.INFO)

        def changed(_user: Any) -> None:
            view.forget()
            self._password_change_for = None
            if forced is not None:
                self._show(self.signin, "Sign in")
                self.signin.username.setText(forced)
                self.sign_in(forced, new)
                return
            back = self._before_password or self.signin
            self._show(back, self._title_for(back))
            self.statusBar().showMessage("Your password is changed.", 10_000)

        store = self.session.store
        StoreOp(self, lambda: store.users.change_password(username, current, new)) \
            .busy(changing, "Changing your password…", view.button, view.cancel).ended(self._password_checked) \
            .success(changed).failure(view.show_error).run()

    def _password_change_cancelled(self) -> None:
        self.password_view.forget()
        if self._password_change_for is not None or self.session is None or self.session.user is None:
            self._password_change_for = None
            self._show(self.signin, "Sign in")
            self.signin.reset()
            return
        back = self._before_password or self.signin
        self._show(back, self._title_for(back))

    def apply_timing(self, timing: Any) -> None:
        """Use these idle-lock and vitals-reminder times from now on (start-up, or an admin saved them)."""
        self.timing = timing
        if self.session is not None:
            self.session.idle_lock_min = timing.idle_lock_min
            self.session.vitals_reminder_min = timing.vitals_every_min
        for ws in self.workspaces.values():
            ws.infusion.refresh_clock()

    def _arm_idle(self) -> None:
        """Someone is at the keyboard: the idle time starts again."""
        self.last_activity = self.clock.now()
        if self.session is not None and self.session.user is not None and not self.idle.isActive():
            self.idle.start()

    def check_idle(self) -> None:
        """Lock once the signed-in person has left the screen untouched for the idle-lock time."""
        if self.session is None or self.session.user is None:
            self.idle.stop()
            return
        if self.clock.now() - self.last_activity >= timedelta(minutes=self.session.idle_lock_min):
            self.lock(idle=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _activity() and self.stack.currentWidget() is not self._lock_card():
            self.last_activity = self.clock.now()
        return False

    @property
    def locked(self) -> bool:
        return self.screen_lock.engaged

    def lock(self, *, idle: bool = False) -> None:
        """Hide the screen, keep every unsaved field, save drafts now, and let nothing but the lock card act
        (infusiondesk_ui.lock.ScreenLock). `idle`: the idle time ran out, rather than the person locking it (Ctrl+L)."""
        if self.session is None or self.session.user is None or self.locked:
            return
        self._before_lock = self.stack.currentWidget()
        for ws in self.workspaces.values():
            ws.save_draft()
        self.lock_view.locked_for(self.session.user.full_name, idle=idle)
        self._show(self.lock_view, "Locked")
        self.screen_lock.engage([w for i in range(self.stack.count()) if (w := self.stack.widget(i)) is not None])
        self.lock_view.setFocus()

    def unlock(self, password: str) -> None:
        """The person who locked the screen types their password (checked off the UI thread against the session's
        own user, so no one else's password unlocks it); a session the store has ended shows why, and sign-out
        is the way on. Only this check reaches the lock card while locked (`StoreOp.while_locked`); every other
        result still waits for the unlock."""
        if self._checking_password or not self.locked:
            return
        card = self.lock_view
        if not password:  # Enter on the empty field: nothing to check, and no wrong attempt counted
            card.show_error("Type your password, then press Enter to unlock.")
            card.password.setFocus()
            return
        self._checking_password = True
        from infusiondesk_ui.operations import StoreOp
        from infusiondesk_ui.widgets.messages import MessageKind

        store, session = self.session.store, self.session.require_session()

        def checking(text: str) -> None:
            card.error.say(text, MessageKind.INFO)

        def refused(sentence: str) -> None:
            card.show_error(sentence)
            card.password.clear()
            card.password.setFocus()

        def confirmed(_: None) -> None:
            if not self.locked or self.session.signed_in is not session:
                return  # signed out meanwhile: nothing to unlock
            card.show_error("")
            card.password.clear()
            back = self._before_lock or self.signin
            self.screen_lock.release()
            for ws in self.workspaces.values():
                ws.infusion.refresh_clock()  # the clock and the vitals reminder as of now, not as of the lock
            self._show(back, self._title_for(back))
            self._arm_idle()

        StoreOp(self, lambda: store.users.confirm_password(session, password)).while_locked() \
            .busy(checking, "Checking your password…", card.password, card.button, card.switch) \
            .ended(self._password_checked).success(confirmed).failure(refused).run()

    def sign_out(self) -> None:
        self.screen_lock.discard()
        drafts = [job for ws in self.workspaces.values() if (job := ws.draft_job()) is not None]
        for ws in self.workspaces.values():
            ws.deleteLater()
        self.workspaces.clear()
        from infusiondesk_ui import warm_worker

        warm_worker.stop(30_000, signed_out=True)  # a signature in flight is stored; the next person gets a fresh one
        self._end_session(drafts)  # the drafts are saved first, in the same worker
        self.idle.stop()
        for a in self._user_actions():
            a.setEnabled(False)
        self.mobile.signed_out()
        self.status_label.setText("")
        self._show(self.signin, "Sign in")
        self.signin.reset()

    def _title_for(self, widget: QWidget) -> str:
        if widget is self.patients:
            return "Patients"
        if widget is self.report:
            return "Near-miss report"
        if widget is self.clinic_reports:
            return "Clinic reports"
        if widget is self.today_board:
            return "Today"
        if widget is self.queue:
            return "Awaiting my signature"
        if widget is self.follow_ups:
            return "Follow-ups due"
        if widget is self.users:
            return "Users"
        if widget is self.settings_view:
            return "Settings"
        if widget is self.patient_import:
            return "Import patients"
        if widget is self.price_list:
            return "Price list"
        if (mobile_title := self.mobile.title_for(widget)) is not None:
            return mobile_title
        if self.chart is not None and widget is self.chart and self.chart.patient is not None:
            return self.chart.patient.display_name
        for ws in self.workspaces.values():
            if widget is ws:
                return f"{ws.controller.patient.display_name} — visit"
        return "Sign in"

    def closeEvent(self, event: QCloseEvent) -> None:
        """Keep drafts, let store work already started (a step being saved, a note being signed) finish, then end
        the session, before the app goes. The app is closing: this waits for the store on the UI thread (the one
        place it does, by design). A sign-in granted but not yet shown is signed out too."""
        from infusiondesk_ui.ops import settle_for_closing, wait_all

        self.idle.stop()  # a closed window must not lock itself again later
        self.screen_lock.discard()  # first: nothing below may leave the app's key filter behind
        drafts = [job for ws in self.workspaces.values() if (job := ws.draft_job()) is not None]
        self._closed = True  # a sign-in outcome arriving after this is not shown: its session is ended below
        settle_for_closing(30_000)  # before the sign-out below: a step still being saved would be refused by it
        wait_all(30_000)
        if self.session is not None and self.session.signed_in is None and self._checked is not None:
            self.session.signed_in, self._checked = self._checked, None
        self._end_session(drafts, wait=True)
        super().closeEvent(event)

    def _end_session(self, drafts: Sequence[Callable[[], None]] = (), *, wait: bool = False) -> None:
        """Save the open visits' drafts (`drafts`, taken from the workspaces), then sign the session out in the
        store (its token is refused from then on), off the UI thread unless `wait` (closing the app)."""
        if self.session is None or self.session.signed_in is None:
            return  # no session, no drafts (a draft is taken only for a signed-in person)
        ended, self.session.signed_in = self.session.signed_in, None
        store = self.session.store

        def work() -> None:
            for save in drafts:
                save()
            try:
                store.users.sign_out(ended)
            except Exception as exc:  # the screen is signed out either way; the store's record of it is logged
                from infusiondesk import logs

                logs.unexpected(exc, "sign-out")

        if wait:
            work()
            return
        from infusiondesk_ui.operations import StoreOp

        StoreOp(self, work, busy_cursor=False).run()

    # --- screens ----------------------------------------------------------------------------------
    def show_patients(self) -> None:
        if self.patients is None:
            from infusiondesk_ui.views.patients import PatientListView

            self.patients = PatientListView(self.session)
            self.patients.open_patient.connect(self.show_chart)
        self._show(self.patients, "Patients")
        self.patients.search.setFocus()
        self.patients.search_now()

    def show_chart(self, patient: Any) -> None:
        if self.chart is None:
            from infusiondesk_ui.views.chart import ChartView

            self.chart = ChartView(self.session)
            self.chart.back.connect(self.show_patients)
            self.chart.new_visit.connect(self.new_visit)
            self.chart.open_visit.connect(self.open_visit)
        self.chart.show_patient(patient)
        self._show(self.chart, patient.display_name)
        self.chart.new_button.setFocus()
        self.mobile.note_if_out(patient)

    def show_users(self) -> None:
        if self.users is None:
            from infusiondesk_ui.views.users import UsersView

            self.users = UsersView(self.session)
        self.users.refresh()
        self._show(self.users, "Users")

    def show_import(self) -> None:
        """The admin's patient import (infusiondesk_ui.views.patient_import): check a file, then import it."""
        if self.patient_import is None:
            from infusiondesk_ui.views.patient_import import PatientImportView

            self.patient_import = PatientImportView(self.session)
        self.patient_import.forget_if_not(self.session.require_session().id)
        self._show(self.patient_import, "Import patients")

    def show_settings(self) -> None:
        if self.settings_view is None:
            from infusiondesk_ui.views.settings import SettingsView

            self.settings_view = SettingsView(self.session, self.settings)
            self.settings_view.saved.connect(self.apply_timing)
        self.settings_view.refresh()
        self._show(self.settings_view, "Settings")
        self.settings_view.setFocus()

    def show_price_list(self) -> None:
        if self.price_list is None:
            from infusiondesk_ui.views.price_list import PriceListView

            self.price_list = PriceListView(self.session)
            self.price_list.back.connect(self.show_users)
        self._show(self.price_list, "Price list")
        self.price_list.refresh()

    def show_report(self) -> None:
        if self.report is None:
            from infusiondesk_ui.views.report import OverrideReportView

            self.report = OverrideReportView(self.session)
            self.report.back.connect(self.show_patients)
        self.report.refresh()
        self._show(self.report, "Near-miss report")

    def show_clinic_reports(self) -> None:
        if self.clinic_reports is None:
            from infusiondesk_ui.views.clinic_reports import ClinicReportsView

            self.clinic_reports = ClinicReportsView(self.session)
            self.clinic_reports.back.connect(self._back_from_reports)
        self._show(self.clinic_reports, "Clinic reports")
        self.clinic_reports.refresh()

    def _back_from_reports(self) -> None:
        """An admin has no patient list: back goes to the users screen for them."""
        user = self.session.user
        if user is not None and user.role.value == "admin":
            self.show_users()
        else:
            self.show_patients()

    def show_today(self) -> None:
        if self.today_board is None:
            from infusiondesk_ui.views.worklists import TodayBoard

            self.today_board = TodayBoard(self.session)
            self.today_board.back.connect(self.show_patients)
            self.today_board.open_visit.connect(self.open_visit_id)
        self.today_board.refresh()
        self._show(self.today_board, "Today")

    def show_queue(self) -> None:
        if self.queue is None:
            from infusiondesk_ui.views.worklists import SignatureQueue

            self.queue = SignatureQueue(self.session)
            self.queue.back.connect(self.show_patients)
            self.queue.open_visit.connect(self.open_visit_id)
        self.queue.refresh()
        self._show(self.queue, "Awaiting my signature")

    def show_follow_ups(self) -> None:
        if self.follow_ups is None:
            from infusiondesk_ui.views.follow_ups import FollowUpList

            self.follow_ups = FollowUpList(self.session)
            self.follow_ups.back.connect(self.show_patients)
        self.follow_ups.refresh()
        self._show(self.follow_ups, "Follow-ups due")

    def open_next_in_queue(self) -> None:
        """From a visit (or anywhere), the next note waiting for my signature: one after another, no list. The
        queue and the next visit are read in one operation off the UI thread; Ctrl+J again meanwhile waits for it."""
        if self._finding_next:
            return
        if self.queue is None:
            from infusiondesk_ui.views.worklists import SignatureQueue

            self.queue = SignatureQueue(self.session)
            self.queue.back.connect(self.show_patients)
            self.queue.open_visit.connect(self.open_visit_id)
        from infusiondesk_ui.operations import StoreOp
        from infusiondesk_ui.visit_opening import NextInQueue, read_next

        current = self.stack.currentWidget()
        here = next((vid for vid, ws in self.workspaces.items() if ws is current), None)
        store, by, queue = self.session.store, self.session.require_session(), self.queue
        open_ids, shown = frozenset(self.workspaces), self._shown_patient()
        self._finding_next = True
        self._asks += 1
        ask = self._asks

        def found(got: NextInQueue) -> None:
            queue.show_rows(got.rows)
            if got.visit_id is None:
                self.statusBar().showMessage("No more notes are waiting for your signature.", 10_000)
            elif got.to_open is not None:
                self._open_read(got.to_open, ask)
            elif got.visit_id in self.workspaces:
                self._show_workspace(self.workspaces[got.visit_id], ask)

        StoreOp(self, lambda: read_next(queue.read, store, by, here, open_ids, shown)) \
            .busy(self._say, "Finding the next note to sign…").success(found).failure(self._refused) \
            .ended(lambda: setattr(self, "_finding_next", False)).run()

    def open_visit_id(self, visit_id: int) -> None:
        """Open the visit `visit_id` (a work list's choice): read off the UI thread, then its workspace."""
        if visit_id in self.workspaces:
            self._asks += 1
            self._show_workspace(self.workspaces[visit_id], self._asks)
            return
        self._read_and_open(visit_id)

    def new_visit(self) -> None:
        """The chart's New visit (Alt+N): the visit is created through the service off the UI thread and its
        workspace opened when it is; a second press meanwhile creates nothing (the button is off, keys wait)."""
        if self.chart is None or self.chart.patient is None or self._creating:
            return  # the chart's New visit button is the only caller: a patient is shown
        from infusiondesk_ui.operations import StoreOp
        from infusiondesk_ui.visit_opening import create_visit

        patient, service, store = self.chart.patient, self.session.service, self.session.store
        by = self.session.require_session()
        self._creating = True
        self._asks += 1
        ask = self._asks
        StoreOp(self, lambda: create_visit(service, store, by, patient), kind="visits") \
            .busy(self._say, f"Opening a new visit for {patient.display_name}…", self.chart.new_button) \
            .success(lambda read: self._opened_new(read, ask)).failure(self._refused) \
            .ended(lambda: setattr(self, "_creating", False)).run()

    def _opened_new(self, read: Any, ask: int) -> None:
        self._open_read(read, ask)
        if ask == self._asks:  # the new visit is on screen: a patient out on a laptop is said again, there
            self.mobile.note_if_out(read.patient)

    def open_visit(self, visit: Any) -> None:
        """Open (or return to) a visit's workspace; an open workspace keeps everything typed in it. A visit not
        open yet is read off the UI thread (the visit as stored now, its patient, the last weight), and its
        workspace built when that arrives; asking again meanwhile opens one workspace."""
        ws = self.workspaces.get(visit.id)
        if ws is not None:
            self._asks += 1
            self._show_workspace(ws, self._asks)
            return
        self._read_and_open(visit.id)

    # --- opening a visit (the reads in infusiondesk_ui.visit_opening, off the UI thread) ----------
    def _shown_patient(self) -> Any:
        return self.chart.patient if self.chart is not None else None

    def _say(self, text: str) -> None:
        self._said_opening = text
        self.statusBar().showMessage(text)

    def _refused(self, sentence: str) -> None:
        self.statusBar().showMessage(sentence, 10_000)

    def _read_and_open(self, visit_id: int) -> None:
        self._asks += 1
        ask = self._asks
        if visit_id in self._opening:
            self._opening_ask[visit_id] = ask  # already being read: that one opens it, as the latest ask
            return
        from infusiondesk_ui.operations import StoreOp
        from infusiondesk_ui.visit_opening import read_visit

        store, by, shown = self.session.store, self.session.require_session(), self._shown_patient()
        self._opening.add(visit_id)
        self._opening_ask[visit_id] = ask

        def ended() -> None:
            self._opening.discard(visit_id)

        StoreOp(self, lambda: read_visit(store, by, visit_id, shown)).busy(self._say, "Opening the visit…") \
            .success(lambda read: self._open_read(read, self._opening_ask.pop(visit_id, ask))) \
            .failure(self._refused).ended(ended).run()

    def _open_read(self, read: Any, ask: int) -> None:
        """Build the workspace from what was read (on the UI thread), unless one was opened meanwhile; show it if
        nothing else was asked for since."""
        ws = self.workspaces.get(read.visit.id)
        if ws is None:
            from infusiondesk_ui.views.visit_workspace import VisitWorkspace

            ws = VisitWorkspace(self.session, read.patient, read.visit, previous_weight_kg=read.previous_weight_kg)
            ws.back.connect(lambda p=read.patient: self.show_chart(p))
            ws.problem.screen_message = True  # the visit's message is about this visit only
            self.workspaces[read.visit.id] = ws
        self._show_workspace(ws, ask)

    def _show_workspace(self, ws: VisitWorkspace, ask: int) -> None:
        if ask != self._asks:
            return  # the nurse asked for something else while this was read: it waits, open, for its turn
        if self.statusBar().currentMessage() == self._said_opening:
            self.statusBar().clearMessage()  # "Opening…" is done; a note said meanwhile (out on a laptop) stays
        self._show(ws, f"{ws.controller.patient.display_name} — visit")
        ws.tabs.currentWidget().setFocus()


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
    from infusiondesk import logs

    logs.unexpected(exc.with_traceback(tb), "the app")
    sys.__excepthook__(kind, exc, tb)


def run(argv: Sequence[str], db: str | None = None, overrides: Mapping[str, int | None] | None = None,
        laptop: str | None = None) -> int:
    """Open the app; `overrides` ({"idle_lock_min": N, "vitals_every_min": N}) win over the settings file
    for this run. `laptop`: a laptop copy's file, opened with the password asked in a dialog (Cancel: exit 1)."""
    settings = WorkstationSettings(overrides)  # a bad override is refused before any window appears
    from infusiondesk import logs

    logs.configure()
    sys.excepthook = _log_uncaught  # an exception escaping a Qt slot goes to the log, not only to stderr
    app = QApplication.instance() or QApplication(list(argv))
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    if laptop is not None:
        from infusiondesk_ui.laptop_open import ask_laptop_url

        db = ask_laptop_url(Path(laptop))
        if db is None:
            return 1
    window = MainWindow(db=db, settings=settings, laptop=Path(laptop) if laptop is not None else None)
    window.show()
    # Activity is watched from the event loop's second turn, after the first frame (each event's type() builds
    # QEvent.Type's big Python enum); nobody is signed in before, and sign-in starts the idle time afresh.
    QTimer.singleShot(0, lambda: QTimer.singleShot(0, lambda: app.installEventFilter(window)))
    return int(app.exec())
