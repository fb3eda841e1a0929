"""Every audit event the app writes, named once. The values are the strings stored in `audit_log.event` (and
hashed into the chain), so they never change: a renamed member keeps its old value, or old trails stop reading.

Writers pass an `AuditEvent`; readers compare stored strings with it (a StrEnum equals its value). An entry
written before this list existed reads as the member with its value: until this version the app recorded a
visit note saved to a file as "export" (with `"what": "visit note"`) and the command line as "export_note";
both now write `EXPORT_NOTE`, and `of("export")` is still `EXPORT`, the name of the other exports.
"""

from __future__ import annotations

from enum import StrEnum


class AuditEvent(StrEnum):
    # -- record changes (trail.record_change: the fields changed and their values before) --------------------
    CREATE = "create"
    UPDATE = "update"
    ADDENDUM = "addendum"  # a signed visit gained an addendum
    SIGNED_NOTE = "signed_note"  # a signed PDF stored
    PKI_SAVED = "pki_saved"
    PKI_REENCRYPTED = "pki_reencrypted"  # a signing key re-sealed under a new password
    REVOKE = "revoke"
    # -- accounts and sessions ----------------------------------------------------------------------------
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_IN_PASSWORD_EXPIRED = "sign_in_password_expired"
    SIGN_OUT = "sign_out"
    LOCKOUT = "lockout"
    UNLOCK = "unlock"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    ROLE_CHANGE = "role_change"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_CONFIRMED = "password_confirmed"
    SESSIONS_ENDED = "sessions_ended"
    # -- at the chair -------------------------------------------------------------------------------------
    OVERRIDE = "override"  # a soft limit overridden with a reason
    HARD_STOP = "hard_stop"  # a hard limit refused a step
    SIGNATURE = "signature"
    ALERT = "alert"
    ALERT_ACKNOWLEDGED = "alert_acknowledged"
    SIDE_EFFECT_UPDATED = "side_effect_updated"
    # -- documents leaving the app ------------------------------------------------------------------------
    EXPORT_NOTE = "export_note"  # a visit note saved to a file (app and command line)
    EXPORT_SUMMARY = "export_summary"  # a patient's course summary saved to a file
    EXPORT = "export"  # another document saved to a file (near-miss report, day list); see the module note
    PRINT = "print"
    PRINT_SUMMARY = "print_summary"
    EXPORT_FHIR = "export_fhir"  # a FHIR bundle written (scope and counts, no patient data)
    RECEIPT_ISSUED = "receipt_issued"  # a receipt or superbill made (signed or draft)
    # -- data in ------------------------------------------------------------------------------------------------
    IMPORT_PATIENTS = "import_patients"  # a CSV or HL7 file of patients written (file hash and counts)
    # -- mobile visits (infusiondesk.mobile) ----------------------------------------------------------------------
    CHECKOUT_COPY = "checkout_copy"  # a record copied into a laptop database at checkout (laptop side)
    MOBILE_CHECKOUT = "mobile_checkout"  # patients checked out to a laptop
    MOBILE_PULL = "mobile_pull"  # a clinic change brought to the laptop at sync
    MOBILE_SYNC = "mobile_sync"  # a laptop's record written into the clinic at sync
    MOBILE_CONFLICT = "mobile_conflict"  # a record edited on both sides, kept for a person to resolve
    MOBILE_RESOLVE = "mobile_resolve"  # a conflict resolved: the side kept (a visit: the version set aside, whole)
    MOBILE_REVOKE = "mobile_revoke"  # a lost laptop revoked
    MOBILE_ENTRY = "mobile_entry"  # a laptop's audit entry carried into the clinic's chain
    MOBILE_SEGMENT = "mobile_segment"  # the end of a carried laptop segment
    # -- the clinic's machinery -----------------------------------------------------------------------------
    SETTINGS = "settings"  # a workstation's settings
    BACKUP = "backup"
    RESTORE = "restore"

    @classmethod
    def of(cls, stored: str) -> AuditEvent | None:
        """The member a stored event name reads as (None for a name this version does not write)."""
        try:
            return cls(stored)
        except ValueError:
            return None


NEAR_MISSES = (AuditEvent.OVERRIDE, AuditEvent.HARD_STOP)  # what the near-miss report lists

__all__ = ["NEAR_MISSES", "AuditEvent"]
