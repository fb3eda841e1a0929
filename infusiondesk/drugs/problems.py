"""Every problem of a library file, reported at once (after qutebrowser's ConfigFileErrors): a pharmacist who
fixes one typo should not have to reload the file to learn about the next."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from infusiondesk.errors import LibraryError


@dataclass(frozen=True)
class LibraryProblem:
    """One problem: where in the file (the entry, named) and what is wrong, as a sentence."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class LibraryFileErrors(LibraryError):
    """All the problems of one library file. With one problem its text is the one sentence
    "Drug library PATH: WHERE: WHAT"; with more, a first line naming the file and one problem a line."""

    def __init__(self, path: Path, problems: Iterable[LibraryProblem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            text = f"Drug library {path}: {self.problems[0]}"
        else:
            lines = "\n".join(f"  {p}" for p in self.problems)
            text = f"Drug library {path} has {len(self.problems)} problems:\n{lines}"
        super().__init__(text)


class Problems:
    """Collects the problems of one file while it is decoded and checked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.found: list[LibraryProblem] = []

    def add(self, where: str, message: str) -> None:
        problem = LibraryProblem(where, message)
        if problem not in self.found:
            self.found.append(problem)

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_if_any(self, sections: Sequence[str] = ()) -> None:
        """Raise every problem found, in the order of the file's `sections` (then of each list entry), so the
        list reads top to bottom like the file; problems of one entry keep the order they were found in."""
        if self.found:
            raise LibraryFileErrors(self.path, sorted(self.found, key=lambda p: _place(p.where, sections)))


_WHERE = re.compile(r"^\[*([a-z_]+)(?:\[(\d+)\])?")


def _place(where: str, sections: Sequence[str]) -> tuple[int, int]:
    """(section's position in the file, entry index) for "limits[18] (...)", "[sources.x]", "top level"…"""
    m = _WHERE.match(where)
    if m is None or m.group(1) not in sections:
        return (-1, 0)
    return (list(sections).index(m.group(1)), int(m.group(2) or 0))


def closest(word: str, known: Iterable[str]) -> str | None:
    """The known word `word` is most likely a slip for, if any is close."""
    import difflib  # only when a word is misspelt: not on every start (`calc`)

    close = difflib.get_close_matches(word, list(known), n=1)
    return close[0] if close else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """' — did you mean "x"?' for a near miss, else ''."""
    close = closest(word, known)
    return f' — did you mean "{close}"?' if close else ""
