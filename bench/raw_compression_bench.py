"""How raw pages could be compressed: zstd levels, and dictionaries trained per host.

    python bench/crawl_bench.py --db /tmp/crawl.db      # an archive to read
    python bench/raw_compression_bench.py /tmp/crawl.db [--train 200] [--pages 2000]

Reads the raw pages an archive keeps (decompressed), groups them by host, and for
each way of compressing reports the KB a page takes and the CPU milliseconds a page
costs to compress (one core, ``time.process_time``), beside what ``raw_pages`` keeps
today (zstd level 3, no dictionary).  A dictionary is trained per host
(``zstandard.train_dictionary``) on the first ``--train`` pages of that host and
measured on the others (the pages a crawl would compress once it had one); the
CPU time of training is reported too.  Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import zstandard


def pages_by_host(db: Path, limit: int) -> dict[str, list[bytes]]:
    d = zstandard.ZstdDecompressor()
    hosts: dict[str, list[bytes]] = defaultdict(list)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, body FROM raw_pages ORDER BY id LIMIT ?", [limit])
        for url, body in rows:
            hosts[urlsplit(url).netloc].append(d.decompress(body))
    return hosts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--train", type=int, default=200, help="pages a host's dictionary learns from")
    ap.add_argument("--pages", type=int, default=5000, help="raw pages read at most")
    args = ap.parse_args()
    hosts = pages_by_host(args.db, args.pages)
    train = {h: p[: args.train] for h, p in hosts.items() if len(p) > args.train}
    test = {h: p[args.train :] for h, p in hosts.items() if h in train}
    n = sum(len(p) for p in test.values())
    if not n:
        raise SystemExit(f"no host with more than {args.train} raw pages")
    size = sum(len(x) for p in test.values() for x in p) / n
    print(f"{len(test)} hosts, {n} pages measured, {size / 1e3:.1f} KB a page uncompressed\n")
    print("| compression | KB a page | ratio | compress ms a page | train s (all hosts) |")
    print("|---|---|---|---|---|")

    def measure(name: str, make: dict[str, zstandard.ZstdCompressor], trained: float) -> None:
        started = time.process_time()
        out = sum(len(make[h].compress(x)) for h, p in test.items() for x in p)
        ms = 1000 * (time.process_time() - started) / n
        kb = out / n / 1e3
        print(f"| {name} | {kb:.1f} | {size / (out / n):.2f}x | {ms:.2f} | {trained:.1f} |")

    for level in (3, 6, 9):  # 19: 6.2x, but 117 ms a page
        c = zstandard.ZstdCompressor(level=level)
        measure(f"level {level}" + (" (today)" if level == 3 else ""), dict.fromkeys(test, c), 0)
    for dict_size in (110_000, 1_000_000):
        started = time.process_time()
        dicts = {h: zstandard.train_dictionary(dict_size, p) for h, p in train.items()}
        trained = time.process_time() - started
        for level in (3, 9):
            make = {h: zstandard.ZstdCompressor(level=level, dict_data=d) for h, d in dicts.items()}
            measure(f"{dict_size // 1000} KB dictionary per host, level {level}", make, trained)


if __name__ == "__main__":
    main()
