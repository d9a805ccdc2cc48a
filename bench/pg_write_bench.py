"""The PostgreSQL write ceiling: articles a second that K processes can archive
through the archive API, no network and no extraction in the timed part.

Each process takes corpus pages (../shared/corpus), extracted and packed (hashed,
zstd) before the clock starts, as a crawl's extraction workers hand them over, and
writes ``--pages`` distinct articles (each page's URL, text and body made unique)
as a crawl does: a page's frontier row, fetch, article, links, version and raw
page in one savepoint, 64 pages a commit (``crawl.batching``).  ``--raw`` says
where the raw body goes: ``db`` (raw_pages.body, as today) or ``none`` (an empty
body: what the database would write if the bodies lived in WARC files beside it,
the upper bound of item 7).  For K = 1, 2, 4, 8 the figures are articles/s of all
processes together (from the first start to the last end), raw MB/s written, and
the load average.

PostgreSQL is a throwaway cluster (tests/pg.py); ``--durable`` turns fsync,
synchronous_commit and full_page_writes back on (the tests run without them).

    python bench/pg_write_bench.py --k 1 2 4 8 --pages 1500 --durable
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from corpus import corpus_pages  # noqa: E402
from pg import start_cluster  # noqa: E402

from scraper.archive import Archive, Discovered  # noqa: E402
from scraper.archive.raw import Packed, pack  # noqa: E402
from scraper.extract import extract  # noqa: E402
from scraper.models import FetchResult  # noqa: E402

BATCH = 64


def prepare(k: int, pages: int, sources: int, raw: str) -> list[tuple[FetchResult, object, Packed]]:
    """Process ``k``'s pages: corpus pages made unique, extracted and packed."""
    base = []
    for path in corpus_pages()[:sources]:
        html = gzip.decompress(path.read_bytes())
        article = extract(html, f"https://{path.parent.name}.example/{path.stem}")
        if article.text.strip():
            base.append((html, article))
    work = []
    for i in range(pages):
        html, article = base[i % len(base)]
        url = f"https://site{k}.example/news/{i}-story/"
        body = html + f"<!-- {k}.{i} -->".encode()
        unique = replace(article, text=f"{article.text}\n{k}.{i}", canonical_url=url)
        packed = pack(body)
        if raw == "none":
            packed = Packed(packed.sha256, packed.size, b"")
        fetch = FetchResult(url=url, final_url=url, status=200, content_type="text/html",
                            body=body)  # fmt: skip
        work.append((fetch, unique, packed))
    return work


def writer(k: int, db: str, pages: int, sources: int, raw: str, start, out) -> None:  # type: ignore[no-untyped-def]
    work = prepare(k, pages, sources, raw)
    site = f"site{k}.example"
    with Archive(db) as arc:
        arc.frontier_add(site, [Discovered(f.url, site) for f, _, _ in work])
        start.wait()
        began = time.time()
        written = 0
        for lo in range(0, len(work), BATCH):
            with arc.transaction():
                for fetch, article, packed in work[lo : lo + BATCH]:
                    with arc.transaction():
                        arc.store(fetch, article, fetch.url, packed)  # type: ignore[arg-type]
                        arc.frontier_finish(fetch.url, "done", kind="article")
                        written += len(packed.body)
        out.put((began, time.time(), len(work), written))


def round_(k: int, url: str, pages: int, sources: int, raw: str) -> dict[str, object]:
    import psycopg

    name = f"w{k}_{raw}_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    db = url.rsplit("/", 1)[0] + "/" + name
    Archive(db).close()  # the schema, once
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(k), ctx.Queue()
    procs = [ctx.Process(target=writer, args=(j, db, pages, sources, raw, start, out))
             for j in range(k)]  # fmt: skip
    load = os.getloadavg()[0]
    for p in procs:
        p.start()
    done = [out.get(timeout=3600) for _ in procs]
    for p in procs:
        p.join()
    seconds = max(d[1] for d in done) - min(d[0] for d in done)
    articles = sum(d[2] for d in done)
    with Archive(db, readonly=True) as arc:
        stored = arc.counts()["articles"]
        size = arc.size()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name}")
    return {
        "k": k, "raw": raw, "articles": articles, "stored": stored,
        "seconds": round(seconds, 2), "per_second": round(articles / seconds, 1),
        "raw_mb_per_s": round(sum(d[3] for d in done) / seconds / 1e6, 2),
        "db_mb": round(size / 1e6, 1), "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--pages", type=int, default=1500, help="articles a process (1500)")
    ap.add_argument("--sources", type=int, default=200, help="corpus pages used (200)")
    ap.add_argument("--raw", nargs="+", default=["db", "none"], choices=["db", "none"])
    ap.add_argument("--durable", action="store_true", help="fsync and synchronous commit on")
    a = ap.parse_args()
    cluster = start_cluster()
    try:
        url = cluster.url()
        if a.durable:
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                    conn.execute(f"ALTER SYSTEM SET {setting} = on")
                conn.execute("SELECT pg_reload_conf()")
        for raw in a.raw:
            for k in a.k:
                row = round_(k, url, a.pages, a.sources, raw)
                row["durable"] = a.durable
                print(json.dumps(row), flush=True)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
