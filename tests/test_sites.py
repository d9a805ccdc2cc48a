"""The sites table and its workers: ``scraper sites``, leases, ``scraper worker`` and
``crawl --until-drained``, on real loopback sites (each on its own 127.0.0.K address:
a site is a host) and, for the workers, on PostgreSQL (tests/pg.py) in real processes."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_crawl import Site, article_html, index_html
from werkzeug import Request, Response

from scraper.archive import Archive, Discovered
from scraper.crawl import CrawlOptions, CrawlResult
from scraper.crawl.worker import SiteRun, WorkerOptions, _next_in, work
from scraper.models import Article, FetchResult
from scraper.settings import Settings

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "sites.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def sites() -> Iterator[Callable[[int], tuple[HTTPServer, Site]]]:
    """Loopback sites, the k-th on 127.0.0.(k+2): one server and one ``Site`` each."""
    started: list[HTTPServer] = []

    def make(k: int) -> tuple[HTTPServer, Site]:
        server = HTTPServer(host=f"127.0.0.{k + 2}", port=0, threaded=True)
        server.start()
        started.append(server)
        site = Site()
        server.expect_request("").respond_with_handler(site)  # every path
        site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        return server, site

    yield make
    for server in started:
        server.clear()
        if server.is_running():
            server.stop()


def news(site: Site, n: int, held: dict[str, threading.Event] | None = None) -> list[str]:
    """``n`` articles and a home page linking them; with ``held``, each article is
    answered only once its event is set (the test decides when)."""
    paths = []
    for i in range(n):
        path = f"/news/{i}-story-number-{i}/"
        if held is None:
            site.article(i)
        else:
            held[path] = threading.Event()

            def answer(request: Request, html: str = article_html(i), path: str = path) -> Response:
                held[path].wait(60)
                return Response(html, content_type="text/html")

            site.add(path, answer)
        paths.append(path)
    site.add("/", index_html(paths))
    return paths


def scraper(*args: str) -> subprocess.Popen[str]:
    env = {"PATH": "/usr/bin:/bin", "SCRAPER_BACKOFF": "0.01", "SCRAPER_PER_HOST": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "scraper", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def column(db: str, sql: str) -> list[object]:
    with Archive(db, readonly=True) as arc:
        return [row[0] for row in arc._db.rows(sql)]


def fetched_once(db: str) -> dict[str, int]:
    """Article URL -> the fetch rows that archived it."""
    with Archive(db, readonly=True) as arc:
        sql = "SELECT url, count(*) FROM fetches WHERE article_id IS NOT NULL GROUP BY url"
        return {str(u): int(n) for u, n in arc._db.rows(sql)}


# ---------------------------------------------------------------- the commands


def test_sites_add_list_pause_resume(cli_here, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("https://example.com/\n# a comment\nhttps://www.example.com/world/\n")
    r = cli_here("sites", "add", "--input", str(seeds), "http://other.org/", "--every", "30m")
    assert r.code == 0, r.err
    assert r.out.splitlines() == [  # the arguments' seeds, then the file's
        "other.org: added (1 seed, every 30m)",
        "example.com: added (2 seeds, every 30m)",
    ]
    r = cli_here("sites", "add", "https://example.com/politics/", "--delay", "2")
    assert r.out.strip() == "example.com: updated (3 seeds, every 30m)"  # the period stays
    assert cli_here("sites", "pause", "https://www.other.org/").out.strip() == "other.org: paused"
    r = cli_here("sites", "list", "--json")
    rows = {row["site"]: row for row in map(json.loads, r.out.splitlines())}
    assert rows["example.com"]["seeds"] == [
        "https://example.com/",
        "https://www.example.com/world/",
        "https://example.com/politics/",
    ]
    assert rows["example.com"]["crawl_delay"] == 2.0
    assert rows["example.com"]["interval_seconds"] == 1800
    assert (rows["example.com"]["state"], rows["other.org"]["state"]) == ("due", "paused")
    with Archive("data/archive.db") as arc:  # a paused site is not claimed
        assert arc.sites.claim("w", 60).site == "example.com"  # type: ignore[union-attr]
        assert arc.sites.claim("w", 60) is None
    r = cli_here("sites", "list")
    assert r.out.splitlines()[0].startswith("example.com  crawling by w until ")
    assert cli_here("sites", "resume", "other.org").out.strip() == "other.org: resumed"
    r = cli_here("sites", "pause", "nope.example")
    assert (r.code, r.err.strip()) == (1, "scraper: error: nope.example: no such site "
                                           "(scraper sites list)")  # fmt: skip
    for bad in (["--every", "0"], ["--every", "5x"], ["--delay", "-1"]):
        assert cli_here("sites", "add", "https://a.example/", *bad).code == 2
    assert cli_here("crawl", "https://a.example/", "--until-drained").code == 2


# ---------------------------------------------------------------- leases


def test_two_claimers_never_hold_one_site_and_an_expired_lease_is_taken(db: str) -> None:
    with Archive(db) as a, Archive(db) as b:
        a.sites.add("one.example", ["https://one.example/"], 60)
        held = a.sites.claim("a", 60)
        assert held is not None and held.site == "one.example"
        assert b.sites.claim("b", 60) is None  # held: not claimed again
        assert a.sites.renew(held, 60)
        # a lease that ran out (its worker died, say) is taken; the old holder has lost it
        assert a.sites.release(held, next_in=None, failed=False, result=None)
        dead = a.sites.claim("dead", 0)
        assert dead is not None
        taken = b.sites.claim("b", 60)
        assert taken is not None and taken.owner == "b"
        assert not a.sites.renew(dead, 60)
        assert not a.sites.release(dead, next_in=60, failed=False, result="late")
        assert b.sites.due() == 1  # a held site is still due, until released
        assert b.sites.release(taken, next_in=60, failed=True, result="r")
        assert b.sites.due() == 0 and a.sites.claim("a", 60) is None
        b.sites.add("two.example", ["https://two.example/"], 60)
        two = a.sites.claim("a", 60)
        assert two is not None and b.sites.pause("two.example", True)
        assert not a.sites.renew(two, 60)  # paused: the holder stops at its next heartbeat
        assert a.sites.release(two, next_in=None, failed=False, result="cut")
        assert b.sites.claim("b", 60) is None and not b.sites.pause("nope.example", True)
        one, two_row = b.sites.list()
        assert (one["lease_owner"], one["failures"], one["last_result"]) == (None, 1, "r")
        assert (two_row["lease_owner"], two_row["paused"]) == (None, True)


def test_runs_that_archive_nothing_new_stretch_the_wait(tmp_path: Path) -> None:
    """The adaptive revisit: each run in a row that archived nothing new or changed
    doubles the wait for the next, up to 8 times the period; a run that archived
    something, or the budget leaving URLs queued, does not wait."""
    with Archive(tmp_path / "a.db") as arc:
        arc.sites.add("one.example", ["https://one.example/"], 60)
        waits = []
        for idle in (True, True, True, True, False, True):
            lease = arc.sites.claim("w", 60)
            assert lease is not None
            waits.append(_next_in(lease, CrawlResult(), idle))
            arc.sites.release(lease, next_in=0, failed=False, result=None, idle=idle)
        assert waits == [120, 240, 480, 480, 60, 120]
        assert arc.sites.list()[0]["idle_runs"] == 1
        budget_spent = CrawlResult(left=3)
        budget_spent.summary.counts["archived"] = 1
        assert _next_in(lease, budget_spent, False) == 0


def test_claimers_at_once_take_each_site_once(db: str) -> None:
    with Archive(db) as arc:
        for k in range(24):
            arc.sites.add(f"s{k}.example", [f"https://s{k}.example/"], 60)
    claims: list[tuple[str, str]] = []
    start = threading.Barrier(6)

    def claimer(name: str) -> None:
        with Archive(db) as arc:
            start.wait()
            while (lease := arc.sites.claim(name, 60)) is not None:
                claims.append((name, lease.site))

    threads = [threading.Thread(target=claimer, args=(f"w{k}",)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(site for _, site in claims) == sorted(f"s{k}.example" for k in range(24))


def _waiting_on_a_lock(db: str) -> bool:
    return column(db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") != [0]


def test_two_workers_discovering_one_url_or_article_at_once_make_no_duplicate(
    pg_url: str,
) -> None:
    """Worker A has queued URLs and stored an article, not yet committed; worker B, on
    another site, finds none of them and writes the same keys: B waits for A, then
    its writes become upserts of A's rows (no error, no second row)."""
    page = article_html(1).encode()
    fetch = FetchResult(url="https://a.example/x", status=200, body=page, content_type="text/html")
    article = Article(title="Story 1", text="Part 0 of story 1. " * 40)
    found = [Discovered(f"https://a.example/{k}", "a.example") for k in range(50)]
    with Archive(pg_url) as a, Archive(pg_url) as b:
        for write in (
            lambda arc: arc.frontier_add("a.example", found),
            lambda arc: arc.store(fetch, article, "https://a.example/x"),
        ):
            errors: list[BaseException] = []

            def second(
                write: Callable[[Archive], object] = write, errors: list[BaseException] = errors
            ) -> None:
                try:
                    with b.transaction():
                        write(b)
                except BaseException as exc:
                    errors.append(exc)

            with a.transaction():
                write(a)
                thread = threading.Thread(target=second)
                thread.start()
                deadline = time.monotonic() + 30
                while not _waiting_on_a_lock(pg_url) and thread.is_alive():
                    assert time.monotonic() < deadline
                    time.sleep(0.01)
            thread.join(30)
            assert errors == []
        assert a.counts()["articles"] == 1
        assert a.frontier_counts("a.example") == {"queued": 50}
        assert column(pg_url, "SELECT count(*) FROM fetches") == [2]


# ---------------------------------------------------------------- workers


@pytest.mark.parametrize("how", ["stopped", "paused"])
def test_a_run_cut_short_gives_its_site_back(
    sites: Callable[[int], tuple[HTTPServer, Site]], pg_url: str, settings: Settings, how: str
) -> None:
    """Stopped (what SIGTERM does) or paused while a story is being fetched: the run
    keeps what it wrote and gives the site back, still due when stopped (the next worker
    goes on with it), within a heartbeat when paused (the lease cannot be renewed)."""
    server, site = sites(0)
    paths = news(site, 2)
    cut: list[Callable[[], None]] = []
    release = threading.Event()

    def held(request: Request) -> Response:
        cut[0]()
        release.wait(30)
        return Response(article_html(9), content_type="text/html")

    site.add("/news/9-story-number-9/", held)
    site.add("/", index_html([*paths, "/news/9-story-number-9/"]))
    with Archive(pg_url) as arc:
        arc.sites.add("127.0.0.2", [server.url_for("/")], 3600)
    runs: list[SiteRun] = []

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def pause() -> None:
            with Archive(pg_url) as other:
                other.sites.pause("127.0.0.2", True)

        cut.append(partial(loop.call_soon_threadsafe, stop.set) if how == "stopped" else pause)
        plan = WorkerOptions(lease_seconds=1, poll_seconds=0.05, until_drained=True, processes=0)
        crawl_settings = replace(settings, db=pg_url, crawl_delay=0.0, per_host=1)
        with Archive(pg_url) as arc:
            await work(arc, crawl_settings, CrawlOptions(), plan, stop=stop, on_site=runs.append)

    try:
        asyncio.run(main())
    finally:
        release.set()
    (run,) = runs
    assert run.cut is not None and run.cut.startswith(how[:4] if how == "stopped" else "lease")
    assert run.result.summary.counts["archived"] == 2 and run.next_in is None
    with Archive(pg_url, readonly=True) as arc:
        (row,) = arc.sites.list()
        assert arc.counts()["articles"] == 2  # what it wrote is kept
        assert (row["lease_owner"], row["paused"]) == (None, how == "paused")
        assert row["last_result"].startswith(run.cut + ": fetched 2, archived 2")
        assert arc.sites.due() == (1 if how == "stopped" else 0)
        assert arc.frontier_counts("127.0.0.2")["queued"] == 1  # the story cut short


def holder(db: str, site: str, procs: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    """The process whose lease holds ``site`` (its pid is in the lease owner's name)."""
    (owner,) = column(db, f"SELECT lease_owner FROM sites WHERE site = '{site}'")
    pid = int(str(owner).split(":")[1])
    return next(p for p in procs if p.pid == pid)


def test_four_workers_one_stopped_by_sigterm_one_killed_lose_nothing(
    sites: Callable[[int], tuple[HTTPServer, Site]], pg_url: str
) -> None:
    """Four sites, crawled by three workers and a ``crawl --until-drained``.  The holder
    of the second site gets SIGTERM on a story the server holds: it exits 0 and gives
    the site back at once.  The holder of the first is killed (-9) once some of its
    stories are committed: its lease expires and another takes the site over.  Every
    story is archived, each once, and nothing is left queued."""
    servers, expected = [], []
    held: list[dict[str, threading.Event]] = [{}, {}]  # the first two sites' stories
    for k in range(4):
        server, site = sites(k)
        paths = news(site, (10, 4, 4, 4)[k], held[k] if k < 2 else None)
        servers.append((server, site))
        expected += [server.url_for(p) for p in paths]
    (_, first), (_, second) = servers[:2]
    events = [*held[0].values(), *held[1].values()]
    with Archive(pg_url) as arc:
        for k, (server, _) in enumerate(servers):
            arc.sites.add(f"127.0.0.{k + 2}", [server.url_for("/")], 3600)
    args = ["--db", pg_url, "--lease", "1", "--poll", "0.2", "--delay", "0", "--processes", "0"]
    procs = [scraper("worker", *args, "--until-drained") for _ in range(3)]
    procs.append(scraper("crawl", *args, "--until-drained", "--quiet"))
    try:
        # the first site's stories are let go one at a time, each once asked for and
        # 0.15 s after the one before, 8 at most: their writes span more than the group
        # commit's 0.5 s, so some are committed before the kill, and some are left
        deadline = time.monotonic() + 60
        released = 0
        while True:
            committed = [u for u in fetched_once(pg_url) if "/127.0.0.2:" in u]
            if len(committed) >= 2 and any(p in held[1] for p, _ in second.log):
                break
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
            asked = [p for p, _ in first.log if p in held[0] and not held[0][p].is_set()]
            if asked and released < 8:
                held[0][asked[0]].set()
                released += 1
            time.sleep(0.15)
        stopped = holder(pg_url, "127.0.0.3", procs)
        stopped.send_signal(signal.SIGTERM)
        out, err = stopped.communicate(timeout=60)
        assert stopped.returncode == 0 and "Traceback" not in err, err
        assert "stopped" in out or "interrupted" in err  # a worker's line, crawl's summary
        (owner,) = column(pg_url, "SELECT lease_owner FROM sites WHERE site = '127.0.0.3'")
        assert owner is None or f":{stopped.pid}:" not in str(owner)  # given back
        killed = holder(pg_url, "127.0.0.2", procs)
        killed.kill()
        killed.wait(30)
        for event in events:
            event.set()
        for proc in procs:
            if proc not in (stopped, killed):
                _, err = proc.communicate(timeout=60)
                assert proc.returncode == 0, err
    finally:
        for event in events:
            event.set()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stored = fetched_once(pg_url)
    assert sorted(stored) == sorted(expected)  # every story archived, none lost
    assert set(stored.values()) == {1}  # each stored once
    assert column(pg_url, "SELECT count(*) FROM articles") == [len(expected)]
    with Archive(pg_url, readonly=True) as arc:
        assert arc.frontier_counts().get("queued", 0) == 0 and arc.sites.due() == 0
        rows = {row["site"]: row for row in arc.sites.list()}
    assert all(row["lease_owner"] is None for row in rows.values())


def test_a_site_run_that_wrote_merges_the_full_text_index(
    sites: Callable[[int], tuple[HTTPServer, Site]], settings: Settings, tmp_path: Path
) -> None:
    """As at the end of ``fetch`` and ``crawl``: a worker (and ``crawl --until-drained``)
    tidies the SQLite archive after a site run that wrote, so the full-text index's
    segments (one per transaction) are merged instead of piling up in a daemon."""
    db = str(tmp_path / "a.db")
    server, site = sites(0)
    news(site, 2)
    with Archive(db) as arc:
        arc.sites.add("127.0.0.2", [server.url_for("/")], 3600)
        url = "https://other.example/news/1"  # a segment of its own, from before the run
        fetch = FetchResult(url=url, status=200, body=b"<p>x</p>", content_type="text/html")
        arc.store(fetch, Article(title="Story", text="An earlier story. " * 20), url)
    segments = "SELECT count(DISTINCT segid) FROM articles_fts_idx"
    assert column(db, segments) == [1]
    plan = WorkerOptions(lease_seconds=30, poll_seconds=0.05, until_drained=True, processes=0)
    crawl_settings = replace(settings, db=db, crawl_delay=0.0, per_host=1)
    runs: list[SiteRun] = []
    with Archive(db) as arc:
        asyncio.run(
            work(
                arc, crawl_settings, CrawlOptions(), plan, stop=asyncio.Event(), on_site=runs.append
            )
        )
    assert runs[0].result.summary.counts["archived"] == 2
    assert column(db, segments) == [1]
