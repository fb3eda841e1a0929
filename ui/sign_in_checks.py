"""What the sign-in lane's workers do off the UI thread: look at the clinic when the store opens (first-run setup
still to do? the clinic's zone) and check a password at sign-in. They read the store and return plain values;
the window applies them on the UI thread (`infusiondesk_ui.app.MainWindow`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ClinicLook:
    """What start-up reads of the clinic, in the worker that opened the store, before the first card is chosen:
    whether the first-run setup is still to do, and the clinic (its time zone: the sign-in card of a laptop copy
    already shows clinic times)."""

    needs_setup: bool
    clinic: Any = None  # infusiondesk.records.models.Clinic once set up


def look_at_clinic(store: Any) -> ClinicLook:
    """Off the UI thread: `ClinicLook` of `store`."""
    if store.clinic.needs_setup():
        return ClinicLook(needs_setup=True)
    return ClinicLook(needs_setup=False, clinic=store.clinic.get())


@dataclass(frozen=True)
class SignInOutcome:
    """What the sign-in worker hands back: the store's session and the clinic as read with it, or, after an
    admin's reset, the sentence asking for a new password (`PasswordChangeRequired`, a refusal that leads on)."""

    signed_in: Any = None  # infusiondesk.records.models.UserSession
    clinic: Any = None
    change_required: str = ""


def check_sign_in(store: Any, username: str, password: str) -> SignInOutcome:
    """Off the UI thread: the password check (argon2: slow on purpose) and the clinic's profile (its zone). Any
    other refusal is raised, to be said in its own words."""
    from infusiondesk.auth import PasswordChangeRequired

    try:
        signed_in = store.users.sign_in(username, password)
    except PasswordChangeRequired as exc:
        return SignInOutcome(change_required=exc.message)
    return SignInOutcome(signed_in=signed_in, clinic=store.clinic.get())
