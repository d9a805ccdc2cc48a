"""What changed between two versions of an article's text (``history``, ``diff``).

Pure functions over two texts, with difflib: counts of lines (paragraphs) and
words added and removed, a word-level diff for prose (``[-removed-]{+added+}``,
as ``git diff --word-diff=plain`` marks it), a unified diff of lines, and the
word-level changes as data for ``--format json``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

DELETED = ("[-", "-]")
INSERTED = ("{+", "+}")
ELIDED = "…"  # between the changed paragraphs of a word diff


@dataclass(frozen=True, slots=True)
class Changes:
    lines_added: int = 0
    lines_removed: int = 0
    words_added: int = 0
    words_removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "lines_added": self.lines_added,
            "lines_removed": self.lines_removed,
            "words_added": self.words_added,
            "words_removed": self.words_removed,
        }


def lines_of(text: str) -> list[str]:
    """The text's non-blank lines (paragraphs), stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def _counted(a: list[str], b: list[str]) -> tuple[int, int]:
    added = removed = 0
    for op, i1, i2, j1, j2 in _opcodes(a, b):
        if op != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed


def changes(old: str, new: str) -> Changes:
    """Lines and words added and removed going from ``old`` to ``new``."""
    lines = _counted(lines_of(old), lines_of(new))
    words = _counted(old.split(), new.split())
    return Changes(lines[0], lines[1], words[0], words[1])


def word_ops(old: str, new: str) -> list[dict[str, Any]]:
    """The word-level changes: ``{"op": equal|insert|delete|replace, "old": ..., "new": ...}``
    runs that, joined in order, give each text (words joined by single spaces)."""
    a, b = old.split(), new.split()
    return [
        {"op": op, "old": " ".join(a[i1:i2]), "new": " ".join(b[j1:j2])}
        for op, i1, i2, j1, j2 in _opcodes(a, b)
    ]


def _tokens(paragraphs: list[str]) -> list[str]:
    """The paragraphs' words, with a newline token between paragraphs."""
    tokens: list[str] = []
    for n, paragraph in enumerate(paragraphs):
        tokens += ["\n"] if n else []
        tokens += paragraph.split()
    return tokens


def _joined(tokens: list[str]) -> str:
    return " ".join(tokens).replace(" \n ", "\n").replace("\n ", "\n").replace(" \n", "\n")


def _marked_words(old: list[str], new: list[str]) -> str:
    """Paragraphs ``old`` replaced by ``new``, their changed words marked."""
    a, b = _tokens(old), _tokens(new)
    out = []
    for op, i1, i2, j1, j2 in _opcodes(a, b):
        if op == "equal":
            out.append(_joined(a[i1:i2]))
            continue
        for run, (start, end) in ((a[i1:i2], DELETED), (b[j1:j2], INSERTED)):
            if run and run[0] == "\n":  # a new paragraph starts outside the marks
                out.append("\n")
                run = run[1:]
            if run:
                out.append(f"{start}{_joined(run)}{end}")
    return _joined(" ".join(out).split(" "))


def word_diff(old: str, new: str, context: int = 1) -> Iterator[str]:
    """The changed paragraphs with their changed words marked, ``context`` unchanged
    paragraphs around each change, and ``…`` where unchanged ones are left out."""
    a, b = lines_of(old), lines_of(new)
    groups = list(difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context))
    for n, group in enumerate(groups):
        first = group[0]
        if n or first[1] > 0 or first[3] > 0:
            yield ELIDED
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                yield from b[j1:j2]
            elif op == "replace":
                yield _marked_words(a[i1:i2], b[j1:j2])
            elif op == "delete":
                yield from (f"{DELETED[0]}{line}{DELETED[1]}" for line in a[i1:i2])
            else:
                yield from (f"{INSERTED[0]}{line}{INSERTED[1]}" for line in b[j1:j2])
        last = group[-1]
        if n == len(groups) - 1 and (last[2] < len(a) or last[4] < len(b)):
            yield ELIDED


def unified(old: str, new: str, old_label: str, new_label: str, context: int = 3) -> Iterator[str]:
    """A unified diff of the texts' lines (paragraphs), ``diff -u`` style."""
    yield from difflib.unified_diff(
        lines_of(old), lines_of(new), old_label, new_label, n=context, lineterm=""
    )
