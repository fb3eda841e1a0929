"""One visit, in the order the work happens: assessment, dose, start and infusion, review and sign.

The identity banner stays on top; what is typed is autosaved as a draft (through the store) and nothing
is lost when switching tabs or screens.
"""

from __future__ import annotations

import contextlib
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
        self.assessment.load(visit)
        if visit.dose_order is not None:
            self.dose.panel.load_record(visit.dose_order)
        self.restore_draft()
        for w in self.findChildren(QWidget):
            for name in ("textChanged", "currentIndexChanged", "toggled"):
                sig = getattr(w, name, None)
                if sig is not None and hasattr(sig, "connect"):
                    with contextlib.suppress(RuntimeError, TypeError):
                        sig.connect(self._schedule_autosave)
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

    def _schedule_autosave(self, *_: Any) -> None:
        if self.visit.status is not VisitStatus.SIGNED:
            self._autosave.start()

    def draft(self) -> dict[str, Any]:
        return {"visit_version": self.visit.version, "tab": self.tabs.currentIndex(),
                "assessment": self.assessment.state(), "dose": self.dose.panel.state(),
                "readiness": self.infusion.readiness.state(), "vitals": self.infusion.vitals.state(),
                "post_pain": self.review.post_pain.text(), "discharge": self.review.discharge.text()}

    def save_draft(self) -> None:
        """Keep what is typed as the signed-in person's draft. A session the store has ended (signed out
        elsewhere, deactivated) keeps nothing: the next step says so."""
        from infusiondesk.auth import AuthError

        session = self.session.signed_in
        if session is None:
            return
        try:
            if self.visit.status is VisitStatus.SIGNED:
                self.session.store.drafts.discard(draft_key(self.visit), by=session)
                return
            self.session.store.drafts.save(draft_key(self.visit), self.draft(), by=session)
        except AuthError:
            return

    def restore_draft(self) -> None:
        session = self.session.signed_in
        if session is None:
            return
        state = self.session.store.drafts.load(draft_key(self.visit), by=session)
        if not state or self.visit.status is VisitStatus.SIGNED:
            return
        if self.visit.status in (VisitStatus.DRAFT, VisitStatus.ASSESSED):
            self.assessment.restore(state.get("assessment", {}))
            if self.visit.dose_order is None:
                self.dose.panel.restore(state.get("dose", {}))
            self.infusion.readiness.restore(state.get("readiness", {}))
        self.infusion.vitals.restore(state.get("vitals", {}))
        self.review.post_pain.setText(state.get("post_pain", ""))
        self.review.discharge.setText(state.get("discharge", ""))
