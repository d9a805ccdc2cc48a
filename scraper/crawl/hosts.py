"""The archive's ``hosts`` rows as one crawl uses them: a pause or a delay of a host
that holds for every worker on the archive.

The crawl's own sites (those it holds, or was given) are fetched by it alone: their
hosts' politeness stays in the fetcher's memory, but a pause another worker (or an
earlier run) set on one of them is read once, at the host's first request.  Any other
host (``--offsite`` links) takes each request's slot from its row
(``HostStore.reserve``), so workers crawling different sites are still a delay apart
on it.  A host the crawl pauses (``health``) is paused in its row too, for everyone;
its first success afterwards ends the pause.

Every call runs on the crawl's archive thread, after committing its open batch: a
reservation or a pause must be seen by the other workers at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from scraper.archive import Archive
from scraper.crawl.batching import CommitBatch
from scraper.crawl.health import HostHealth
from scraper.crawl.writer import ArchiveThread
from scraper.fetch import host_of
from scraper.models import FetchResult
from scraper.urls import host_key


class SharedHosts:
    def __init__(
        self,
        archive: Archive,
        db: ArchiveThread,
        batch: CommitBatch,
        sites: Iterable[str],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.archive, self.db, self.batch = archive, db, batch
        self.sites = set(sites)
        self._clock = clock
        self._read: dict[str, datetime | None] = {}  # own hosts' pauses, read once a run
        self._paused: set[str] = set()  # hosts this crawl paused

    def own(self, host: str) -> bool:
        """Is ``host`` (``host[:port]``) one of the crawl's own sites' hosts?"""
        return host_key(f"http://{host}/") in self.sites

    async def __call__(self, host: str, delay: float, max_wait: float) -> float:
        """Seconds to wait before a request to ``host`` goes out (the fetcher's
        ``HostGate``); more than ``max_wait``: paused longer than a request waits."""
        if not self.own(host):
            return await self.db(self._reserve, host, delay, max_wait)
        if host not in self._read:
            state = await self.db(self.archive.hosts.get, host)
            self._read[host] = None if state is None else state.paused_until
        until = self._read[host]
        return 0.0 if until is None else max(0.0, (until - self._clock()).total_seconds())

    async def pause_left(self, host: str) -> float:
        """Seconds the pause of ``host`` in its row has still to run (0: none), read now:
        a request that waited for its slot is not sent inside a pause another worker
        set meanwhile.  An own host: the pause read at its first request."""
        if self.own(host):
            until = self._read.get(host)
        else:
            state = await self.db(self.archive.hosts.get, host)
            until = None if state is None else state.paused_until
        return 0.0 if until is None else max(0.0, (until - self._clock()).total_seconds())

    def _reserve(self, host: str, delay: float, max_wait: float) -> float:
        self.batch.commit()
        return self.archive.hosts.reserve(host, delay, self._clock(), max_wait)

    async def after(self, health: HostHealth, fetch: FetchResult, site: str) -> str | None:
        """``health.after`` (why the crawl of ``site`` must stop, or None), its pauses
        shared: a host it pauses is paused in its row for every worker, and the first
        answer after a pause this crawl set ends it there."""
        host = host_of(fetch.final_url or fetch.url)
        before = health.paused_until(host)
        stop = health.after(fetch, site)
        if health.paused_until(host) != before:
            await self.paused(host, health.pause)
        elif fetch.status is not None and fetch.error is None:
            await self.answered(host)
        return stop

    async def paused(self, host: str, seconds: float) -> None:
        """This crawl paused ``host`` (``health``): so does every other."""
        self._paused.add(host)
        await self.db(self._pause, host, seconds)

    def _pause(self, host: str, seconds: float) -> None:
        self.batch.commit()
        at = self._clock()
        self.archive.hosts.pause(host, at + timedelta(seconds=seconds), at)

    async def answered(self, host: str) -> None:
        """``host`` answered: a pause this crawl set on it is over."""
        if host in self._paused:
            self._paused.discard(host)
            await self.db(self._recovered, host)

    def _recovered(self, host: str) -> None:
        self.batch.commit()
        self.archive.hosts.recovered(host, self._clock())
