"""Where the benchmarks find ../shared/corpus, and its pages."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the clone (a worktree under wt/ has it one level further up)
CORPUS = next(
    (c for c in (ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus")
     if c.is_dir()),
    ROOT.parent / "shared" / "corpus",
)  # fmt: skip


def corpus_pages() -> list[Path]:
    """Every corpus page (``*/*.html.gz``), sorted; exits when there is none."""
    pages = sorted(CORPUS.glob("*/*.html.gz"))
    if not pages:
        sys.exit(f"no pages under {CORPUS}")
    return pages
