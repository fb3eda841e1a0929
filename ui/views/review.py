"""Step 4: after the infusion (pain after, discharge notes), the whole visit for review, and signing.

Signing re-asks the password and shows what the signature means; a signed visit is read-only and gains
"Add addendum". An addendum waits for its signature (its author or a clinician, password again, meaning shown);
signing it makes the next version of the signed note. Export and Print use the newest signed note.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from infusiondesk import display, workflow
from infusiondesk.records.models import Role, Signature, SignatureMeaning, Visit, VisitStatus
from infusiondesk.units import Q
from infusiondesk_ui.operations import StoreOp
from infusiondesk_ui.session import VisitController
from infusiondesk_ui.widgets.banner import allergy_text
from infusiondesk_ui.widgets.number_edit import NumberEdit
from infusiondesk_ui.widgets.quantity_edit import EnterMovesOnLineEdit


def _quiet(_text: str) -> None:
    """The password check shows it is busy by the pointer and its disabled buttons."""


MEANINGS = {
    SignatureMeaning.REVIEWED_APPROVED: "By signing you confirm you reviewed this whole visit and approve it as "
                                        "the clinical record. The signed visit can no longer be edited; later "
                                        "changes are addenda.",
    SignatureMeaning.ADMINISTERED: "By signing you confirm you administered this infusion as charted.",
    SignatureMeaning.ADDENDUM: "By signing you confirm this addendum is accurate. It becomes part of the record as "
                               "a new version of the signed visit note, which supersedes the earlier version; the "
                               "earlier version is kept unchanged.",
}


def visit_summary_html(visit: Visit, controller: VisitController) -> str:
    """The visit as the reviewer reads it: every section, in the order the work happened."""
    p = controller.patient
    a = visit.assessment
    e = html.escape
    local = controller.session.local
    rows: list[str] = [f"<h3>{e(p.display_name)} · MRN {e(p.mrn)}</h3><p>{e(allergy_text(p))}</p>",
                       f"<p><b>Status:</b> {visit.status.value}</p>"]
    if a.assessed_at is not None:
        v = a.vitals
        vit = (f"BP {v.systolic}/{v.diastolic}, HR {v.heart_rate}, RR {v.resp_rate}, SpO2 {v.spo2} %"
               if v is not None else "no baseline vitals")
        rows.append(f"<p><b>Assessment</b> ({local(a.assessed_at):%H:%M}): pain {a.pain_score}, {vit}.</p>")
        if a.screening:
            rows.append("<ul>" + "".join(f"<li>{e(s.level)}: {e(s.message)}</li>" for s in a.screening) + "</ul>")
        if a.suitability is not None:
            rows.append(f"<p><b>Suitability:</b> {'suitable' if a.suitability.suitable else 'NOT suitable'}"
                        f" {e(a.suitability.reason)}</p>")
    if visit.dose_order is not None:
        o = visit.dose_order
        d = o.computed.display if o.computed else {}
        rows.append(f"<p><b>Dose:</b> {e(d.get('salt_and_elemental', o.dose_text))}; {e(d.get('volume', ''))} at "
                    f"{e(d.get('rate', ''))} ({e(d.get('dose_rate', ''))}) over {e(d.get('duration', ''))}.</p>")
        for ov in o.overrides:
            rows.append(f"<p>Warning passed: {e(ov.message)} <i>Reason: {e(ov.reason)}</i></p>")
    if visit.readiness.lot_number:
        rows.append(f"<p><b>Lot</b> {e(visit.readiness.lot_number)}, expires {visit.readiness.lot_expiry}.</p>")
    for ev in visit.events:
        rate = f" at {ev.rate_ml_h:g} mL/h" if ev.rate_ml_h else ""
        vol = f", {ev.volume_infused_ml:g} mL infused" if ev.volume_infused_ml is not None else ""
        rows.append(f"<p>{local(ev.at):%H:%M} {ev.kind.value.replace('_', ' ')}{rate}{vol}"
                    f"{' — ' + e(ev.reason) if ev.reason else ''}</p>")
    if visit.side_effects:
        names = {t.code: t.name for t in workflow.side_effect_catalogue().types}
        rows.append("<p><b>Side effects:</b> " + "; ".join(
            f"{local(s.onset_at):%H:%M} {e(names.get(s.type_code, s.type_code))} grade {s.grade} "
            f"({s.action.value.replace('_', ' ')}, {s.outcome.value})" for s in visit.side_effects) + "</p>")
    if visit.dose_order is not None and visit.events:
        given = display.format_mass(Q(workflow.dose_given_g(visit), "g"))
        rows.append(f"<p><b>Given:</b> {given} {controller.session.drug.name}.</p>")
    for al in visit.alerts:
        done = (f"acknowledged {local(al.acknowledged_at):%H:%M}: {al.action.value.replace('_', ' ')}"
                f"{' — ' + e(al.note) if al.note else ''}" if al.acknowledged_at is not None and al.action
                else "<b>NOT acknowledged</b>")
        rows.append(f"<p><b>Alert</b> {local(al.raised_at):%H:%M}: {e(al.message)} ({done})</p>")
    if visit.status in (VisitStatus.COMPLETED, VisitStatus.SIGNED):
        rows.append(f"<p><b>Pain after:</b> {visit.post_pain_score}. {e(visit.discharge_notes)}</p>")
    for s in visit.signatures:
        rows.append(f"<p><b>{e(s.meaning.value)}</b> {e(s.signer_name)} {e(s.credentials)}, "
                    f"{local(s.signed_at):%d %b %Y %H:%M}</p>")
    for ad in visit.addenda:
        sig = ad.signature
        state = (f"signed by {e(sig.signer_name)} {e(sig.credentials)}, {local(sig.signed_at):%d %b %H:%M}"
                 if sig is not None else "<b>awaiting signature</b>")
        rows.append(f"<p><b>Addendum</b> {local(ad.at):%d %b %H:%M}: {e(ad.text)} ({state})</p>")
    return "".join(rows)


class ReviewView(QWidget):
    def __init__(self, controller: VisitController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.c = controller
        self.post_pain = NumberEdit("Pain after", "0-10", "2")
        self.discharge = EnterMovesOnLineEdit()
        self.discharge.setAccessibleName("Discharge notes")
        self.complete = QPushButton("Co&mplete visit")
        done = QGroupBox("After the infusion")
        dl = QHBoxLayout(done)
        dl.addWidget(QLabel("Pain after (0-10)"))
        dl.addWidget(self.post_pain)
        dl.addWidget(self.post_pain.error_label)
        dl.addWidget(QLabel("Discharge notes"))
        dl.addWidget(self.discharge, 1)
        dl.addWidget(self.complete)
        self.summary = QTextBrowser()
        self.summary.setAccessibleName("Visit summary for review")
        self.meaning = QLabel()
        self.meaning.setWordWrap(True)
        self.meaning.setObjectName("signatureMeaning")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Your password, to sign")
        self.sign = QPushButton("Si&gn visit")
        self.read_only = QLabel()
        self.read_only.setObjectName("readOnlyNotice")
        sign_box = QGroupBox("Review and sign")
        sl = QVBoxLayout(sign_box)
        sl.addWidget(self.meaning)
        row = QHBoxLayout()
        row.addWidget(QLabel("Password"))
        row.addWidget(self.password, 1)
        row.addWidget(self.sign)
        sl.addLayout(row)
        sl.addWidget(self.read_only)
        self.addendum = EnterMovesOnLineEdit()
        self.addendum.setAccessibleName("Addendum text")
        self.addendum.setPlaceholderText("A later fact or correction; the signed record itself is not changed")
        self.add_addendum = QPushButton("Add a&ddendum")
        self.export = QPushButton("E&xport PDF…")
        self.print = QPushButton("&Print…")
        self.preview = QPushButton("Pre&view")
        self.receipt = QPushButton("R&eceipt…")
        self.pay = QPushButton("Record pa&yment…")
        self.money_status = QLabel()
        self.money_status.setObjectName("moneyStatus")
        self.money_status.setWordWrap(True)
        self.doc_status = QLabel()
        self.doc_status.setObjectName("documentStatus")
        self.doc_status.setWordWrap(True)
        add_row = QHBoxLayout()
        add_row.addWidget(self.addendum, 1)
        add_row.addWidget(self.add_addendum)
        docs = QHBoxLayout()
        for b in (self.preview, self.export, self.print):
            docs.addWidget(b)
        docs.addWidget(self.doc_status, 1)
        money = QHBoxLayout()
        money.addWidget(self.receipt)
        money.addWidget(self.pay)
        money.addWidget(self.money_status, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(done)
        lay.addWidget(self.summary, 1)
        lay.addWidget(sign_box)
        lay.addLayout(add_row)
        lay.addLayout(docs)
        lay.addLayout(money)
        self.complete.clicked.connect(self.do_complete)
        self.sign.clicked.connect(self.do_sign)
        self.password.returnPressed.connect(self.do_sign)
        self.add_addendum.clicked.connect(self.do_addendum)
        self.documents: Any = None  # infusiondesk_ui.documents.VisitDocuments, set by the workspace
        self.checking = False  # a password is being checked off the UI thread
        from infusiondesk_ui.receipts import VisitBilling

        self.billing = VisitBilling(controller, self.money_status, self.receipt, self.pay, self)
        controller.visitChanged.connect(self.show_visit)
        self.show_visit(controller.visit)

    def _meaning(self) -> SignatureMeaning:
        if self.c.visit.status is VisitStatus.SIGNED:
            return SignatureMeaning.ADDENDUM
        user = self.c.session.user
        return (SignatureMeaning.REVIEWED_APPROVED if user is not None and user.role is Role.CLINICIAN
                else SignatureMeaning.ADMINISTERED)

    def do_complete(self) -> None:
        if not self.post_pain.valid:
            self.c.problem.emit(self.post_pain.message)
            return
        pain = int(self.post_pain.value) if self.post_pain.value is not None else None
        self.c.run("complete", pain, self.discharge.text(), disable=self._actions())

    def _with_password(self, then: Callable[[str], None]) -> None:
        """`then(password)` once the password typed (cleared from the field) is found to be the signed-in
        person's, checked off the UI thread (the hash is slow on purpose); else the reason is said."""
        s = self.c.session
        store, session = s.store, s.require_session()
        password = self.password.text()
        self.password.clear()
        if not password:  # nothing typed is not a wrong password: it must not count towards the lockout
            self.c.problem.emit("Not signed: type your password in the Password field to sign.")
            self.password.setFocus()
            return
        self.checking = True
        # checked against the session's own user: no one else's password can sign as them
        StoreOp(self, lambda: store.users.confirm_password(session, password)) \
            .busy(_quiet, "", *self._actions()).ended(self._checked).success(lambda _: then(password)) \
            .failure(lambda sentence: self.c.problem.emit(f"Not signed: {sentence}")).run()

    def _checked(self) -> None:
        self.checking = False

    def do_sign(self) -> None:
        """Sign the visit, or, on a signed visit, the addendum waiting for its signature. "Administered by" is
        saved at once; "Reviewed and approved by" is saved with its signed note, made first off the UI thread."""
        if (self.documents is not None and self.documents.busy) or self.c.running or self.checking:
            return
        if self.c.visit.status is VisitStatus.SIGNED:
            self.do_sign_addendum()
            return
        meaning = self._meaning()

        def sign(password: str) -> None:
            if meaning is SignatureMeaning.ADMINISTERED:
                self.c.run("sign", meaning, disable=self._actions())
            elif self.documents is None:
                self.c.problem.emit("Not signed: the signed PDF note is not available in this installation, and "
                                    "a visit is approved only with its signed note.")
            else:
                self.documents.sign(meaning, password)

        self._with_password(sign)

    def do_sign_addendum(self) -> None:
        index = workflow.unsigned_addendum(self.c.visit)
        if index is None:
            self.c.problem.emit("No addendum is waiting for a signature.")
            return

        def sign(password: str) -> None:
            if self.documents is None:
                self.c.problem.emit("Not signed: the signed PDF note is not available in this installation, and "
                                    "an addendum is signed only with its signed note.")
                return
            self.documents.sign(SignatureMeaning.ADDENDUM, password, addendum=index)

        self._with_password(sign)

    def do_addendum(self) -> None:

        def added(_visit: Visit) -> None:
            self.addendum.clear()
            self.password.setFocus()  # next: the signature (password again, the meaning shown above it)

        self.c.run("add_addendum", self.addendum.text(), then=added, disable=self._actions())

    def _actions(self) -> tuple[QWidget, ...]:
        """Off while a step runs: a second press or Enter saves nothing."""
        return (self.complete, self.sign, self.password, self.add_addendum)

    def _own_administered(self, visit: Visit) -> Signature | None:
        """The signed-in person's "Administered by" signature on this visit, if they made one."""
        user = self.c.session.user
        return next((s for s in visit.signatures if user is not None and s.signer_id == user.id
                     and s.meaning is SignatureMeaning.ADMINISTERED), None)

    def show_visit(self, visit: Visit) -> None:
        self.summary.setHtml(visit_summary_html(visit, self.c))
        signed = visit.status is VisitStatus.SIGNED
        infusing = visit.status is VisitStatus.INFUSING
        self.complete.setEnabled(infusing)
        if visit.status in (VisitStatus.COMPLETED, VisitStatus.SIGNED):  # as charted at completion
            self.post_pain.set_value(visit.post_pain_score)
            self.discharge.setText(visit.discharge_notes)
        self.post_pain.setReadOnly(not infusing)
        self.discharge.setReadOnly(not infusing)
        meaning = self._meaning()
        self.meaning.setText(f"<b>Signature meaning: “{meaning.value}”.</b> {MEANINGS[meaning]}")
        self.meaning.setTextFormat(Qt.TextFormat.RichText)
        waiting = workflow.unsigned_addendum(visit) if signed else None
        busy = self.documents is not None and self.documents.busy
        administered = self._own_administered(visit) if meaning is SignatureMeaning.ADMINISTERED else None
        can_sign = ((visit.status is VisitStatus.COMPLETED and administered is None) or waiting is not None) \
            and not busy
        self.sign.setText("Si&gn addendum" if signed else "Si&gn visit")
        self.sign.setEnabled(can_sign)
        self.password.setEnabled(can_sign)
        self.password.setAccessibleName("Your password, to sign the addendum" if signed
                                        else "Your password, to sign")
        self.addendum.setVisible(signed)
        self.add_addendum.setVisible(signed)
        self.addendum.setEnabled(waiting is None)
        self.add_addendum.setEnabled(waiting is None)
        if waiting is not None:
            self.read_only.setText("Signed: this visit is read-only. An addendum is waiting for its signature "
                                   "(its author or a clinician); sign it before writing another.")
        elif administered is not None:
            self.read_only.setText(f"You signed “Administered by” at {self.c.session.hhmm(administered.signed_at)} "
                                   f"({administered.signer_name} {administered.credentials}). The visit now waits "
                                   "for a clinician's “Reviewed and approved by”.")
        else:
            self.read_only.setText("Signed: this visit is read-only. Add an addendum for any later change."
                                   if signed else "")
