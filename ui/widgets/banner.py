"""The identity banner: name, MRN, age, weight and allergies, on every screen of a patient."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from infusiondesk import display
from infusiondesk.records.models import Patient
from infusiondesk.units import Q


def allergy_text(patient: Patient) -> str:
    if patient.allergies:
        return "Allergies: " + ", ".join(
            f"{a.substance} ({a.reaction})" if a.reaction else a.substance for a in patient.allergies)
    return "No known allergies" if patient.no_known_allergies else "Allergies NOT RECORDED"


def identity_text(patient: Patient, today: date) -> str:
    weight = display.format_weight(Q(patient.weight_kg, "kg")) if patient.weight_kg else "weight not recorded"
    return (f"{patient.display_name}   MRN {patient.mrn}   {patient.age_on(today)} y {patient.sex}   "
            f"born {patient.date_of_birth:%d %b %Y}   {weight}")


STACKED = "ỄẪỖỆẶǺÅ"  # Vietnamese letters with two marks stacked (and Å): taller than the font's ascent


def _diacritic_room(label: QLabel) -> tuple[int, int, int]:
    """(top, right, bottom) room so a name such as "Nguyễn" keeps both marks of Ễ: a label is as tall as the
    font's line, and a stacked mark above the ascent was clipped, leaving Ê. Bottom room keeps the text centred."""
    metrics = label.fontMetrics()
    above = max(0, -metrics.tightBoundingRect(STACKED).top() - metrics.ascent()) + 1
    return above, 0, above


class IdentityBanner(QFrame):
    """Always visible above a patient's screens, so nobody charts on the wrong patient."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("identityBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.identity = QLabel()
        self.identity.setObjectName("identityText")
        # Not selectable: a selectable label draws through a text layout that clips each line to the font's
        # ascent, which cut the tilde off Ễ ("Nguyễn" read "Nguyên"); the accessible description has the text.
        self.identity.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        font = self.identity.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)  # big enough that the marks of Ễ stay apart
        self.identity.setFont(font)
        self.identity.setContentsMargins(0, *_diacritic_room(self.identity))
        self.allergies = QLabel()
        self.allergies.setObjectName("allergyText")
        self.zone = QLabel()  # "Times in Europe/Dublin": said once on each patient screen
        self.zone.setObjectName("clinicZone")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(self.identity, 1)
        lay.addWidget(self.allergies)
        lay.addWidget(self.zone)
        self.setAccessibleName("Patient identity")

    def show_patient(self, patient: Patient, today: date, zone_label: str = "") -> None:
        """`today` is the clinic's date (the age depends on it); `zone_label` names the zone screen times are in."""
        self.identity.setText(identity_text(patient, today))
        self.zone.setText(zone_label)
        self.allergies.setText(allergy_text(patient))
        self.allergies.setProperty("alert", bool(patient.allergies) or not patient.no_known_allergies)
        self.setAccessibleDescription(f"{identity_text(patient, today)}. {allergy_text(patient)}")
