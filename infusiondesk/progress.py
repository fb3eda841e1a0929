"""Progress bars for long commands (the demo, imports, exports): tqdm, without its monitor thread.

tqdm starts a background thread that wakes every 10 s to adjust bars. In a process that also runs Qt (the app,
which builds the demo and imports in-process, and the UI tests) a Python thread running beside Qt's UI thread
can crash PySide6 (see infusiondesk_ui.note_worker), and the bars do not need it: they are redrawn on update.
"""

from __future__ import annotations

from typing import Any


def progress_bar(**options: Any) -> Any:
    """A `tqdm` bar (same options) whose class never starts the monitor thread."""
    from tqdm import tqdm

    tqdm.monitor_interval = 0
    return tqdm(**options)
