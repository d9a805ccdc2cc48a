"""How raw pages could be compressed: zstd levels, and zstd dictionaries.

    python bench/crawl_bench.py --db /tmp/crawl.db      # an archive to read
    python bench/raw_compression_bench.py /tmp/crawl.db [--train 200] [--part archive,pairs,docs]

Three parts, each a Markdown table of KB a page, ratio to the uncompressed page, and the
CPU milliseconds a page costs to compress and to decompress (one core,
``time.process_time``; a compressor or decompressor made once per dictionary, as a
process would keep it), beside what ``raw_pages`` keeps today (level 3, no dictionary):

- ``archive``: the archive's raw pages (decompressed), in the order archived. A
  dictionary for the whole archive (the bench site is one host) is trained
  (``zstandard.train_dictionary``) on the first ``--train`` pages and measured on the
  others; the bench site serves each corpus page again every 677 ids, so the pages whose
  corpus page was not among the training ones are also measured alone (the honest case).
- ``pairs``: the corpus pages grouped by their original site (news and web corpora; a
  site has at most two): each page compressed with the other page of its site as a
  raw-content dictionary (a site's template is what pages of one site share; one page is
  too few to train a dictionary on). What a real crawl of one site would see.
- ``docs``: many pages of one real site sharing a template: the Rust standard library's
  HTML documentation from rustup (a stand-in; no news site with hundreds of pages is at
  hand), dictionaries trained on 200 pages and measured on 1,000 others.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sqlite3
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import zstandard
from corpus import CORPUS

DOCS = Path("/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html/std")
SIZES = (32_000, 64_000, 112_000)
BENCH_ID = re.compile(rb'<meta name="bench-id" content="(\d+)"')


def archive_pages(db: Path) -> list[bytes]:
    d = zstandard.ZstdDecompressor()
    with sqlite3.connect(db) as conn:
        return [d.decompress(b) for (b,) in conn.execute("SELECT body FROM raw_pages ORDER BY id")]


def corpus_of(page: bytes, n_bodies: int) -> int:
    m = BENCH_ID.search(page[:4000]) or BENCH_ID.search(page)
    return int(m.group(1)) % n_bodies if m else -1


def measure(
    name: str,
    pages: Sequence[bytes],
    level: int,
    dictionary: zstandard.ZstdCompressionDict | None = None,
    trained: float = 0.0,
) -> None:
    c = zstandard.ZstdCompressor(level=level, dict_data=dictionary)
    d = zstandard.ZstdDecompressor(dict_data=dictionary)
    started = time.process_time()
    packed = [c.compress(p) for p in pages]
    compress = time.process_time() - started
    started = time.process_time()
    for x in packed:
        d.decompress(x)
    decompress = time.process_time() - started
    n = len(pages)
    size = sum(map(len, pages))
    out = sum(map(len, packed))
    print(
        f"| {name} | {level} | {out / n / 1e3:.1f} | {size / out:.2f}x | "
        f"{1000 * compress / n:.2f} | {1000 * decompress / n:.2f} | {trained:.1f} |"
    )


HEADER = (
    "| dictionary | level | KB a page | ratio | compress ms | decompress ms | train s |\n"
    "|---|---|---|---|---|---|---|"
)


def trained_rows(train: list[bytes], tests: dict[str, list[bytes]]) -> None:
    for level in (3, 6):
        for label, pages in tests.items():
            measure(f"none ({label})", pages, level)
    for size in SIZES:
        started = time.process_time()
        dictionary = zstandard.train_dictionary(size, train, level=3)
        took = time.process_time() - started
        for level in (3, 6):
            for label, pages in tests.items():
                measure(f"{size // 1000} KB trained ({label})", pages, level, dictionary, took)


def part_archive(db: Path, n_train: int) -> None:
    pages = archive_pages(db)
    n_bodies = len(sorted(CORPUS.glob("*/*.html.gz")))
    train, rest = pages[:n_train], pages[n_train:]
    seen = {corpus_of(p, n_bodies) for p in train}
    unseen = [p for p in rest if corpus_of(p, n_bodies) not in seen]
    size = sum(map(len, pages)) / len(pages)
    print(
        f"\n## archive: {len(pages)} raw pages, {size / 1e3:.1f} KB a page; trained on the "
        f"first {n_train}, measured on the other {len(rest)} (all) and on the {len(unseen)} "
        f"whose corpus page was not trained on (unseen)\n"
    )
    print(HEADER)
    trained_rows(train, {"all": rest, "unseen": unseen})


def part_pairs() -> None:
    sites: dict[str, list[bytes]] = defaultdict(list)
    for corpus in ("news", "web"):
        folder = CORPUS / corpus
        for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            host = urlsplit(item.get("url") or "").netloc
            path = folder / f"{item['id']}.html.gz"
            if host and host != "web.archive.org" and path.exists():
                sites[host].append(gzip.decompress(path.read_bytes()))
    pairs = {h: p[:2] for h, p in sites.items() if len(p) >= 2}
    pages = [p for two in pairs.values() for p in two]
    size = sum(map(len, pages)) / len(pages)
    print(
        f"\n## pairs: {len(pairs)} sites with two corpus pages, {size / 1e3:.1f} KB a page; "
        "each page compressed with the other page of its site (its first or last N KB) as a "
        "raw-content dictionary\n"
    )
    print(HEADER)
    for level in (3, 6):
        for size_, end in ((None, ""), *((s, e) for s in SIZES for e in ("first", "last"))):
            c_out = 0
            c_time = d_time = 0.0
            for a, b in pairs.values():
                for page, other in ((a, b), (b, a)):
                    dictionary = None
                    if size_:
                        content = other[:size_] if end == "first" else other[-size_:]
                        dictionary = zstandard.ZstdCompressionDict(
                            content, dict_type=zstandard.DICT_TYPE_RAWCONTENT
                        )
                    c = zstandard.ZstdCompressor(level=level, dict_data=dictionary)
                    d = zstandard.ZstdDecompressor(dict_data=dictionary)
                    started = time.process_time()
                    x = c.compress(page)
                    c_time += time.process_time() - started
                    started = time.process_time()
                    d.decompress(x)
                    d_time += time.process_time() - started
                    c_out += len(x)
            n = len(pages)
            name = f"the other page's {end} {size_ // 1000} KB" if size_ else "none"
            total = sum(map(len, pages))
            print(
                f"| {name} | {level} | {c_out / n / 1e3:.1f} | {total / c_out:.2f}x | "
                f"{1000 * c_time / n:.2f} | {1000 * d_time / n:.2f} | 0 |"
            )


def part_docs(n_train: int) -> None:
    files = sorted(DOCS.rglob("*.html"))
    if len(files) < n_train + 1000:
        print(f"\n## docs: skipped, {DOCS} holds {len(files)} pages")
        return
    pages = [f.read_bytes() for f in files[:: max(1, len(files) // (n_train + 1000))]]
    train, rest = pages[:n_train], pages[n_train : n_train + 1000]
    size = sum(map(len, rest)) / len(rest)
    print(
        f"\n## docs: one site ({DOCS}), {size / 1e3:.1f} KB a page; trained on {n_train}, "
        f"measured on {len(rest)}\n"
    )
    print(HEADER)
    trained_rows(train, {"docs": rest})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--train", type=int, default=200, help="pages a dictionary learns from")
    ap.add_argument("--part", default="archive,pairs,docs")
    args = ap.parse_args()
    parts = args.part.split(",")
    if "archive" in parts:
        part_archive(args.db, args.train)
    if "pairs" in parts:
        part_pairs()
    if "docs" in parts:
        part_docs(args.train)


if __name__ == "__main__":
    main()
