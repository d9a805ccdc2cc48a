"""robots.txt: fetched once per origin through the shared fetcher, parsed by protego.

What an answer means follows RFC 9309: a 2xx body is the rules; a 4xx means
there are none (everything allowed); a 5xx or a network failure means the
site cannot tell us, so nothing on it is fetched in this run.  Only the first
``MAX_ROBOTS_BYTES`` of a robots.txt are read (whatever its size), as the RFC
allows; rules past them are ignored.  A
``Crawl-delay`` raises the fetcher's delay for that host (up to
``MAX_CRAWL_DELAY``).

Shared through the archive (``share``): a 2xx or 4xx answer is kept in its
``robots`` table with its validators (ETag, Last-Modified) and fetch time, so
every worker and every run reads one copy.  A copy younger than ``MAX_AGE``
(24 h, RFC 9309's advice) is used without a request; an older one is revalidated
with ``If-None-Match`` / ``If-Modified-Since``, and a 304 keeps it (fresh again).
A 5xx or a network failure changes nothing kept: the site is unavailable for this
run, as without a copy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from protego import Protego

from scraper.archive import Archive
from scraper.crawl.writer import inline
from scraper.fetch import Fetcher, host_of
from scraper.models import FailureKind, Refusal

MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB
MAX_CRAWL_DELAY = 60.0
MAX_AGE = 24 * 3600.0  # seconds a kept robots.txt is used before it is revalidated
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
    """``await cache.get(url)``: the ``Robots`` of the URL's origin, fetched once (a run),
    or read from the archive while fresh once ``share`` gave it one."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        min_delay: float = 0.0,
        max_age: float = MAX_AGE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.fetcher = fetcher
        self.agent = agent_token(fetcher.settings.user_agent)
        self.min_delay = min_delay
        self.max_age = max_age
        self._clock = clock
        self._archive: Archive | None = None
        self._db: Callable[..., Awaitable[Any]] = inline
        self._write: Callable[..., Awaitable[Any]] = inline
        self._loading: dict[str, asyncio.Task[Robots]] = {}
        self._loaded: dict[str, Robots] = {}

    def share(
        self,
        archive: Archive,
        db: Callable[..., Awaitable[Any]] = inline,
        write: Callable[..., Awaitable[Any]] | None = None,
    ) -> None:
        """Keep and read robots.txt in ``archive`` (its calls made through ``db``: the
        crawl's archive thread; its writes through ``write``, by default ``db``)."""
        self._archive, self._db = archive, db
        self._write = db if write is None else write

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
        archive = self._archive
        kept = None if archive is None else await self._db(archive.robots.get, key)
        at = self._clock()
        if kept is not None and (at - kept.checked_at).total_seconds() < self.max_age:
            return self._robots(key, kept.status, kept.body)
        fetch = await self.fetcher.fetch(
            f"{key}/robots.txt",
            accept=None,
            head=MAX_ROBOTS_BYTES,
            etag=kept.etag if kept else None,
            last_modified=kept.last_modified if kept else None,
        )
        if fetch.not_modified and kept is not None and archive is not None:
            await self._write(archive.robots.checked, key, at)
            return self._robots(key, kept.status, kept.body)
        if fetch.ok or (fetch.status is not None and 400 <= fetch.status < 500):
            status = int(fetch.status or 0)
            body = fetch.body.decode("utf-8", "replace") if fetch.ok else None
            if archive is not None:
                await self._write(
                    archive.robots.put, key, status, body, fetch.etag, fetch.last_modified, at
                )
            return self._robots(key, status, body)
        return Robots(unavailable=f"{UNAVAILABLE} ({fetch.error or fetch.status})")

    def _robots(self, key: str, status: int, body: str | None) -> Robots:
        """The rules of a 2xx answer's body (a 4xx: none), its Crawl-delay applied."""
        if not 200 <= status < 300 or body is None:
            return Robots()
        rules = Protego.parse(body)
        delay = rules.crawl_delay(self.agent)
        robots = Robots(rules, sitemaps=list(rules.sitemaps))
        if delay:
            robots.delay = min(MAX_CRAWL_DELAY, max(float(delay), self.min_delay))
            self.fetcher.set_delay(host_of(key), robots.delay)
        return robots
