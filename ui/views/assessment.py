"""Step 1: the assessment, with the screening result and its reasons shown live; the clinician decides."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from infusiondesk import workflow
from infusiondesk.drugs.vocabulary import FACTS_FROM_VITALS
from infusiondesk.records.models import MigraineFeatures, Role, Screening, Visit, VisitStatus, VitalsPhase
from infusiondesk.service import AssessmentEntry
from infusiondesk.workflow.screening import SCREENING_QUESTIONS
from infusiondesk_ui.session import VisitController
from infusiondesk_ui.views.vitals_form import VitalsForm
from infusiondesk_ui.widgets.forms import YES_NO, ChoiceBox, Form
from infusiondesk_ui.widgets.number_edit import NumberEdit
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit, ErrorLabel

_LEVEL_WORDS = {"contraindication": "CONTRAINDICATION", "caution": "Caution", "info": "Note"}
# Screening questions answered by the baseline vital signs row (the vocabulary's FACTS_FROM_VITALS): asked once,
# there (one place per charted value).
ANSWERED_BY_VITALS = FACTS_FROM_VITALS


def screening_html(found: tuple[Screening, ...]) -> str:
    if not found:
        return "Screening: nothing found against the drug library's rules."
    rows = "".join(f"<li><b>{_LEVEL_WORDS.get(s.level, s.level)}:</b> {s.message} "
                   f"<span style='color:gray'>(source: {s.source})</span></li>" for s in found)
    return f"<ul style='margin:0'>{rows}</ul>"


def _diagnosis_choices() -> tuple[tuple[str, str | None], ...]:
    """The migraine diagnoses the clinic bills (infusiondesk/data/billing_codes.toml), after "not chosen"."""
    from infusiondesk.billing.codes import billing_codes

    listed = tuple((f"{c.code} — {c.description}", c.code) for c in billing_codes().diagnoses.values())
    return (("not chosen", None), *listed)


class AssessmentView(QWidget):
    def __init__(self, controller: VisitController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.c = controller
        self.vitals = VitalsForm("Baseline vital signs")
        self.vitals.leave_out(self.vitals.pain)  # pain is charted once: "Pain before" below
        self.pain = NumberEdit("Pain before treatment", "0-10", "7")
        self.attacks = NumberEdit("Migraine attacks per month", "", "4")
        self.hours = NumberEdit("This attack, hours so far", "h", "12", integer=False)
        self.aura = ChoiceBox("Aura", YES_NO)
        self.nausea = ChoiceBox("Nausea", YES_NO)
        self.photophobia = ChoiceBox("Light sensitivity", YES_NO)
        self.phonophobia = ChoiceBox("Sound sensitivity", YES_NO)
        self.symptoms = EnterMovesOnLineEdit()
        self.symptoms.setAccessibleName("Current symptoms")
        self.symptoms.setMinimumWidth(320)
        self.diagnosis = ChoiceBox("Diagnosis (ICD-10-CM)", _diagnosis_choices())
        # The ICD-10 descriptions are long: the box keeps the form's width (the infusion column must fit 1280 px)
        # and shows the code and the start of the words; the open list shows them whole.
        self.diagnosis.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.diagnosis.setMinimumContentsLength(28)
        self.diagnosis.view().setMinimumWidth(self.diagnosis.view().sizeHintForColumn(0) + 24)
        self.questions: dict[str, ChoiceBox | NumberEdit] = {}
        form = Form()
        form.add("Pain before (0-10)", self.pain, self.pain.error_label)
        form.add("Attacks per month", self.attacks, self.attacks.error_label)
        form.add("Hours into this attack", self.hours, self.hours.error_label)
        for box in (self.aura, self.nausea, self.photophobia, self.phonophobia):
            form.add(box.accessibleName(), box)
        form.add("Current symptoms", self.symptoms)
        form.add("Diagnosis (ICD-10)", self.diagnosis)
        qform = Form()
        for q in SCREENING_QUESTIONS:
            if q.key in ANSWERED_BY_VITALS:
                continue
            if q.kind == "number":
                edit = NumberEdit(q.text, "", "0.9" if "magnesium" in q.key else "16", integer=q.key == "resp_rate")
                qform.add(q.text, edit, edit.error_label)
                edit.textChanged.connect(self._rescreen)
                self.questions[q.key] = edit
            else:
                choice = ChoiceBox(q.text, YES_NO if q.kind == "bool"
                                   else (("not checked", None), *((c, c) for c in q.choices)))
                qform.add(q.text, choice)
                choice.currentIndexChanged.connect(self._rescreen)
                self.questions[q.key] = choice
        self.screening = QLabel()
        self.screening.setObjectName("screeningResult")
        self.screening.setWordWrap(True)
        self.screening.setTextFormat(Qt.TextFormat.RichText)
        self.screening.setAccessibleName("Screening result")
        self.record = QPushButton("Record &assessment")
        self.record.clicked.connect(self.record_assessment)
        self.suitable_reason = EnterMovesOnLineEdit()
        self.suitable_reason.setAccessibleName("Reason for the suitability decision")
        self.suitable_reason.setPlaceholderText("Needed when unsuitable, or suitable despite a contraindication")
        self.suitable = QPushButton("Clinician: patient is &suitable")
        self.unsuitable = QPushButton("Clinician: &not suitable")
        self.suitable.clicked.connect(lambda: self.decide(True))
        self.unsuitable.clicked.connect(lambda: self.decide(False))
        self.decision = QLabel()
        self.decision.setObjectName("suitabilityDecision")
        self.decision.setWordWrap(True)
        self.problem = ErrorLabel()

        vbox = QGroupBox("Baseline vital signs")
        QVBoxLayout(vbox).addWidget(self.vitals)
        left = QGroupBox("Pain and migraine")
        left.setLayout(form)
        right = QGroupBox("Screening questions")
        rl = QVBoxLayout(right)
        rl.addLayout(qform)
        rl.addWidget(self.screening)
        row = QHBoxLayout()
        row.addWidget(left, 1)
        row.addWidget(right, 1)
        decide = QHBoxLayout()
        decide.addWidget(self.record)
        decide.addWidget(self.suitable_reason, 1)
        decide.addWidget(self.suitable)
        decide.addWidget(self.unsuitable)
        lay = QVBoxLayout(self)
        lay.addWidget(vbox)
        lay.addLayout(row)
        lay.addWidget(self.problem)
        lay.addLayout(decide)
        lay.addWidget(self.decision)
        lay.addStretch(1)
        self.vitals.reflex.currentIndexChanged.connect(self._rescreen)
        self.vitals.resp_rate.textChanged.connect(self._rescreen)
        controller.visitChanged.connect(self.show_visit)
        self.show_visit(controller.visit)

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, w in self.questions.items():
            value = w.value
            if value is not None:
                out[key] = value
        if self.vitals.resp_rate.value is not None:
            out["resp_rate"] = self.vitals.resp_rate.value
        if self.vitals.reflex.value is not None:
            out["patellar_reflex"] = self.vitals.reflex.value
        return out

    def _rescreen(self, *_: object) -> None:
        found = self.c.try_(lambda: workflow.screen(self.c.patient, self.answers(), self.c.session.drug))
        if found is not None:
            self.screening.setText(screening_html(found))

    def entry(self) -> AssessmentEntry:
        """The assessment as typed; its vital signs become the charted baseline."""
        user = self.c.session.require_user()
        now = self.c.session.clock.now()
        pain = int(self.pain.value) if self.pain.value is not None else None
        vitals = None if self.vitals.empty else dataclasses.replace(
            self.vitals.vitals(now, VitalsPhase.BASELINE, user.id), pain_score=pain)
        migraine = MigraineFeatures(
            attacks_per_month=int(self.attacks.value) if self.attacks.value is not None else None,
            duration_hours=float(self.hours.value) if self.hours.value is not None else None,
            aura=self.aura.value, nausea=self.nausea.value, photophobia=self.photophobia.value,
            phonophobia=self.phonophobia.value, current_symptoms=self.symptoms.text().strip())
        return AssessmentEntry(vitals=vitals, pain_score=pain, migraine=migraine, answers=self.answers(),
                               diagnosis_code=self.diagnosis.value or "")

    def record_assessment(self) -> None:
        bad = [w.message for w in (*self.vitals.numbers, self.pain, self.attacks, self.hours) if w.message]
        if bad:
            self.problem.show_message(bad[0])
            return
        self.c.run("assess", self.entry(), disable=self._actions())

    def decide(self, suitable: bool) -> None:
        self.c.run("decide", suitable, self.suitable_reason.text(), disable=self._actions())

    def _actions(self) -> tuple[QWidget, ...]:
        """Off while a step runs: a second press or Enter saves nothing."""
        return (self.record, self.suitable, self.unsuitable)

    def show_visit(self, visit: Visit) -> None:
        a = visit.assessment
        if a.assessed_at is not None:
            self.screening.setText(screening_html(a.screening))
        else:
            self._rescreen()
        s = a.suitability
        if s is None:
            self.decision.setText(a.withdrawn or ("Suitability: not yet decided by a clinician." if a.assessed_at
                                                  else "Record the assessment, then a clinician decides "
                                                  "suitability."))
        else:
            self.decision.setText(f"Suitability: {'SUITABLE' if s.suitable else 'NOT SUITABLE'}"
                                  f"{' — ' + s.reason if s.reason else ''} ({self.c.session.hhmm(s.decided_at)})")
        user = self.c.session.user
        clinician = user is not None and user.role is Role.CLINICIAN
        editable = visit.status in (VisitStatus.DRAFT, VisitStatus.ASSESSED)
        self.record.setEnabled(editable)
        for b in (self.suitable, self.unsuitable):
            b.setEnabled(editable and clinician and a.assessed_at is not None)
            b.setToolTip("" if clinician else "Only a clinician decides suitability.")
        self.vitals.set_read_only(not editable)

    def load(self, visit: Visit) -> None:
        """Fill the fields from a recorded assessment (reopening a visit)."""
        a = visit.assessment
        if a.assessed_at is None:
            return
        self.vitals.show_vitals(a.vitals)
        self.pain.set_value(a.pain_score if a.pain_score is not None else
                            a.vitals.pain_score if a.vitals is not None else None)
        self.attacks.set_value(a.migraine.attacks_per_month)
        self.hours.set_value(a.migraine.duration_hours)
        self.aura.set_value(a.migraine.aura)
        self.nausea.set_value(a.migraine.nausea)
        self.photophobia.set_value(a.migraine.photophobia)
        self.phonophobia.set_value(a.migraine.phonophobia)
        self.symptoms.setText(a.migraine.current_symptoms)
        self.diagnosis.set_value(a.diagnosis_code or None)
        for key, w in self.questions.items():
            if key in a.answers:
                if isinstance(w, NumberEdit):
                    w.set_value(a.answers[key])
                else:
                    w.set_value(a.answers[key])

    def state(self) -> dict[str, Any]:
        return {"vitals": self.vitals.state(), "pain": self.pain.text(), "attacks": self.attacks.text(),
                "hours": self.hours.text(), "symptoms": self.symptoms.text(),
                "choices": {k: w.value for k, w in (("aura", self.aura), ("nausea", self.nausea),
                                                    ("photophobia", self.photophobia),
                                                    ("phonophobia", self.phonophobia))},
                "answers": {k: (w.text() if isinstance(w, NumberEdit) else w.value)
                            for k, w in self.questions.items()},
                "reason": self.suitable_reason.text(), "diagnosis": self.diagnosis.value}

    def restore(self, state: dict[str, Any]) -> None:
        self.vitals.restore(state.get("vitals", {}))
        self.pain.setText(state.get("pain", ""))
        self.attacks.setText(state.get("attacks", ""))
        self.hours.setText(state.get("hours", ""))
        self.symptoms.setText(state.get("symptoms", ""))
        self.suitable_reason.setText(state.get("reason", ""))
        self.diagnosis.set_value(state.get("diagnosis"))
        for k, box in (("aura", self.aura), ("nausea", self.nausea), ("photophobia", self.photophobia),
                       ("phonophobia", self.phonophobia)):
            box.set_value(state.get("choices", {}).get(k))
        for k, w in self.questions.items():
            v = state.get("answers", {}).get(k)
            if isinstance(w, NumberEdit):
                w.setText(v or "")
            else:
                w.set_value(v)
