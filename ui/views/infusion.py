"""Step 3: the readiness checklist, then Start / Pause / Resume / Change rate / Stop with a live timer,
vital signs with a reminder every N minutes, side effects logged with their grade definitions, and open
toxicity alerts on top until acknowledged. Every step goes through the visit service.

Baseline vital signs are the ones charted with the assessment (or charted before the start), never a tick box.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from infusiondesk import display, workflow
from infusiondesk.records.models import (
    AlertAction,
    IVAccess,
    Readiness,
    SideEffect,
    SideEffectAction,
    SideEffectOutcome,
    Visit,
    VisitStatus,
)
from infusiondesk.service import Preparation
from infusiondesk.units import Kind, Q
from ui.session import VisitController
from ui.views.alerts import AlertBox
from ui.views.vitals_form import VitalsForm
from ui.widgets.forms import ChoiceBox, Form
from ui.widgets.number_edit import NumberEdit
from ui.widgets.quantity_edit import EnterMovesOnLineEdit, ErrorLabel, QuantityEdit

SHORTCUT_START = "F5"
SHORTCUT_PAUSE = "F6"
SHORTCUT_STOP = "F8"
SHORTCUT_VITALS = "F7"
SHORTCUT_SIDE_EFFECT = "F9"
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_expiry(text: str) -> tuple[date | None, str]:
    """An expiry typed or scanned as YYYY-MM-DD; the message says what is wrong in words."""
    s = text.strip()
    if not s:
        return None, ""
    m = _DATE.match(s)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])), ""
        except ValueError:
            pass
    return None, f'Expiry "{s}" is not a date; enter it as year-month-day, such as 2027-03-31.'


class ReadinessForm(QGroupBox):
    """The checklist before Start; its problems come from workflow.readiness_problems, live."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Before the start", parent)
        self.consent = QCheckBox("Consent recorded")
        self.allergies = QCheckBox("Allergies reviewed with the patient")
        self.weight = QuantityEdit(Kind.WEIGHT, "today's weight", required=False, placeholder='"70 kg"')
        self.weight_ack = QCheckBox("Weight change acknowledged")
        self.iv_site = EnterMovesOnLineEdit()
        self.iv_site.setAccessibleName("IV site")
        self.iv_site.setPlaceholderText("left antecubital")
        self.iv_gauge = EnterMovesOnLineEdit()
        self.iv_gauge.setAccessibleName("IV gauge")
        self.iv_gauge.setPlaceholderText("22 G")
        self.iv_attempts = NumberEdit("IV attempts", "", "1")
        self.iv_by = EnterMovesOnLineEdit()
        self.iv_by.setAccessibleName("IV placed by")
        self.lot = EnterMovesOnLineEdit()
        self.lot.setAccessibleName("Lot number (scan or type)")
        self.lot.setPlaceholderText("scan the bag's barcode, or type the lot")
        self.expiry = EnterMovesOnLineEdit()
        self.expiry.setAccessibleName("Lot expiry date")
        self.expiry.setPlaceholderText("2027-03-31")
        self.expiry_error = ErrorLabel()
        self.calcium = QCheckBox("Calcium gluconate 10 % at the chair")
        form = Form()
        for w in (self.consent, self.allergies):
            form.add_wide(w)
        form.add("Today's &weight", self.weight, self.weight.error_label)
        form.add_wide(self.weight_ack)
        form.add("IV &site", self.iv_site)
        form.add("IV gauge", self.iv_gauge)
        form.add("IV attempts", self.iv_attempts, self.iv_attempts.error_label)
        form.add("IV placed by", self.iv_by)
        form.add("&Lot", self.lot)
        form.add("E&xpiry", self.expiry, self.expiry_error)
        form.add_wide(self.calcium)
        self.problems = QLabel()
        self.problems.setObjectName("readinessProblems")
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("What stops the start")
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.problems)
        self.expiry.textChanged.connect(lambda t: self.expiry_error.show_message(parse_expiry(t)[1]))
        for cb in self.checks():
            cb.setAccessibleName(cb.text())

    def checks(self) -> tuple[QCheckBox, ...]:
        return (self.consent, self.allergies, self.weight_ack, self.calcium)

    def inputs(self) -> tuple[QWidget, ...]:
        return (self.consent, self.allergies, self.weight, self.weight_ack, self.iv_site, self.iv_gauge,
                self.iv_attempts, self.iv_by, self.lot, self.expiry, self.calcium)

    def _iv_access(self) -> IVAccess | None:
        if not any(w.text().strip() for w in (self.iv_site, self.iv_gauge, self.iv_by, self.iv_attempts)):
            return None
        return IVAccess(site=self.iv_site.text().strip(), gauge=self.iv_gauge.text().strip(),
                        attempts=int(self.iv_attempts.value or 0), placed_by=self.iv_by.text().strip())

    def preparation(self) -> Preparation:
        """The checklist as charted, for the visit service; today's weight as typed (empty keeps what the
        order charted)."""
        return Preparation(consent=self.consent.isChecked(), allergies_reviewed=self.allergies.isChecked(),
                           weight=self.weight.text().strip(), weight_change_acknowledged=self.weight_ack.isChecked(),
                           iv=self._iv_access(), lot=self.lot.text().strip(),
                           expiry=parse_expiry(self.expiry.text())[0],
                           calcium_gluconate_at_chair=self.calcium.isChecked())

    def readiness(self, charted_weight_kg: float | None = None) -> Readiness:
        """The checklist as it would read once charted (for showing what still stops the start)."""
        weight = self.weight.quantity
        return Readiness(
            consent=self.consent.isChecked(), allergies_reviewed=self.allergies.isChecked(),
            weight_kg_today=float(weight.to("kg").magnitude) if weight is not None else charted_weight_kg,
            weight_change_acknowledged=self.weight_ack.isChecked(), iv_access=self._iv_access(),
            lot_number=self.lot.text().strip(), lot_expiry=parse_expiry(self.expiry.text())[0],
            calcium_gluconate_available=self.calcium.isChecked())

    def load(self, r: Readiness) -> None:
        self.consent.setChecked(r.consent)
        self.allergies.setChecked(r.allergies_reviewed)
        if r.weight_kg_today is not None:
            self.weight.setText(display.format_weight(Q(r.weight_kg_today, "kg")))
        self.weight_ack.setChecked(r.weight_change_acknowledged)
        if r.iv_access is not None:
            self.iv_site.setText(r.iv_access.site)
            self.iv_gauge.setText(r.iv_access.gauge)
            self.iv_attempts.set_value(r.iv_access.attempts)
            self.iv_by.setText(r.iv_access.placed_by)
        self.lot.setText(r.lot_number)
        self.expiry.setText(r.lot_expiry.isoformat() if r.lot_expiry else "")
        self.calcium.setChecked(r.calcium_gluconate_available)

    def state(self) -> dict[str, Any]:
        return {"checks": {cb.text(): cb.isChecked() for cb in self.checks()},
                "texts": {w.accessibleName(): w.text() for w in (self.weight, self.iv_site, self.iv_gauge,
                                                                 self.iv_attempts, self.iv_by, self.lot,
                                                                 self.expiry)}}

    def restore(self, state: dict[str, Any]) -> None:
        for cb in self.checks():
            cb.setChecked(bool(state.get("checks", {}).get(cb.text(), False)))
        for w in (self.weight, self.iv_site, self.iv_gauge, self.iv_attempts, self.iv_by, self.lot, self.expiry):
            w.setText(state.get("texts", {}).get(w.accessibleName(), ""))

    def set_read_only(self, ro: bool) -> None:
        for w in self.inputs():
            w.setEnabled(not ro)


DEFAULT_OUTCOME = SideEffectOutcome.ONGOING  # the honest default: it is logged while the nurse still watches


class SideEffectForm(QGroupBox):
    """Quick buttons for the common side effects; grade 1-5 with its definition; action and outcome."""

    QUICK = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Side effects", parent)
        self.catalogue = workflow.side_effect_catalogue()
        self.type = ChoiceBox("Side effect", (("choose…", None), *((t.name, t.code) for t in self.catalogue.types)))
        self.grade = ChoiceBox("Grade", tuple((f"Grade {g}", g) for g in range(1, 6)))
        self.definition = QLabel()
        self.definition.setObjectName("gradeDefinition")
        self.definition.setWordWrap(True)
        self.definition.setAccessibleName("Grade definition")
        self.action = ChoiceBox("Action taken", tuple((a.value.replace("_", " "), a) for a in SideEffectAction))
        self.outcome = ChoiceBox("Outcome", tuple((o.value, o) for o in SideEffectOutcome))
        self.notes = EnterMovesOnLineEdit()
        self.notes.setAccessibleName("Side effect notes")
        self.log = QPushButton(f"Log side effect ({SHORTCUT_SIDE_EFFECT})")
        quick = QHBoxLayout()
        self.quick_buttons: dict[str, QPushButton] = {}
        for t in self.catalogue.types[: self.QUICK]:
            b = QPushButton(t.name)
            b.setAccessibleName(f"Quick: {t.name}")
            b.clicked.connect(lambda _c=False, code=t.code: self.choose(code))
            quick.addWidget(b)
            self.quick_buttons[t.code] = b
        form = Form()
        form.add("Side &effect", self.type)
        form.add("&Grade", self.grade)
        form.add_wide(self.definition)
        form.add("Action taken", self.action)
        form.add("Outcome", self.outcome)
        form.add("Notes", self.notes)
        self.logged = QLabel("None logged.")
        self.logged.setObjectName("sideEffectsLogged")
        self.logged.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(quick)
        lay.addLayout(form)
        lay.addWidget(self.log)
        lay.addWidget(self.logged)
        self.type.currentIndexChanged.connect(self._define)
        self.grade.currentIndexChanged.connect(self._define)
        self.outcome.set_value(DEFAULT_OUTCOME)
        self._define()

    def choose(self, code: str) -> None:
        self.type.set_value(code)
        self.grade.setFocus()

    def _define(self, *_: object) -> None:
        code = self.type.value
        grade = int(self.grade.value)
        if code is None:
            self.definition.setText(f"Grade {grade}: {self.catalogue.generic[grade]}")
            return
        t = self.catalogue.type(code)
        text = t.definitions.get(grade) or "not a grade this side effect has"
        self.definition.setText(f"Grade {grade}: {text}")

    def side_effect(self, now: Any, by: int | None) -> SideEffect | None:
        if self.type.value is None:
            return None
        return SideEffect(type_code=self.type.value, onset_at=now, grade=int(self.grade.value),
                          action=SideEffectAction(self.action.value),
                          outcome=SideEffectOutcome(self.outcome.value), notes=self.notes.text().strip(),
                          recorded_by=by)

    def reset(self) -> None:
        self.type.setCurrentIndex(0)
        self.grade.setCurrentIndex(0)
        self.action.setCurrentIndex(0)
        self.outcome.set_value(DEFAULT_OUTCOME)
        self.notes.clear()

    def show_logged(self, effects: tuple[SideEffect, ...]) -> None:
        if not effects:
            self.logged.setText("None logged.")
            return
        names = {t.code: t.name for t in self.catalogue.types}
        self.logged.setText("<br>".join(
            f"{e.onset_at.astimezone():%H:%M} {names.get(e.type_code, e.type_code)}, grade {e.grade}, "
            f"{e.action.value.replace('_', ' ')}, {e.outcome.value}{': ' + e.notes if e.notes else ''}"
            for e in effects))


OVER_INFUSION_HINT = "why: pause, rate change, early stop, over-infusion"


def asks_to_confirm(message: str) -> bool:
    """Whether the service refused a pump reading only because it is more than the pump could give in the time
    (it is charted once the nurse confirms the reading; every other refusal stands)."""
    return "confirm the reading" in message


class InfusionView(QWidget):
    def __init__(self, controller: VisitController, previous_weight_kg: float | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.c = controller
        self.previous_weight_kg = previous_weight_kg
        self.double_check_required = True
        self.readiness = ReadinessForm()
        self.alerts = AlertBox()
        self.salt_line = QLabel()
        self.salt_line.setObjectName("infusionSaltLine")
        font = self.salt_line.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.salt_line.setFont(font)
        self.timer_label = QLabel("Not started.")
        self.timer_label.setObjectName("infusionClock")
        self.timer_label.setAccessibleName("Infusion clock")
        self.timer_label.setFont(font)
        self.reminder = QLabel()
        self.reminder.setObjectName("vitalsReminder")
        self.reminder.setVisible(False)
        self.start = QPushButton(f"&Start infusion ({SHORTCUT_START})")
        self.pause = QPushButton(f"&Pause ({SHORTCUT_PAUSE})")
        self.resume = QPushButton("&Resume")
        self.change_rate = QPushButton("&Change rate")
        self.stop = QPushButton(f"S&top ({SHORTCUT_STOP})")
        self.volume = QuantityEdit(Kind.VOLUME, "volume infused (pump)", required=False, placeholder='"25 mL"')
        self.new_rate = QuantityEdit(Kind.RATE, "new rate", required=False, placeholder='"50 mL/h"')
        self.reason = EnterMovesOnLineEdit()
        self.reason.setAccessibleName("Reason for pause, rate change, early stop or over-infusion")
        self.reason.setPlaceholderText(OVER_INFUSION_HINT)
        self.vitals = VitalsForm("Vital signs during the infusion")
        self.record_vitals = QPushButton(f"Record &vitals ({SHORTCUT_VITALS})")
        self.side_effects = SideEffectForm()
        self.vitals_log = QLabel()
        self.vitals_log.setObjectName("vitalsLog")
        self.vitals_log.setWordWrap(True)

        buttons = QHBoxLayout()
        for b in (self.start, self.pause, self.resume, self.change_rate, self.stop):
            buttons.addWidget(b)
        controls = Form()
        controls.add("Pump volume infused", self.volume, self.volume.error_label)
        controls.add("New rate", self.new_rate, self.new_rate.error_label)
        controls.add("Reason", self.reason)
        pump = QGroupBox("Infusion")
        pl = QVBoxLayout(pump)
        pl.addWidget(self.salt_line)
        pl.addWidget(self.timer_label)
        pl.addWidget(self.reminder)
        pl.addLayout(buttons)
        pl.addLayout(controls)
        vit = QGroupBox("Vital signs")
        vl = QVBoxLayout(vit)
        vl.addWidget(self.vitals)
        vl.addWidget(self.record_vitals)
        vl.addWidget(self.vitals_log)
        right = QVBoxLayout()
        right.addWidget(self.alerts)
        right.addWidget(pump)
        right.addWidget(vit)
        right.addWidget(self.side_effects)
        right.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addWidget(self.readiness, 2)
        lay.addLayout(right, 3)

        self.start.clicked.connect(self.do_start)
        self.pause.clicked.connect(self.do_pause)
        self.resume.clicked.connect(self.do_resume)
        self.change_rate.clicked.connect(self.do_change_rate)
        self.stop.clicked.connect(self.do_stop)
        self.record_vitals.clicked.connect(self.do_vitals)
        self.side_effects.log.clicked.connect(self.do_side_effect)
        self.alerts.acknowledge.connect(self.do_acknowledge)
        for key, slot in ((SHORTCUT_START, self.do_start), (SHORTCUT_PAUSE, self._pause_or_resume),
                          (SHORTCUT_STOP, self.do_stop), (SHORTCUT_VITALS, self._vitals_key),
                          (SHORTCUT_SIDE_EFFECT, self._side_effect_key)):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        for w in self.readiness.inputs():
            sig = getattr(w, "toggled", None) or w.textChanged  # type: ignore[attr-defined]
            sig.connect(self.refresh_problems)
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self.refresh_clock)
        self.tick.start()
        controller.visitChanged.connect(self.show_visit)
        self._read_policy()
        self.readiness.load(controller.visit.readiness)
        self.show_visit(controller.visit)

    # --- helpers ----------------------------------------------------------------------------------
    def _now(self) -> Any:
        return self.c.session.clock.now()

    def _read_policy(self) -> None:
        """Whether the clinic requires the double check (what the service enforces at the start)."""
        policy = getattr(self.c.session.store, "clinic_policy", None)
        if policy is not None:
            self.double_check_required = bool(policy().double_check_required)

    def _volume_ml(self) -> float | None:
        q = self.volume.quantity
        if q is None:
            self.c.problem.emit(self.volume.message or
                                'Enter the volume infused from the pump, such as "25 mL".')
            self.volume.setFocus()
            return None
        return float(q.to("mL").magnitude)

    def confirm_volume(self, message: str) -> bool:
        """Ask the nurse to re-read the pump and confirm a volume the pump could not have given in the time."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.warning(
            self, "InfusionDesk — confirm the pump reading",
            f"{message}\n\nIs the volume on the pump exactly what you typed? It is charted as read (an "
            "over-infusion counts in the dose given and is flagged on the note).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _chart_reading(self, name: str, volume_ml: float, reason: str) -> bool:
        """Pause or stop with the pump's volume; a reading the service finds impossible for the time is charted
        only after the nurse confirms it (then the same step again, confirmed)."""
        if self.c.run(name, volume_ml, reason):
            return True
        error = self.c.last_error
        if error is None or not asks_to_confirm(error.message) or not self.confirm_volume(error.message):
            return False
        return self.c.run(name, volume_ml, reason, confirmed=True)

    # --- actions ----------------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """What still stops the start, as the workflow's readiness rule reads the checklist as typed (the
        service checks again, with what it reads, when Start is pressed)."""
        visit = self.c.visit
        preview = dataclasses.replace(visit, readiness=self.readiness.readiness(visit.readiness.weight_kg_today))
        return workflow.readiness_problems(preview, self.c.patient, self.previous_weight_kg,
                                           self._now().astimezone().date(),
                                           double_check_required=self.double_check_required)

    def refresh_problems(self, *_: object) -> None:
        started = self.c.visit.started_at
        if started is not None:
            self.readiness.problems.setText(f"Checklist complete; infusion started {started.astimezone():%H:%M}.")
            return
        if self.c.visit.status in (VisitStatus.DRAFT, VisitStatus.ASSESSED):
            problems = self.problems()
            self.readiness.problems.setText("Ready to start." if not problems else
                                            "<b>Not ready:</b><ul style='margin:0'>" +
                                            "".join(f"<li>{p}</li>" for p in problems) + "</ul>")
            self.start.setToolTip("" if not problems else "\n".join(problems))
            self.start.setEnabled(not problems)

    def do_start(self) -> None:
        """Chart the checklist, then start: two steps of the service, each checked again there."""
        if not self.start.isEnabled():
            self.c.problem.emit("The infusion cannot start now: " + " ".join(self.problems()))
            return
        if self.c.run("prepare", self.readiness.preparation()):
            self.c.run("start")

    def do_pause(self) -> None:
        ml = self._volume_ml()
        if ml is not None and self._chart_reading("pause", ml, self.reason.text()):
            self.volume.clear()
            self.reason.clear()

    def do_resume(self) -> None:
        self.c.run("resume")

    def _pause_or_resume(self) -> None:
        if self.pause.isEnabled():
            self.do_pause()
        elif self.resume.isEnabled():
            self.do_resume()

    def do_change_rate(self) -> None:
        if not self.new_rate.text().strip():
            self.c.problem.emit('Enter the new pump rate in mL/h, such as "50 mL/h".')
            self.new_rate.setFocus()
            return
        if self.c.run("change_rate", self.new_rate.text().strip(), self.reason.text()):
            self.new_rate.clear()
            self.reason.clear()

    def do_stop(self) -> None:
        """Stop with the pump's volume; less than ordered, or more (an over-infusion), needs the reason."""
        ml = self._volume_ml()
        if ml is not None and self._chart_reading("stop", ml, self.reason.text().strip()):
            self.volume.clear()
            self.reason.clear()

    def do_vitals(self) -> None:
        if not self.vitals.valid or self.vitals.empty:
            self.c.problem.emit(self.vitals.errors.text() or "Enter at least one vital sign.")
            self.vitals.systolic.setFocus()
            return
        user = self.c.session.require_user()
        # the service decides the phase (baseline, during, after) from the visit as it is saved
        if self.c.run("record_vitals", self.vitals.vitals(self._now(), "during", user.id)):
            self.vitals.clear()

    def _vitals_key(self) -> None:
        if self.vitals.empty:
            self.vitals.systolic.setFocus()
        else:
            self.do_vitals()

    def do_side_effect(self) -> None:
        user = self.c.session.require_user()
        effect = self.side_effects.side_effect(self._now(), user.id)
        if effect is None:
            self.c.problem.emit("Choose the side effect first (a quick button or the list).")
            self.side_effects.type.setFocus()
            return
        if self.c.run("log_side_effect", effect):
            self.side_effects.reset()

    def do_acknowledge(self, action: AlertAction | None, note: str) -> None:
        if action is None:
            self.c.problem.emit("Choose what was done about the alert: infusion paused, infusion stopped, calcium "
                                "gluconate given, or clinician informed.")
            self.alerts.action.setFocus()
            return
        self.c.run("acknowledge", action, note)

    def _side_effect_key(self) -> None:
        if self.side_effects.type.value is None:
            first = next(iter(self.side_effects.quick_buttons.values()), None)
            (first or self.side_effects.type).setFocus()
        else:
            self.do_side_effect()

    def _stopped(self) -> bool:
        return any(e.kind.value == "stop" for e in self.c.visit.events)

    # --- display ----------------------------------------------------------------------------------
    def refresh_clock(self) -> None:
        visit = self.c.visit
        if visit.dose_order is None or not visit.events:
            self.timer_label.setText("Not started.")
            self.reminder.setVisible(False)
            return
        now = self._now()
        clock = workflow.infusion_clock(visit, now)
        elapsed = int(clock.elapsed_running_min)
        parts = [f"{clock.phase.replace('_', ' ').upper()}  {elapsed // 60:d}:{elapsed % 60:02d} running"]
        if clock.paused_min >= 1:
            parts.append(f"paused {int(clock.paused_min)} min")
        parts.append(f"{display.format_number(clock.volume_ml, 1)} of "
                     f"{display.format_number(clock.planned_volume_ml, 1)} mL")
        if clock.rate_ml_h:
            parts.append(display.format_volume_rate(Q(clock.rate_ml_h, "mL/h")))
        if clock.planned_end is not None:
            parts.append(f"{'ended' if clock.phase == 'stopped' else 'ends'} {clock.planned_end.astimezone():%H:%M}")
        self.timer_label.setText(" · ".join(parts))
        due = self.vitals_due(now)
        self.reminder.setVisible(due is not None)
        if due is not None:
            self.reminder.setText(f"Vital signs due: last taken {due} min ago (every "
                                  f"{self.c.session.vitals_reminder_min} min). Press {SHORTCUT_VITALS}.")

    def vitals_due(self, now: Any) -> int | None:
        """Minutes since the last vital signs when a reminder is due during a running or paused infusion."""
        visit = self.c.visit
        if visit.status is not VisitStatus.INFUSING or self._stopped():
            return None
        times = [v.taken_at for v in visit.vitals]
        if visit.assessment.vitals is not None:
            times.append(visit.assessment.vitals.taken_at)
        start = visit.started_at or now
        last = max([t for t in times if t >= start] or [start])
        minutes = int((now - last).total_seconds() // 60)
        return minutes if minutes >= self.c.session.vitals_reminder_min else None

    def show_visit(self, visit: Visit) -> None:
        order = visit.dose_order
        self.salt_line.setText(order.computed.get("display", {}).get("salt_and_elemental", "")
                               if order else "No dose ordered yet.")
        status = visit.status
        phase = workflow.infusion_clock(visit, self._now()).phase if order is not None else "not_started"
        before = status in (VisitStatus.DRAFT, VisitStatus.ASSESSED)
        alerting = any(a.open for a in visit.alerts)
        self.readiness.set_read_only(not before)
        if before and not self.readiness.weight.text() and visit.readiness.weight_kg_today is not None:
            self.readiness.weight.setText(display.format_weight(Q(visit.readiness.weight_kg_today, "kg")))
        self.start.setEnabled(before and not self.problems())
        self.pause.setEnabled(status is VisitStatus.INFUSING and phase == "running")
        self.resume.setEnabled(status is VisitStatus.INFUSING and phase == "paused" and not alerting)
        self.resume.setToolTip("An alert is not acknowledged: record what was done first." if alerting else "")
        self.change_rate.setEnabled(status is VisitStatus.INFUSING and phase == "running")
        self.stop.setEnabled(status is VisitStatus.INFUSING and phase in ("running", "paused"))
        editable = status is not VisitStatus.SIGNED
        self.alerts.show_visit(visit, editable)
        self.record_vitals.setEnabled(editable)
        self.side_effects.log.setEnabled(editable)
        self.vitals.set_read_only(not editable)
        self.side_effects.show_logged(visit.side_effects)
        self.vitals_log.setText("<br>".join(
            f"{v.taken_at.astimezone():%H:%M} {v.phase}: BP {v.systolic or '–'}/{v.diastolic or '–'}, "
            f"HR {v.heart_rate or '–'}, RR {v.resp_rate or '–'}, SpO2 {v.spo2 or '–'} %, "
            f"pain {v.pain_score if v.pain_score is not None else '–'}" for v in visit.vitals))
        self.refresh_problems()
        self.refresh_clock()
