"""Rewrite imports of the app folders under their installed names: `ui` -> `infusiondesk_ui`, `reports` ->
`infusiondesk_reports`.

The folders keep their names in the repository; pyproject's package-dir maps them to these import names, so an
installed InfusionDesk never claims the generic top-level names `ui` or `reports` (another distribution may own
them). The rewrite is mechanical and idempotent: run it again after merging a branch that still writes
`from ui...` (tests/test_packaging.py fails until it is run).

    python scripts/rename_packages.py            # rewrite in place, print the files changed
    python scripts/rename_packages.py --check    # exit 1 if any file still uses the old names
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEW = {"ui": "infusiondesk_ui", "reports": "infusiondesk_reports"}
FILES = ["infusiondesk", "ui", "reports", "tests", "benchmarks", "scripts"]


def _modules(folder: str) -> list[str]:
    """The modules and subpackages of an app folder: `ui.<one of these>` is an import path, `reports.append`
    (a list called reports) is not."""
    base = ROOT / folder
    names = {p.stem for p in base.glob("*.py")} | {p.name for p in base.iterdir() if (p / "__init__.py").exists()}
    names.discard("__init__")
    return sorted(names, key=len, reverse=True)


def _patterns() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for old, new in NEW.items():
        mods = "|".join(map(re.escape, _modules(old)))
        # `ui.app`, `ui.views.chart` (code, strings, docstrings), `from ui import x`, `import ui.documents`
        out.append((re.compile(rf"(?<![\w.\-/]){old}(?=\.(?:{mods})\b)"), new))
        out.append((re.compile(rf"(?m)^(\s*from\s+){old}(?=\s+import\b)"), rf"\g<1>{new}"))
        out.append((re.compile(rf"(?m)^(\s*import\s+){old}\b(?!\.)"), rf"\g<1>{new}"))
        # a module-name prefix in a string: `__module__.startswith("ui.")`
        out.append((re.compile(rf"""(["']){old}\.\1"""), rf"\g<1>{new}.\g<1>"))
        # `python -m ui` in a subprocess argument list
        out.append((re.compile(rf"""(["'])-m\1,\s*(["']){old}\2"""), rf'\g<1>-m\g<1>, \g<2>{new}\g<2>'))
    return out


def rewrite(text: str) -> str:
    for pattern, repl in _patterns():
        text = pattern.sub(repl, text)
    return text


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = []
    for top in FILES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.resolve() == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8")
            new = rewrite(text)
            if new != text:
                changed.append(path.relative_to(ROOT))
                if not check:
                    path.write_text(new, encoding="utf-8")
    for p in changed:
        print(p)
    return 1 if check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
