"""robots.txt: fetched once per origin through the shared fetcher, parsed by protego.

What an answer means follows RFC 9309: a 2xx body is the rules; a 4xx means
there are none (everything allowed); a 5xx or a network failure means the
site cannot tell us, so nothing on it is fetched in this run.  Only the first
``MAX_ROBOTS_BYTES`` of a robots.txt are read (whatever its size), as the RFC
allows; rules past them are ignored.  A
``Crawl-delay`` raises the fetcher's delay for that host (up to
``MAX_CRAWL_DELAY``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

from scraper.fetch import Fetcher, host_of
from scraper.models import FailureKind, Refusal

MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB
MAX_CRAWL_DELAY = 60.0
UNAVAILABLE = "robots.txt unavailable"  # how the refusal of every URL of its site begins
ROBOTS_REFUSAL = "disallowed by robots.txt"


@dataclass(slots=True)
class Robots:
    """The rules of one origin."""

    rules: Protego | None = None  # None: no rules (everything allowed) or ``unavailable``
    unavailable: str | None = None  # why nothing may be fetched
    sitemaps: list[str] = field(default_factory=list)
    delay: float | None = None

    def refusal(self, url: str, agent: str) -> Refusal | None:
        """Why ``url`` may not be fetched, or None."""
        if self.unavailable:  # the site cannot tell us now: perhaps on the next run
            return FailureKind.TRANSIENT, self.unavailable
        if self.rules is not None and not self.rules.can_fetch(url, agent):
            return FailureKind.ROBOTS, ROBOTS_REFUSAL
        return None


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against (``scraper``)."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


class RobotsCache:
    """``await cache.get(url)``: the ``Robots`` of the URL's origin, fetched once."""

    def __init__(self, fetcher: Fetcher, *, min_delay: float = 0.0) -> None:
        self.fetcher = fetcher
        self.agent = agent_token(fetcher.settings.user_agent)
        self.min_delay = min_delay
        self._loading: dict[str, asyncio.Task[Robots]] = {}
        self._loaded: dict[str, Robots] = {}

    async def get(self, url: str) -> Robots:
        key = origin(url)
        robots = self._loaded.get(key)
        if robots is not None:
            return robots
        task = self._loading.get(key)
        if task is None:
            task = self._loading[key] = asyncio.ensure_future(self._load(key))
        robots = self._loaded[key] = await asyncio.shield(task)
        return robots

    async def refusal(self, url: str) -> Refusal | None:
        return (await self.get(url)).refusal(url, self.agent)

    async def _load(self, key: str) -> Robots:
        fetch = await self.fetcher.fetch(f"{key}/robots.txt", accept=None, head=MAX_ROBOTS_BYTES)
        if fetch.ok:
            text = fetch.body.decode("utf-8", "replace")
            rules = Protego.parse(text)
            delay = rules.crawl_delay(self.agent)
            robots = Robots(rules, sitemaps=list(rules.sitemaps))
            if delay:
                robots.delay = min(MAX_CRAWL_DELAY, max(float(delay), self.min_delay))
                self.fetcher.set_delay(host_of(key), robots.delay)
            return robots
        if fetch.status is not None and 400 <= fetch.status < 500:
            return Robots()
        return Robots(unavailable=f"{UNAVAILABLE} ({fetch.error or fetch.status})")
