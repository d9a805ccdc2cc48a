"""Quality gate: saved real pages must keep their extraction scores above pinned floors.

The score is the benchmark's: F1 of 4-word shingles of the extracted text
against the true article body.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from scraper.extract import extract

PAGES = Path(__file__).parent / "pages"
TOKEN = re.compile(r"\w+")
# Floors sit a little under the scores measured when they were pinned.
FLOORS = {
    "news_4a44ab3e4c41.html": 0.96,
    "news_c467d507551a.html": 0.92,
    "news_c7e39ac49fa1.html": 0.95,
    "news_06e5123e4ef7.html": 0.97,
    "news_16c30add7e96.html": 0.97,
    "news_e7994d550087.html": 0.98,
    "news_b0cf2bbf0192.html": 0.98,
}
MEAN_FLOOR = 0.97


def shingles(text: str, n: int = 4) -> Counter:
    toks = TOKEN.findall(text)
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)))


def shingle_f1(truth: str, pred: str) -> float:
    t, p = shingles(truth), shingles(pred)
    tp = sum((t & p).values())
    if not tp:
        return 0.0
    precision, recall = tp / sum(p.values()), tp / sum(t.values())
    return 2 * precision * recall / (precision + recall)


def _cases() -> list[tuple[str, str, str | None]]:
    # the seed page's text is asserted exactly in test_extract
    cases: list[tuple[str, str, str | None]] = []
    for entry in json.loads((PAGES / "news_pages.json").read_text()):
        cases.append((entry["page"], entry["expected"], entry["url"]))
    return cases


CASES = _cases()


def _score(page: str, expected: str, url: str | None) -> float:
    article = extract((PAGES / page).read_bytes(), url)
    return shingle_f1((PAGES / expected).read_text(encoding="utf-8"), article.text)


@pytest.mark.parametrize(("page", "expected", "url"), CASES, ids=[c[0] for c in CASES])
def test_page_above_floor(page: str, expected: str, url: str | None) -> None:
    assert _score(page, expected, url) >= FLOORS[page]


def test_mean_above_floor() -> None:
    scores = [_score(*case) for case in CASES]
    assert sum(scores) / len(scores) >= MEAN_FLOOR
