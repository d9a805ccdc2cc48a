"""Crawl benchmark: ``scraper crawl`` against the synthetic news site of ../shared/bench/site.py.

    python bench/crawl_bench.py                       # 2,000 articles, 20 ms latency
    python bench/crawl_bench.py --scrapy /tmp/scrapyvenv/bin/python
    python bench/crawl_bench.py --articles 20000 --no-revision     # memory on a big site
    python bench/crawl_bench.py --faults --articles 1000           # end-to-end faults

Runs, each a real ``scraper crawl`` process with ``--per-host 32 --delay 0``:

1. a first crawl from the home page: articles archived, articles per second,
   peak memory (RSS of the crawl process);
2. a second crawl with nothing changed: its time against the first, and the
   site's counters (no article body served, no refetch);
3. the site restarted with ``--revision 2`` (every tenth article changed):
   articles updated, and how many changed articles' texts now hold the site's
   "Update 2" paragraph.

With ``--scrapy PYTHON`` (a Python with scrapy and trafilatura installed),
Scrapy crawls the same site three times, each on a fresh copy, storing nothing:
its ``SitemapSpider`` over the sitemaps robots.txt names, with trafilatura in
the callback (the anchor: how a Scrapy user builds a news crawler); the same
spider downloading only (the limit to approach); and a link-following spider
from the home page with trafilatura (given the advantage of following only
``/news/`` and ``/section/`` links).
Needs aiohttp (for the site).  Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

import proctree
from sizes import report, response_warc

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT.parent / "shared" / "bench" / "site.py"

SCRAPY_SPIDER = """
import time, json, sys
import scrapy, trafilatura
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import SitemapSpider

MODE = sys.argv[2]  # sitemap | sitemap-fetch | follow

class Sitemap(SitemapSpider):
    # how a Scrapy user builds a news crawler: the sitemaps named by robots.txt
    name = "sitemap"
    sitemap_rules = [(r"/news/", "parse_article")]
    def __init__(self, start, **kw):
        self.sitemap_urls = [start + "robots.txt"]
        super().__init__(**kw)
        self.count = 0
    def parse_article(self, response):
        if MODE == "sitemap-fetch":  # download only: the limit to approach
            self.count += 1
            return
        text = trafilatura.extract(response.text, url=response.url)
        if text:
            self.count += 1
            yield {"url": response.url, "chars": len(text)}

class Follow(scrapy.Spider):
    # following links from the home page (only /news/ and /section/: an advantage)
    name = "follow"
    def __init__(self, start, **kw):
        super().__init__(**kw)
        self.start_urls = [start]
        self.links = LinkExtractor(allow=(r"/news/\\d+/", r"/section/"))
        self.count = 0
    def parse(self, response):
        if "/news/" in response.url:
            text = trafilatura.extract(response.text, url=response.url)
            if text:
                self.count += 1
                yield {"url": response.url, "chars": len(text)}
        for link in self.links.extract_links(response):
            yield response.follow(link.url, self.parse)

start = time.monotonic()
process = CrawlerProcess(settings={
    "LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "DOWNLOAD_DELAY": 0, "TELNETCONSOLE_ENABLED": False,
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
})
crawler = process.create_crawler(Follow if MODE == "follow" else Sitemap)
process.crawl(crawler, start=sys.argv[1])
process.start()
print(json.dumps({"articles": crawler.spider.count, "seconds": time.monotonic() - start}))
"""


BENCH_ID = re.compile(r"/news/(\d+)/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BenchSite:
    def __init__(self, port: int, args: argparse.Namespace, revision: int = 0) -> None:
        cmd = [
            sys.executable, str(args.site), "--port", str(port),
            "--articles", str(args.articles), "--latency-ms", str(args.latency_ms),
            "--revision", str(revision),
        ]  # fmt: skip
        if args.faults:
            cmd.append("--faults")
        self.url = f"http://127.0.0.1:{port}/"
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.stats()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the bench site did not start")

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(self.url + "__stats", timeout=5) as r:
            return json.loads(r.read())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def crawl(site: BenchSite, db: Path, args: argparse.Namespace) -> tuple[dict, proctree.Run]:
    """One ``scraper crawl`` run: its JSON summary, and its time, memory and CPU."""
    cmd = [
        sys.executable, "-m", "scraper", "crawl", site.url, "--db", str(db),
        "--per-host", str(args.per_host), "--delay", "0", "--timeout", str(args.timeout),
        "--max-pages", str(args.articles * 3), "--json", "--quiet",
    ]  # fmt: skip
    run = proctree.run(cmd, cwd=ROOT)
    *errors, last = run.stdout.splitlines()  # with --quiet, only the errors' lines come first
    summary = json.loads(last)
    kinds = Counter(str(json.loads(line).get("kind")) for line in errors)
    summary["error_kinds"] = dict(kinds.most_common())
    return summary, run


def fetch_list(site: BenchSite, db: Path, urls: Path, args: argparse.Namespace) -> proctree.Run:
    """``scraper fetch --input`` of the URLs the crawl archived, into a fresh archive."""
    cmd = [
        sys.executable, "-m", "scraper", "fetch", "--input", str(urls), "--db", str(db),
        # the crawl's connections: --per-host 32 gives it 16 (crawler.POOL_CONNECTIONS)
        "--per-host", str(min(args.per_host, 16)), "--concurrency", str(min(args.per_host, 16)),
        "--timeout", str(args.timeout), "--json", "--quiet",
    ]  # fmt: skip
    return proctree.run(cmd, cwd=ROOT)


def updates_kept(db: Path, revision: int) -> tuple[int, int]:
    """Of the archived articles the site changed (every tenth id), how many texts now
    hold their "Update K" paragraph (issue 9: 195 of 200 after ``--revision 2``)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, text FROM articles").fetchall()
    changed = [text for url, text in rows if (m := BENCH_ID.search(url)) and int(m[1]) % 10 == 0]
    return sum(f"Update {revision}:" in (text or "") for text in changed), len(changed)


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    keys = ("requests", "article_bodies", "repeated_unconditional", "robots_breaches", "status_304")
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys}


def scrapy_run(python: str, site: BenchSite, mode: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(SCRAPY_SPIDER)
    try:
        out = subprocess.run(
            [python, f.name, site.url, mode],
            capture_output=True,
            text=True,
            check=True,
            timeout=3600,
        ).stdout
    finally:
        os.unlink(f.name)
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--latency-ms", type=float, default=20)
    ap.add_argument("--per-host", type=int, default=32)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--faults", action="store_true", help="the site's --faults")
    ap.add_argument("--no-revision", action="store_true", help="skip the --revision 2 run")
    ap.add_argument("--scrapy", metavar="PYTHON", help="a Python with scrapy and trafilatura")
    ap.add_argument("--site", type=Path, default=SITE, help="path of site.py")
    ap.add_argument("--db", type=Path, help="archive file (default: a temporary one)")
    args = ap.parse_args()
    if not args.site.exists():
        raise SystemExit(f"{args.site}: not found (pass --site)")
    tmp = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    db = args.db or tmp / "archive.db"
    port = free_port()
    table: list[tuple[str, str]] = []

    site = BenchSite(port, args)
    try:
        s0 = site.stats()
        first, run1 = crawl(site, db, args)
        s1 = site.stats()
        second, run2 = crawl(site, db, args)
        s2 = site.stats()
        # the same article pages as a list given to fetch (issue 14: within 1.2x the crawl)
        listed = tmp / "urls.txt"
        with sqlite3.connect(db) as conn:
            listed.write_text(
                "".join(u + "\n" for (u,) in conn.execute("SELECT url FROM articles"))
            )
        run_fetch = fetch_list(site, tmp / "fetched.db", listed, args)
    finally:
        site.stop()
    with sqlite3.connect(db) as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        states = dict(conn.execute("SELECT state, count(*) FROM frontier GROUP BY state"))
    t1, t2 = run1.seconds, run2.seconds
    rate = first["archived"] / t1
    per = 1000 / max(first["archived"], 1)  # ms per archived article
    table += [
        ("site", f"{args.articles} articles, {args.latency_ms:g} ms latency"
         + (", faults" if args.faults else "")),
        ("first crawl", f"{t1:.1f} s, {first['archived']} archived, {rate:.0f} articles/s"),
        ("first crawl CPU per article", f"main process {run1.main_cpu * per:.1f} ms, "
         f"extraction workers {run1.workers_cpu * per:.1f} ms "
         f"(load average {os.getloadavg()[0]:.1f})"),
        ("first crawl peak RSS", f"{run1.tree_peak_mb:.0f} MB all processes, "
         f"{run1.one_peak_mb:.0f} MB the largest"),
        ("first crawl /__stats", json.dumps(delta(s1, s0))),
        ("first crawl failed / skipped", f"{first['failed']} / {first['skipped']}; "
         f"error lines by kind {first['error_kinds']}"),
        ("second crawl", f"{t2:.2f} s ({100 * t2 / t1:.1f}% of the first), "
         f"{second['archived'] + second['updated']} archived or updated"),
        ("second crawl /__stats", json.dumps(delta(s2, s1))),
        ("fetch --input of the archived URLs",
         f"{run_fetch.seconds:.1f} s ({run_fetch.seconds / t1:.2f}x the first crawl), "
         f"CPU per page: main {run_fetch.main_cpu * per:.1f} ms, "
         f"workers {run_fetch.workers_cpu * per:.1f} ms"),
    ]  # fmt: skip

    if not args.no_revision:
        site = BenchSite(port, args, revision=2)
        try:
            r0 = site.stats()
            third, run3 = crawl(site, db, args)
            t3 = run3.seconds
            r1 = site.stats()
        finally:
            site.stop()
        table += [
            ("--revision 2 crawl", f"{t3:.2f} s, {third['updated']} updated, "
             f"{third['unchanged']} unchanged, {third['not-modified']} not modified"),
            ("--revision 2 /__stats", json.dumps(delta(r1, r0))),
            ("changed articles holding Update 2", "{} of {}".format(*updates_kept(db, 2))),
        ]  # fmt: skip
    with sqlite3.connect(db) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    table += [
        ("archive", f"{articles} articles, frontier {json.dumps(states)}, integrity {integrity}")
    ]

    if args.scrapy:
        # each on a fresh site: Scrapy's sitemap spider with trafilatura is the anchor
        # (issue 14), the same spider downloading only is the limit to approach
        runs = {}
        for mode in ("sitemap", "sitemap-fetch", "follow"):
            site = BenchSite(free_port(), args)
            try:
                runs[mode] = scrapy_run(args.scrapy, site, mode)
            finally:
                site.stop()
        names = {
            "sitemap": "Scrapy SitemapSpider + trafilatura",
            "sitemap-fetch": "Scrapy SitemapSpider, download only",
            "follow": "Scrapy link-following spider + trafilatura",
        }
        for mode, sc in runs.items():
            table.append((names[mode], f"{sc['seconds']:.1f} s, {sc['articles']} articles, "
                          f"{sc['articles'] / sc['seconds']:.0f} articles/s"))  # fmt: skip
        anchor = runs["sitemap"]["articles"] / runs["sitemap"]["seconds"]
        table += [
            ("scraper / Scrapy sitemap + trafilatura (rate)", f"{rate / anchor:.1f}x"),
            ("scraper time / Scrapy download-only time",
             f"{t1 / runs['sitemap-fetch']['seconds']:.2f}x"),
            ("scraper / Scrapy link-following + trafilatura (rate)",
             f"{rate / (runs['follow']['articles'] / runs['follow']['seconds']):.1f}x"),
        ]  # fmt: skip

    print("| measure | value |\n|---|---|")
    for key, value in table:
        print(f"| {key} | {value} |")
    report(db, response_warc(db, tmp / "responses.warc.gz"), articles)


if __name__ == "__main__":
    main()
