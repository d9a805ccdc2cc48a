"""Versions storage benchmark: what keeping every text costs, plain vs zstd.

    python bench/versions_bench.py                 # the corpus pages, each changed once
    python bench/versions_bench.py --changes 3

Archives every ``../shared/corpus`` page through the archive layer, then again
``--changes`` times with one paragraph edited (each a new version), and reports
the bytes the ``versions`` table takes per article (dbstat: pages, indexes
included) as stored (the texts plain, the current one not stored twice) beside
the same table with every text zstd-compressed (level 3, as raw pages), and the
whole archive per article.  Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import zstandard

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import corpus_pages  # noqa: E402

from scraper.archive import Archive  # noqa: E402
from scraper.extract import extract  # noqa: E402
from scraper.models import FetchResult  # noqa: E402


def table_bytes(conn: sqlite3.Connection, table: str) -> int:
    rows = conn.execute(
        "SELECT sum(pgsize) FROM dbstat WHERE name IN "
        "(SELECT name FROM sqlite_master WHERE tbl_name = ?)",
        [table],
    ).fetchone()
    return int(rows[0] or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=1, help="edits of each page (default 1)")
    args = parser.parse_args()
    pages = corpus_pages()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        n = 0
        with Archive(db) as arc:
            for i, page in enumerate(pages):
                url = f"https://site{i % 40}.example/{page.parent.name}/{page.stem}"
                body = gzip.decompress(page.read_bytes())
                article = extract(body, url=url)
                if not article.text.strip():
                    continue
                n += 1
                when = datetime(2026, 11, 1, tzinfo=UTC)
                arc.store(FetchResult(url, url, 200, body=body, fetched_at=when), article, url)
                for change in range(1, args.changes + 1):
                    # an edit: one sentence added after the first paragraph
                    note = f"<p>Update {change}: this story was corrected on day {change}.</p>"
                    edited = body.replace(b"</p>", b"</p>" + note.encode(), 1)
                    again = extract(edited, url=url)
                    at = when + timedelta(days=change)
                    arc.store(FetchResult(url, url, 200, body=edited, fetched_at=at), again, url)
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        versions = conn.execute("SELECT count(*) FROM versions").fetchone()[0]
        stored = table_bytes(conn, "versions")
        older, texts = conn.execute(
            "SELECT count(*), sum(length(CAST(text AS BLOB))) FROM versions WHERE text IS NOT NULL"
        ).fetchone()
        # the same rows with every text (the current one too) zstd-compressed
        zc = zstandard.ZstdCompressor(level=3)
        conn.create_function("zstd", 1, lambda t: zc.compress(t.encode()) if t else None)
        conn.execute(
            "CREATE TABLE versions_zstd AS SELECT id, article_id, version, fetch_id, raw_page_id,"
            " fetched_at, content_hash, title, zstd(text) AS text, word_count, modified"
            " FROM article_versions"
        )
        conn.execute(
            "CREATE TABLE versions_plain_all AS SELECT id, article_id, version, fetch_id,"
            " raw_page_id, fetched_at, content_hash, title, text, word_count, modified"
            " FROM article_versions"
        )
        conn.commit()
        zstd_all = table_bytes(conn, "versions_zstd")
        zstd_older = conn.execute(
            "SELECT sum(length(zstd(text))) FROM versions WHERE text IS NOT NULL"
        ).fetchone()[0]
        plain_all = table_bytes(conn, "versions_plain_all")
        total = db.stat().st_size - zstd_all - plain_all
        conn.close()
    print(f"{n} articles, {versions} versions ({args.changes} change(s) each)\n")
    print("| storage | bytes per article |")
    print("|---|---|")
    print(f"| versions as stored (older texts plain, current not twice) | {stored / n:,.0f} |")
    print(f"| of which older texts ({older} texts) | {texts / n:,.0f} |")
    print(f"| every text plain (current one stored twice) | {plain_all / n:,.0f} |")
    print(f"| every text zstd-3 (unreadable in plain SQL) | {zstd_all / n:,.0f} |")
    print(f"| the whole archive (approx.) | {total / n:,.0f} |")
    print(
        f"\nan older text: {texts / max(older, 1):,.0f} B plain, "
        f"{zstd_older / max(older, 1):,.0f} B zstd-3"
    )


if __name__ == "__main__":
    main()
