"""Whether a clinician may approve a dose order remotely, signed in on a laptop the mobile nurse took out.

The clinic's policy (an admin's choice, audited, carried to the laptop at checkout). The default is AT_SYNC: the
order of a high-alert drug is approved in the clinic, by a clinician who sees the clinic's whole record, and no
clinician's password or signing key has to travel on a laptop that can be lost. A clinic that has a clinician
reachable for home visits opts in to ALLOWED; then that clinician is named at checkout (`--also`), signs in on
the laptop with their own password and approves there, and their per-laptop key signs the note.
"""

from __future__ import annotations

from enum import StrEnum


class RemoteApproval(StrEnum):
    ALLOWED = "allowed"  # a clinician signed in on the laptop approves the order there
    AT_SYNC = "at_sync"  # the visit waits for a clinician's approval in the clinic after sync

    @property
    def label(self) -> str:
        return {RemoteApproval.ALLOWED: "Approved on the laptop by a clinician signed in there",
                RemoteApproval.AT_SYNC: "Wait for a clinician's approval in the clinic after sync"}[self]


def approval_refusal(policy: RemoteApproval, on_laptop: bool) -> str | None:
    """Why a clinician cannot approve an order here, or None when they can (pure: the caller reads both facts in
    the transaction of the step)."""
    if on_laptop and RemoteApproval(policy) is RemoteApproval.AT_SYNC:
        return AT_SYNC_REFUSAL
    return None


AT_SYNC_REFUSAL = ("On this laptop a dose order cannot be approved: the clinic's policy is that a visit charted "
                   "away waits for a clinician's approval in the clinic. Enter the order as the nurse; sync when "
                   "back, a clinician approves it in the clinic, and the next sync brings the approved visit back.")
