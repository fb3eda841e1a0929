"""Where a visit happens: in the clinic's chairs, or a mobile visit at the patient's home or office.

A mobile visit carries the address the nurse went to and the travel times (left, arrived), printed near the top of
the note; the readiness checklist asks more of it (workflow/readiness.py `mobile_problems`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class VisitSetting(StrEnum):
    """In clinic (the default), or mobile at the patient's home or office."""

    CLINIC = "clinic"
    HOME = "home"
    OFFICE = "office"

    @property
    def mobile(self) -> bool:
        return self is not VisitSetting.CLINIC

    @property
    def label(self) -> str:
        """The setting as the note and the screens say it."""
        return {VisitSetting.CLINIC: "In clinic", VisitSetting.HOME: "Mobile visit at the patient's home",
                VisitSetting.OFFICE: "Mobile visit at the patient's office"}[self]


class MobileCover(StrEnum):
    """Who keeps a nurse on a mobile visit from being alone with a high-alert infusion: the clinic's policy
    (an admin's choice, audited) says which of these the readiness checklist requires."""

    SECOND_PERSON = "second_person"    # a second person present for the infusion
    PHONE_CHECK_IN = "phone_check_in"  # a phone check-in with the clinic arranged
    EITHER = "either"                  # one or the other

    @property
    def label(self) -> str:
        return {MobileCover.SECOND_PERSON: "A second person present",
                MobileCover.PHONE_CHECK_IN: "A phone check-in arranged",
                MobileCover.EITHER: "A second person present or a phone check-in arranged"}[self]


@dataclass(frozen=True)
class VisitLocation:
    """Recorded by the visit service's `set_location` step (validated there); times are UTC-aware."""

    setting: VisitSetting = VisitSetting.CLINIC
    address: str = ""
    departed_at: datetime | None = None  # the nurse left for the visit
    arrived_at: datetime | None = None   # the nurse arrived at the address
    recorded_by: int | None = None
    recorded_at: datetime | None = None

    @property
    def mobile(self) -> bool:
        return self.setting.mobile
