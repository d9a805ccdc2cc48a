"""Migration 0007_url_keys on a generated archive: how long a writer's first open
takes when the archive's keys were made by the previous release.

    python bench/url_keys_bench.py [--articles 100000] [--frontier 200000] [--share 0.02]

``--share`` of the keys need re-keying (IDN hosts, ``%7e``, dot segments, unsorted
queries, half of them meeting an existing key); the rest are in the new form already.
Prints the seconds of the open (the migration runs in its transaction) and what moved.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path

from scraper.archive import Archive
from scraper.urls import normalize_url

TEXT = "A paragraph of an article about something that happened. " * 40  # ~2.3 KB


def old_key(i: int, share: float) -> str:
    """A key the previous release gave: one needing re-keying for ``share`` of ``i``."""
    if (i * 7919) % 10_000 >= share * 10_000:
        return f"https://news{i % 50}.example.com/2026/11/{i}/story-{i}"
    return [
        f"https://bücher{i % 50}.de/2026/{i}",
        f"https://news{i % 50}.example.com/%7eauthor/{i}",
        f"https://news{i % 50}.example.com/a/../2026/11/{i}/story-{i}",  # meets a plain key
        f"https://news{i % 50}.example.com/story?page=2&id={i}",
    ][i % 4]


def build(path: Path, articles: int, frontier: int, share: float) -> None:
    Archive(path).close()
    now = "2026-11-30T00:00:00+00:00"
    digest = hashlib.sha256(TEXT.encode()).hexdigest()
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT OR IGNORE INTO articles (canonical_url, url, host, title, text, "
            "content_hash, first_seen, last_fetched) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (key, key, key.split("/")[2], f"Story {i}", TEXT, digest, now, now)
                for i in range(articles)
                for key in [old_key(i, share)]
            ),
        )
        # the plain form of every dot-segment key exists too (a collision)
        db.execute(
            "INSERT OR IGNORE INTO articles (canonical_url, url, host, title, text, "
            "content_hash, first_seen, last_fetched) SELECT replace(canonical_url, '/a/../', "
            "'/'), url, host, title, text, content_hash, first_seen, last_fetched FROM articles "
            "WHERE canonical_url LIKE '%/a/../%'"
        )
        db.executemany(
            "INSERT OR IGNORE INTO frontier (url, site, host, state, kind, discovered_at, "
            "updated_at) VALUES (?, ?, ?, 'done', 'article', ?, ?)",
            (
                (key, host.removeprefix("www."), host, now, now)
                for i in range(frontier)
                for key in [old_key(i, share)]
                for host in [key.split("/")[2]]
            ),
        )
        db.execute("DELETE FROM _sqlite_migrations WHERE name = '0007_url_keys'")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--frontier", type=int, default=200_000)
    parser.add_argument("--share", type=float, default=0.02)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "old.db"
        build(path, args.articles, args.frontier, args.share)
        with closing(sqlite3.connect(path)) as db:
            before = dict(db.execute("SELECT id, canonical_url FROM articles").fetchall())
            rows = db.execute("SELECT count(*) FROM frontier").fetchone()[0]
        started, cpu = time.perf_counter(), time.process_time()
        Archive(path).close()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        with closing(sqlite3.connect(path)) as db:
            after = dict(db.execute("SELECT id, canonical_url FROM articles").fetchall())
            left = db.execute("SELECT count(*) FROM frontier").fetchone()[0]
        moved = sum(before[i] != after[i] for i in before)
        stayed = sum(after[i] == k != normalize_url(k) for i, k in before.items())
        assert before.keys() == after.keys(), "an article was lost"
        print(
            f"articles {len(before):,}  frontier {rows:,}  share {args.share:.0%}: "
            f"open with 0007 {seconds:.2f} s ({cpu:.2f} s CPU); articles re-keyed {moved:,}, "
            f"kept under their old key (collisions) {stayed:,}; frontier rows {rows:,} -> {left:,}"
        )


if __name__ == "__main__":
    main()
