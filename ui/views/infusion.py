"""Step 3: the readiness checklist, then Start / Pause / Resume / Change rate / Stop with a live timer,
vital signs with a reminder every N minutes, side effects logged with their grade definitions, and open
toxicity alerts on top until acknowledged. Every step goes through the visit service.

Baseline vital signs are the ones charted with the assessment (or charted before the start), never a tick box.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from infusiondesk import display, workflow
from infusiondesk.errors import DomainError
from infusiondesk.pump_check import BAG_VOLUME_AS_RATE, pump_findings
from infusiondesk.records.location import MobileCover
from infusiondesk.records.models import AlertAction, Visit, VisitStatus, VitalsPhase
from infusiondesk.scan import ProductScan, check_scan
from infusiondesk.units import Kind, Q
from infusiondesk_ui.session import VisitController
from infusiondesk_ui.views.alerts import AlertBox
from infusiondesk_ui.views.checklist import ReadinessForm, parse_expiry
from infusiondesk_ui.views.location_form import LocationForm
from infusiondesk_ui.views.side_effect_form import DEFAULT_OUTCOME, SHORTCUT_SIDE_EFFECT, SideEffectForm
from infusiondesk_ui.views.vitals_form import VitalsForm
from infusiondesk_ui.widgets.forms import Form
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit, QuantityEdit

SHORTCUT_START = "F5"
SHORTCUT_PAUSE = "F6"
SHORTCUT_STOP = "F8"
SHORTCUT_VITALS = "F7"
__all__ = ["DEFAULT_OUTCOME", "InfusionView", "ReadinessForm", "SideEffectForm", "parse_expiry"]


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
        self.mobile_cover = MobileCover.EITHER
        session = controller.session
        self.location = LocationForm(session.zone, session.today, lambda: session.hhmm(session.clock.now()),
                                     home_address=controller.patient.address)
        self._location_shown: object = None
        self.readiness = ReadinessForm()
        self.readiness.scan_reader = self._read_scan
        self.alerts = AlertBox(controller.session.local)
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
        self.change_rate = QPushButton("C&hange rate")
        self.stop = QPushButton(f"S&top ({SHORTCUT_STOP})")
        self.volume = QuantityEdit(Kind.VOLUME, "volume infused (pump)", required=False, placeholder='"25 mL"')
        self.new_rate = QuantityEdit(Kind.RATE, "new rate", required=False, placeholder='"50 mL/h"')
        self.reason = EnterMovesOnLineEdit()
        self.reason.setAccessibleName("Reason for pause, rate change, early stop or over-infusion")
        self.reason.setPlaceholderText(OVER_INFUSION_HINT)
        self.vitals = VitalsForm("Vital signs during the infusion")
        self.record_vitals = QPushButton(f"Record &vitals ({SHORTCUT_VITALS})")
        self.side_effects = SideEffectForm(controller.session.local)
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
        self.baseline_note = QLabel()
        self.baseline_note.setObjectName("baselineVitalsNote")
        self.baseline_note.setWordWrap(True)
        vl.addWidget(self.baseline_note)
        vl.addWidget(self.vitals)
        vl.addWidget(self.record_vitals)
        vl.addWidget(self.vitals_log)
        right = QVBoxLayout()
        right.addWidget(self.alerts)
        right.addWidget(pump)
        right.addWidget(vit)
        right.addWidget(self.side_effects)
        right.addStretch(1)
        column = QWidget()
        column.setLayout(right)
        scroll = QScrollArea()  # an open alert makes the column taller than a 1280x800 screen: it scrolls
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # it scrolls down, never across
        scroll.setMinimumWidth(column.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        before = QWidget()  # where the visit is, then the checklist that depends on it; it scrolls at 1280x800
        before_start = QVBoxLayout(before)
        before_start.setContentsMargins(0, 0, 0, 0)
        before_start.addWidget(self.location)
        before_start.addWidget(self.readiness, 1)
        left = QScrollArea()
        left.setWidget(before)
        left.setWidgetResizable(True)
        left.setFrameShape(QFrame.Shape.NoFrame)
        left.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.setMinimumWidth(before.minimumSizeHint().width() + left.verticalScrollBar().sizeHint().width())
        lay = QHBoxLayout(self)
        lay.addWidget(left, 2)
        lay.addWidget(scroll, 3)
        self.location.record.clicked.connect(self.do_location)

        self.start.clicked.connect(self.do_start)
        self.pause.clicked.connect(self.do_pause)
        self.resume.clicked.connect(self.do_resume)
        self.change_rate.clicked.connect(self.do_change_rate)
        self.stop.clicked.connect(self.do_stop)
        self.record_vitals.clicked.connect(self.do_vitals)
        self.side_effects.log.clicked.connect(self.do_side_effect)
        self.side_effects.updateRequested.connect(
            lambda index, outcome, action, notes: self.c.run("update_side_effect", index, outcome, action, notes,
                                                             disable=self._actions()))
        self.alerts.acknowledge.connect(self.do_acknowledge)
        for key, slot in ((SHORTCUT_START, self.do_start), (SHORTCUT_PAUSE, self._pause_or_resume),
                          (SHORTCUT_STOP, self.do_stop), (SHORTCUT_VITALS, self._vitals_key),
                          (SHORTCUT_SIDE_EFFECT, self._side_effect_key)):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self.readiness.scan_changed.connect(self.refresh_problems)
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
        """Whether the clinic requires the double check (what the service enforces at the start), read off the UI
        thread. Until it arrives the stricter defaults stand (double check required, either cover); then the
        checklist's problems are said again under the clinic's own rules."""
        from infusiondesk_ui.operations import StoreOp

        store = self.c.session.store
        if store is None:
            return

        def arrived(rules: Any) -> None:
            self.double_check_required = bool(rules.double_check_required)
            self.mobile_cover = MobileCover(rules.mobile_cover)
            self.show_visit(self.c.visit)

        StoreOp(self, store.clinic.policy, busy_cursor=False).success(arrived).failure(self.c.problem.emit).run()

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

    def _actions(self) -> tuple[QWidget, ...]:
        """The buttons off while a step runs (a second press or Enter saves nothing; the keys check `running`)."""
        return (self.location.record, self.start, self.pause, self.resume, self.change_rate, self.stop,
                self.record_vitals, self.side_effects.log, self.side_effects.update_button, self.alerts.button)

    def _chart_reading(self, name: str, volume_ml: float, reason: str) -> None:
        """Pause or stop with the pump's volume; a reading the service finds impossible for the time is charted
        only after the nurse confirms it (then the same step again, confirmed). Once charted, the fields clear."""

        def charted(_visit: Visit) -> None:
            self.volume.clear()
            self.reason.clear()

        def refused(error: DomainError) -> None:
            message = error.message
            if asks_to_confirm(message) and self.confirm_volume(message):
                self.c.run(name, volume_ml, reason, confirmed=True, then=charted, disable=self._actions())

        self.c.run(name, volume_ml, reason, then=charted, refused=refused, disable=self._actions())

    def _pump_sentence(self) -> str:
        """Beside the readback: both numbers, and the bag volume keyed as the rate named (in short: the column is
        narrow; "Not ready" has the full sentences)."""
        order, pump = self.c.visit.dose_order, self.readiness.readback()
        computed = order.computed if order is not None else None
        if not pump.complete or computed is None or computed.rate_ml_per_h_pump is None:
            return ""
        found = {f.code for f in pump_findings(computed.rate_ml_per_h_pump, computed.volume_ml, pump,
                                               computed.bag_volume_ml)}
        if not found:
            return ""
        shown = computed.display
        slip = "The bag's volume was keyed as the rate. " if BAG_VOLUME_AS_RATE in found else ""
        return (f"{slip}Pump {pump.rate_text}, {pump.vtbi_text}; order {shown['rate']}, {shown['volume']}: "
                "reprogram the pump.")

    def _read_scan(self, text: str) -> ProductScan:
        """A scan against the library, the ordered product and the clinic's date (the service checks again)."""
        order = self.c.visit.dose_order
        return check_scan(self.c.session.drug, text, order.product_id if order is not None else None,
                          self.c.session.today())

    # --- actions ----------------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """What still stops the start, as the workflow's readiness rule reads the checklist as typed (the
        service checks again, with what it reads, when Start is pressed)."""
        visit = self.c.visit
        preview = dataclasses.replace(visit, readiness=self.readiness.readiness(visit.readiness.weight_kg_today))
        return workflow.readiness_problems(preview, self.c.patient, self.previous_weight_kg,
                                           self.c.session.today(),
                                           double_check_required=self.double_check_required,
                                           mobile_cover=self.mobile_cover)

    def refresh_problems(self, *_: object) -> None:
        started = self.c.visit.started_at
        if started is not None:
            self.readiness.problems.setText(f"Checklist complete; infusion started {self.c.session.hhmm(started)}.")
            return
        if self.c.visit.status in (VisitStatus.DRAFT, VisitStatus.ASSESSED):
            problems = self.problems()
            self.readiness.pump_check.show_message(self._pump_sentence())
            self.readiness.problems.setText("Ready to start." if not problems else
                                            "<b>Not ready:</b><ul style='margin:0'>" +
                                            "".join(f"<li>{p}</li>" for p in problems) + "</ul>")
            self.start.setToolTip("" if not problems else "\n".join(problems))
            self.start.setEnabled(not problems)

    def do_location(self) -> None:
        """Record where the visit happens (the service checks it); the checklist then shows what that needs."""
        entry = self.location.entry()
        if entry is None:
            self.location.departed.setFocus()
            return
        self.c.run("set_location", entry, disable=self._actions())

    def do_start(self) -> None:
        """Chart the checklist, then start: two steps of the service, each checked again there."""
        if self.c.running:  # a second F5 while the first is being saved
            return
        if not self.start.isEnabled():
            self.c.problem.emit("The infusion cannot start now: " + " ".join(self.problems()))
            return

        def prepared(_visit: Visit) -> None:
            self.c.run("start", disable=self._actions())

        self.c.run("prepare", self.readiness.preparation(), then=prepared, disable=self._actions())

    def do_pause(self) -> None:
        ml = self._volume_ml()
        if ml is not None:
            self._chart_reading("pause", ml, self.reason.text())

    def do_resume(self) -> None:
        self.c.run("resume", disable=self._actions())

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

        def changed(_visit: Visit) -> None:
            self.new_rate.clear()
            self.reason.clear()

        self.c.run("change_rate", self.new_rate.text().strip(), self.reason.text(), then=changed,
                   disable=self._actions())

    def do_stop(self) -> None:
        """Stop with the pump's volume; less than ordered, or more (an over-infusion), needs the reason."""
        ml = self._volume_ml()
        if ml is not None:
            self._chart_reading("stop", ml, self.reason.text().strip())

    def do_vitals(self) -> None:
        if not self.vitals.valid or self.vitals.empty:
            self.c.problem.emit(self.vitals.errors.text() or "Enter at least one vital sign.")
            self.vitals.systolic.setFocus()
            return
        user = self.c.session.require_user()
        # the service decides the phase (baseline, during, after) from the visit as it is saved
        self.c.run("record_vitals", self.vitals.vitals(self._now(), VitalsPhase.DURING, user.id),
                   then=lambda _visit: self.vitals.clear(), disable=self._actions())

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
        self.c.run("log_side_effect", effect, then=lambda _visit: self.side_effects.reset(), disable=self._actions())

    def do_acknowledge(self, action: AlertAction | None, note: str) -> None:
        if action is None:
            self.c.problem.emit("Choose what was done about the alert: infusion paused, infusion stopped, calcium "
                                "gluconate given, or clinician informed.")
            self.alerts.action.setFocus()
            return
        self.c.run("acknowledge", action, note, disable=self._actions())

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
            parts.append(f"{'ended' if clock.phase == 'stopped' else 'ends'} {self.c.session.hhmm(clock.planned_end)}")
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
        self.salt_line.setText((order.computed.shown("salt_and_elemental") if order.computed else "")
                               if order else "No dose ordered yet.")
        status = visit.status
        phase = workflow.infusion_clock(visit, self._now()).phase if order is not None else "not_started"
        before = status in (VisitStatus.DRAFT, VisitStatus.ASSESSED)
        alerting = any(a.open for a in visit.alerts)
        self.readiness.set_read_only(not before)
        if visit.location != self._location_shown:  # what is typed and not yet recorded stays typed
            self._location_shown = visit.location
            self.location.load(visit.location)
        self.location.set_read_only(not before)
        self.readiness.show_mobile(visit.location.mobile, self.mobile_cover)
        if before:  # today's weight is typed once: once charted, it is shown here, not asked again
            self.readiness.show_charted_weight(visit.readiness.weight_kg_today)
        self.start.setEnabled(before and not self.problems())
        self.pause.setEnabled(status is VisitStatus.INFUSING and phase == "running")
        self.resume.setEnabled(status is VisitStatus.INFUSING and phase == "paused" and not alerting)
        self.resume.setToolTip("An alert is not acknowledged: record what was done first." if alerting else "")
        self.change_rate.setEnabled(status is VisitStatus.INFUSING and phase == "running")
        self.stop.setEnabled(status is VisitStatus.INFUSING and phase in ("running", "paused"))
        editable = status is not VisitStatus.SIGNED
        self.alerts.show_visit(visit, editable)
        # vital signs are charted once per moment: before the start the baseline is the assessment's (tab 1)
        self.record_vitals.setEnabled(editable and not before)
        self.baseline_note.setVisible(before)
        if before:
            b = visit.assessment.vitals
            self.baseline_note.setText(
                "Baseline vital signs are charted once, on the assessment (Alt+1)"
                + (f": BP {b.systolic or '–'}/{b.diastolic or '–'}, HR {b.heart_rate or '–'}, "
                   f"RR {b.resp_rate or '–'}, SpO2 {b.spo2 or '–'} %." if b is not None else "; none yet.")
                + " This row charts the vital signs during and after the infusion.")
        self.side_effects.log.setEnabled(editable)
        self.side_effects.set_updatable(status in (VisitStatus.INFUSING, VisitStatus.COMPLETED))
        self.vitals.set_read_only(not editable or before)
        self.side_effects.show_logged(visit.side_effects)
        self.vitals_log.setText("<br>".join(
            f"{self.c.session.hhmm(v.taken_at)} {v.phase}: BP {v.systolic or '–'}/{v.diastolic or '–'}, "
            f"HR {v.heart_rate or '–'}, RR {v.resp_rate or '–'}, SpO2 {v.spo2 or '–'} %, "
            f"pain {v.pain_score if v.pain_score is not None else '–'}" for v in visit.vitals))
        self.refresh_problems()
        self.refresh_clock()
