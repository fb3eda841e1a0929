"""`make screenshots`: the main screens, rendered offscreen at 1280×800 into docs/screenshots/.

A demo clinic is made in a temporary database (two earlier visits for the chart's plots), then the app
is driven to each screen and grabbed with QWidget.grab(). To look at every screen at another size or in the
dark palette: `python -m infusiondesk_ui.screenshots DIR --size 1920x1080 --dark`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QWidget

DEMO_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCREENSHOT_CA_PASSPHRASE = "riverside vault granite"  # the clinic CA's own passphrase, not a login password


def _earlier_visit(store: Any, drug: Any, patient: Any, nurse: Any, doctor: Any, at: datetime, dose: str,
                   attacks: int, pain: tuple[int, int], effects: tuple[str, ...]) -> None:
    """A finished visit made through the visit service, for the chart's history and plots (completed and
    administered; the clinician's approval needs a signed note, which these earlier visits do without)."""
    from infusiondesk.records.models import (
        IVAccess,
        MigraineFeatures,
        SideEffect,
        SignatureMeaning,
        VitalSigns,
        VitalsPhase,
    )
    from infusiondesk.service import AssessmentEntry, OrderEntry, Preparation, Step, VisitService

    service = VisitService(store, drug)
    v = service.new_visit(nurse, patient.id)

    def step(who: Any, minutes: int) -> Any:
        return Step(who, v.id, v.version, at + timedelta(minutes=minutes))

    base = VitalSigns(at, 126, 80, 74, 16, 98, 36.7, pain[0], "present", VitalsPhase.BASELINE)
    v = service.assess(step(nurse, 0), AssessmentEntry(base, pain[0], MigraineFeatures(attacks_per_month=attacks),
                                                       {"heart_block": False, "myasthenia_gravis": False}))
    v = service.decide(step(doctor, 1), True, "")
    entry = OrderEntry(dose, concentration="2 g/50 mL", duration="30 min", weight="64 kg")
    calc = service.preview_order(v.id, entry, at, by=doctor)
    reasons = {f.code: "Earlier visit, reviewed" for f in calc.soft_findings}
    v = service.order(step(doctor, 2), OrderEntry(dose, concentration="2 g/50 mL", duration="30 min",
                                                  weight="64 kg", reasons=reasons))
    v = service.double_check(step(nurse, 3))
    v = service.prepare(step(nurse, 4), Preparation(True, True, "", False, IVAccess("L arm", "22 G", 1, "NK"),
                                                    "LOT-A1", date(2027, 1, 1), True,
                                                    pump_rate=calc.display()["rate"],
                                                    pump_vtbi=calc.display()["volume"]))
    v = service.start(step(nurse, 5))
    v = service.record_vitals(step(nurse, 20), VitalSigns(at + timedelta(minutes=20), 118, 76, 70, 15, 97,
                                                          pain_score=pain[0] - 2))
    for code in effects:
        v = service.log_side_effect(step(nurse, 21), SideEffect(code, at + timedelta(minutes=12), 1))
    assert v.dose_order is not None  # ordered above
    volume = v.dose_order.computed_dose.volume_ml
    v = service.stop(step(nurse, 35), volume, "")
    v = service.record_vitals(step(nurse, 66), VitalSigns(at + timedelta(minutes=66), 120, 78, 68, 15, 98,
                                                          pain_score=pain[1]))
    v = service.complete(step(nurse, 67), pain[1], "Home")
    service.sign(step(nurse, 68), SignatureMeaning.ADMINISTERED)


def demo_clinic(db: str) -> tuple[Any, Any, Any]:
    """A clinic with a nurse, a clinician and a few patients, one with two earlier visits."""
    from infusiondesk.drugs import load_drug
    from infusiondesk.records.models import Allergy, Clinic, PatientDetails, RenalStatus, Role, Sex
    from infusiondesk.store import Store
    from infusiondesk_ui.clock import FixedClock

    clock = FixedClock(DEMO_START - timedelta(days=60))
    store = Store.open(db, clock=clock.now)
    admin = store.clinic.setup(Clinic("Riverside Infusion Clinic", "1 River Road"), "admin", "Ada Admin",
                               "ward-office-key-1")
    store.users.create("nkim", "Noor Kim", Role.NURSE, "nurse-chair-pass-1", "RN", by=admin)
    store.users.create("drlee", "Dana Lee", Role.CLINICIAN, "doctor-sign-pass-1", "MD", by=admin)
    nurse = store.users.sign_in("nkim", "nurse-chair-pass-1")
    doctor = store.users.sign_in("drlee", "doctor-sign-pass-1")
    drug = load_drug()
    ana = store.patients.add(PatientDetails("MRN-0007", "Rivera", "Ana", date(1985, 6, 1), Sex.FEMALE, 64,
                                            (Allergy("penicillin", "rash"),), renal_status=RenalStatus.NORMAL,
                                            migraine_diagnosis=True), by=nurse)
    for p in (PatientDetails("MRN-0012", "Rivers", "Tom", date(1971, 2, 11), Sex.MALE, 82, no_known_allergies=True,
                             renal_status=RenalStatus.NORMAL),
              PatientDetails("MRN-0031", "Okafor", "Grace", date(1990, 9, 23), Sex.FEMALE, 58,
                             no_known_allergies=True, renal_status=RenalStatus.MODERATE, egfr_ml_min=48),
              PatientDetails("MRN-0044", "Lindqvist", "Erik", date(1964, 12, 5), Sex.MALE, 91,
                             (Allergy("latex"),), renal_status=RenalStatus.NORMAL)):
        store.patients.add(p, by=nurse)
    for days, dose, attacks, pain, effects in ((56, "1 g", 9, (8, 4), ("warmth",)),
                                               (28, "2 g", 6, (7, 2), ("flushing",))):
        at = DEMO_START - timedelta(days=days)
        clock._now = at
        _earlier_visit(store, drug, ana, nurse, doctor, at, dose, attacks, pain, effects)
    clock._now = DEMO_START
    from infusiondesk import enrolment

    enrolment.add_clinic_ca(store, admin, ca_passphrase=SCREENSHOT_CA_PASSPHRASE, now=clock.now())
    enrolment.issue_credential(store, admin, doctor.user, "doctor-sign-pass-1", ca_passphrase=SCREENSHOT_CA_PASSPHRASE,
                               now=clock.now())
    for session in (admin, nurse, doctor):
        store.users.sign_out(session)
    return store, drug, clock


def main(out_dir: str, size: tuple[int, int] = (1280, 800), dark: bool = False) -> int:
    """Render every screen into `out_dir` at `size` (width, height), in the dark palette when `dark`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from infusiondesk_ui import style
    from infusiondesk_ui.app import MainWindow
    from infusiondesk_ui.session import Session
    from infusiondesk_ui.views.visit_workspace import VisitWorkspace

    if dark:
        app.setPalette(style.dark_palette())
    style.apply(app)
    with tempfile.TemporaryDirectory() as tmp:
        store, drug, clock = demo_clinic(str(Path(tmp) / "demo.db"))
        window = MainWindow(Session(store=store, drug=drug, clock=clock))
        window.resize(*size)
        window.show()
        shots: list[str] = []

        def at_the_screen() -> None:
            """The demo clock jumps ahead while someone is at the keyboard: not a reason to idle-lock."""
            window.last_activity = clock.now()

        def done() -> None:
            """Wait until the screens' store work (visit steps, reads) has reported: it runs off the UI thread."""
            import time

            from infusiondesk_ui import operations

            while operations.pending():
                at_the_screen()
                app.processEvents()
                time.sleep(0.005)
            app.processEvents()

        def shot(name: str, widget: QWidget | None = None) -> None:
            done()
            at_the_screen()
            for _ in range(3):
                # widgets replaced with deleteLater() (old findings) go only in an event loop, which this script
                # never enters: without this they stayed painted under the new ones
                app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
                app.processEvents()
            (widget or window).grab().save(str(out / f"{name}.png"))
            shots.append(name)

        window.signin.username.setText("drlee")
        shot("01-sign-in")
        window.sign_in("drlee", "doctor-sign-pass-1")
        done()  # the password is checked off the UI thread
        window.patients.search.setText("riv")
        window.patients.search_now()
        done()  # read (or created) off the UI thread
        shot("02-patients")
        window.show_chart(store.patients.search("Rivera", by=window.session.require_session())[0])
        done()  # the history is read off the UI thread
        assert window.chart is not None
        window.chart.trends.setCurrentIndex(1)
        shot("03-chart")
        window.new_visit()
        done()  # read (or created) off the UI thread
        ws = window.stack.currentWidget()
        assert isinstance(ws, VisitWorkspace)
        a = ws.assessment
        for edit, text in ((a.vitals.systolic, "124"), (a.vitals.diastolic, "78"), (a.vitals.heart_rate, "72"),
                           (a.vitals.resp_rate, "16"), (a.vitals.spo2, "98"), (a.vitals.temperature, "36.8"),
                           (a.vitals.pain, "7"), (a.pain, "7"), (a.attacks, "4"), (a.hours, "14"),
                           (a.symptoms, "left-sided throbbing headache, nausea")):
            edit.setText(text)
        a.vitals.reflex.set_value("present")
        for key in ("heart_block", "myocardial_damage", "myasthenia_gravis", "hypermagnesemia"):
            a.questions[key].set_value(False)
        a.nausea.set_value(True)
        a.photophobia.set_value(True)
        a.record.click()
        shot("04-assessment")
        a.suitable.click()
        done()
        ws.tabs.setCurrentWidget(ws.dose)
        panel = ws.dose.panel
        panel.product.setCurrentIndex(panel.product.findData("premix-4g-100ml"))
        panel.dose.setText("3 g")
        panel.duration.setText("1 h")
        panel.findings.reason_edits["dose.max.soft"].setText("Refractory attack; neurology advised 3 g")
        shot("05-dose-soft-finding")
        if not dark:
            light = QPalette(app.palette())
            app.setPalette(style.dark_palette())  # the system switches to dark while the app runs
            shot("05-dark-dose-soft-finding")
            app.setPalette(light)
        panel.dose.setText("2 g")
        panel.duration.setText("10 min")
        shot("06-dose-hard-stop")
        ws.dose.order.click()  # refused, and on the near-miss report as a hard stop
        done()
        panel.product.setCurrentIndex(panel.product.findData("premix-2g-50ml"))
        panel.dose.setText("2 g")
        panel.duration.setText("30 min")
        ws.dose.order.click()
        done()
        ws.dose.check_by("nkim", "nurse-chair-pass-1")  # the nurse signs in and checks the clinician's order
        done()
        shot("06b-dose-ordered-and-checked")
        ws.tabs.setCurrentWidget(ws.infusion)
        r = ws.infusion.readiness
        for cb in (r.consent, r.allergies):
            cb.setChecked(True)
        for edit, text in ((r.weight, "64 kg"), (r.iv_site, "left antecubital"), (r.iv_gauge, "22 G"),
                           (r.iv_attempts, "1"), (r.iv_by, "Noor Kim RN"), (r.pump_rate, "50 mL/h"),
                           (r.pump_vtbi, "50 mL")):
            edit.setText(text)
        from infusiondesk.scan import gtin_from_ndc

        # the bag's DataMatrix as the scanner types it into the lot field: it fills lot and expiry
        r.lot.setText(f"(01){gtin_from_ndc('0409-6729-24')}(17)270630(10)LOT-2291A(21)SN58210")
        r.lot.editingFinished.emit()
        shot("07-readiness")  # the scan, and the bag volume keyed as the pump rate: a hard stop
        r.pump_rate.setText("100 mL/h")
        r.calcium.setChecked(True)
        shot("07b-readiness-ready")
        ws.infusion.start.click()
        done()
        clock.advance(minutes=12)
        ws.infusion.side_effects.choose("flushing")
        ws.infusion.side_effects.log.click()
        done()
        clock.advance(minutes=4)
        ws.infusion.side_effects.choose("warmth")
        ws.infusion.refresh_clock()
        shot("08-infusion-running")
        for edit, text in ((ws.infusion.vitals.systolic, "118"), (ws.infusion.vitals.diastolic, "74"),
                           (ws.infusion.vitals.heart_rate, "70"), (ws.infusion.vitals.resp_rate, "15"),
                           (ws.infusion.vitals.spo2, "97")):
            edit.setText(text)
        ws.infusion.vitals.resp_rate.setText("10")  # a toxicity sign: the alert stays on top until acknowledged
        ws.infusion.record_vitals.click()
        done()
        ws.infusion.side_effects.reset()
        from infusiondesk.records.models import AlertAction

        ws.infusion.alerts.action.set_value(AlertAction.CLINICIAN_INFORMED)
        ws.infusion.alerts.note.setText("Dr Lee at the chair; RR 14 on recount")
        shot("08b-infusion-alert")
        ws.infusion.alerts.button.click()
        done()
        clock.advance(minutes=14)
        ws.infusion.volume.setText("50 mL")
        ws.infusion.stop.click()
        done()
        clock.advance(minutes=30)  # observed after the infusion, with vital signs
        for edit, text in ((ws.infusion.vitals.systolic, "120"), (ws.infusion.vitals.diastolic, "76"),
                           (ws.infusion.vitals.heart_rate, "68"), (ws.infusion.vitals.resp_rate, "15"),
                           (ws.infusion.vitals.spo2, "98")):
            edit.setText(text)
        ws.infusion.record_vitals.click()
        done()
        ws.review.post_pain.setText("2")
        ws.review.discharge.setText("Headache 2/10; home with her partner")
        ws.review.complete.click()
        done()
        ws.tabs.setCurrentWidget(ws.review)
        ws.review.password.setText("doctor-sign-pass-1")
        ws.review.sign.click()
        docs = ws.review.documents
        shot("09a-review-signing")  # the visit is signed only once its signed note is stored
        while docs is not None and docs.busy:  # the signed PDF is made off the UI thread
            app.processEvents()
        done()  # then the signature is stored with it
        shot("09-review-signed")
        window.show_report()
        shot("10-near-miss-report")
        window.show_chart(store.patients.search("Rivera", by=window.session.require_session())[0])
        done()  # the history is read off the UI thread
        assert window.chart is not None
        window.chart.trends.setCurrentIndex(0)
        shot("11-chart-vitals-trend")
        window.show_today()
        shot("19-today")
        window.show_queue()
        shot("20-awaiting-my-signature")
        window.lock()
        shot("12-locked")
        window.unlock("doctor-sign-pass-1")
        clock.advance(minutes=60 * 18)
        window.open_visit(ws.visit)
        done()  # read (or created) off the UI thread
        ws.tabs.setCurrentWidget(ws.review)
        ws.review.addendum.setText("Phoned next morning: headache free; flushing resolved within 20 min.")
        ws.review.add_addendum.click()
        done()
        ws.review.password.setText("doctor-sign-pass-1")
        ws.review.sign.click()
        at_the_screen()
        while docs is not None and docs.busy:
            app.processEvents()
        done()
        bar = ws.review.summary.verticalScrollBar()
        bar.setValue(bar.maximum())
        shot("13-addendum-signed")
        window.sign_out()
        window.sign_in("admin", "ward-office-key-1")
        done()  # the password is checked off the UI thread
        shot("14-users")
        window.show_settings()
        shot("15-settings")
        window.sign_out()
        from infusiondesk_ui import screenshots_mobile

        screenshots_mobile.shoot(app, window, store, drug, clock, shot, size)  # 21-26: the mobile day
        window.signin.username.setText("nkim")
        for _ in range(10):  # wrong passwords until the account is locked out: the message must be whole
            window.sign_in("nkim", "not-the-password-at-all")
            done()  # the password is checked off the UI thread
            if "locked" in window.signin.error.text().lower():
                break
        shot("16-sign-in-locked-out")
        store.close()
    print("\n".join(f"{out / n}.png" for n in shots))
    return 0


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    try:
        return int(width), int(height)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a size; write it as WIDTHxHEIGHT, e.g. 1920x1080') from None


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m infusiondesk_ui.screenshots",
                                     description="Render the app's screens.")
    parser.add_argument("out_dir", nargs="?", default="docs/screenshots")
    parser.add_argument("--size", type=_size, default=(1280, 800), help="window size, e.g. 1920x1080")
    parser.add_argument("--dark", action="store_true", help="in the dark palette")
    args = parser.parse_args(argv)
    return main(args.out_dir, args.size, args.dark)


if __name__ == "__main__":
    raise SystemExit(cli(sys.argv[1:]))
