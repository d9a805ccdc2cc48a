"""The archive's ``hosts`` rows (both backends): a host's delay and pause shared by
every crawl of an archive.  Slots taken at once by several connections never meet;
a pause one crawl sets is obeyed by the next, which sends the host no request (a
real loopback server counts them)."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scraper.archive import Archive
from scraper.crawl import crawl
from scraper.crawl.batching import CommitBatch
from scraper.crawl.health import HostHealth
from scraper.crawl.hosts import SharedHosts
from scraper.crawl.writer import inline
from scraper.fetch import PAUSED, Fetcher
from scraper.models import FetchResult
from scraper.settings import Settings


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "hosts.db")
    return str(request.getfixturevalue("pg_url"))


def test_workers_taking_one_hosts_slots_at_once_get_each_a_delay_apart(db: str) -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    with Archive(db):
        pass  # the schema, made once
    waits: list[float] = []
    start = threading.Barrier(6)

    def worker() -> None:
        with Archive(db) as arc:
            start.wait()
            for _ in range(3):
                waits.append(arc.hosts.reserve("cdn.example:443", 1.0, at, 60))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(waits) == [float(k) for k in range(18)]  # 18 slots, none shared

    with Archive(db) as arc:  # a pause: no slot before its end, none taken past max_wait
        arc.hosts.pause("cdn.example:443", at + timedelta(seconds=600), at)
        assert arc.hosts.reserve("cdn.example:443", 1.0, at, 60) == 600
        assert arc.hosts.reserve("cdn.example:443", 1.0, at, 900) == 600
        assert arc.hosts.reserve("cdn.example:443", 1.0, at, 900) == 601
        state = arc.hosts.get("cdn.example:443")
        assert state is not None and state.failures == 1
        arc.hosts.recovered("cdn.example:443", at)
        state = arc.hosts.get("cdn.example:443")
        assert state is not None and (state.failures, state.paused_until) == (0, None)


def test_a_pause_one_crawl_sets_holds_for_the_next_crawl_of_the_archive(
    server: HTTPServer, settings: Settings, db: str
) -> None:
    """Crawl A finds the host failing (503) and pauses it for 10 minutes; crawl B, on
    its own connection, sends the host nothing while the pause lasts: its URLs fail
    as paused and stay to be tried again."""
    asked: list[str] = []

    def answer(request: Request) -> Response:
        asked.append(request.path)
        if request.path == "/robots.txt":
            return Response("User-agent: *\nAllow: /\n", content_type="text/plain")
        if request.path == "/sitemap.xml":  # read first: none (A's one request after is /)
            return Response("none", status=404)
        return Response("down", status=503)

    server.expect_request("").respond_with_handler(answer)
    settings = replace(
        settings, db=db, retries=0, host_failures=1, host_pause=600, max_retry_wait=5,
        crawl_delay=0.0, per_host=1,
    )  # fmt: skip
    seed = server.url_for("/")

    def run() -> dict[str, int]:
        with Archive(db) as arc:
            return asyncio.run(crawl([seed], arc, settings)).summary.counts

    run()
    first = list(asked)
    assert first == ["/robots.txt", "/sitemap.xml", "/"]  # a 503: A paused the host
    host = seed.split("/")[2]
    with Archive(db, readonly=True) as arc:
        state = arc.hosts.get(host)
    assert state is not None and state.paused_until is not None and state.failures == 1
    run()
    assert asked == first  # B sent nothing (robots.txt: the copy A kept)
    with Archive(db, readonly=True) as arc:
        reasons = [r[0] for r in arc._db.rows("SELECT reason FROM frontier WHERE url = ?", [seed])]
    assert reasons and PAUSED in str(reasons[0])


def test_an_offsite_host_takes_its_slots_from_its_row(
    server: HTTPServer, settings: Settings, db: str
) -> None:
    """A host outside the crawl's sites: each request takes the row's next slot (the
    row moves on by the delay); paused by another crawl, it is sent nothing."""
    server.expect_request("/a").respond_with_data("<p>a</p>", content_type="text/html")
    host = server.url_for("/").split("/")[2]
    settings = replace(settings, delay=30.0, max_retry_wait=5, retries=0)
    at = datetime.now(UTC)

    async def fetch(arc: Archive) -> FetchResult:
        async with Fetcher(settings) as fetcher:
            fetcher.share_hosts(SharedHosts(arc, inline, CommitBatch(arc), ["news.example"]))
            return await fetcher.fetch(server.url_for("/a"))

    with Archive(db) as arc:
        assert asyncio.run(fetch(arc)).ok and len(server.log) == 1
        state = arc.hosts.get(host)
        assert state is not None and state.next_at is not None
        assert state.next_at - at >= timedelta(seconds=30)  # the next slot, a delay on
        arc.hosts.pause(host, at + timedelta(seconds=600), at)
        paused = asyncio.run(fetch(arc))
    assert paused.error is not None and PAUSED in paused.error and len(server.log) == 1


def _fetch_once(db: str, settings: Settings, url: str, go: Any, out: Any) -> None:
    """A forked worker process: once ``go`` is set, one request to ``url`` as a crawl
    of the site ``own.example`` sends it (the host is offsite: its slot is taken from
    its row), its answer taken into account as the crawl does (``SharedHosts.after``:
    a failing host paused for every worker); puts the fetch's error (None: sent)."""

    async def run() -> str | None:
        with Archive(db) as arc:
            hosts = SharedHosts(arc, inline, CommitBatch(arc), ["own.example"])
            async with Fetcher(settings) as fetcher:
                fetcher.share_hosts(hosts)
                health = HostHealth(fetcher)
                go.wait(30)
                fetch = await fetcher.fetch(url)
                await hosts.after(health, fetch, "own.example")
                return fetch.error if fetch.status is None else None

    out.put(asyncio.run(run()))


def test_two_workers_sharing_a_failing_hosts_row_never_send_it_anything_inside_its_pause(
    server: HTTPServer, pg_url: str, settings: Settings
) -> None:
    """Two worker processes on one PostgreSQL archive each have a URL of one offsite
    host (delay 1 s) that answers 503.  The host holds its first request until the
    other worker has taken its slot (a delay later) from the host's row; that 503
    pauses the host for 10 minutes in its row, and when the other worker's slot comes
    it sends nothing: the host gets one request in all, never two at once, and the
    other URL fails as paused."""
    lock = threading.Lock()
    flight = {"now": 0, "peak": 0}
    asked: list[str] = []
    host = server.url_for("/").split("/")[2]
    with Archive(pg_url):
        pass  # the schema, made once

    def both_slots_taken(first: datetime) -> bool:
        with Archive(pg_url, readonly=True) as arc:
            for _ in range(500):
                state = arc.hosts.get(host)
                if state and state.next_at and (state.next_at - first).total_seconds() > 1.5:
                    return True
                threading.Event().wait(0.02)  # polled: the other worker's reservation
        return False

    def down(request: Request) -> Response:
        arrived = datetime.now(UTC)
        with lock:
            flight["now"] += 1
            flight["peak"] = max(flight["peak"], flight["now"])
            asked.append(request.path)
        try:
            if len(asked) == 1:
                assert both_slots_taken(arrived)
            return Response("down", status=503)
        finally:
            with lock:
                flight["now"] -= 1

    server.expect_request("").respond_with_handler(down)
    settings = replace(settings, db=pg_url, delay=1.0, retries=0, host_failures=1,
                       host_pause=600, max_retry_wait=5)  # fmt: skip
    fork = multiprocessing.get_context("fork")
    go, out = fork.Event(), fork.Queue()
    procs = [
        fork.Process(target=_fetch_once, args=(pg_url, settings, server.url_for(f"/{n}"), go, out))
        for n in "ab"
    ]
    for proc in procs:
        proc.start()
    go.set()  # released together
    errors = [out.get(timeout=30) for _ in procs]
    for proc in procs:
        proc.join(30)
    assert [p.exitcode for p in procs] == [0, 0]
    assert len(asked) == 1 and flight["peak"] == 1  # one request: the other paused
    assert errors.count(None) == 1
    assert any(e and PAUSED in e for e in errors)
    with Archive(pg_url, readonly=True) as arc:
        state = arc.hosts.get(host)
    assert state is not None and state.paused_until is not None and state.failures == 1
