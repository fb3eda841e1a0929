"""One visit, in the order the work happens: assessment, dose, start and infusion, review and sign.

The identity banner stays on top; what is typed is autosaved as a draft (through the store) and nothing
is lost when switching tabs or screens.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from infusiondesk.records.models import Patient, Visit, VisitStatus
from infusiondesk_ui.session import Session, VisitController
from infusiondesk_ui.views.assessment import AssessmentView
from infusiondesk_ui.views.dose_step import DoseStep
from infusiondesk_ui.views.infusion import InfusionView
from infusiondesk_ui.views.review import ReviewView
from infusiondesk_ui.widgets.banner import IdentityBanner
from infusiondesk_ui.widgets.quantity_edit import ErrorLabel

AUTOSAVE_MS = 800


def draft_key(visit: Visit) -> str:
    return f"visit:{visit.id}"


class VisitWorkspace(QWidget):
    back = Signal()

    def __init__(self, session: Session, patient: Patient, visit: Visit, *, previous_weight_kg: float | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.controller = VisitController(session, patient, visit, self)
        self.banner = IdentityBanner()
        self.banner.show_patient(patient, session.today(), session.zone_label)
        self.status = QLabel()
        self.status.setObjectName("visitStatus")
        self.back_button = QPushButton("← &Chart")
        self.back_button.clicked.connect(self.back)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.status, 1)
        self.assessment = AssessmentView(self.controller)
        self.dose = DoseStep(self.controller)  # its preview reads age, weight and the 24 h total from the service
        self.infusion = InfusionView(self.controller, previous_weight_kg)
        self.review = ReviewView(self.controller)
        from infusiondesk_ui.documents import VisitDocuments

        self.review.documents = VisitDocuments(self.controller, self.review.doc_status, self.review.preview,
                                               self.review.export, self.review.print, self,
                                               also_disable=(self.review.sign, self.review.password))
        self.tabs = QTabWidget()
        self.tabs.addTab(self.assessment, "&1 Assessment")
        self.tabs.addTab(self.dose, "&2 Dose")
        self.tabs.addTab(self.infusion, "&3 Start and infusion")
        self.tabs.addTab(self.review, "&4 Review and sign")
        self.problem = ErrorLabel()
        self.problem.setObjectName("workflowProblem")
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addLayout(top)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.problem)
        self.controller.problem.connect(self.problem.show_message)
        self.controller.visitChanged.connect(self._visit_changed)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft)
        self._restoring = False  # the saved draft is being read
        self._edited_while_restoring = False  # typed meanwhile: the typing is newer than the saved draft
        self._draft_lock = threading.Lock()  # saves run in workers: one at a time, in the order taken
        self._draft_taken = 0
        self._draft_saved = 0
        self.assessment.load(visit)
        if visit.dose_order is not None:
            self.dose.panel.load_record(visit.dose_order)
        self.restore_draft()
        for w in self.findChildren(QWidget):
            for name in ("textChanged", "currentIndexChanged", "toggled"):
                sig = getattr(w, name, None)
                if sig is not None and hasattr(sig, "connect"):
                    with contextlib.suppress(RuntimeError, TypeError):
                        sig.connect(self._typed)
        self._visit_changed(visit)
        self.tabs.setCurrentIndex(self._tab_for(visit))

    @property
    def visit(self) -> Visit:
        return self.controller.visit

    def _tab_for(self, visit: Visit) -> int:
        if visit.status is VisitStatus.DRAFT:
            return 0
        if visit.status is VisitStatus.ASSESSED:
            order = visit.dose_order  # the dose tab until the order is approved and double-checked
            return 1 if order is None or order.approved_by is None or order.double_check is None else 2
        if visit.status is VisitStatus.INFUSING:
            return 2
        return 3

    def _visit_changed(self, visit: Visit) -> None:
        self.status.setText(f"Visit {visit.id} · {visit.status.value.upper()}"
                            f"{' · read-only' if visit.status is VisitStatus.SIGNED else ''}")
        self._schedule_autosave()

    def _typed(self, *_: Any) -> None:
        if self._restoring:
            self._edited_while_restoring = True
        self._schedule_autosave()

    def _schedule_autosave(self, *_: Any) -> None:
        if self.visit.status is not VisitStatus.SIGNED:
            self._autosave.start()

    def draft(self) -> dict[str, Any]:
        return {"visit_version": self.visit.version, "tab": self.tabs.currentIndex(),
                "assessment": self.assessment.state(), "dose": self.dose.panel.state(),
                "readiness": self.infusion.readiness.state(), "vitals": self.infusion.vitals.state(),
                "post_pain": self.review.post_pain.text(), "discharge": self.review.discharge.text()}

    def save_draft(self) -> None:
        """Keep what is typed as the signed-in person's draft, saved off the UI thread (`draft_job`)."""
        from infusiondesk_ui.operations import StoreOp

        job = self.draft_job()
        if job is not None:
            StoreOp(self, job, busy_cursor=False).failure(self.problem.show_message).run()

    def draft_job(self) -> Callable[[], None] | None:
        """What is typed now, as a save to run in a worker (sign-out runs it before ending the session). Saves
        are numbered as they are taken: a save taken earlier that reaches the store after a later one is
        skipped, so the latest text always wins. A session the store has ended (signed out elsewhere,
        deactivated) keeps nothing: the next step says so. None when no one is signed in, or while the saved
        draft is still being read and nothing was typed (the untouched form must not overwrite it)."""
        from infusiondesk.auth import AuthError

        session = self.session.signed_in
        if session is None or (self._restoring and not self._edited_while_restoring):
            return None
        self._draft_taken += 1
        number, key, drafts = self._draft_taken, draft_key(self.visit), self.session.store.drafts
        state = None if self.visit.status is VisitStatus.SIGNED else self.draft()

        def save() -> None:
            with self._draft_lock:
                if number <= self._draft_saved:
                    return  # a later save has been made already
                try:
                    if state is None:
                        drafts.discard(key, by=session)
                    else:
                        drafts.save(key, state, by=session)
                except AuthError:
                    return
                finally:
                    self._draft_saved = number

        return save

    def restore_draft(self) -> None:
        """Read the saved draft off the UI thread; what it holds is put back in the fields when it arrives."""
        from infusiondesk_ui.operations import StoreOp

        session = self.session.signed_in
        if session is None:
            return
        self._restoring = True
        key, drafts = draft_key(self.visit), self.session.store.drafts

        def done() -> None:
            self._restoring = False

        StoreOp(self, lambda: drafts.load(key, by=session), busy_cursor=False).ended(done) \
            .success(self._put_back).failure(self.problem.show_message).run()

    def _put_back(self, state: dict[str, Any] | None) -> None:
        """The saved draft into the fields, unless something was typed while it was read (that is newer, and
        already saved over it)."""
        if not state or self.visit.status is VisitStatus.SIGNED or self._edited_while_restoring:
            return
        if self.visit.status in (VisitStatus.DRAFT, VisitStatus.ASSESSED):
            self.assessment.restore(state.get("assessment", {}))
            if self.visit.dose_order is None:
                self.dose.panel.restore(state.get("dose", {}))
            self.infusion.readiness.restore(state.get("readiness", {}))
        self.infusion.vitals.restore(state.get("vitals", {}))
        self.review.post_pain.setText(state.get("post_pain", ""))
        self.review.discharge.setText(state.get("discharge", ""))
