"""The archive's size by table (SQLite's dbstat), beside a gzip WARC of the same responses.

``by_table(db)`` sums each table's pages with its indexes (the FTS5 shadow tables
count as ``articles_fts``); ``response_warc(db, path)`` writes every raw page the
archive keeps as a WARC/1.1 ``response`` record, gzip per record, with the headers
its fetch stored (what a crawler writing WARC would have kept); ``report`` prints
both per article; ``by_column`` the bytes each column's values take.

    python bench/sizes.py DB [--warc FILE]     # an archive's size by table and by column
"""

from __future__ import annotations

import argparse
import io
import sqlite3
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.archive import Archive


def by_table(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        except sqlite3.OperationalError:
            rows = []
        tables = {
            name: tbl for (name, tbl) in conn.execute("SELECT name, tbl_name FROM sqlite_master")
        }
    sizes: dict[str, int] = {}
    for name, size in rows:
        table = tables.get(name, name)
        if table.startswith("articles_fts"):
            table = "articles_fts"
        sizes[table] = sizes.get(table, 0) + int(size)
    sizes["total"] = db.stat().st_size
    return sizes


def by_column(db: Path) -> dict[str, dict[str, int]]:
    """Bytes the values of each column of each table take (text as UTF-8, blobs as
    stored; numbers as their text), the part of a table's size its row headers, keys
    and b-tree pages do not take."""
    out: dict[str, dict[str, int]] = {}
    with sqlite3.connect(db) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
                "'CREATE VIRTUAL%' AND name NOT LIKE 'articles_fts%' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
            sums = ", ".join(f'coalesce(sum(length(CAST("{c}" AS BLOB))), 0)' for c in columns)
            values = conn.execute(f'SELECT {sums} FROM "{table}"').fetchone()
            out[table] = dict(zip(columns, (int(v) for v in values), strict=True))
    return out


def response_warc(db: Path, path: Path) -> int:
    """Write every raw page the archive keeps as a response record of a gzip WARC (read
    through the archive, whatever its storage); returns the WARC's size."""
    with Archive(db, readonly=True) as archive, path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        with sqlite3.connect(db) as conn:
            ids = [r[0] for r in conn.execute("SELECT DISTINCT article_id FROM raw_pages")]
        for article_id in ids:
            for cap in archive.captures(article_id):
                if cap.body is None:
                    continue
                http = StatusAndHeaders(
                    f"{cap.status or 200} OK",
                    cap.headers or [("Content-Type", cap.content_type or "text/html")],
                    protocol="HTTP/1.1",
                )
                record = writer.create_warc_record(
                    cap.url,
                    "response",
                    payload=io.BytesIO(cap.body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": cap.fetched_at[:19] + "Z"},
                )
                writer.write_record(record)
    return path.stat().st_size


def report(db: Path, warc_size: int, articles: int) -> None:
    """Print the archive's size per article by table, beside the WARC's (Markdown)."""
    sizes = by_table(db)
    articles = articles or 1
    print(f"\narchive of {articles:,} articles beside a gzip WARC of the same responses:\n")
    print("| table (with its indexes) | MB | KB per article |")
    print("|---|---|---|")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {size / 1e6:.1f} | {size / 1e3 / articles:.1f} |")
    print(f"| gzip WARC | {warc_size / 1e6:.1f} | {warc_size / 1e3 / articles:.1f} |")
    print(f"\narchive / WARC = {sizes['total'] / warc_size:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--warc", type=Path, help="write the gzip WARC of its responses here")
    args = ap.parse_args()
    with sqlite3.connect(args.db) as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0] or 1
    if args.warc:
        report(args.db, response_warc(args.db, args.warc), articles)
    else:
        sizes = by_table(args.db)
        for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
            print(f"| {name} | {size / 1e6:.1f} | {size / 1e3 / articles:.1f} |")
    print(f"\nby column, KB per article ({articles:,} articles):\n")
    print("| table | column | KB per article |\n|---|---|---|")
    for table, columns in by_column(args.db).items():
        for column, size in sorted(columns.items(), key=lambda kv: -kv[1]):
            if size / articles >= 50:
                print(f"| {table} | {column} | {size / 1e3 / articles:.2f} |")


if __name__ == "__main__":
    main()
