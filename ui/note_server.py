"""`python -m infusiondesk_ui.note_server` (frozen: `InfusionDesk _worker infusiondesk_ui.note_server`): the warm
note worker. One long-lived child per app answers the note worker's jobs one after another, so reportlab, pyHanko,
SQLAlchemy, pint and the drug library load once, not at every preview, print and signature.

Framing, so any bytes can come back: the app writes one JSON job per line on stdin; each answer is a header line
`<status> <length>` and then exactly `length` bytes. `ok`: the PDF (or zip). `error`: a domain error's sentence
(UTF-8) for the person. `crash`: an unexpected error's traceback (UTF-8), which the app logs without its
messages and summarises. End of stdin ends the worker. Each job opens the store itself (its URL and the signed-in
session come in the job, never on the command line) and closes it, exactly as the one-shot worker does
(`infusiondesk_ui.note_worker.build`). Imports no Qt.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import BinaryIO


def _preload() -> None:
    """What every job needs, loaded before the first job arrives (the point of a warm worker)."""
    import infusiondesk_reports.note_commands  # (reportlab, pyHanko's signer)
    import infusiondesk_reports.visit_note  # noqa: F401
    from infusiondesk.drugs import load_drug
    from infusiondesk.store import Store  # noqa: F401  (SQLAlchemy)

    load_drug()  # the bundled library; another library is loaded (and cached) by its first job


def answer(line: bytes) -> tuple[str, bytes]:
    """(status, body) for one job line: the worker never dies of a job's error, only of a kill or a crash."""
    from infusiondesk.errors import DomainError
    from infusiondesk_ui.note_worker import build

    try:
        return "ok", build(json.loads(line))
    except DomainError as exc:
        return "error", exc.message.encode()
    except Exception:  # logged by the app (messages cut: they can quote patient data)
        return "crash", traceback.format_exc().encode()


def serve(jobs: BinaryIO, answers: BinaryIO) -> int:
    """Answer each job line of `jobs` on `answers` until end of input."""
    for line in iter(jobs.readline, b""):
        if not line.strip():
            continue
        status, body = answer(line)
        answers.write(f"{status} {len(body)}\n".encode())
        answers.write(body)
        answers.flush()
    return 0


def main() -> int:
    answers = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print in a library must never land inside an answer
    _preload()
    return serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    raise SystemExit(main())
