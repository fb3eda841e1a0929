"""The visit service: every step of a visit, re-derived and re-checked at the moment of action, in one
transaction (`VisitService`), and what callers hand it (`Step` and the typed entries)."""

from infusiondesk.clinic_time import local_date
from infusiondesk.service.entries import (
    AssessmentEntry,
    LocationEntry,
    OrderContext,
    OrderEntry,
    Preparation,
    SignedNote,
    Step,
)
from infusiondesk.service.signing import NoteMaker, sign_addendum_with_note, sign_with_note
from infusiondesk.service.visits import VisitService

__all__ = ["AssessmentEntry", "LocationEntry", "NoteMaker", "OrderContext", "OrderEntry", "Preparation", "SignedNote",
           "Step", "VisitService", "local_date", "sign_addendum_with_note", "sign_with_note"]
