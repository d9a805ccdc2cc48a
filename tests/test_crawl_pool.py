"""Extraction in worker processes (``crawl/pool.py``): the same article as in
process, a worker that dies, and a pool that stops its workers (Linux /proc)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from scraper.archive.raw import pack
from scraper.crawl.pool import ExtractPool
from scraper.models import FailureKind, FetchResult
from scraper.pipeline import extract_fetched

PROC = Path("/proc")


def processes() -> dict[int, int]:
    """Live processes: pid -> parent pid (from /proc/*/stat)."""
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                found[int(entry.name)] = int(fields[1])
    return found


def children(pid: int) -> list[int]:
    return [p for p, parent in processes().items() if parent == pid]


def grandchildren(pid: int) -> set[int]:
    """Processes whose parent is a child of ``pid`` (the forkserver's workers)."""
    ours = set(children(pid))
    return {p for p, parent in processes().items() if parent in ours}


def page(seed_page: bytes) -> FetchResult:
    url = "https://time.com/4563685/vladimir-putin-donald-trump-expectations/"
    return FetchResult(url=url, final_url=url, status=200, body=seed_page, content_type="text/html")


def test_no_worker_extracts_in_this_process(seed_page: bytes) -> None:
    pool = ExtractPool(0)
    before = children(os.getpid())
    article, packed = asyncio.run(pool.extract(page(seed_page)))
    assert article == extract_fetched(page(seed_page)) and article.text
    assert packed is None  # the archive packs the body when it stores it
    assert pool.in_process and children(os.getpid()) == before
    pool.close()


@pytest.mark.skipif(not (PROC / "self" / "stat").exists(), reason="reads /proc")
def test_workers_extract_a_dead_worker_is_replaced_and_close_stops_them(
    seed_page: bytes,
) -> None:
    fetch = page(seed_page)
    expected = extract_fetched(fetch)
    pool = ExtractPool(1)
    before = grandchildren(os.getpid())
    try:
        assert asyncio.run(pool.extract(fetch)) == (expected, pack(seed_page))
        assert not pool.in_process
        # the worker: a child of the forkserver (started now, or by an earlier test)
        (worker,) = grandchildren(os.getpid()) - before
        os.kill(worker, signal.SIGKILL)  # out of memory, say, between two pages
        # the next page: in a new worker (packed there), not in this process
        assert asyncio.run(pool.extract(fetch)) == (expected, pack(seed_page))
        assert not pool.in_process
        assert worker not in grandchildren(os.getpid())
    finally:
        pool.close()
    assert grandchildren(os.getpid()) - before == set()


def test_a_page_that_kills_its_worker_fails_and_is_never_extracted_here(
    seed_page: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page whose worker dies on it (a crash in the parser, the OOM killer) is tried
    once more in a new worker, then fails, ``no text``: it is not extracted in the
    crawl's own process, which it could kill too. The pages beside it go on in new
    workers, and after RESTARTS deaths in this process."""
    from slowwork import KILLER, extract_or_die

    from scraper.crawl import pool as pool_module

    fetch = page(seed_page)
    killer = page(KILLER + seed_page)
    expected = extract_fetched(fetch)

    async def pages(pool: ExtractPool, fetches: list[FetchResult]) -> list:
        # at once, as a crawl's workers hand them over: one queued behind the killer
        return await asyncio.gather(*(pool.extract_or_fail(f) for f in fetches))

    pool = ExtractPool(1, work=extract_or_die)
    try:
        (good, a1, p1), (failed, a2, p2), (after, a3, p3) = asyncio.run(
            pages(pool, [fetch, killer, fetch])
        )
        assert (good, a1, p1) == (fetch, expected, pack(seed_page))
        assert failed.error == (
            "extraction stopped: a worker process died (killed by signal 9) on this page, twice"
        )
        assert failed.kind is FailureKind.NO_TEXT and (a2, p2) == (None, None)
        # queued behind it when its worker died: in a new worker, not failed
        assert (after, a3, p3) == (fetch, expected, pack(seed_page))
        assert not pool.in_process and len(pool._retired) == 2  # one pool a death
    finally:
        pool.close()

    # no new pool left to try it again (RESTARTS 0): it fails on the first death, and
    # the pages after it are extracted here
    monkeypatch.setattr(pool_module, "RESTARTS", 0)
    pool = ExtractPool(1, work=extract_or_die)
    try:
        (failed, a1, _), (after, a2, p2) = asyncio.run(pages(pool, [killer, fetch]))
        assert failed.error == (
            "extraction stopped: a worker process died (killed by signal 9) on this page"
        )
        assert a1 is None and pool.in_process
        assert (after, a2, p2) == (fetch, expected, None)  # extracted here
    finally:
        pool.close()


@pytest.mark.skipif(not (PROC / "self" / "stat").exists(), reason="reads /proc")
def test_crawl_with_processes_leaves_no_worker_behind(  # type: ignore[no-untyped-def]
    cli_here, server: HTTPServer, seed_page: bytes
) -> None:
    """``crawl --processes N``: the command's own pool (not the crawl's) is shut down by
    the command, its workers gone when it returns, not when the interpreter exits."""
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/").respond_with_data(seed_page, content_type="text/html")
    before = grandchildren(os.getpid())
    r = cli_here(
        "crawl", server.url_for("/"), "--db", "a.db", "--max-pages", "1", "--delay", "0",
        "--processes", "1", "--no-links", "--json",
    )  # fmt: skip
    assert r.code == 0, r.err
    assert json.loads(r.out.splitlines()[-1])["archived"] == 1  # extracted in a worker
    assert grandchildren(os.getpid()) - before == set()


def test_a_page_that_takes_too_long_fails_and_the_next_one_is_extracted(
    seed_page: bytes,
) -> None:
    from slowwork import SLOW, extract_slowly

    fetch = page(seed_page)
    slow = page(SLOW + seed_page)
    expected = extract_fetched(fetch)
    pool = ExtractPool(1, seconds=2.0, work=extract_slowly)

    async def three() -> list[tuple[FetchResult, object, object]]:
        return [await pool.extract_or_fail(f) for f in (fetch, slow, fetch)]

    try:
        started = time.monotonic()
        (first, a1, p1), (failed, a2, p2), (third, a3, p3) = asyncio.run(three())
        assert time.monotonic() - started < 30  # not the minute the page asked for
    finally:
        pool.close()
    assert (first, a1, p1) == (fetch, expected, pack(seed_page))
    assert failed.error == "extraction took longer than 2 s (stopped)"
    assert failed.kind is FailureKind.NO_TEXT and not failed.ok
    assert (a2, p2) == (None, None)
    # a new worker took the next page: the pool goes on in worker processes
    assert (third, a3, p3) == (fetch, expected, pack(seed_page)) and not pool.in_process


def test_a_crawl_extracts_in_a_worker_even_on_one_core() -> None:
    """Only a page extracted in a worker has a time limit: on one core (a small server's
    cron, a container's or taskset's share) the crawl still has one worker."""
    import subprocess
    import sys

    one = set(sorted(os.sched_getaffinity(0))[:1])
    code = (
        "from scraper.crawl.pool import ExtractPool as P; p = P(); print(p.processes, p.in_process)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        preexec_fn=lambda: os.sched_setaffinity(0, one),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["1", "False"]
