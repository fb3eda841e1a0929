"""This workstation's settings file (QSettings, INI in the user's config folder): idle lock and vitals reminder.

They are kept per workstation rather than in the clinic database: a chair-side laptop and the desk PC may want
different lock times, and the clinic table has no column for them. An admin edits them in the app; the
command line (`infusiondesk app --idle-lock-min N --vitals-every-min N`) overrides them for one run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from PySide6.QtCore import QSettings

from infusiondesk.settings import SETTINGS, SettingError, Timing

log = logging.getLogger("infusiondesk.ui")
ORGANIZATION = "InfusionDesk"
FILE_NAME = "workstation"


class WorkstationSettings:
    """Reads and writes the settings file; a value that does not check is ignored (logged), not fatal."""

    def __init__(self, overrides: Mapping[str, int | None] | None = None) -> None:
        self.overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        Timing.from_values(self.overrides)  # refuse a bad override at once, in words

    def _file(self) -> QSettings:
        return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, FILE_NAME)

    @property
    def path(self) -> str:
        return str(self._file().fileName())

    def saved(self) -> Timing:
        """What an admin saved on this workstation (defaults for anything not saved or unreadable)."""
        q = self._file()
        timing = Timing()
        for setting in SETTINGS:
            value = q.value(setting.key)
            if value is None:
                continue
            try:
                timing = Timing.from_values({setting.key: value}, timing)
            except SettingError as exc:
                log.warning("ignoring %s in %s: %s", setting.key, q.fileName(), exc.message)
        return timing

    def effective(self) -> Timing:
        """The saved values with this run's command-line overrides on top."""
        return Timing.from_values(self.overrides, self.saved())

    def save(self, timing: Timing) -> None:
        q = self._file()
        for setting in SETTINGS:
            q.setValue(setting.key, getattr(timing, setting.key))
        q.sync()
        self.overrides.clear()  # the admin's choice takes effect now, over any command-line value
