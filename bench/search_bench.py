"""Search benchmark: ``scraper search`` on a large archive (goal: under 50 ms a query).

    python bench/search_bench.py                       # 100,000 articles
    python bench/search_bench.py --articles 20000 --runs 20 --keep /tmp/big.db

Builds an archive of ``--articles`` articles by bulk insert through the archive
layer (``ArticleStore.put`` and a version each, many to a transaction; no raw
pages) from the texts of the ``../shared/corpus`` pages, each copy under its own
URL on one of 40 sites with a word of its own, then times the search the
command runs (``Archive.search``: FTS5 match, bm25 order, snippets, filters) for
a set of queries, ``--runs`` times each after one warm-up, and one real
``scraper search`` process per query (start-up included).  Prints p50 and p95
per query as a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import corpus_pages  # noqa: E402

from scraper.archive import Archive  # noqa: E402
from scraper.extract import extract  # noqa: E402
from scraper.models import FetchResult  # noqa: E402

QUERIES = [
    ("common word", ["government"], {}),
    ("two words", ["president election"], {}),
    ("phrase", ['"white house"'], {}),
    ("OR / NOT", ["climate OR weather NOT sports"], {}),
    ("prefix", ["econom*"], {}),
    ("rare word", ["ref777"], {}),
    ("common + site", ["government"], {"site": "site7.example"}),
    ("common + since", ["government"], {"since": datetime(2026, 11, 20, tzinfo=UTC)}),
]
BATCH = 2000


def build(db: Path, n: int) -> float:
    pages = corpus_pages()
    articles = []
    for page in pages:
        a = extract(gzip.decompress(page.read_bytes()), url="https://x.example/")
        if a.text.strip():
            articles.append(a)
    started = time.monotonic()
    day0 = datetime(2026, 10, 1, tzinfo=UTC)
    with Archive(db) as arc:
        for start in range(0, n, BATCH):
            with arc.transaction():
                for i in range(start, min(n, start + BATCH)):
                    base = articles[i % len(articles)]
                    article = replace(base, text=f"{base.text}\n\nref{i}", links=())
                    url = f"https://site{i % 40}.example/news/{i}"
                    when = day0 + timedelta(days=i % 60, minutes=i % 1440)
                    fetch = FetchResult(url=url, final_url=url, status=200, fetched_at=when)
                    stored = arc.articles.put(url, fetch, article)
                    arc.versions.add(stored.article_id, None, None)
        arc.tidy()  # as import ends: the index merged a bounded step
    return time.monotonic() - started


def timed(arc: Archive, query: str, runs: int, **filters: object) -> list[float]:
    arc.search(query, **filters)  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        arc.search(query, **filters)
        times.append((time.perf_counter() - t) * 1000)
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the archive here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "search.db"
        if not db.exists():
            seconds = build(db, args.articles)
            print(f"built {args.articles:,} articles in {seconds:.0f} s, "
                  f"{db.stat().st_size / 1e6:,.0f} MB\n")  # fmt: skip
        print("| query | hits | p50 ms | p95 ms | `scraper search` process ms |")
        print("|---|---|---|---|---|")
        with Archive(db, readonly=True) as arc:
            for name, (query,), filters in QUERIES:
                hits = len(arc.search(query, **filters))
                times = timed(arc, query, args.runs, **filters)
                cmd = [sys.executable, "-m", "scraper", "search", query, "--db", str(db)]
                if "site" in filters:
                    cmd += ["--site", str(filters["site"])]
                if "since" in filters:
                    cmd += ["--since", filters["since"].date().isoformat()]  # type: ignore[attr-defined]
                t = time.perf_counter()
                subprocess.run(cmd, capture_output=True, check=False)
                process = (time.perf_counter() - t) * 1000
                print(f"| {name}: `{query}` | {hits} | {statistics.median(times):.1f} | "
                      f"{p95(times):.1f} | {process:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
