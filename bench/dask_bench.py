"""WARC batch import: the process pool against Dask, on N WARC files of corpus pages.

    python bench/dask_bench.py                       # 8 files of 250 records, 2 workers
    python bench/dask_bench.py --files 16 --records 200 --workers 2

Builds ``--files`` gzip-per-record WARC files of ``--records`` HTML responses
each (the ../shared/corpus pages in turn, every record its own URL and payload),
then imports all of them into a fresh archive three times, each a real
``scraper import`` process:

- ``pool``: ``--processes W`` (extraction in W processes, stored in order);
- ``dask local``: ``--dask local --processes W`` (a LocalCluster of W worker
  processes started by the command, one ``process_warc`` task per file, shards
  merged), start-up of the cluster included;
- ``dask, running cluster``: ``--dask ADDRESS`` of a LocalCluster of W workers
  this script started before (what a standing cluster costs per batch).

Prints records per second and the ratio to the pool, the CPU seconds of all the
processes each run used (a fairer figure on a shared, loaded machine), and checks that every run
gives the same archive (articles, texts by hash, raw pages, fetches, versions).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import logging
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import corpus_pages
from proctree import cpu_s, tree
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def build_warcs(folder: Path, files: int, records: int) -> list[Path]:
    pages = corpus_pages()
    bodies = [gzip.decompress(p.read_bytes()) for p in pages]
    paths = []
    http = StatusAndHeaders(
        "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
    )
    for f in range(files):
        path = folder / f"CC-NEWS-{f:03d}.warc.gz"
        with path.open("wb") as out:
            writer = WARCWriter(out, gzip=True, warc_version="1.1")
            for r in range(records):
                i = f * records + r
                n = i % len(pages)
                body = bodies[n] + f"\n<!-- copy {i // len(pages)} -->".encode()
                url = f"https://site{i % 40}.example/{pages[n].parent.name}/{i}/{pages[n].stem}"
                record = writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": f"2026-10-{1 + i % 28:02d}T12:00:00Z"},
                )
                writer.write_record(record)
        paths.append(path)
    return paths


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


MAIN_CPU: dict[str, float] = {}  # run -> CPU seconds of the command's own process


def run(files: list[Path], db: Path, *extra: str) -> tuple[dict[str, int], float, float]:
    """(summary, seconds, CPU seconds of the command and every process it started);
    the command's own CPU (sampled every 50 ms until it exits) goes to ``MAIN_CPU``."""
    cmd = [sys.executable, "-m", "scraper", "import", *map(str, files), "--db", str(db)]
    started, cpu = time.monotonic(), _children_cpu()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([*cmd, "--json", *extra], stdout=out, stderr=err, text=True)
        seen: dict[int, float] = {}  # every process of the tree, sampled: the workers
        while proc.poll() is None:  # a forkserver started are not ours to reap
            for pid in tree(proc.pid):
                seen[pid] = max(seen.get(pid, 0.0), cpu_s(pid))
            time.sleep(0.05)
        seconds, cpu = time.monotonic() - started, _children_cpu() - cpu
        own = seen.get(proc.pid, 0.0)
        cpu = max(cpu, sum(seen.values()))
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    MAIN_CPU[" ".join(extra)] = own
    if proc.returncode != 0:
        sys.exit(f"{' '.join(extra)}: exit {proc.returncode}: {stderr[-2000:]}")
    return json.loads(stdout.splitlines()[-1]), seconds, cpu


def contents(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """What must be the same whatever ran the import (ids included)."""
    queries = {
        "articles": "SELECT id, canonical_url, content_hash, title, first_seen FROM articles",
        "raw_pages": "SELECT id, article_id, sha256, size FROM raw_pages",
        "fetches": "SELECT id, url, fetched_at, article_id FROM fetches",
        "versions": "SELECT article_id, version, content_hash, fetch_id, raw_page_id FROM versions",
        "links": "SELECT article_id, count(*) FROM links GROUP BY article_id",
    }
    with sqlite3.connect(db) as conn:
        return {k: conn.execute(q + " ORDER BY 1, 2").fetchall() for k, q in queries.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--records", type=int, default=250, help="records per file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warcs", type=Path, help="keep the WARC files here, and reuse them")
    parser.add_argument(
        "--runs", default="pool,local,running", help="which runs (pool, local, running)"
    )
    args = parser.parse_args()
    runs = set(args.runs.split(","))
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.monotonic()
        kept = args.warcs / f"{args.files}x{args.records}" if args.warcs else None
        if kept is not None and (kept / "done").exists():
            files = sorted(kept.glob("CC-NEWS-*.warc.gz"))
        elif kept is not None:
            kept.mkdir(parents=True, exist_ok=True)
            files = build_warcs(kept, args.files, args.records)
            (kept / "done").touch()
        else:
            files = build_warcs(folder, args.files, args.records)
        size = sum(f.stat().st_size for f in files)
        total = args.files * args.records
        print(f"built {args.files} WARC files, {total:,} records, {size / 1e6:.1f} MB, "
              f"in {time.monotonic() - t0:.1f} s")  # fmt: skip
        w = str(args.workers)
        results = {}
        if "pool" in runs:
            results["pool"] = run(files, folder / "pool.db", "--processes", w)
        if "local" in runs:
            results["dask local"] = run(
                files, folder / "local.db", "--dask", "local", "--processes", w
            )
        started = 0.0
        t0, cpu = time.monotonic(), _children_cpu()
        if "running" in runs:
            with LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster:
                started = time.monotonic() - t0
                summary, seconds, _ = run(
                    files, folder / "running.db", "--dask", cluster.scheduler_address
                )
            # the workers' CPU is counted once they have ended: the cluster's start and stop
            results["dask, running cluster"] = (summary, seconds, _children_cpu() - cpu)
        if not results:
            return
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
              f"a LocalCluster of {w} workers started in {started:.1f} s\n")  # fmt: skip
        print(f"| run ({w} processes / workers) | archived | seconds | records/s | vs pool "
              "| CPU s (all processes) | of which the command's own | records per CPU s "
              "| vs pool |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|")
        first = next(iter(results.values()))
        base, base_cpu = total / first[1], total / first[2]
        for (name, (summary, seconds, cpu)), own in zip(
            results.items(), MAIN_CPU.values(), strict=False
        ):
            rate, per_cpu = total / seconds, total / cpu
            print(f"| {name} | {summary.get('archived', 0):,} | {seconds:.1f} | {rate:.0f} "
                  f"| {rate / base:.2f}x | {cpu:.1f} | {own:.1f} | {per_cpu:.0f} "
                  f"| {per_cpu / base_cpu:.2f}x |")  # fmt: skip
        if "pool" not in runs:
            return
        want = contents(folder / "pool.db")
        for name, db in (("dask local", "local.db"), ("dask, running cluster", "running.db")):
            if name not in results:
                continue
            same = contents(folder / db) == want
            print(
                f"\n{name}: {'the same archive as the pool' if same else 'DIFFERS from the pool'}"
            )


if __name__ == "__main__":
    main()
