"""Hostile-server benchmark: the real ``scraper`` command against servers that attack it.

    python bench/hostile_server_bench.py            # every case, a table on stdout
    python bench/hostile_server_bench.py --case gzip-bomb --case slow-drip

Starts its own servers on 127.0.0.0/8 (aiohttp, and raw asyncio sockets for what
aiohttp will not send), runs ``scraper fetch`` / ``scraper crawl`` as subprocesses
against them, each case on a fresh archive, and prints for each case: the peak
memory of the scraper's process tree (``ru_maxrss`` of the largest process, read
by a small wrapper that waits for it), the requests the servers counted, the URLs
archived (articles in the archive) and queued (crawl queue rows), the exit code
and the wall time.  Each case states its bounds; a case over one is flagged and
the script exits 1.  Nothing leaves the loopback, and everything stops by itself.

Cases (``issue 11``: items 6, 8, 9 and the many-writers trial):

- a normal page (the memory the bombs are compared with);
- decompression bombs of 1 GiB of HTML: gzip, deflate, zstd and ``gzip, gzip``;
- an endless body (chunked, never ends);
- sitemaps: a gzip file that inflates to 1 GiB, a sitemap index whose sitemaps
  list ever new sitemaps, one that lists itself, and a urlset of 5 million URLs
  streamed;
- a slow-drip peer (a byte a second, headers then body) and endless headers;
- many writers: four ``scraper fetch`` and two ``scraper crawl --wait`` on one
  archive at once, then ``PRAGMA integrity_check`` and every article present once.

Needs aiohttp (``pip install aiohttp``); the package does not depend on it.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import zstandard
from aiohttp import web

GIB = 1 << 30
MIB = 1 << 20
HOST = "127.0.0.1"
SITES = ("127.0.0.2", "127.0.0.3")  # the many-writers trial's two crawled sites
WRITER_PAGES = 250  # URLs per fetch process in the many-writers trial
SITE_ARTICLES = 150  # articles per crawled site in the many-writers trial

# the wrapper: runs the command, waits, and reports the peak RSS of its process tree
WRAPPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
err = proc.stderr.decode(errors="replace").strip().splitlines()
with open(sys.argv[1], "w") as out:
    json.dump({"code": proc.returncode, "seconds": seconds, "rss_kb": peak, "err": err[-3:]}, out)
"""


def paragraph(i: int, n: int = 8) -> str:
    words = (
        f"Story {i} tells what the council of district {i % 97} decided on the budget, "
        f"the school roof and the bridge over the river, and why {i * 7 % 101} residents "
        "came to the meeting to say what they thought of it."
    )
    return "".join(f"<p>{words} Part {k}.</p>" for k in range(n))


def article(i: int, site: str = "") -> bytes:
    return (
        f"<!doctype html><html><head><title>Story {site}{i}</title>"
        f'<meta property="og:title" content="Story {site}{i}"></head><body>'
        f"<nav><a href='/'>Home</a></nav><article><h1>Story {site}{i}</h1>"
        f"{paragraph(i)}</article></body></html>"
    ).encode()


def inflating(total: int, head: bytes, unit: bytes, compressor: Callable[[], object]) -> bytes:
    """``head`` then ``unit`` repeated up to ``total`` bytes, compressed as it goes."""
    comp = compressor()
    out = [comp.compress(head)]  # type: ignore[attr-defined]
    chunk = unit * (MIB // len(unit))
    for _ in range(total // len(chunk)):
        out.append(comp.compress(chunk))  # type: ignore[attr-defined]
    out.append(comp.flush())  # type: ignore[attr-defined]
    return b"".join(out)


def gzipper() -> object:
    return zlib.compressobj(9, zlib.DEFLATED, 31)


def deflater() -> object:
    return zlib.compressobj(9, zlib.DEFLATED, 15)


def zstder() -> object:
    return zstandard.ZstdCompressor(level=3).compressobj()


class Bombs:
    """The compressed bodies, made once and kept in the temporary folder (a minute or two)."""

    CACHE = Path(tempfile.gettempdir()) / "scraper-hostile-server-bench-v1"

    def __init__(self) -> None:
        html = b"<!doctype html><html><head><title>Bomb</title></head><body><p>"
        xml = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        self.gzip = self.made("gzip", lambda: inflating(GIB, html, b" ", gzipper))
        self.deflate = self.made("deflate", lambda: inflating(GIB, html, b" ", deflater))
        self.zstd = self.made("zstd", lambda: inflating(GIB, html, b" ", zstder))
        self.gzip_gzip = gzip.compress(self.gzip, 9)
        self.sitemap_gz = self.made("sitemap.gz", lambda: inflating(GIB, xml, b"<!-- -->", gzipper))

    def made(self, name: str, make: Callable[[], bytes]) -> bytes:
        path = self.CACHE / name
        if not path.exists():
            self.CACHE.mkdir(exist_ok=True)
            path.with_suffix(".part").write_bytes(make())
            path.with_suffix(".part").replace(path)
        return path.read_bytes()


@dataclass
class Counts:
    requests: Counter[str] = field(default_factory=Counter)

    def total(self) -> int:
        return sum(self.requests.values())


class Servers:
    """Every hostile server, on one event loop in a thread of its own."""

    def __init__(self, bombs: Bombs) -> None:
        self.bombs = bombs
        self.counts = Counts()
        self.mode = "none"  # which sitemap the hostile site's robots.txt points to
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.ports: dict[str, int] = {}
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait()

    def url(self, path: str, host: str = HOST, server: str = "web") -> str:
        return f"http://{host}:{self.ports[server]}{path}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        sites = []
        for name, host in [("web", HOST), *((h, h) for h in SITES)]:
            site = web.TCPSite(runner, host, 0 if name == "web" else self.ports.get("web", 0))
            await site.start()
            sites.append(site)
            self.ports[name] = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        drip = await asyncio.start_server(self.drip, HOST, 0)
        headers = await asyncio.start_server(self.endless_headers, HOST, 0)
        self.ports["drip"] = drip.sockets[0].getsockname()[1]
        self.ports["headers"] = headers.sockets[0].getsockname()[1]
        self.ready.set()
        await self._stop.wait()
        drip.close()
        headers.close()
        await runner.cleanup()

    def stop(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(timeout=10)

    # ------------------------------------------------------------ raw sockets
    async def drip(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A byte a second: the status line and headers, then the body, forever."""
        self.counts.requests["drip"] += 1
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>"
        try:
            await reader.readuntil(b"\r\n\r\n")
            for byte in itertools.chain(head, itertools.repeat(ord("x"))):
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def endless_headers(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """A status line, then headers without end, as fast as they are read."""
        self.counts.requests["headers"] += 1
        line = b"X-Filler: " + b"a" * 1000 + b"\r\n"
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            for _ in range(1_000_000):  # 1 GB at most
                writer.write(line * 64)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    # ------------------------------------------------------------ HTTP
    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        host = request.host.partition(":")[0]
        self.counts.requests[path.split("/")[1] or "/"] += 1
        if host in SITES:
            return self.site(host, path)
        b = self.bombs
        bombs = {
            "/bomb/gzip": (b.gzip, "gzip"),
            "/bomb/deflate": (b.deflate, "deflate"),
            "/bomb/zstd": (b.zstd, "zstd"),
            "/bomb/gzip-gzip": (b.gzip_gzip, "gzip, gzip"),
        }
        if path in bombs:
            body, coding = bombs[path]
            return web.Response(
                body=body, headers={"Content-Type": "text/html", "Content-Encoding": coding}
            )
        if path == "/":  # the crawls' seed: a home page with one link
            return web.Response(
                text="<html><body><a href='/news/1'>Story 1</a></body></html>",
                content_type="text/html",
            )
        if path == "/normal":
            return web.Response(body=article(0), content_type="text/html")
        if path.startswith("/news/") and path[6:].isdigit():
            return web.Response(body=article(int(path[6:])), content_type="text/html")
        if path == "/endless":
            return await self.endless(request)
        if path == "/robots.txt":
            return web.Response(text=self.robots(), content_type="text/plain")
        if path.startswith("/sitemap"):
            return await self.sitemap(request, path)
        return web.Response(status=404)

    def robots(self) -> str:
        sitemap = {
            "sitemap-gz": "/sitemap-bomb.xml.gz",
            "sitemap-index": "/sitemap-index/0.xml",
            "sitemap-self": "/sitemap-self.xml",
            "sitemap-huge": "/sitemap-huge.xml",
        }.get(self.mode)
        return "User-agent: *\nAllow: /\n" + (f"Sitemap: {self.url(sitemap)}\n" if sitemap else "")

    async def endless(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        chunk = b"<p>" + b"more and more text " * 3000 + b"</p>"
        try:
            while True:
                await resp.write(chunk)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return resp

    async def sitemap(self, request: web.Request, path: str) -> web.StreamResponse:
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if path == "/sitemap-bomb.xml.gz":
            return web.Response(body=self.bombs.sitemap_gz, content_type="application/x-gzip")
        if path.startswith("/sitemap-index/"):  # every sitemap lists 1,000 new ones
            n = int(path.rsplit("/", 1)[1].split(".")[0])
            locs = "".join(
                f"<sitemap><loc>{self.url(f'/sitemap-index/{n * 1000 + k + 1}.xml')}</loc>"
                "</sitemap>"
                for k in range(1000)
            )
            return web.Response(
                text=f"<sitemapindex {ns}>{locs}</sitemapindex>", content_type="application/xml"
            )
        if path == "/sitemap-self.xml":  # lists itself, in many spellings
            locs = "".join(
                f"<sitemap><loc>{self.url('/sitemap-self.xml')}{suffix}</loc></sitemap>"
                for suffix in ["", "#a", "?", "?utm_source=x", *(f"?v={k}" for k in range(500))]
            )
            return web.Response(
                text=f"<sitemapindex {ns}>{locs}</sitemapindex>", content_type="application/xml"
            )
        if path == "/sitemap-huge.xml":  # 5 million URLs, streamed
            resp = web.StreamResponse(headers={"Content-Type": "application/xml"})
            await resp.prepare(request)
            try:
                await resp.write(f'<?xml version="1.0"?><urlset {ns}>'.encode())
                for start in range(0, 5_000_000, 10_000):
                    await resp.write(
                        "".join(
                            f"<url><loc>{self.url(f'/news/{i}')}</loc></url>"
                            for i in range(start, start + 10_000)
                        ).encode()
                    )
                await resp.write(b"</urlset>")
            except (ConnectionError, asyncio.CancelledError):
                pass
            return resp
        return web.Response(status=404)

    def site(self, host: str, path: str) -> web.Response:
        """A small news site: a home page linking to its articles, and a sitemap."""
        base = f"http://{host}:{self.ports[host]}"
        if path == "/":
            links = "".join(
                f"<li><a href='/news/{i}'>Story {i}</a></li>" for i in range(SITE_ARTICLES)
            )
            return web.Response(
                text=f"<html><head><title>{host}</title></head><body><ul>{links}</ul></body></html>",
                content_type="text/html",
            )
        if path == "/robots.txt":
            return web.Response(text=f"Sitemap: {base}/sitemap.xml\n", content_type="text/plain")
        if path == "/sitemap.xml":
            locs = "".join(f"<url><loc>{base}/news/{i}</loc></url>" for i in range(SITE_ARTICLES))
            return web.Response(
                text=f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>',
                content_type="application/xml",
            )
        if path.startswith("/news/"):
            i = int(path.rsplit("/", 1)[1])
            return web.Response(body=article(i, host + "-"), content_type="text/html")
        return web.Response(status=404)


# ---------------------------------------------------------------- running the command
@dataclass
class Run:
    code: int
    seconds: float
    rss_mb: float
    err: list[str]


def start(args: list[str], db: Path, out: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "scraper", *args, "--db", str(db)]
    env = {**os.environ, "NO_COLOR": "1", "SCRAPER_BACKOFF": "0.05"}
    return subprocess.Popen([sys.executable, "-c", WRAPPER, str(out), *cmd], env=env)


def finish(proc: subprocess.Popen[bytes], out: Path, timeout: float = 600) -> Run:
    proc.wait(timeout=timeout)
    data = json.loads(out.read_text())
    return Run(data["code"], data["seconds"], data["rss_kb"] / 1024, data["err"])


def archived(db: Path) -> tuple[int, int]:
    """(articles, crawl queue rows) in the archive."""
    if not db.exists():
        return 0, 0
    with closing(sqlite3.connect(db)) as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        queued = conn.execute("SELECT count(*) FROM frontier").fetchone()[0]
    return int(articles), int(queued)


@dataclass
class Bounds:
    rss_over_normal_mb: float  # peak memory over the normal page's
    requests: int
    archived: int
    seconds: float
    codes: tuple[int, ...]


@dataclass
class Row:
    case: str
    run: Run
    requests: int
    articles: int
    queued: int
    bounds: Bounds | None
    flags: list[str]
    notes: list[str] = field(default_factory=list)


def sitemap_notes(db: Path) -> list[str]:
    """What became of the crawl's sitemaps: state and reason, most frequent first."""
    if not db.exists():
        return []
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT state, reason, count(*) FROM frontier WHERE kind = 'sitemap' "
            "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 3"
        ).fetchall()
    return [
        f"{n} sitemaps {state}" + (f" ({reason[:200]})" if reason else "")
        for state, reason, n in rows
    ]


def check(row: Row, normal_mb: float) -> None:
    b = row.bounds
    if b is None:
        return
    if row.run.rss_mb > normal_mb + b.rss_over_normal_mb:
        row.flags.append(f"memory > {normal_mb + b.rss_over_normal_mb:.0f} MB")
    if row.requests > b.requests:
        row.flags.append(f"requests > {b.requests}")
    if row.articles > b.archived:
        row.flags.append(f"archived > {b.archived}")
    if row.run.seconds > b.seconds:
        row.flags.append(f"time > {b.seconds:.0f} s")
    if row.run.code not in b.codes:
        row.flags.append(f"exit {row.run.code} not in {b.codes}")


CRAWL = ["--delay", "0", "--per-host", "4", "--quiet"]


def cases(servers: Servers) -> dict[str, tuple[str, list[str], Bounds | None]]:
    """name: (sitemap mode, command arguments, bounds)."""
    u = servers.url
    one = Bounds(rss_over_normal_mb=15, requests=1, archived=0, seconds=30, codes=(1,))
    retried = Bounds(rss_over_normal_mb=15, requests=4, archived=0, seconds=40, codes=(1,))
    crawl = [*CRAWL, "--max-pages", "400"]
    sitemap_bounds = Bounds(40, requests=410, archived=400, seconds=120, codes=(0, 1))
    return {
        "normal page": ("none", ["fetch", u("/normal")], None),
        "gzip bomb (1 GiB)": ("none", ["fetch", u("/bomb/gzip")], one),
        "deflate bomb (1 GiB)": ("none", ["fetch", u("/bomb/deflate")], one),
        "zstd bomb (1 GiB)": ("none", ["fetch", u("/bomb/zstd")], one),
        "gzip, gzip bomb": ("none", ["fetch", u("/bomb/gzip-gzip")], one),
        "endless body": ("none", ["fetch", u("/endless")], one),
        "slow drip (1 B/s), --timeout 5": (
            "none",
            ["fetch", u("/", server="drip"), "--timeout", "5"],
            # retries: 3 by default, each bounded by --timeout
            Bounds(15, requests=4, archived=0, seconds=5 * 4 + 15, codes=(1,)),
        ),
        # a broken response is retried (--retries 3)
        "endless headers": ("none", ["fetch", u("/", server="headers")], retried),
        # a gzipped sitemap is inflated whole up to its 50 MB limit (MAX_LISTING_BYTES),
        # which zlib's output buffer holds twice while joining it
        "sitemap.xml.gz bomb (1 GiB)": (
            "sitemap-gz",
            ["crawl", u("/"), *crawl],
            Bounds(110, requests=410, archived=400, seconds=120, codes=(0, 1)),
        ),
        "endless sitemap index": ("sitemap-index", ["crawl", u("/"), *crawl], sitemap_bounds),
        "sitemap listing itself": ("sitemap-self", ["crawl", u("/"), *crawl], sitemap_bounds),
        "sitemap of 5M URLs, streamed": (
            "sitemap-huge",
            ["crawl", u("/"), *crawl],
            Bounds(60, requests=410, archived=400, seconds=180, codes=(0, 1)),
        ),
    }


def run_case(servers: Servers, tmp: Path, name: str) -> Row:
    mode, args, bounds = cases(servers)[name]
    servers.mode = mode
    servers.counts.requests.clear()
    db = tmp / f"{abs(hash(name))}.db"
    out = tmp / f"{abs(hash(name))}.json"
    run = finish(start(args, db, out), out)
    articles, queued = archived(db)
    row = Row(name, run, servers.counts.total(), articles, queued, bounds, [])
    row.notes = sitemap_notes(db)
    return row


def many_writers(servers: Servers, tmp: Path) -> Row:
    """Four fetch processes (disjoint URLs) and two crawls (two sites, --wait) on one
    archive at once; then the archive is whole and every article in it once."""
    servers.mode = "none"
    servers.counts.requests.clear()
    db = tmp / "writers.db"
    procs = []
    for w in range(4):
        urls = tmp / f"urls{w}.txt"
        urls.write_text(
            "".join(
                servers.url(f"/news/{w * WRITER_PAGES + i}") + "\n" for i in range(WRITER_PAGES)
            )
        )
        out = tmp / f"fetch{w}.json"
        procs.append((start(["fetch", "--input", str(urls), "--quiet"], db, out), out))
    for host in SITES:
        out = tmp / f"crawl-{host}.json"
        seed = servers.url("/", host=host, server=host)
        procs.append((start(["crawl", seed, *CRAWL, "--wait"], db, out), out))
    started = time.perf_counter()
    runs = [finish(p, out) for p, out in procs]
    seconds = time.perf_counter() - started
    articles, queued = archived(db)
    flags = []
    with closing(sqlite3.connect(db)) as conn:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            flags.append("integrity_check failed")
        titles = Counter(r[0] for r in conn.execute("SELECT title FROM articles"))
    if twice := [t for t, n in titles.items() if n > 1]:
        flags.append(f"stored twice: {twice[:3]}")
    want = {f"Story {i}" for i in range(4 * WRITER_PAGES)} | {
        f"Story {host}-{i}" for host in SITES for i in range(SITE_ARTICLES)
    }
    if missing := want - set(titles):
        flags.append(f"{len(missing)} articles missing, e.g. {sorted(missing)[:3]}")
    codes = sorted({r.code for r in runs})
    if codes != [0]:
        flags.append(f"exit codes {codes}: {[r.err for r in runs if r.code]}")
    run = Run(
        code=max(r.code for r in runs),
        seconds=seconds,
        rss_mb=max(r.rss_mb for r in runs),
        err=[],
    )
    bounds = Bounds(
        rss_over_normal_mb=60,
        requests=4 * WRITER_PAGES + 2 * (SITE_ARTICLES + 10),
        archived=4 * WRITER_PAGES + 2 * SITE_ARTICLES,
        seconds=300,
        codes=(0,),
    )
    return Row(
        "many writers: 4 fetch + 2 crawl",
        run,
        servers.counts.total(),
        articles,
        queued,
        bounds,
        flags,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", help="only these cases (repeatable)")
    args = parser.parse_args()
    started = time.perf_counter()
    bombs = Bombs()
    print(f"bombs made in {time.perf_counter() - started:.1f} s: gzip {len(bombs.gzip):,} B, "
          f"deflate {len(bombs.deflate):,} B, zstd {len(bombs.zstd):,} B, gzip-gzip "
          f"{len(bombs.gzip_gzip):,} B, sitemap.xml.gz {len(bombs.sitemap_gz):,} B -> 1 GiB each",
          file=sys.stderr)  # fmt: skip
    servers = Servers(bombs)
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            names = list(cases(servers))
            wanted = args.case or [*names, "many writers"]
            for name in ["normal page", *[n for n in wanted if n != "normal page"]]:
                if name == "many writers":
                    rows.append(many_writers(servers, tmp))
                elif name in names:
                    rows.append(run_case(servers, tmp, name))
                else:
                    parser.error(f"no case {name!r}; cases: {', '.join(names)}, many writers")
                print(f"  {rows[-1].case}: done", file=sys.stderr)
    finally:
        servers.stop()
    normal_mb = rows[0].run.rss_mb
    for row in rows:
        check(row, normal_mb)
    print("| case | peak RSS MB | requests | articles | queue rows | exit | seconds | bounded |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        verdict = "; ".join(r.flags) if r.flags else ("baseline" if r.bounds is None else "yes")
        print(
            f"| {r.case} | {r.run.rss_mb:.1f} | {r.requests:,} | {r.articles:,} | "
            f"{r.queued:,} | {r.run.code} | {r.run.seconds:.1f} | {verdict} |"
        )
    print("\nThe last line each command wrote on stderr, and what became of the sitemaps:")
    for r in rows:
        if r.run.err or r.notes:
            print(f"- {r.case}: {r.run.err[-1][:300] if r.run.err else '(nothing)'}")
        for note in r.notes:
            print(f"  - {note}")
    return 1 if any(r.flags for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
