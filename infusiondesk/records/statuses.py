"""The patient's renal and pregnancy statuses: the record's words, which the drug library's limits and screening
rules name too (drugs/vocabulary.py). Kept apart from records/models.py so reading the library's words (and
`infusiondesk calc`) does not build every record class (~40-60 ms at start-up)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PregnancyStatus", "RenalStatus"]


class RenalStatus(StrEnum):
    """From the clinician's reading of eGFR / creatinine clearance (mL/min)."""

    NORMAL = "normal"              # >= 60
    MODERATE = "moderate"          # 30-59
    SEVERE = "severe"              # < 30
    FAILURE_OR_DIALYSIS = "failure_or_dialysis"
    UNKNOWN = "unknown"


class PregnancyStatus(StrEnum):
    NOT_APPLICABLE = "not_applicable"
    NOT_PREGNANT = "not_pregnant"
    PREGNANT = "pregnant"
    UNKNOWN = "unknown"
