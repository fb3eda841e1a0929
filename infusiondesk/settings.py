"""Workstation settings, declared as data: what each one means, its default and the range a person may choose.

The app keeps the chosen values per workstation (infusiondesk_ui.settings); this module only says what is allowed, so
the
admin screen and `infusiondesk app --idle-lock-min N` refuse the same values with the same sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from infusiondesk.errors import DomainError


class SettingError(DomainError):
    """A setting value outside what the clinic may choose; the message says the allowed range."""


@dataclass(frozen=True)
class MinutesSetting:
    """A whole number of minutes within [minimum, maximum]."""

    key: str
    label: str
    default: int
    minimum: int
    maximum: int

    def check(self, value: object) -> int:
        """The value as whole minutes, or a SettingError saying what is accepted."""
        if isinstance(value, bool):
            raise SettingError(f"{self.label}: enter a whole number of minutes.")
        try:
            minutes = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise SettingError(f"{self.label}: “{value}” is not a whole number of minutes; enter e.g. "
                               f"{self.default}.") from None
        if not self.minimum <= minutes <= self.maximum:
            raise SettingError(f"{self.label}: {minutes} min is outside {self.minimum}–{self.maximum} min.")
        return minutes


IDLE_LOCK = MinutesSetting("idle_lock_min", "Idle auto-lock", default=10, minimum=1, maximum=120)
VITALS_EVERY = MinutesSetting("vitals_every_min", "Vital signs reminder", default=15, minimum=1, maximum=120)
SETTINGS: tuple[MinutesSetting, ...] = (IDLE_LOCK, VITALS_EVERY)


@dataclass(frozen=True)
class Timing:
    """How long an unattended screen stays open, and how often vital signs are due during an infusion."""

    idle_lock_min: int = IDLE_LOCK.default
    vitals_every_min: int = VITALS_EVERY.default

    @classmethod
    def from_values(cls, values: Mapping[str, object], base: Timing | None = None) -> Timing:
        """`base` (default: the defaults) with every key of `values` checked and applied; None values are
        skipped, so command-line options that were not given change nothing."""
        chosen = dict(vars(base or cls()))
        for setting in SETTINGS:
            value = values.get(setting.key)
            if value is not None:
                chosen[setting.key] = setting.check(value)
        return cls(**chosen)
