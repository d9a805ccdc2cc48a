"""Reextract benchmark: ``scraper reextract`` against a plain one-core loop of ``extract()``.

    python bench/reextract_bench.py                  # 2,000 articles
    python bench/reextract_bench.py --articles 500 --keep /tmp/re.db

Builds an archive of ``--articles`` articles with their raw pages (the
``../shared/corpus`` pages in turn, each under a URL of its own), then times:

1. the floor: one process reading every newest raw page and calling
   ``extract()`` on it, storing nothing (one core);
2. ``scraper reextract`` when nothing changed (every text as stored: nothing
   is written);
3. ``scraper reextract`` when every article changed (the stored texts and links
   edited first, so every article, its links, its FTS row are written again).

Issue 14's goal: reextract in under 1/1.5 of the one-core loop's time.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import corpus_pages  # noqa: E402

from scraper.archive import Archive  # noqa: E402
from scraper.extract import extract  # noqa: E402
from scraper.models import FetchResult  # noqa: E402

BATCH = 200


def build(db: Path, n: int) -> None:
    pages = [gzip.decompress(p.read_bytes()) for p in corpus_pages()]
    with Archive(db) as arc:
        for start in range(0, n, BATCH):
            with arc.transaction():
                for i in range(start, min(n, start + BATCH)):
                    body = pages[i % len(pages)]
                    url = f"https://site{i % 40}.example/news/{i}"
                    article = extract(body, url=url)
                    if not article.text.strip():
                        continue
                    arc.store(FetchResult(url, url, 200, body=body), article, url)


def loop(db: Path) -> tuple[float, int]:
    """The floor: every newest raw page extracted in this process, nothing stored."""
    started = time.monotonic()
    n = 0
    with Archive(db, readonly=True) as arc:
        for _, raw_id, _ in arc.raw_pages_newest():
            raw = arc.raw_page_by_id(raw_id)
            if raw is not None and raw.body is not None:
                extract(raw.body, url=raw.url)
                n += 1
    return time.monotonic() - started, n


def reextract(db: Path) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "scraper", "reextract", "--db", str(db)]
    started = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    return time.monotonic() - started, done.stderr.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the archive here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "reextract.db"
        if not db.exists():
            build(db, args.articles)
        floor, pages = loop(db)
        same, same_summary = reextract(db)
        with sqlite3.connect(db) as conn:  # every article differs from what extract gives
            conn.execute("UPDATE articles SET text = text || ' (edited)', content_hash = 'x'")
            conn.execute("UPDATE link_rows SET text = text || ' (edited)'")
        changed, changed_summary = reextract(db)
    print("| run | seconds | vs the one-core loop | summary |\n|---|---|---|---|")
    print(f"| one-core loop of extract() over {pages} raw pages | {floor:.2f} | 1.00 | |")
    for name, seconds, summary in (
        ("`scraper reextract`, nothing changed", same, same_summary),
        ("`scraper reextract`, every article changed", changed, changed_summary),
    ):
        print(f"| {name} | {seconds:.2f} | {seconds / floor:.2f} | {summary} |")


if __name__ == "__main__":
    main()
