"""Workers: sites claimed from the archive's ``sites`` table, crawled, released.

``work`` is the loop of ``scraper worker`` and ``scraper crawl --until-drained``:

1. claim the site due longest ago that no live lease holds (``Archive.sites``);
2. crawl it with the ordinary site crawl (``crawler.crawl``), so politeness is the
   lease holder's: only this process fetches the site's hosts meanwhile (per-host
   concurrency, delay, robots.txt Crawl-delay, Retry-After);
3. meanwhile a heartbeat thread renews the lease every third of it, on a
   connection of its own; a lease it cannot renew (the site was paused, or the
   lease expired and another worker took it) ends the crawl of the site;
4. release the site with its next run's time: its period after a complete run
   (doubled for each run in a row that archived nothing new, up to 8 times: an
   adaptive revisit interval), at once when the ``--max-pages`` budget left URLs
   queued (behind the sites due longer), unchanged when the run was cut short
   (``stop``: SIGTERM), so another worker goes on with it.

A run cut short commits what it wrote (its group commit) and leaves the URLs it
was working on queued.  A worker killed outright (``kill -9``, a lost machine)
stops renewing: once its lease expires, another worker claims the site and goes
on from the rows still queued; at most the uncommitted batch is fetched again,
and keys (frontier URL, canonical URL) keep anything from being stored twice.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from scraper.archive import Archive, ArchiveError, Lease
from scraper.crawl.crawler import crawl
from scraper.crawl.pool import ExtractPool
from scraper.crawl.report import CrawlResult
from scraper.crawl.scope import CrawlOptions
from scraper.pipeline import Outcome
from scraper.settings import Settings

MAX_IDLE_DOUBLINGS = 3  # a site that archives nothing new is read 2x, 4x, then 8x less often


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    lease_seconds: float = 60.0  # a lease lasts this long unless renewed
    poll_seconds: float = 5.0  # when no site is due, look again after this long
    until_drained: bool = False  # return once no site is due (instead of waiting)
    processes: int | None = None  # extraction processes (None: the pool's default)


@dataclass(frozen=True, slots=True)
class SiteRun:
    """What became of one site's run: passed to ``on_site``."""

    site: str
    result: CrawlResult
    cut: str | None  # why the run was cut short (stopped, lease lost), or None
    next_in: float | None  # seconds until the site is due again (None: due now)


def worker_id() -> str:
    """This worker's name in ``sites.lease_owner``: host, process, and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Heartbeat(threading.Thread):
    """Renews a lease every third of its length, on a connection of its own (the
    crawl's connection may be in a transaction, and the event loop busy); calls
    ``on_lost`` once if the lease is lost."""

    def __init__(
        self, db: Path | str, lease: Lease, seconds: float, on_lost: Callable[[], None]
    ) -> None:
        super().__init__(name=f"heartbeat {lease.site}", daemon=True)
        self.db, self.lease, self.seconds, self.on_lost = db, lease, seconds, on_lost
        self._ended = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + self.seconds
        archive: Archive | None = None
        try:
            while not self._ended.wait(self.seconds / 3):
                try:
                    if archive is None:
                        archive = Archive(self.db)
                    renewed = archive.sites.renew(self.lease, self.seconds)
                except ArchiveError:  # the database is away: try again until the lease ends
                    renewed = time.monotonic() < deadline
                else:
                    deadline = time.monotonic() + self.seconds
                if not renewed:
                    self.on_lost()
                    return
        finally:
            if archive is not None:
                with suppress(ArchiveError):
                    archive.close()

    def stop(self) -> None:
        self._ended.set()
        self.join()


async def work(
    archive: Archive,
    settings: Settings,
    options: CrawlOptions,
    worker: WorkerOptions,
    *,
    stop: asyncio.Event,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_site: Callable[[SiteRun], None] | None = None,
    owner: str | None = None,
) -> CrawlResult:
    """Claim, crawl and release sites until ``stop`` is set (or, ``until_drained``, no
    site is due); returns the figures of every run added up."""
    owner = owner or worker_id()
    total = CrawlResult()
    started = time.monotonic()
    pool = ExtractPool() if worker.processes is None else ExtractPool(worker.processes)
    try:
        while not stop.is_set():
            lease = archive.sites.claim(owner, worker.lease_seconds)
            if lease is None:
                if worker.until_drained and archive.sites.due() == 0:
                    break
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), worker.poll_seconds)
                continue
            run = await _run_site(archive, settings, options, worker, lease, stop, on_outcome, pool)
            total.absorb(run.result)
            if run.result.summary.counts["archived"] or run.result.summary.counts["updated"]:
                archive.tidy()  # as at the end of a crawl: a bounded merge of the text index
            if on_site is not None:
                on_site(run)
    finally:
        total.seconds = time.monotonic() - started
        pool.close()
    return total


async def _run_site(
    archive: Archive,
    settings: Settings,
    options: CrawlOptions,
    worker: WorkerOptions,
    lease: Lease,
    stop: asyncio.Event,
    on_outcome: Callable[[Outcome], None] | None,
    pool: ExtractPool,
) -> SiteRun:
    loop = asyncio.get_running_loop()
    lost = asyncio.Event()
    heartbeat = Heartbeat(
        archive.path, lease, worker.lease_seconds, lambda: loop.call_soon_threadsafe(lost.set)
    )
    heartbeat.start()
    result = CrawlResult()
    site_settings = settings.merged(crawl_delay=lease.crawl_delay)
    crawling = asyncio.create_task(
        crawl(lease.seeds, archive, site_settings, options, on_outcome=on_outcome,
              result=result, pool=pool)
    )  # fmt: skip
    stopping = asyncio.create_task(stop.wait())
    losing = asyncio.create_task(lost.wait())
    cut: str | None = None
    try:
        await asyncio.wait({crawling, stopping, losing}, return_when=asyncio.FIRST_COMPLETED)
        if not crawling.done():
            cut = "stopped" if stop.is_set() else "lease lost (paused, or taken after it expired)"
            crawling.cancel()
        with suppress(asyncio.CancelledError):
            await crawling  # an archive error is raised here, after the lease is let go
    finally:
        for task in (stopping, losing, crawling):
            task.cancel()
        await asyncio.to_thread(heartbeat.stop)
        complete = (
            cut is None
            and crawling.done()
            and not crawling.cancelled()
            and crawling.exception() is None
        )
        idle = not (result.summary.counts["archived"] or result.summary.counts["updated"])
        next_in = _next_in(lease, result, idle) if complete else None
        with suppress(ArchiveError):  # the archive's error, if any, is the crawl's to raise
            archive.sites.release(
                lease,
                next_in=next_in,
                failed=complete and bool(result.problems or result.stopped),
                idle=complete and idle,
                result=result.line() if complete else f"{cut or 'failed'}: {result.line()}",
            )
    return SiteRun(lease.site, result, cut, next_in)


def _next_in(lease: Lease, result: CrawlResult, idle: bool) -> float:
    """Seconds until a site whose run ended is due again: at once when the page budget
    left URLs queued and the run got on with them (behind the sites due longer); else
    its period, doubled for each run in a row that archived nothing new or changed, up
    to ``2 ** MAX_IDLE_DOUBLINGS`` times (a site that rarely changes is read less often;
    a run that archives something brings it back to its period)."""
    if result.left and not result.stopped and result.summary.fetched:
        return 0.0
    idle_runs = lease.idle_runs + 1 if idle else 0
    return float(lease.interval_seconds * 2 ** min(idle_runs, MAX_IDLE_DOUBLINGS))
