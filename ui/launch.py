"""The program's front door: the `infusiondesk` command, the windowed `infusiondesk-app`, and the frozen app's
executable all start here.

It knows one hidden subcommand, `_worker MODULE`, which runs a helper process (the note worker) from the frozen
app: there `sys.executable` is the app itself, so `sys.executable -m module` cannot work. `worker_command` says
how to start a helper in either case. Imports stay light so a helper starts quickly.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import time
from collections.abc import Sequence

_STARTED = time.perf_counter()  # the program's start, near enough: the first of our modules to load

WORKER_COMMAND = "_worker"
# The modules a helper process may run (each has a main() -> int): the one-shot note worker and the warm one.
# Nothing else runs through `_worker`.
WORKERS = frozenset({"infusiondesk_ui.note_worker", "infusiondesk_ui.note_server"})


def since_start_ms() -> float:
    """Milliseconds since the program started (since this module loaded)."""
    return (time.perf_counter() - _STARTED) * 1000


def is_frozen() -> bool:
    """True inside a PyInstaller build (it sets sys.frozen)."""
    return bool(getattr(sys, "frozen", False))


def worker_command(module: str, *, frozen: bool | None = None, executable: str | None = None
                   ) -> tuple[str, list[str]]:
    """(program, arguments) that run helper `module` in a child process: `python -m module` from source or a
    pip install, `<the app> _worker module` from a frozen build."""
    program = executable or sys.executable
    if is_frozen() if frozen is None else frozen:
        return program, [WORKER_COMMAND, module]
    return program, ["-m", module]


def _reattach_stdio() -> None:
    """A windowed Windows build starts with sys.stdin/stdout/stderr set to None even when the parent hands it
    pipes; the helper talks through those pipes, so open them by descriptor."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        if getattr(sys, name) is None:
            with contextlib.suppress(OSError):  # no such descriptor: nothing to talk through
                setattr(sys, name, os.fdopen(fd, mode, encoding="utf-8", closefd=False))


def run_worker(argv: Sequence[str]) -> int:
    """`_worker MODULE`: run one of WORKERS; anything else is refused (exit 2)."""
    _reattach_stdio()
    if len(argv) != 1 or argv[0] not in WORKERS:
        print(f"{WORKER_COMMAND} takes one of: {', '.join(sorted(WORKERS))}", file=sys.stderr)
        return 2
    result: int = importlib.import_module(argv[0]).main()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [WORKER_COMMAND]:
        return run_worker(args[1:])
    from infusiondesk_ui.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
