"""WARC import benchmark: ``scraper import`` of a WARC built from ../shared/corpus pages.

    python bench/warc_bench.py                    # 10,000 records, 1 and 2 processes
    python bench/warc_bench.py --records 2000 --processes 1 2 4
    python bench/warc_bench.py --warc /tmp/10k.warc.gz   # build it there once, then reuse it

Builds one gzip-per-record WARC/1.1 file of ``--records`` HTML ``response``
records (the corpus pages in turn, each copy with its own URL and a payload of
its own), then runs a real ``scraper import`` process into a fresh archive once
per ``--processes`` value and reports records per second, the peak RSS of the
import's whole process tree (the main process plus its extraction workers,
sampled every 50 ms) and of its largest process, and the archive's size per
article, by table, beside the gzip WARC's.  Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import proctree
import sizes
from corpus import corpus_pages
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def build_warc(path: Path, records: int) -> int:
    pages = corpus_pages()
    bodies = [gzip.decompress(p.read_bytes()) for p in pages]
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        for i in range(records):
            n = i % len(pages)
            body = bodies[n] + f"\n<!-- copy {i // len(pages)} -->".encode()
            url = f"https://site{i % 40}.example/{pages[n].parent.name}/{i}/{pages[n].stem}"
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            day = 1 + i % 28
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": f"2026-10-{day:02d}T12:00:00Z"},
            )
            writer.write_record(record)
    return records


def run_import(
    warc: Path, db: Path, processes: int
) -> tuple[dict[str, int], float, float, float, float, float]:
    """(summary, seconds, peak RSS of the process tree in MB, of its largest process,
    CPU seconds of the main process, of its workers) - CPU sampled like RSS."""
    cmd = [sys.executable, "-m", "scraper", "import", str(warc), "--db", str(db), "--json", "-q"]
    r = proctree.run([*cmd, "--processes", str(processes)])
    return json.loads(r.stdout), r.seconds, r.tree_peak_mb, r.one_peak_mb, r.main_cpu, r.workers_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--warc", type=Path, help="the WARC: built here unless it exists")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        warc = args.warc or Path(tmp) / "bench.warc.gz"
        if not warc.exists():
            t0 = time.monotonic()
            build_warc(warc, args.records)
            print(f"built {warc.stat().st_size / 1e6:.1f} MB WARC in {time.monotonic() - t0:.1f} s")
        rows = []
        rates = {}
        last_db = None
        for n in args.processes:
            db = Path(tmp) / f"p{n}.db"
            summary, seconds, tree, one, main_cpu, workers_cpu = run_import(warc, db, n)
            rates[n] = args.records / seconds
            rows.append((n, summary, seconds, tree, one, main_cpu, workers_cpu))
            last_db = db
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        print("\n| processes | records | archived | failed | seconds | records/s | speedup "
              "| CPU s main / workers | peak RSS, tree | peak RSS, largest process |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|---|")
        base = rates[args.processes[0]]
        for n, summary, seconds, tree, one, main_cpu, workers_cpu in rows:
            print(
                f"| {n} | {summary['records']:,} | {summary['archived']:,} | {summary['failed']:,} "
                f"| {seconds:.1f} | {rates[n]:.0f} | {rates[n] / base:.2f}x "
                f"| {main_cpu:.1f} / {workers_cpu:.1f} | {tree:.0f} MB | {one:.0f} MB |"
            )
        assert last_db is not None
        archived = rows[-1][1]["archived"] or 1
        by_table = sizes.by_table(last_db)
        warc_size = warc.stat().st_size
        print(f"\narchive of {archived:,} articles vs the gzip WARC of the same responses "
              f"({args.records:,} records):\n")  # fmt: skip
        print("| table | MB | KB per article |")
        print("|---|---|---|")
        for name, size in sorted(by_table.items(), key=lambda kv: -kv[1]):
            print(f"| {name} | {size / 1e6:.1f} | {size / 1e3 / archived:.1f} |")
        print(f"| gzip WARC | {warc_size / 1e6:.1f} | {warc_size / 1e3 / archived:.1f} |")
        print(f"\narchive / WARC = {by_table['total'] / warc_size:.2f}")


if __name__ == "__main__":
    main()
