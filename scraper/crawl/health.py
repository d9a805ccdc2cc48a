"""Host health: a host that keeps failing is paused, then its site left for the next run.

The fetcher counts a host's transient failures in a row (network errors,
timeouts, 429 and 5xx: ``Fetcher.host_failing``).  Once a host is failing, each
failure after its pause has run out pauses it again (``settings.host_pause``);
after ``MAX_HOST_PAUSES`` pauses with no success in between, the crawl of its
site stops for this run, the rest of its URLs left queued.  A host of another
site (an offsite link) is only paused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from scraper.fetch import Fetcher, host_of
from scraper.models import FetchResult
from scraper.urls import same_site

MAX_HOST_PAUSES = 3


class HostHealth:
    """The pauses of the hosts of one crawl."""

    def __init__(self, fetcher: Fetcher, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.fetcher = fetcher
        self.pause = fetcher.settings.host_pause
        self._clock = clock
        self._pauses: dict[str, int] = {}  # host -> pauses without a success since
        self._paused_until: dict[str, float] = {}

    def paused_until(self, host: str) -> float | None:
        """When the last pause of ``host`` runs out (on the clock), if it was paused."""
        return self._paused_until.get(host)

    def pause_left(self, url: str) -> tuple[str, float]:
        """The host of ``url`` and the seconds left of its pause (0: not paused)."""
        host = host_of(url)  # "" for a URL urlsplit refuses, as the fetcher has it
        return host, max(self._paused_until.get(host, 0.0) - self._clock(), 0.0)

    def after(self, fetch: FetchResult, site: str) -> str | None:
        """Take a fetch's outcome into account: pause its host if it keeps failing.
        Returns why the crawl of ``site`` must stop, or None."""
        host = urlsplit(fetch.final_url or fetch.url).netloc.lower()
        if fetch.status is not None and fetch.error is None:
            self._pauses.pop(host, None)
            return None
        now = self._clock()
        if not self.fetcher.host_failing(host) or now < self._paused_until.get(host, 0.0):
            return None
        pauses = self._pauses[host] = self._pauses.get(host, 0) + 1
        if pauses >= MAX_HOST_PAUSES and same_site(fetch.url, "http://" + site):
            return f"{host} kept failing ({fetch.error}); the rest is left queued"
        self._paused_until[host] = now + self.pause
        self.fetcher.pause_host(host, self.pause)
        return None
