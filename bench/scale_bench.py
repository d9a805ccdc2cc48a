"""Workers on PostgreSQL: N workers (separate processes) crawl N copies of the bench site.

Each copy of ../shared/bench/site.py runs on its own loopback address
(127.0.0.10, .11, ...: a site is a host), politeness bound (the workers run with
``--per-host 1 --delay 0.1``, the site adds 20 ms to every answer).  For N = 1, 2,
4, 8, a fresh database gets the N sites (``scraper sites add``), then N
``scraper worker --until-drained`` processes crawl them; the figures:

- throughput: articles archived per second of wall time (worker start-up
  included), against 0.8 x N x that of one worker crawling one copy (the cost
  of coordination: two cores cannot show CPU scaling, the politeness delay
  bounds each site);
- per copy, from its /__stats: peak_concurrency (1 expected), min_gap_ms (>= 90
  expected), robots_breaches, repeated_unconditional (pages served twice);
- duplicates: article URLs with more than one archiving fetch, and articles
  beyond the copies' stories;
- CPU milliseconds an article, apart: the workers (fetch, extract, store: what
  must stay flat as N grows for our side to scale), the bench's own site servers,
  and PostgreSQL (every backend, the bench's own cluster only); and the CPU
  seconds all of them used a second of wall time (two cores: at most 2).

``--spy DIR`` runs each worker under py-spy (its samples in DIR, for a profile;
the CPU figures then include py-spy's).

PostgreSQL is a throwaway cluster (tests/pg.py: fsync off), or ``--db-server URL``
(a server where the bench may create databases).  The machine's load average is
printed with each round: on a shared machine, say so with the figures.

    python bench/scale_bench.py                  # N = 1 2 4 8, 300 articles a copy
    python bench/scale_bench.py --n 1 2 --articles 100
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from pg import start_cluster  # noqa: E402

from scraper.archive import Archive  # noqa: E402

SITES = [root / "shared" / "bench" / "site.py" for root in (ROOT.parent, ROOT.parent.parent)]
PORT = 8871
SPY: Path | None = None  # --spy: each worker run under py-spy, its samples written here


def site_script() -> Path:
    for path in SITES:
        if path.exists():
            return path
    raise SystemExit("the bench site (../shared/bench/site.py) is not there")


def site_python() -> str:
    """A Python with aiohttp for the site: this one, else the shared bench venv."""
    for python in (sys.executable, str(ROOT.parent / "benchvenv" / "bin" / "python")):
        if subprocess.run([python, "-c", "import aiohttp"], capture_output=True).returncode == 0:
            return python
    raise SystemExit("the bench site needs aiohttp: pip install aiohttp")


def wait_up(url: str, deadline: float = 60) -> None:
    end = time.monotonic() + deadline
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def cpu_s(pid: int, *, children: bool = False) -> float:
    """User + system CPU seconds of a live process (with its reaped children's)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process tree so far: every live process, and those reaped."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu_s(p, children=True)
        with contextlib.suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
    return total


def postmaster_pid(cluster: object) -> int | None:
    """The PostgreSQL server's pid when it runs here (the bench's own cluster)."""
    datadir = getattr(cluster, "datadir", None)
    if datadir is None:
        return None
    try:
        return int((Path(datadir) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stats(host: str) -> dict[str, float]:
    with urllib.request.urlopen(f"http://{host}:{PORT}/__stats", timeout=10) as r:
        return json.loads(r.read())


def round_(
    n: int, server_url: str, articles: int, python: str, script: Path, pg_pid: int | None
) -> dict[str, object]:
    import psycopg

    name = f"scale_{n}_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    db = server_url.rsplit("/", 1)[0] + "/" + name
    hosts = [f"127.0.0.{10 + k}" for k in range(n)]
    sites = [
        subprocess.Popen(
            [python, str(script), "--host", h, "--port", str(PORT), "--articles", str(articles),
             "--latency-ms", "20"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for h in hosts
    ]  # fmt: skip
    scraper = [sys.executable, "-m", "scraper"]
    try:
        for h in hosts:
            wait_up(f"http://{h}:{PORT}/__stats")
        seeds = [f"http://{h}:{PORT}/" for h in hosts]
        subprocess.run([*scraper, "sites", "add", *seeds, "--db", db], check=True,
                       capture_output=True)  # fmt: skip
        load = os.getloadavg()[0]
        site_cpu = sum(cpu_s(s.pid) for s in sites)
        pg_cpu = tree_cpu(pg_pid) if pg_pid else 0.0
        crawl_cpu = children_cpu()
        started = time.monotonic()
        spy = [[str(Path(sys.executable).parent / "py-spy"), "record", "--rate", "25",
                "--format", "raw", "--nonblocking", "-o", str(SPY / f"n{n}-worker{k}.txt"), "--"]
               if SPY else [] for k in range(n)]  # fmt: skip
        workers = [
            subprocess.Popen(
                [*spy[k], *scraper, "worker", "--db", db, "--until-drained", "--per-host", "1",
                 "--delay", "0.1", "--poll", "0.5", "--processes", "0", "--max-pages", "100000",
                 "--quiet"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for k in range(n)
        ]  # fmt: skip
        codes = []
        for w in workers:
            _, err = w.communicate(timeout=3600)
            codes.append(w.returncode)
            if w.returncode:
                print(f"  worker exit {w.returncode}: {err.strip()[-300:]}", file=sys.stderr)
        seconds = time.monotonic() - started
        crawl_cpu = children_cpu() - crawl_cpu  # the workers, reaped (and nothing else)
        site_cpu = sum(cpu_s(s.pid) for s in sites) - site_cpu
        pg_cpu = (tree_cpu(pg_pid) - pg_cpu) if pg_pid else float("nan")
        copies = [stats(h) for h in hosts]
    finally:
        for s in sites:
            s.terminate()
            s.wait()
    with Archive(db, readonly=True) as arc:
        archived = arc.counts()["articles"]
        dup_fetches = list(
            arc._db.rows(
                "SELECT url, count(*) FROM fetches WHERE article_id IS NOT NULL "
                "GROUP BY url HAVING count(*) > 1"
            )
        )
    return {
        "n": n,
        "seconds": round(seconds, 2),
        "articles": archived,
        "expected": n * articles,
        "per_second": round(archived / seconds, 2),
        # CPU milliseconds an article: the workers (fetch, extract, store), the bench's
        # site servers, PostgreSQL (every backend); and all of it per second of wall time
        "ms_per_article": {
            "workers": round(1000 * crawl_cpu / max(1, archived), 1),
            "sites": round(1000 * site_cpu / max(1, archived), 1),
            "postgres": round(1000 * pg_cpu / max(1, archived), 1),
        },
        "cpu_per_wall_s": round((crawl_cpu + site_cpu + (pg_cpu if pg_pid else 0)) / seconds, 2),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "exit_codes": codes,
        "peak_concurrency": [c.get("peak_concurrency") for c in copies],
        "min_gap_ms": [c.get("min_gap_ms") for c in copies],
        "robots_breaches": sum(int(c.get("robots_breaches", 0)) for c in copies),
        "repeated_unconditional": sum(int(c.get("repeated_unconditional", 0)) for c in copies),
        "requests": [c.get("requests") for c in copies],
        "duplicate_articles": len(dup_fetches) + max(0, archived - n * articles),
    }


def main() -> None:
    global SPY, PORT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--articles", type=int, default=300, help="stories a copy (default 300)")
    ap.add_argument("--db-server", help="postgresql:// URL of a database to CREATE DATABASE from")
    ap.add_argument("--port", type=int, default=PORT, help=f"the sites' port (default {PORT})")
    ap.add_argument("--spy", type=Path, help="profile each worker with py-spy into this folder")
    a = ap.parse_args()
    SPY, PORT = a.spy, a.port
    if SPY:
        SPY.mkdir(parents=True, exist_ok=True)
    script, python = site_script(), site_python()
    cluster = None
    server_url = a.db_server
    if server_url is None:
        cluster = start_cluster()
        server_url = cluster.url()
    pg_pid = postmaster_pid(cluster)
    try:
        rows = []
        for n in a.n:
            row = round_(n, server_url, a.articles, python, script, pg_pid)
            rows.append(row)
            one = next((float(r["per_second"]) for r in rows if r["n"] == 1), None)  # type: ignore[arg-type]
            if one:
                row["vs_n_x_one"] = round(float(row["per_second"]) / (n * one), 3)  # type: ignore[arg-type]
            print(json.dumps(row), flush=True)
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
