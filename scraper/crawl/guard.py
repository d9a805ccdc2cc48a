"""What a crawl may request, checked before every request and redirect hop.

Only http(s); no loopback, private or link-local address but the seeds' own
hosts (``netguard.AddressGuard``, and the connection itself goes only to the
public addresses checked when connecting); and what robots.txt allows
(``robots.RobotsCache``, read through the same fetcher, so its Crawl-delay and
the politeness of its own request are the crawl's).

``RequestGuard`` builds the crawl's ``Fetcher`` with itself as the fetcher's
guard: no request of the crawl is sent unchecked, robots.txt ones included.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urlsplit

import httpx

from scraper.archive import Discovered
from scraper.crawl.robots import RobotsCache
from scraper.fetch import Fetcher
from scraper.models import Refusal
from scraper.netguard import AddressGuard
from scraper.settings import Settings


class RequestGuard:
    """The crawl's fetcher and the rule it sends requests by.

    ``seeds``: URLs given explicitly, whose hosts may be on private addresses
    (intranets, tests)."""

    def __init__(
        self,
        settings: Settings,
        seeds: Iterable[str],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.addresses = AddressGuard(seeds)
        self.fetcher = Fetcher(
            settings, transport=transport, guard=self, trusted=self.addresses.trusts
        )
        self.robots = RobotsCache(self.fetcher, min_delay=settings.delay)

    async def __call__(self, url: str) -> Refusal | None:
        """Why a request to ``url`` may not be sent, or None."""
        if refusal := await self.addresses(url):
            return refusal
        if urlsplit(url).path == "/robots.txt":
            return None
        return await self.robots.refusal(url)

    async def checked(self, entry: Discovered) -> Discovered:
        """The entry, or the entry recorded as skipped when it may not be fetched."""
        refusal = await self(entry.url)
        return entry if refusal is None else replace(entry, state="skipped", reason=refusal[1])
