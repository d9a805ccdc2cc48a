"""Hostile-page benchmark: time and memory of ``extract`` on synthetic pathological pages.

The tests check that ``extract`` returns on such input; this measures how long it
takes and how much memory it holds, which no timed test may assert.

    python bench/hostile_bench.py            # every case, a table on stdout
    python bench/hostile_bench.py --scale 2  # each page twice as large (linear?)
    python bench/hostile_bench.py --probe 3000  # 24 tags x 13 attributes, nested 3,000
                                                # and 6,000 deep: which grows too fast?
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable

from scraper.extract import extract


def _repeat(unit: bytes, count: int, head: bytes = b"<html><body>") -> bytes:
    return head + unit * count + b"</body></html>"


CASES: dict[str, Callable[[int], bytes]] = {
    "one long word": lambda n: _repeat(b"a", 2_000_000 * n, b"<html><body><article><p>"),
    "nested unclosed divs": lambda n: _repeat(b"<div>", 40_000 * n),
    # what the parser keeps open, past the guard's quick look (guard._cut_deep)
    "sparse nested divs": lambda n: _repeat(b"<div>a few words of text", 40_000 * n),
    "divs and stray ends": lambda n: _repeat(b"<div></p>", 40_000 * n),
    "spans, then paragraphs": lambda n: _repeat(b"<span>", 30_000 * n) + b"<p>x</p>" * (30_000 * n),
    "nested inline tags": lambda n: _repeat(b"<b><i>", 50_000 * n, b"<html><body><p>"),
    "nested spans": lambda n: _repeat(b"<span>", 100_000 * n, b"<html><body><p>"),
    "headings and bylines": lambda n: _repeat(b"<h1>Title</h1><p>By x</p>", 100_000 * n),
    "promo paragraphs": lambda n: _repeat(b"<p>Read more: x</p>", 200_000 * n),
    "inline links": lambda n: _repeat(b"<a href='/x'>x</a>", 200_000 * n),
    "classes": lambda n: (
        b"<html><body>"
        + b"".join(b"<div class='c%d share-%d'>t</div>" % (i, i) for i in range(100_000 * n))
        + b"</body></html>"
    ),
    "line breaks": lambda n: _repeat(b"x<br>", 300_000 * n, b"<html><body><p>"),
    "table rows": lambda n: _repeat(b"<tr><td>x</td><td>y</td></tr>", 100_000 * n, b"<table>"),
    "list items": lambda n: _repeat(b"<li>x</li>", 200_000 * n),
    "dates": lambda n: _repeat(b"12.12.2012 ", 100_000 * n, b"<html><body><p>"),
    "e-mail lines": lambda n: _repeat(b"write to a@b.com at ", 100_000 * n, b"<html><body><p>"),
    "json-ld graph": lambda n: (
        b"<html><head><script type='application/ld+json'>{\"@graph\":["
        + b'{"@type":"Person","name":"x"},' * (100_000 * n)
        + b"{}]}</script></head><body><p>x</p></body></html>"
    ),
    "binary": lambda n: bytes(range(256)) * (8_000 * n),
    # widening and leads (tests/test_extract_content.py checks their text)
    "nested paragraphs": lambda n: _repeat(
        b"<div>" * 40
        + b"<p>"
        + b"A sentence of the article, long enough. " * 4
        + b"</p>"
        + b"</div>" * 40,
        3000 * n,
    ),
    # blocks nested in one another, each with paragraphs of its own: every level a
    # near-tie of the container choice (content._nested_choice)
    "nested candidates": lambda n: _repeat(
        b"".join(
            b"<div class='c%d'>" % i + (b"<p>" + b"Word, " * 30 + b"end.</p>") * 20
            for i in range(400)
        )
        + b"</div>" * 400,
        n,
    ),
    # elements hidden by an attribute, nested: each is dropped with the outermost
    # (content._outermost_in), not walked up to the body one by one
    "nested hidden spans": lambda n: _repeat(b"<span hidden>x", 100_000 * n, b"<html><body><p>"),
    "nested aria-hidden divs": lambda n: _repeat(b"<div aria-hidden=true>x", 40_000 * n),
    "empty divs": lambda n: (
        b"<html><body><main>"
        + b"<div></div>" * (100_000 * n)
        + b"<article>"
        + b"<p>A sentence of the article, long enough to count as text here.</p>" * 6
        + b"</article></main></body></html>"
    ),
}


# --probe: each tag with each attribute, nested N and 2N deep inside an article; a
# time that grows more than 3x when the nesting doubles is work that grows faster than
# the page (how 3cc5413's quadratic paths were found)
PROBE_TAGS = (
    "span", "a href='/x'", "b", "div", "section", "header", "aside", "figure", "ul><li",
    "blockquote", "table><tr><td", "p", "h2", "form", "footer", "nav", "article",
    "figcaption", "small", "time", "address", "details", "q", "em",
)  # fmt: skip
PROBE_ATTRS = (
    "", " class='dateline'", " class='share'", " class='caption'", " id='a1b2'",
    " class='content'", " itemprop='author'", " class='byline'", " class='comment'",
    " aria-hidden='true'", " class='hidden'", " data-caption='x'", " class='teaser-text'",
)  # fmt: skip
_PROSE = b"<p>" + b"A sentence of the article, long enough to count. " * 5 + b"</p>"


def probe(depth: int) -> None:
    print(f"| element | seconds at {depth:,} | at {2 * depth:,} | growth |")
    print("|---|---|---|---|")
    for tag in PROBE_TAGS:
        for attr in PROBE_ATTRS:
            unit = f"<{tag}{attr}>x A few words here. ".encode()
            times = []
            for n in (depth, 2 * depth):
                page = b"<html><body><article>" + _PROSE * 3 + b"<p>" + unit * n + _PROSE * 3
                started = time.perf_counter()
                extract(page + b"</article></body></html>")
                times.append(time.perf_counter() - started)
            growth = times[1] / max(times[0], 1e-6)
            flag = " **faster than linear**" if growth > 3 and times[1] > 0.2 else ""
            print(f"| <{tag}{attr}> | {times[0]:.3f} | {times[1]:.3f} | {growth:.1f}x{flag} |")


def run_case(name: str, scale: int) -> None:
    """In a process of its own: seconds, peak RSS growth (lexbor's memory included), chars."""
    page = CASES[name](scale)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    article = extract(page)
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps([len(page) / 1e6, seconds, grown, len(article.text)]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=1, help="page size multiplier")
    ap.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    ap.add_argument(
        "--probe", type=int, metavar="N", help="tags x attributes nested N and 2N deep instead"
    )
    args = ap.parse_args()
    if args.probe:
        probe(args.probe)
        return
    if args.case:
        run_case(args.case, args.scale)
        return
    print("| page | MB | seconds | peak RSS growth, MB | text chars |")
    print("|---|---|---|---|---|")
    for name in CASES:
        cmd = [sys.executable, __file__, "--case", name, "--scale", str(args.scale)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        size, seconds, grown, chars = json.loads(out)
        print(f"| {name} | {size:.1f} | {seconds:.2f} | {grown:.0f} | {chars:,} |")


if __name__ == "__main__":
    main()
