"""The visit workflow: pure steps from one frozen visit to the next, each refused with a clear sentence.

draft -> assessed -> infusing -> completed -> signed. No I/O and no clock: `now` is always passed in
(timezone-aware UTC). The store saves what these functions return; the UI calls them and shows their errors.
"""

from infusiondesk.workflow.assessment import decide_suitability, record_assessment
from infusiondesk.workflow.charting import complete, log_side_effect, record_vitals, update_side_effect
from infusiondesk.workflow.clock import InfusionClock, dose_given_g, infusion_clock, magnesium_given_g
from infusiondesk.workflow.errors import WorkflowError
from infusiondesk.workflow.guards import check_transition, ensure_editable
from infusiondesk.workflow.infusion import (
    InfusionState,
    change_rate,
    infusion_state,
    over_infused_ml,
    pause,
    resume,
    start_infusion,
    stop,
)
from infusiondesk.workflow.ordering import amend_order, approve_order, double_check, order_dose
from infusiondesk.workflow.readiness import readiness_problems
from infusiondesk.workflow.screening import SCREENING_QUESTIONS, ScreeningQuestion, screen
from infusiondesk.workflow.side_effects import SideEffectCatalogue, SideEffectType, side_effect_catalogue
from infusiondesk.workflow.signing import (
    add_addendum,
    note_version,
    sign,
    sign_addendum,
    signed_versions,
    unsigned_addendum,
)

__all__ = [
    "SCREENING_QUESTIONS",
    "InfusionClock",
    "InfusionState",
    "ScreeningQuestion",
    "SideEffectCatalogue",
    "SideEffectType",
    "WorkflowError",
    "add_addendum",
    "amend_order",
    "approve_order",
    "change_rate",
    "check_transition",
    "complete",
    "decide_suitability",
    "dose_given_g",
    "double_check",
    "ensure_editable",
    "infusion_clock",
    "infusion_state",
    "log_side_effect",
    "magnesium_given_g",
    "note_version",
    "order_dose",
    "over_infused_ml",
    "pause",
    "readiness_problems",
    "record_assessment",
    "record_vitals",
    "resume",
    "screen",
    "side_effect_catalogue",
    "sign",
    "sign_addendum",
    "signed_versions",
    "start_infusion",
    "stop",
    "unsigned_addendum",
    "update_side_effect",
]
