"""The clinic's records as plain frozen values: patients, visits and everything charted in a visit.

These are the shared vocabulary of the store, the UI and the visit note. They hold no database or Qt
objects; the store maps them to tables and the UI draws them.

The names below load on first use (PEP 562), so a light submodule (records/statuses.py, records/computed.py) can be
imported without building every record class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infusiondesk import lazy

if TYPE_CHECKING:
    from infusiondesk.records.models import (
        Addendum,
        Allergy,
        Assessment,
        Clinic,
        DoseOrderRecord,
        DoubleCheck,
        InfusionEvent,
        InfusionEventKind,
        IVAccess,
        MigraineFeatures,
        Override,
        Patient,
        PatientDetails,
        PregnancyStatus,
        Readiness,
        RenalStatus,
        Role,
        Screening,
        SideEffect,
        SideEffectAction,
        SideEffectOutcome,
        Signature,
        SignatureMeaning,
        Suitability,
        User,
        UserSession,
        Visit,
        VisitStatus,
        VitalSigns,
    )

__all__ = [
    "Addendum", "Allergy", "Assessment", "Clinic", "DoseOrderRecord", "DoubleCheck", "IVAccess",
    "InfusionEvent", "InfusionEventKind", "MigraineFeatures", "Override", "Patient", "PatientDetails",
    "PregnancyStatus", "Readiness", "RenalStatus", "Role", "Screening", "SideEffect", "SideEffectAction",
    "SideEffectOutcome", "Signature", "SignatureMeaning", "Suitability", "User", "UserSession", "Visit",
    "VisitStatus", "VitalSigns",
]

__getattr__, __dir__ = lazy.exports(__name__, dict.fromkeys(__all__, "infusiondesk.records.models"), __all__)
