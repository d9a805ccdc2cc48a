"""``scraper fetch``: a given list of URLs fetched, extracted and archived.

The crawl's parts without its discovery: pages are extracted in the crawl's
worker processes (``pool``), written on the archive's own thread (``writer``)
and committed in batches (``batching``), so a long list goes at the crawl's
speed.  A short list (under ``POOL_FROM_URLS``) is extracted here: starting a
worker costs more than it saves.  A run killed meanwhile loses at most the
open batch, which the next run fetches again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

import httpx

from scraper.archive import Archive
from scraper.archive.raw import Packed
from scraper.crawl.batching import CommitBatch
from scraper.crawl.pool import EXTRACT_PROCESSES, ExtractPool
from scraper.crawl.writer import ArchiveThread
from scraper.fetch import Fetcher
from scraper.models import Article, FetchResult
from scraper.netguard import AddressGuard
from scraper.pipeline import Outcome, Status, Summary, process
from scraper.settings import Settings
from scraper.urls import normalize_url

POOL_FROM_URLS = 50  # extraction in worker processes from this many URLs on


async def archive_urls(
    urls: Iterable[str],
    archive: Archive,
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    summary: Summary | None = None,
    processes: int | None = None,
) -> Summary:
    """Fetch, extract and archive every URL; duplicates (after normalization) are skipped.

    The outcomes are counted into ``summary`` (a new one by default), so a caller
    that is interrupted (Ctrl-C) still has the figures of what finished, and what
    finished is committed.  ``processes``: extraction workers (default: the crawl's,
    from ``POOL_FROM_URLS`` URLs on; 0 extracts in this process)."""
    summary = Summary() if summary is None else summary
    seen: set[str] = set()
    queue: list[str] = []
    for url in urls:
        key = normalize_url(url)
        if key in seen:
            outcome = Outcome(url, Status.SKIPPED, "duplicate of an earlier URL")
            summary.add(outcome)
            if on_outcome:
                on_outcome(outcome)
            continue
        seen.add(key)
        queue.append(url)
    if processes is None:
        processes = EXTRACT_PROCESSES if len(queue) >= POOL_FROM_URLS else 0

    pool, db, batch = ExtractPool(processes), ArchiveThread(), CommitBatch(archive)

    def write(fetch: FetchResult, article: Article | None, packed: Packed | None) -> Outcome:
        # on the archive's thread, as every archive call here; a unit of the batch
        return batch.write(process, fetch, archive, article=article, packed=packed)

    # the URLs given may be on private addresses (intranets, tests); a redirect from
    # them to another host may not (169.254.169.254, a service on localhost)
    guard = AddressGuard(queue)
    try:
        async with Fetcher(
            settings, transport=transport, guard=guard, trusted=guard.trusts
        ) as fetcher:

            async def one(url: str) -> None:
                etag, last_modified = await db(archive.validators, url)
                fetch = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
                article = packed = None
                if fetch.ok:
                    fetch, article, packed = await pool.extract_or_fail(fetch)
                outcome = await db(write, fetch, article, packed)
                summary.add(outcome)
                if on_outcome:
                    on_outcome(outcome)

            # A bounded pool of workers keeps memory flat for long URL lists.
            pending = iter(queue)

            async def worker() -> None:
                for url in pending:
                    await one(url)

            workers = max(1, min(settings.concurrency, len(queue)))
            await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        db.close()  # what was asked of the archive's thread is done; then commit
        batch.close()
        pool.close()
    return summary
