"""The log file: where an unexpected error's type and traceback go, so a person can be told "details are in
the log" and IT can find them. The CLI and the app both log here.

Tracebacks keep file, line and function names but never exception messages: those can quote a patient's name,
an MRN or a database row. The folder is the user log folder (platformdirs), or INFUSIONDESK_LOG_DIR.
"""

from __future__ import annotations

import logging
import os
import traceback
from pathlib import Path
from types import TracebackType

ENV_VAR = "INFUSIONDESK_LOG_DIR"
FILE_NAME = "infusiondesk.log"
MAX_BYTES = 1_000_000
BACKUPS = 5  # infusiondesk.log.1 ... .5: about 6 MB at most
LOGGER = "infusiondesk"

log = logging.getLogger(LOGGER)
_handler: _LogFile | None = None
_failed: Path | None = None  # a log folder that could not be written


def log_dir() -> Path:
    """INFUSIONDESK_LOG_DIR if set, else the user log folder."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_log_path

    return user_log_path("InfusionDesk", appauthor=False)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and the ones that led to it, oldest first (as Python prints them)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return seen[::-1]


def describe(exc: BaseException) -> str:
    """An exception's tracebacks and types, with the driver's error code when there is one; no messages."""
    lines: list[str] = []
    for e in _chain(exc):
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_tb(e.__traceback__))
        kind = type(e)
        code = getattr(e, "sqlite_errorname", None) or getattr(e, "sqlstate", None)
        lines.append(f"{kind.__module__}.{kind.__qualname__}{f' [{code}]' if code else ''} (message not logged)\n")
    return "".join(lines).rstrip("\n")


class _NoRecordContents(logging.Formatter):
    """Formats tracebacks with `describe`, so no exception message (patient data) reaches the file."""

    def formatException(
            self, ei: tuple[type[BaseException], BaseException, TracebackType | None]
            | tuple[None, None, None]) -> str:
        return describe(ei[1]) if ei[1] is not None else ""


class _LogFile(logging.FileHandler):
    """A rotating log file whose `logging.handlers` (socket, pickle, queue: ~10-25 ms of every command's start) is
    imported at the first record logged, which most runs never write. The file is created (or opened for
    appending) at once, so a folder that cannot be written is known when logging is configured."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8"):
            pass
        super().__init__(path, encoding="utf-8", delay=True)  # never opened itself: `_file` writes
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            import logging.handlers

            try:
                self._file = logging.handlers.RotatingFileHandler(self.baseFilename, maxBytes=MAX_BYTES,
                                                                  backupCount=BACKUPS, encoding="utf-8")
            except OSError:
                self.handleError(record)
                return
            self._file.setFormatter(self.formatter)
        self._file.emit(record)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def configure() -> Path | None:
    """Log warnings and errors to a rotating file in the log folder; returns the file, or None when the folder
    cannot be written (the program still runs; the message then says so). Calling again is harmless."""
    global _handler, _failed
    path = log_dir() / FILE_NAME
    if _handler is not None and Path(_handler.baseFilename) == path.absolute():
        return path
    if _handler is not None:
        log.removeHandler(_handler)
        _handler.close()
        _handler = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _LogFile(path)
    except OSError:
        _failed = path.parent
        return None
    handler.setFormatter(_NoRecordContents("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    log.addHandler(handler)
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)
    _handler, _failed = handler, None
    return path


def log_file() -> Path | None:
    """The file errors are logged to now (None before `configure`, or when the folder cannot be written)."""
    return Path(_handler.baseFilename) if _handler is not None else None


def unexpected(exc: BaseException, during: str) -> str:
    """Log an unexpected error (type and traceback only) and return the sentence to show for it."""
    log.error("unexpected error during %s", during, exc_info=exc)
    return unexpected_message()


def unexpected_message() -> str:
    """"Something went wrong" naming the log file, so the person can hand it to IT."""
    path = log_file()
    if path is not None:
        return f"Something went wrong; nothing was lost. The details are in the log: {path}"
    where = f" ({_failed} cannot be written)" if _failed is not None else ""
    return f"Something went wrong; nothing was lost. The details could not be logged{where}."
