"""Extraction in worker processes, so the event loop keeps fetching and writing meanwhile.

Extraction is CPU-bound (a few ms a page).  ``ExtractPool`` starts its workers
(a forkserver's children) on the first page and extracts there (in the crawl's own
process with ``--processes 0``).  A worker exits when the crawl that started it
is gone (``kill -9``), and ignores Ctrl-C: the crawl shuts the pool down itself.
A page still being extracted after ``EXTRACT_SECONDS`` (one that costs the parser
minutes) fails, and its worker is replaced: one page never stalls a crawl.
When a worker dies (out of memory, a crash), new workers take the pages; the page it
was on is tried once more, and fails if its worker dies again (``no text``, not
fetched again: a page that kills the parser would kill it every run), and it is
never extracted in the crawl's own process, which it could kill too.  After
``RESTARTS`` deaths the rest is extracted in the crawl's own process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from scraper.archive.raw import Packed, pack
from scraper.models import Article, FailureKind, FetchResult
from scraper.pipeline import EXTRACT_SECONDS, extract_fetched, too_slow
from scraper.workers import TaskTimeout, WorkerDied, WorkerPool, default_processes, start_pool

# Worker processes for extraction: the cores the event loop leaves free (those this
# process may run on: a container's or taskset's share), and one on a single core too:
# only a page extracted in a worker has a time limit, and a crawl that one page stalls
# holds its archive's crawl lock, so every later run from cron finds it taken. On one
# core the worker costs about a tenth of the crawl's time (pickling, two processes on
# one core); ``--processes 0`` extracts in the crawl's own process.
EXTRACT_PROCESSES = max(1, min(4, default_processes() - 1))
# New pools started after workers died, before the rest is extracted in this process
# (workers that die whatever they do: no memory to be had, say).
RESTARTS = 3


class WorkerKilled(Exception):
    """The worker extracting a page died twice on it, or once with no worker left to
    try again: the page is not extracted."""


def extract_and_pack(fetch: FetchResult) -> tuple[Article, Packed]:
    """In a worker: the page extracted, and its body hashed and compressed for the
    archive (the event loop's process then only writes them)."""
    return extract_fetched(fetch), pack(fetch.body)


class ExtractPool:
    """``await pool.extract(fetch)``: ``extract_fetched(fetch)``, in a worker process,
    with the body packed for ``raw_pages`` there too (None when extracted here)."""

    def __init__(
        self,
        processes: int = EXTRACT_PROCESSES,
        seconds: float = EXTRACT_SECONDS,
        work: Callable[[FetchResult], tuple[Article, Packed]] = extract_and_pack,
    ) -> None:
        self.processes = processes
        self.seconds = seconds
        self.work = work  # what a worker does with a page (a module-level function)
        self.in_process = processes <= 0  # no worker: extract in this process
        self._pool: WorkerPool | None = None
        self._retired: list[WorkerPool] = []  # pools a worker's death broke
        self._submitted = 0  # submits returned so far, counted up to one a worker

    async def extract(self, fetch: FetchResult) -> tuple[Article, Packed | None]:
        """The page extracted, in a worker (with its body packed) or, with no workers,
        here (None); ``TaskTimeout`` or ``WorkerKilled`` for a page that stopped one."""
        died = 0  # times a worker died while on this page
        while not self.in_process:
            pool = self._pool
            if pool is None:
                pool = self._pool = start_pool(self.processes, "scraper.pipeline", self.seconds)
                self._submitted = 0
            try:
                if self._submitted < self.processes:
                    # submitted from a thread until a submit has returned for every
                    # worker: the first submits start the forkserver and the workers
                    # (seconds on a busy machine, holding the pool's lock), which must
                    # not stall the fetches; once all are up a submit is cheap (and a
                    # thread hop is not)
                    future = await asyncio.to_thread(pool.submit, self.work, fetch)
                    self._submitted += 1
                else:
                    future = pool.submit(self.work, fetch)
                return await asyncio.wrap_future(future)
            except WorkerDied as exc:  # on this page: it may be what killed it
                died += 1
                self._retire(pool)
                if died >= 2 or self.in_process:
                    twice = ", twice" if died >= 2 else ""
                    raise WorkerKilled(f"{exc} on this page{twice}") from exc
            except BrokenProcessPool:  # another page's worker died: a new pool takes it
                self._retire(pool)
        return extract_fetched(fetch), None

    def _retire(self, pool: WorkerPool) -> None:
        """A pool broken by a worker's death: replaced by a new one on the next page
        (once, however many of its pages failed), or, after ``RESTARTS``, by this
        process."""
        if self._pool is not pool:
            return  # retired already, for another of its pages
        pool.shutdown(wait=False, cancel_futures=True)  # its other workers finish
        self._retired.append(pool)
        self._pool = None
        if len(self._retired) > RESTARTS:
            self.in_process = True

    async def extract_or_fail(
        self, fetch: FetchResult
    ) -> tuple[FetchResult, Article | None, Packed | None]:
        """``extract``, or, for a page whose extraction in a worker ran out of time or
        killed it, the fetch failed with the reason (``no text``: not tried again) and
        no article."""
        try:
            article, packed = await self.extract(fetch)
        except TaskTimeout:
            error = f"{too_slow(self.seconds)} (stopped)"
            return replace(fetch, error=error, kind=FailureKind.NO_TEXT), None, None
        except WorkerKilled as exc:
            error = f"extraction stopped: {exc}"
            return replace(fetch, error=error, kind=FailureKind.NO_TEXT), None, None
        return fetch, article, packed

    def close(self) -> None:
        """Stop the workers (waiting for the page each is on); extract no more here."""
        for pool in [*self._retired, *([self._pool] if self._pool is not None else [])]:
            pool.shutdown(wait=True, cancel_futures=True)
        self._retired.clear()
        self._pool = None
