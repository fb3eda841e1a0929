"""The visit workflow: pure steps from one frozen visit to the next, each refused with a clear sentence.

draft -> assessed -> infusing -> completed -> signed. No I/O and no clock: `now` is always passed in
(timezone-aware UTC). The store saves what these functions return; the UI calls them and shows their errors.

The names below load on first use (PEP 562): importing one submodule (the store imports `workflow.errors` and
`workflow.guards`) must not import the whole workflow, the drug library and pint with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infusiondesk import lazy

if TYPE_CHECKING:
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

_WHERE = {
    "SCREENING_QUESTIONS": "infusiondesk.workflow.screening",
    "InfusionClock": "infusiondesk.workflow.clock",
    "InfusionState": "infusiondesk.workflow.infusion",
    "ScreeningQuestion": "infusiondesk.workflow.screening",
    "SideEffectCatalogue": "infusiondesk.workflow.side_effects",
    "SideEffectType": "infusiondesk.workflow.side_effects",
    "WorkflowError": "infusiondesk.workflow.errors",
    "add_addendum": "infusiondesk.workflow.signing",
    "amend_order": "infusiondesk.workflow.ordering",
    "approve_order": "infusiondesk.workflow.ordering",
    "change_rate": "infusiondesk.workflow.infusion",
    "check_transition": "infusiondesk.workflow.guards",
    "complete": "infusiondesk.workflow.charting",
    "decide_suitability": "infusiondesk.workflow.assessment",
    "dose_given_g": "infusiondesk.workflow.clock",
    "double_check": "infusiondesk.workflow.ordering",
    "ensure_editable": "infusiondesk.workflow.guards",
    "infusion_clock": "infusiondesk.workflow.clock",
    "infusion_state": "infusiondesk.workflow.infusion",
    "log_side_effect": "infusiondesk.workflow.charting",
    "magnesium_given_g": "infusiondesk.workflow.clock",
    "note_version": "infusiondesk.workflow.signing",
    "order_dose": "infusiondesk.workflow.ordering",
    "over_infused_ml": "infusiondesk.workflow.infusion",
    "pause": "infusiondesk.workflow.infusion",
    "readiness_problems": "infusiondesk.workflow.readiness",
    "record_assessment": "infusiondesk.workflow.assessment",
    "record_vitals": "infusiondesk.workflow.charting",
    "resume": "infusiondesk.workflow.infusion",
    "screen": "infusiondesk.workflow.screening",
    "side_effect_catalogue": "infusiondesk.workflow.side_effects",
    "sign": "infusiondesk.workflow.signing",
    "sign_addendum": "infusiondesk.workflow.signing",
    "signed_versions": "infusiondesk.workflow.signing",
    "start_infusion": "infusiondesk.workflow.infusion",
    "stop": "infusiondesk.workflow.infusion",
    "unsigned_addendum": "infusiondesk.workflow.signing",
    "update_side_effect": "infusiondesk.workflow.charting",
}


__getattr__, __dir__ = lazy.exports(__name__, _WHERE, __all__)
