"""Progress bars never start tqdm's monitor thread (a Python thread beside Qt's UI thread can crash PySide6)."""

from __future__ import annotations

import io
import threading

from infusiondesk.progress import progress_bar


def test_a_progress_bar_starts_no_monitor_thread() -> None:
    from tqdm import tqdm

    before = {t.ident for t in threading.enumerate()}
    with progress_bar(total=3, file=io.StringIO(), disable=False) as bar:
        bar.update(3)
    started = [t for t in threading.enumerate() if t.ident not in before]
    assert started == [] and tqdm.monitor is None
