"""Line breaks for names without spaces (source ids such as "pfizer-premix-how-supplied").

reportlab breaks a paragraph only at spaces, and splits a word too long for its column letter by letter
("pfizer-pr / emix-how"); a reader then sees two half-words. Here a long name breaks after its own
punctuation (- / _ . : ,) instead, and mid-word only when a single part is wider than the column.
"""

from __future__ import annotations

import re

from reportlab.pdfbase.pdfmetrics import stringWidth

_PARTS = re.compile(r"[^\s\-/_.:,;]*[\-/_.:,;]*\s*")  # a run of letters, its trailing punctuation and space


def break_lines(text: str, width: float, font: str, size: float) -> list[str]:
    """`text` in lines no wider than `width` points, broken at spaces or after punctuation."""
    def fits(s: str) -> bool:
        return stringWidth(s.rstrip(), font, size) <= width

    lines: list[str] = []
    line = ""
    for part in (p for p in _PARTS.findall(text) if p):
        if fits(line + part):
            line += part
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = part.lstrip()
        while not fits(line):  # one part wider than the column: split it, as a last resort
            cut = max((i for i in range(1, len(line)) if fits(line[:i])), default=1)
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines
