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

READ_AHEAD = 64
LISTING_KINDS = ("sitemap", "feed")


class SiteQueue:
    def __init__(self, archive: Archive, site: str, max_pages: int) -> None:
        self.archive = archive
        self.site = site
        self.max_pages = max_pages
        self.pages = 0  # page fetches started (the --max-pages budget)
        self.stopped: str | None = None  # why the run of this site stopped early
        # links found on pages, by source ("link": on index pages, "related": on
        # articles): how many were fetched, how many were dead (404, 410), and,
        # once most are, why no more of them are followed
        self.tried: dict[str, int] = {}
        self.dead: dict[str, int] = {}
        self.links_off: dict[str, str] = {}
        self.links_seen: dict[str, set[str]] = {"link": set(), "related": set()}
        self._buffer: deque[Queued] = deque()
        self._busy: set[str] = set()
        self._changed = asyncio.Condition()

    @property
    def budget_left(self) -> bool:
        return self.pages < self.max_pages

    async def next(self) -> Queued | None:
        """The next URL to work on; None when the queue is drained (or stopped)."""
        async with self._changed:
            while True:
                if self.stopped:
                    return None
                if not self._buffer:
                    self._refill()
                if self._buffer:
                    item = self._buffer.popleft()
                    self._busy.add(item.url)
                    if item.kind not in LISTING_KINDS:
                        self.pages += 1
                    return item
                if not self._busy:
                    self._changed.notify_all()
                    return None
                await self._changed.wait()

    def _refill(self) -> None:
        kinds = None if self.budget_left else LISTING_KINDS
        rows = self.archive.frontier_next(self.site, READ_AHEAD + len(self._busy), kinds)
        fresh = [r for r in rows if r.url not in self._busy]
        if self.budget_left:  # hand out no more pages than the budget allows
            room = self.max_pages - self.pages
            listings = [r for r in fresh if r.kind in LISTING_KINDS]
            pages = [r for r in fresh if r.kind not in LISTING_KINDS][:room]
            fresh = sorted(listings + pages, key=lambda r: r.priority)
        self._buffer.extend(fresh)

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
