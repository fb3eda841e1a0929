"""Which drug library file is in force, found without reading it: the sign-in screen names the library while the
file is still being parsed (parsing imports pint and pydantic; finding the file imports neither)."""

from __future__ import annotations

import os
from pathlib import Path

from infusiondesk.resources import bundled

BUNDLED_DIR = bundled("infusiondesk.drugs")
ENV_VAR = "INFUSIONDESK_DRUG_LIBRARY"


def library_path(drug_file: str = "magnesium_sulfate.toml") -> tuple[Path, str]:
    """Which library file is in force, and why: the env var, the clinic's own file, or the bundled one."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env), f"{ENV_VAR}"
    from platformdirs import user_config_path

    clinic = user_config_path("InfusionDesk", appauthor=False) / "drugs" / drug_file
    if clinic.exists():
        return clinic, "clinic library"
    return BUNDLED_DIR / drug_file, "bundled"
