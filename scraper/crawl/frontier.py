"""One site's crawl queue in a run: the archive's ``frontier`` rows, handed out to workers.

The queue itself lives in SQLite (``Archive.frontier_*``); this keeps only a
small read-ahead buffer and the URLs being worked on, so memory stays flat
however large the site.  A URL stays ``queued`` in the archive until its
worker finishes it, so a killed run hands it out again on the next start.
"""

from __future__ import annotations

import asyncio
from collections import deque

from scraper.archive import Archive, Queued
from scraper.crawl.writer import ArchiveThread, inline

READ_AHEAD = 64
LISTING_KINDS = ("sitemap", "feed")
PAGE_KINDS = ("page", "article", "index")
# Sitemaps read per site and run: a few hundred (a sitemap index of 100,000 sitemaps
# must not make 100,000 requests); the rest stays queued.
MAX_SITEMAPS = 300


class SiteQueue:
    """The ``max_pages`` budget counts every request of the site's run but robots.txt:
    pages, sitemaps and feeds.  Listings (sitemaps and feeds, taken first) may use at
    most half of it, so pages always get the other half, and at most
    ``MAX_SITEMAPS`` sitemaps are read."""

    def __init__(
        self, archive: Archive, site: str, max_pages: int, db: ArchiveThread | None = None
    ) -> None:
        self.archive = archive
        self.db = db or inline  # where the archive is read
        self.site = site
        self.max_pages = max_pages
        self.max_listings = max_pages // 2
        self.pages = 0  # fetches started: pages, sitemaps and feeds (the --max-pages budget)
        self.listings = 0  # ... of which sitemaps and feeds
        self.sitemaps = 0  # ... of which sitemaps
        self.sitemaps_listed = 0  # sitemap URLs queued in this run (at most MAX_SITEMAPS)
        self.stopped: str | None = None  # why the run of this site stopped early
        self._buffer: deque[Queued] = deque()
        self._busy: set[str] = set()
        self._changed = asyncio.Condition()

    @property
    def budget_left(self) -> bool:
        return self.pages < self.max_pages

    def _kinds(self) -> tuple[str, ...]:
        """The kinds of URL that may still be handed out in this run."""
        if self.listings >= self.max_listings:
            return PAGE_KINDS
        if self.sitemaps >= MAX_SITEMAPS:
            return ("feed", *PAGE_KINDS)
        return (*LISTING_KINDS, *PAGE_KINDS)

    async def next(self) -> Queued | None:
        """The next URL to work on; None when the queue is drained, stopped, or the
        run's budget is spent."""
        async with self._changed:
            while True:
                if self.stopped:
                    return None
                if not self._buffer and self.budget_left:
                    await self._refill()
                if self._buffer:
                    item = self._buffer.popleft()
                    self._busy.add(item.url)
                    self.pages += 1
                    if item.kind in LISTING_KINDS:
                        self.listings += 1
                        self.sitemaps += item.kind == "sitemap"
                    return item
                if not self._busy:
                    self._changed.notify_all()
                    return None
                await self._changed.wait()

    async def _refill(self) -> None:
        """Read ahead, lowest priority first, no more than the budgets leave room for."""
        room = self.max_pages - self.pages
        rows = await self.db(
            self.archive.frontier_next,
            self.site,
            min(READ_AHEAD, room) + len(self._busy),
            self._kinds(),
        )
        listings, sitemaps = self.max_listings - self.listings, MAX_SITEMAPS - self.sitemaps
        for row in rows:
            if len(self._buffer) >= room:
                break
            if row.url in self._busy:
                continue
            if row.kind in LISTING_KINDS:
                if listings <= 0 or (row.kind == "sitemap" and sitemaps <= 0):
                    continue
                listings, sitemaps = listings - 1, sitemaps - (row.kind == "sitemap")
            self._buffer.append(row)

    async def done(self, item: Queued, *, fetched: bool = True) -> None:
        """``item`` is finished (its frontier row updated); ``fetched=False`` gives
        its page back to the budget."""
        async with self._changed:
            self._busy.discard(item.url)
            if not fetched and item.kind not in LISTING_KINDS:
                self.pages -= 1
            self._changed.notify_all()

    async def stop(self, reason: str) -> None:
        async with self._changed:
            self.stopped = reason
            self._buffer.clear()
            self._changed.notify_all()
