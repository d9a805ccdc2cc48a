"""The crawl of one or more sites, on the shared fetcher, pipeline and archive.

For each site (the seeds grouped by host), in order:

1. ``frontier_begin``: what every run re-reads is queued again: the seeds,
   sitemaps and feeds, index pages one link from a seed, and failures that
   may be retried; a killed run's queue is still there.
2. robots.txt of the seed is read; its ``Sitemap:`` lines and ``/sitemap.xml``
   are queued.
3. ``per_host`` workers take queued URLs, lowest priority first (``SiteQueue``,
   ``scope.PRIORITY``: listings, seeds, articles, index and other pages, links
   found on articles):
   - a sitemap or feed is fetched, parsed, and its entries queued (with their
     lastmod; a newer lastmod queues an archived page again, as a revisit);
   - a page already archived is not fetched (unless it is a revisit, fetched
     with its ETag / Last-Modified); other pages are fetched, extracted once
     (``pool``), told apart as article or index page, archived (articles) or
     recorded (index pages), and their links in scope queued (``scope``);
   - the frontier row, the fetch row, the article and the new links are
     written together (one savepoint; commits are grouped by ``batching``).
4. A host that keeps failing is paused, then its site left for the next run
   (``health``); links of a kind that are mostly dead are no longer followed
   (``deadlinks``); each URL's outcome is counted and passed on (``report``).

Every request goes through the ``guard``: only http(s), no private addresses
except the seeds' own hosts, and robots.txt.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from scraper.archive import Archive, Discovered, Queued
from scraper.archive.raw import Packed
from scraper.crawl import discovery
from scraper.crawl.batching import CommitBatch
from scraper.crawl.deadlinks import LINK_SOURCES
from scraper.crawl.frontier import LISTING_KINDS, MAX_SITEMAPS, SiteQueue
from scraper.crawl.guard import RequestGuard
from scraper.crawl.health import HostHealth
from scraper.crawl.hosts import SharedHosts
from scraper.crawl.pool import ExtractPool
from scraper.crawl.report import CrawlResult, Reporter
from scraper.crawl.robots import UNAVAILABLE as ROBOTS_UNAVAILABLE
from scraper.crawl.robots import origin
from scraper.crawl.scope import PRIORITY, CrawlOptions, Scope, entry
from scraper.crawl.writer import ArchiveThread
from scraper.errors import ArchiveError
from scraper.models import Article, FailureKind, FetchResult
from scraper.pipeline import Outcome, Status, article_key, process
from scraper.settings import Settings
from scraper.urls import host_key, normalize_url, redact, same_site

POOL_CONNECTIONS = 16
T = TypeVar("T")


def group_seeds(seeds: Iterable[str]) -> dict[str, list[str]]:
    """Seeds by site (host without www.), normalized, in order, without repeats."""
    sites: dict[str, list[str]] = {}
    for seed in seeds:
        url = normalize_url(seed)
        urls = sites.setdefault(host_key(url), [])
        if url not in urls:
            urls.append(url)
    return sites


async def crawl(
    seeds: Iterable[str],
    archive: Archive,
    settings: Settings,
    options: CrawlOptions | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    result: CrawlResult | None = None,
    pool: ExtractPool | None = None,
) -> CrawlResult:
    """Crawl every seed's site into ``archive``; the archive's crawl lock (or the
    sites' leases) is the caller's.

    ``result``: filled in as the crawl goes, so that a crawl interrupted (cancelled,
    Ctrl-C) still tells what it did; what it wrote is committed.  ``pool``: extraction
    processes to use (a worker keeps one across its sites); by default the crawl's own."""
    started = time.monotonic()
    sites = group_seeds(seeds)
    # --per-host above --concurrency raises it, up to POOL_CONNECTIONS (httpx's pool
    # costs O(connections) a request: past 16 connections more are slower, not faster)
    concurrency = max(settings.concurrency, min(settings.per_host, POOL_CONNECTIONS))
    settings = settings.merged(delay=settings.crawl_delay, concurrency=concurrency)
    result = CrawlResult() if result is None else result
    # seeds given explicitly may be on private addresses (intranets, tests)
    guard = RequestGuard(
        settings, [u for urls in sites.values() for u in urls], transport=transport
    )
    try:
        async with guard.fetcher:
            crawler = Crawler(
                archive,
                guard,
                options or CrawlOptions(),
                Reporter(result, on_outcome),
                pool,
                sites=sites,
            )
            try:
                await asyncio.gather(*(crawler.crawl_site(s, urls) for s, urls in sites.items()))
            finally:
                crawler.close()
    except BaseException:  # cancelled (Ctrl-C) or failed: what was done is still told
        result.seconds = time.monotonic() - started
        with suppress(Exception):
            result.left = _left(archive, sites)
        raise
    result.left = _left(archive, sites)
    result.seconds = time.monotonic() - started
    return result


def _left(archive: Archive, sites: Iterable[str]) -> int:
    """URLs still queued (the budget, a stopped host, an interruption)."""
    return sum(archive.frontier_counts(site).get("queued", 0) for site in sites)


@dataclass(slots=True)
class SiteRun:
    """One site's crawl in this run: its queue and its link scope."""

    queue: SiteQueue
    scope: Scope

    @property
    def site(self) -> str:
        return self.queue.site


class Crawler:
    def __init__(
        self,
        archive: Archive,
        guard: RequestGuard,
        options: CrawlOptions,
        report: Reporter,
        pool: ExtractPool | None = None,
        *,
        sites: Iterable[str] = (),
    ) -> None:
        self.archive = archive
        self.guard = guard
        self.fetcher = guard.fetcher
        self.settings = guard.fetcher.settings
        self.options = options
        self.report = report
        self.result = report.result
        self.health = HostHealth(self.fetcher)
        self._own_pool = pool is None
        self.pool = ExtractPool() if pool is None else pool
        self.batch = CommitBatch(archive)
        self.db = ArchiveThread()  # every archive call of the crawl goes through it
        # robots.txt kept in the archive, for every worker
        guard.robots.share(archive, self.db, self.write)
        # offsite and failing hosts: their delay and pauses shared with every worker
        self.hosts = SharedHosts(archive, self.db, self.batch, sites)
        self.fetcher.share_hosts(self.hosts)

    async def write(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, writes to the archive, on its thread, as one unit of
        the commit batch (``CommitBatch.write``: a deadlock with another worker's batch
        undoes it, commits the batch and does it again).  Every write of the crawl
        goes this way, or (``SharedHosts``) commits the batch first."""
        return await self.db(self.batch.write, fn, *args, **kwargs)

    def close(self) -> None:
        self.db.close()
        self.batch.close()
        if self._own_pool:
            self.pool.close()

    # ------------------------------------------------------------ the loop
    async def crawl_site(self, site: str, seeds: list[str]) -> None:
        queue = SiteQueue(self.archive, site, self.settings.max_pages, self.db)
        await self.write(self.archive.frontier_begin, site)
        entries = [replace(entry(u, "index", 0, "seed"), priority=PRIORITY["seed"]) for u in seeds]
        listings: list[str] = []
        for root in dict.fromkeys(origin(u) for u in seeds):
            robots = await self.guard.robots.get(root)
            listings += [urljoin(root, u) for u in [*robots.sitemaps, "/sitemap.xml"]]
        listings = list(dict.fromkeys(normalize_url(u) for u in listings))[:MAX_SITEMAPS]
        queue.sitemaps_listed = len(listings)
        entries += [entry(u, "sitemap", 0, "robots") for u in listings]
        self.result.discovered += await self.write(
            self.archive.frontier_add, site, entries, force=True
        )
        scope = Scope(
            seeds[0], self.options, max_depth=self.settings.max_depth, check=self.guard.checked
        )
        run = SiteRun(queue, scope)
        workers = min(self.settings.per_host, self.settings.concurrency)
        await asyncio.gather(*(self._worker(run) for _ in range(workers)))
        if queue.stopped:
            self.result.stopped[site] = queue.stopped

    async def _worker(self, run: SiteRun) -> None:
        while (item := await run.queue.next()) is not None:
            fetched = True
            try:
                if item.kind in LISTING_KINDS:
                    await self._listing(run, item)
                else:
                    fetched = await self._page(run, item)
            except ArchiveError:
                await run.queue.stop("archive error")
                raise
            except Exception as exc:  # one bad page must not end the crawl
                reason = redact(f"internal error ({type(exc).__name__}: {exc})")
                await self.write(
                    self.archive.frontier_finish, item.url, "failed", reason=reason, final=True
                )
                self.report.report(Outcome(item.url, Status.FAILED, reason), "internal error")
            finally:
                await run.queue.done(item, fetched=fetched)

    async def _after(self, run: SiteRun, item: Queued, fetch: FetchResult) -> None:
        """What a fetch tells of its host and, for a link, of the site's links."""
        if stop := await self._health(fetch, run.site):
            await run.queue.stop(stop)
        if item.source in LINK_SOURCES and (
            off := run.scope.brake.after(item.source, fetch.status)
        ):
            await self.write(self.archive.frontier_skip, run.site, item.source, off)

    # ------------------------------------------------------------ sitemaps and feeds
    async def _listing(self, run: SiteRun, item: Queued) -> None:
        fetch = await self.fetcher.fetch(item.url, accept=None)
        entries: list[Discovered] = []
        reason = fetch.error
        if fetch.ok:
            try:
                # in a thread: a large gzipped sitemap must not stall the other fetches
                listing = await asyncio.to_thread(
                    discovery.parse_listing, fetch.body, fetch.final_url or item.url
                )
            except discovery.ListingError as exc:
                reason = str(exc)
                fetch = replace(fetch, error=reason, kind=FailureKind.PERMANENT)
            else:
                self.result.listings += 1
                entries, notes = await run.scope.listing_entries(run.queue, item, listing)
                if listing.error:  # keep what was read before the error
                    notes.insert(0, f"{listing.error}; {len(listing.entries)} entries read")
                    if not listing.entries:
                        fetch = replace(fetch, error=listing.error, kind=FailureKind.PERMANENT)
                reason = "; ".join(notes) or None
        missing = fetch.status == 404 and item.source == "robots"  # a guessed /sitemap.xml
        if missing:
            reason = "no sitemap (HTTP 404)"
        state = "done" if fetch.error is None else "skipped" if missing else "failed"

        def write() -> int:  # on the archive's thread
            self.archive.record_fetch(fetch)
            added = self.archive.frontier_add(run.site, entries)
            self.archive.frontier_finish(item.url, state, reason=reason)
            return added

        self.result.discovered += await self.write(write)
        if state == "failed":
            robots = (reason or "").startswith(ROBOTS_UNAVAILABLE)
            problem = "robots.txt" if robots else item.kind
            self.report.report(Outcome(item.url, Status.FAILED, reason, fetch=fetch), problem)
        if stop := await self._health(fetch, run.site):
            await run.queue.stop(stop)

    async def _health(self, fetch: FetchResult, site: str) -> str | None:
        """``health.after``, its pauses shared through the archive's ``hosts`` rows (and
        the first answer after a pause ending it there); why ``site``'s crawl stops."""
        return await self.hosts.after(self.health, fetch, site)

    # ------------------------------------------------------------ pages
    async def _page(self, run: SiteRun, item: Queued) -> bool:
        """Fetch, extract, archive or record one page; False if it was not fetched."""
        url = item.url
        fresh = item.source != "seed" and item.kind != "index" and not item.revisit
        if fresh and await self.db(self._already_archived, url):
            self.result.known += 1
            return False
        etag = last_modified = None
        if not fresh:
            etag, last_modified = await self.db(self.archive.validators, url)
        fetch = self._paused_offsite(run, url) or await self.fetcher.fetch(
            url, etag=etag, last_modified=last_modified
        )
        article: Article | None = None
        packed: Packed | None = None
        kind: str | None = None
        entries: list[Discovered] = []
        if fetch.ok:
            fetch, article, packed = await self.pool.extract_or_fail(fetch)
        if article is not None:
            kind = page_kind(item, article)
            entries = await run.scope.page_links(item, fetch, article, kind)
        outcome, added = await self.write(
            self._write_page, run.site, item, fetch, article, packed, kind, entries
        )
        self.result.discovered += added
        self.report.page(item, outcome, fetch.status)
        await self._after(run, item, fetch)
        return True

    def _paused_offsite(self, run: SiteRun, url: str) -> FetchResult | None:
        """A link to another site's host that this crawl paused (it kept failing) fails
        at once, to be fetched again next run, instead of holding one of this site's
        workers until the pause runs out (a minute a link, one link after another);
        None for any other URL. The site's own hosts are waited for, as before."""
        host, left = self.health.pause_left(url)
        if not left or same_site(url, "http://" + run.site):
            return None
        return FetchResult(
            url=url,
            fetched_at=datetime.now(UTC),
            error=f"{host} is paused for {left:.0f}s more (it kept failing); left for the next run",
            kind=FailureKind.TRANSIENT,
        )

    def _already_archived(self, url: str) -> bool:
        """On the archive's thread: is ``url`` archived?  Its frontier row says so."""
        if self.archive.article_id_for(url) is None:
            return False
        finish = self.archive.frontier_finish
        self.batch.write(finish, url, "done", kind="article", reason="already archived")
        return True

    def _write_page(
        self,
        site: str,
        item: Queued,
        fetch: FetchResult,
        article: Article | None,
        packed: Packed | None,
        kind: str | None,
        entries: list[Discovered],
    ) -> tuple[Outcome, int]:
        """On the archive's thread, a unit of the commit batch (``write``): a page's rows;
        its outcome and the number of new URLs queued."""
        url = item.url
        if article is not None and kind == "index":
            self.archive.record_fetch(fetch)
            outcome = Outcome(url, Status.SKIPPED, "index page", title=article.title)
        elif article is not None and (old := self._before_since(item, article)):
            self.archive.record_fetch(fetch)
            outcome = Outcome(url, Status.SKIPPED, old, title=article.title)
        else:
            outcome = process(fetch, self.archive, article=article, packed=packed)
        state, reason, final = _frontier_state(outcome)
        self.archive.frontier_finish(url, state, kind=kind, reason=reason, final=final)
        added = self.archive.frontier_add(site, entries)
        if outcome.article_id is not None and article is not None:
            self._aliases(site, url, fetch, article)
        return outcome, added

    def _before_since(self, item: Queued, article: Article) -> str | None:
        """Why an article dated before ``--since`` is not archived, or None.  Its own
        published date decides when no sitemap or feed gave it one (found by a link,
        or listed undated); a seed is archived whatever its date."""
        since = self.options.since
        published = article.published
        if since is None or published is None or item.source == "seed" or item.lastmod:
            return None
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        if published >= since:
            return None
        return f"published {published.date()}, before --since {since.date()}"

    def _aliases(self, site: str, url: str, fetch: FetchResult, article: Article) -> None:
        """The redirect target and canonical URL of an archived page are the same page."""
        final = normalize_url(fetch.final_url or url)
        key = article_key(final, article.canonical_url)
        for alias in dict.fromkeys((final, key)):
            if alias != url:
                self.archive.frontier_alias(site, alias, urlsplit(alias).netloc, of=url)


def page_kind(item: Queued, article: Article) -> str:
    """``"article"`` or ``"index"``.  An item of a sitemap or feed is an article (when
    it has text); otherwise the extractor's word, then what the URL says."""
    if item.source in ("sitemap", "feed") and article.text.strip():
        return "article"
    if article.page_type in ("article", "index"):
        return article.page_type
    if item.source == "seed":
        return "index"
    if item.kind in ("article", "index"):
        return item.kind
    return "article" if discovery.url_kind(item.url) == "article" else "index"


def _frontier_state(outcome: Outcome) -> tuple[str, str | None, bool]:
    """(state, reason, final) of a page's frontier row after its outcome."""
    if outcome.status in (Status.SKIPPED, Status.KEPT):
        return "done", outcome.reason, False
    if outcome.status is not Status.FAILED:
        return "done", None, False
    reason = outcome.reason or "failed"
    if outcome.kind in (FailureKind.ROBOTS, FailureKind.PRIVATE_ADDRESS):
        return "skipped", reason, False
    return "failed", reason, outcome.kind is not FailureKind.TRANSIENT
