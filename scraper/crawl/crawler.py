"""The crawl of one or more sites, on the shared fetcher, pipeline and archive.

For each site (the seeds grouped by host), in order:

1. ``frontier_begin``: what every run re-reads is queued again: the seeds,
   sitemaps and feeds, index pages one link from a seed, and failures that
   may be retried; a killed run's queue is still there.
2. robots.txt of the seed is read; its ``Sitemap:`` lines and ``/sitemap.xml``
   are queued.
3. ``per_host`` workers take queued URLs, lowest ``PRIORITY`` first (listings,
   seeds, articles, index and other pages, links found on articles):
   - a sitemap or feed is fetched, parsed, and its URLs queued (with their
     lastmod; a newer lastmod queues an archived page again, as a revisit);
     sitemap indexes nest at most ``MAX_SITEMAP_DEPTH`` levels, a site reads at
     most ``MAX_SITEMAPS`` sitemaps a run, and listings count against
     ``max_pages`` like pages (see ``SiteQueue``);
   - a page already archived is not fetched (unless it is a revisit, fetched
     with its ETag / Last-Modified); other pages are fetched, extracted once,
     told apart as article or index page, archived (articles) or recorded
     (index pages), and their links queued;
   - the frontier row, the fetch row, the article and the new links are
     written together (one savepoint; commits group up to ``BATCH_PAGES``
     pages, so a killed run loses at most a batch, fetched again on resume).
4. A host that keeps failing is paused (``host_pause``); after three pauses
   in a row its site stops for this run, its URLs left queued.

Every request goes through ``guard``: only http(s), no private addresses
except the seeds' own hosts, and robots.txt. The connections themselves go only
to the public addresses checked when connecting (``netguard``), but the seeds'.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from scraper.archive import Archive, Discovered, Queued
from scraper.crawl import discovery
from scraper.crawl.frontier import LISTING_KINDS, MAX_SITEMAPS, SiteQueue
from scraper.crawl.robots import UNAVAILABLE as ROBOTS_UNAVAILABLE
from scraper.crawl.robots import RobotsCache, origin
from scraper.errors import ArchiveError
from scraper.fetch import Fetcher
from scraper.models import Article, FailureKind, FetchResult, Refusal
from scraper.netguard import AddressGuard
from scraper.pipeline import Outcome, Status, Summary, article_key, extract_fetched, process
from scraper.settings import Settings
from scraper.urls import host_key, normalize_url, redact, same_site

# Queued URLs are taken lowest first: sitemaps and feeds, the seeds, articles, then
# index pages (re-read every run: they must not eat a small --max-pages budget) and
# pages of unknown kind, then links found on articles.
PRIORITY = {"sitemap": 0, "feed": 0, "seed": 1, "article": 2, "index": 3, "page": 3}
RELATED_PRIORITY = 4  # links found on article pages come after everything else
DEAD_LINKS_TRIED, DEAD_LINKS_SHARE = 20, 0.5  # then most of them dead: follow no more
LINK_SOURCES = {"link": "index pages", "related": "article pages"}
FOUND_ON_PAGES = ("link", "related", "next")
MAX_HOST_PAUSES = 3
# What a failure that needs a look was (the summary's "problems"); any other failure (a
# dead link found on a page, a page that is not HTML or has no text) is only counted.
PROBLEMS = ("seed", "robots.txt", "sitemap", "feed", "after retries", "internal error")
DEAD = (404, 410)
# Sitemap indexes nest at most this many levels (a robots.txt sitemap, the sitemaps
# it lists, and theirs): an index of indexes without end is read no deeper.
MAX_SITEMAP_DEPTH = 3

# Worker processes for extraction: the cores the event loop leaves free.
EXTRACT_PROCESSES = min(4, (os.cpu_count() or 1) - 1)
PARENT_CHECK_SECONDS = 1.0  # how often a worker checks that its crawl is still there

POOL_CONNECTIONS = 16
BATCH_PAGES, BATCH_SECONDS = 64, 0.5  # group commit: pages per transaction, or its age
# Pages of one site link the same URLs over and over: normalize each once.
normalize = functools.lru_cache(maxsize=50_000)(normalize_url)


def _exit_with(crawl_pid: int) -> None:
    """In an extraction worker: exit once the crawl that started it is gone.

    A crawl killed by cron's timeout or the OOM killer (SIGKILL) cannot shut its
    pool down; its workers, children of the forkserver, would wait on their queue
    forever (and keep the forkserver alive), about 75 MB a killed run.

    Ctrl-C reaches the whole process group: a worker ignores it (it printed a
    KeyboardInterrupt traceback), and the crawl shuts the pool down itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            try:
                os.kill(crawl_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except OSError:  # alive, owned by someone else: not ours to judge
                pass

    threading.Thread(target=watch, name="exit-with-crawl", daemon=True).start()


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """What to crawl, beyond ``Settings`` (max_pages, max_depth, politeness)."""

    since: datetime | None = None  # skip listing entries dated older
    include: tuple[re.Pattern[str], ...] = ()  # a page URL must match one of these
    exclude: tuple[re.Pattern[str], ...] = ()  # ... and none of these
    follow_links: bool = True  # False: sitemaps and feeds only
    offsite: bool = False  # follow links to other sites too


@dataclass(slots=True)
class CrawlResult:
    summary: Summary = field(default_factory=Summary)
    discovered: int = 0  # URLs new to the frontier
    known: int = 0  # queued URLs already archived, not fetched
    listings: int = 0  # sitemaps and feeds read
    left: int = 0  # URLs still queued (--max-pages, a stopped host)
    stopped: dict[str, str] = field(default_factory=dict)  # site -> why it stopped early
    seconds: float = 0.0
    dead_links: int = 0  # links found on pages that led to a 404 or 410: counted, not errors
    # what failed that a user must look at, by what it was (PROBLEMS): the exit code 1
    problems: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False  # stopped by Ctrl-C (SIGINT): the figures are what was done

    def extra(self) -> dict[str, object]:
        """The crawl's own figures, for the summary line / JSON."""
        out: dict[str, object] = {
            "discovered": self.discovered,
            "known": self.known,
            "listings": self.listings,
            "left": self.left,
            "dead_links": self.dead_links,
            "seconds": round(self.seconds, 2),
        }
        if self.problems:
            out["problems"] = self.problems
        if self.stopped:
            out["stopped"] = self.stopped
        if self.interrupted:
            out["interrupted"] = True
        return out


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
) -> CrawlResult:
    """Crawl every seed's site into ``archive``; the archive's crawl lock is the caller's.

    ``result``: filled in as the crawl goes, so that a crawl interrupted (cancelled,
    Ctrl-C) still tells what it did; what it wrote is committed."""
    started = time.monotonic()
    sites = group_seeds(seeds)
    # --per-host above --concurrency raises it, up to POOL_CONNECTIONS (httpx's pool
    # costs O(connections) a request: past 16 connections more are slower, not faster)
    concurrency = max(settings.concurrency, min(settings.per_host, POOL_CONNECTIONS))
    settings = settings.merged(delay=settings.crawl_delay, concurrency=concurrency)
    result = CrawlResult() if result is None else result
    seed_urls = [url for urls in sites.values() for url in urls]
    # connections go to the addresses checked (see netguard), but for the seeds' hosts
    trusted = seed_hosts(seed_urls)
    try:
        async with Fetcher(settings, transport=transport, trusted=trusted.__contains__) as fetcher:
            crawler = Crawler(archive, fetcher, options or CrawlOptions(), result, on_outcome)
            crawler.trust(seed_urls)
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


def seed_hosts(seeds: Iterable[str]) -> set[str]:
    """The lowercased host names of seed URLs."""
    return {(urlsplit(u).hostname or "").lower() for u in seeds}


class Crawler:
    def __init__(
        self,
        archive: Archive,
        fetcher: Fetcher,
        options: CrawlOptions,
        result: CrawlResult,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.archive = archive
        self.fetcher = fetcher
        self.settings = fetcher.settings
        self.options = options
        self.result = result
        self.on_outcome = on_outcome
        self.robots = RobotsCache(fetcher, min_delay=self.settings.delay)
        self.addresses = AddressGuard()
        self._pauses: dict[str, int] = {}  # host -> pauses without a success since
        self._paused_until: dict[str, float] = {}
        self._same_site: dict[tuple[str, str], bool] = {}  # (netloc, seed) -> same site
        self._pool: ProcessPoolExecutor | None = None
        self._batch_pages, self._batch_started = 0, time.monotonic()
        self._held = ExitStack()  # the open group-commit transaction, if any
        self._pool_ok = EXTRACT_PROCESSES > 0
        fetcher.guard = self.guard

    def _batch(self) -> None:
        """Commit the writes of several pages at once (at most ``BATCH_PAGES`` pages
        or ``BATCH_SECONDS`` old): a commit per page would cost more than the page."""
        now = time.monotonic()
        if self._batch_pages >= BATCH_PAGES or now - self._batch_started > BATCH_SECONDS:
            self._held.close()  # commits
            self._batch_pages, self._batch_started = 0, now
        if not self.archive.in_transaction:
            self._held.enter_context(self.archive.transaction())
        self._batch_pages += 1

    def close(self) -> None:
        self._held.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def _extract(self, fetch: FetchResult) -> Article:
        """Extraction is CPU-bound (a few ms a page): it runs in worker processes so
        the event loop keeps fetching and writing meanwhile."""
        if not self._pool_ok:
            return extract_fetched(fetch)
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["scraper.pipeline"])
            self._pool = ProcessPoolExecutor(
                EXTRACT_PROCESSES,
                mp_context=context,
                initializer=_exit_with,
                initargs=(os.getpid(),),
            )
        try:
            # submitted from a thread: the first submit starts the forkserver and its
            # workers (seconds on a busy machine), which must not stall the fetches
            future = await asyncio.to_thread(self._pool.submit, extract_fetched, fetch)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:  # a worker died (out of memory?): extract here from now on
            self._pool_ok = False
            return extract_fetched(fetch)

    def trust(self, seeds: Iterable[str]) -> None:
        """Seeds given explicitly may be on private addresses (intranets, tests)."""
        self.addresses.trust(seeds)

    # ------------------------------------------------------------ the guard
    async def guard(self, url: str) -> Refusal | None:
        """Why a request may not be sent (checked before every request and redirect hop)."""
        if refusal := await self.addresses(url):
            return refusal
        if urlsplit(url).path == "/robots.txt":
            return None
        return await self.robots.refusal(url)

    # ------------------------------------------------------------ one site
    async def crawl_site(self, site: str, seeds: list[str]) -> None:
        queue = SiteQueue(self.archive, site, self.settings.max_pages)
        self.archive.frontier_begin(site)
        entries = [
            replace(self._entry(u, "index", 0, "seed"), priority=PRIORITY["seed"]) for u in seeds
        ]
        listings: list[str] = []
        for root in dict.fromkeys(origin(u) for u in seeds):
            robots = await self.robots.get(root)
            listings += [urljoin(root, u) for u in [*robots.sitemaps, "/sitemap.xml"]]
        listings = list(dict.fromkeys(normalize_url(u) for u in listings))[:MAX_SITEMAPS]
        queue.sitemaps_listed = len(listings)
        entries += [self._entry(u, "sitemap", 0, "robots") for u in listings]
        self.result.discovered += self.archive.frontier_add(site, entries, force=True)
        seed = seeds[0]
        workers = min(self.settings.per_host, self.settings.concurrency)
        await asyncio.gather(*(self._worker(queue, seed) for _ in range(workers)))
        if queue.stopped:
            self.result.stopped[site] = queue.stopped

    async def _worker(self, queue: SiteQueue, seed: str) -> None:
        while (item := await queue.next()) is not None:
            fetched = True
            try:
                if item.kind in LISTING_KINDS:
                    await self._listing(queue, seed, item)
                else:
                    fetched = await self._page(queue, seed, item)
            except ArchiveError:
                await queue.stop("archive error")
                raise
            except Exception as exc:  # one bad page must not end the crawl
                reason = redact(f"internal error ({type(exc).__name__}: {exc})")
                self.archive.frontier_finish(item.url, "failed", reason=reason, final=True)
                self._report(Outcome(item.url, Status.FAILED, reason), "internal error")
            finally:
                await queue.done(item, fetched=fetched)

    # ------------------------------------------------------------ sitemaps and feeds
    async def _listing(self, queue: SiteQueue, seed: str, item: Queued) -> None:
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
                entries, notes = await self._listing_entries(queue, seed, item, listing)
                if listing.error:  # keep what was read before the error
                    notes.insert(0, f"{listing.error}; {len(listing.entries)} entries read")
                    if not listing.entries:
                        fetch = replace(fetch, error=listing.error, kind=FailureKind.PERMANENT)
                reason = "; ".join(notes) or None
        missing = fetch.status == 404 and item.source == "robots"  # a guessed /sitemap.xml
        if missing:
            reason = "no sitemap (HTTP 404)"
        state = "done" if fetch.error is None else "skipped" if missing else "failed"
        self._batch()
        with self.archive.transaction():
            self.archive.record_fetch(fetch)
            self.result.discovered += self.archive.frontier_add(queue.site, entries)
            self.archive.frontier_finish(item.url, state, reason=reason)
        if state == "failed":
            robots = (reason or "").startswith(ROBOTS_UNAVAILABLE)
            problem = "robots.txt" if robots else item.kind
            self._report(Outcome(item.url, Status.FAILED, reason, fetch=fetch), problem)
        await self._watch_host(queue, fetch)

    async def _listing_entries(
        self, queue: SiteQueue, seed: str, item: Queued, listing: discovery.Listing
    ) -> tuple[list[Discovered], list[str]]:
        """The entries to queue, and notes on the sitemaps left out (too deep, too many)."""
        since = self.options.since
        out = []
        # a sitemap's depth is its nesting level; its pages are one link from the site
        nested = item.depth + 1 if item.kind == "sitemap" else 1
        depth = 1 if item.kind == "sitemap" else item.depth + 1
        too_deep = too_many = 0
        for e in listing.entries:
            if e.sitemap:
                if nested >= MAX_SITEMAP_DEPTH:
                    too_deep += 1
                elif queue.sitemaps_listed >= MAX_SITEMAPS:
                    too_many += 1
                elif same_site(url := normalize_url(e.url), seed):
                    queue.sitemaps_listed += 1
                    out.append(self._entry(url, "sitemap", nested, "sitemap", e.lastmod))
                continue
            url = normalize_url(e.url)
            dated = e.lastmod or e.published
            if since is not None and dated is not None and dated < since:
                continue
            if self._out_of_scope(url, seed):
                continue
            entry = self._entry(url, "article", depth, listing.kind, e.lastmod, e.title)
            out.append(await self._checked(entry))
        notes = []
        if too_deep:
            notes.append(f"{too_deep} sitemaps nested more than {MAX_SITEMAP_DEPTH} deep not read")
        if too_many:
            notes.append(f"{too_many} sitemaps over the {MAX_SITEMAPS} a site and run not read")
        return out, notes

    # ------------------------------------------------------------ pages
    async def _page(self, queue: SiteQueue, seed: str, item: Queued) -> bool:
        """Fetch, extract, archive or record one page; False if it was not fetched."""
        url = item.url
        fresh = item.source != "seed" and item.kind != "index" and not item.revisit
        if fresh and self.archive.article_id_for(url) is not None:
            self.archive.frontier_finish(url, "done", kind="article", reason="already archived")
            self.result.known += 1
            return False
        etag = last_modified = None
        if not fresh:
            etag, last_modified = self.archive.validators(url)
        fetch = await self.fetcher.fetch(url, etag=etag, last_modified=last_modified)
        article: Article | None = None
        kind: str | None = None
        entries: list[Discovered] = []
        if fetch.ok:
            article = await self._extract(fetch)
            kind = page_kind(item, article)
            entries = await self._page_links(queue, seed, item, fetch, article, kind)
        self._batch()
        with self.archive.transaction():
            if article is not None and kind == "index":
                self.archive.record_fetch(fetch)
                outcome = Outcome(url, Status.SKIPPED, "index page", title=article.title)
            elif article is not None and (old := self._before_since(item, article)):
                self.archive.record_fetch(fetch)
                outcome = Outcome(url, Status.SKIPPED, old, title=article.title)
            else:
                outcome = process(fetch, self.archive, article=article)
            state, reason, final = _frontier_state(outcome)
            self.archive.frontier_finish(url, state, kind=kind, reason=reason, final=final)
            self.result.discovered += self.archive.frontier_add(queue.site, entries)
            if outcome.article_id is not None and article is not None:
                self._aliases(queue.site, url, fetch, article)
        self._report(outcome, _problem(item, outcome))
        if outcome.status is Status.FAILED and item.source in FOUND_ON_PAGES:
            self.result.dead_links += fetch.status in DEAD
        await self._watch_host(queue, fetch)
        if item.source in LINK_SOURCES:
            self._watch_links(queue, item.source, fetch)
        return True

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

    def _watch_links(self, queue: SiteQueue, source: str, fetch: FetchResult) -> None:
        """Stop following the links of a kind of page once most of them are dead
        (pages copied from elsewhere, with relative links that resolve to nothing):
        the site is not hammered with requests for pages it does not have."""
        tried = queue.tried[source] = queue.tried.get(source, 0) + 1
        dead = queue.dead[source] = queue.dead.get(source, 0) + (fetch.status in (404, 410))
        if source in queue.links_off or tried < DEAD_LINKS_TRIED:
            return
        if dead > DEAD_LINKS_SHARE * tried:
            reason = queue.links_off[source] = (
                f"links on {LINK_SOURCES[source]} not followed: {dead} of the first "
                f"{tried} were dead"
            )
            self.archive.frontier_skip(queue.site, source, reason)

    async def _page_links(
        self,
        queue: SiteQueue,
        seed: str,
        item: Queued,
        fetch: FetchResult,
        article: Article,
        kind: str,
    ) -> list[Discovered]:
        base = fetch.final_url or fetch.url
        out: list[Discovered] = []
        listing_page = kind == "index" or item.source == "seed"
        hints = discovery.page_hints(fetch.body, base) if listing_page else discovery.Hints()
        for feed in hints.feeds:
            url = normalize_url(feed)
            if same_site(url, seed):
                out.append(self._entry(url, "feed", item.depth, "page"))
        if not self.options.follow_links:
            return out
        for nxt in hints.next:  # pagination: the same depth, an index page
            url = normalize_url(nxt)
            if not self._out_of_scope(url, seed):
                out.append(await self._checked(self._entry(url, "index", item.depth, "next")))
        depth = item.depth + 1
        if depth > self.settings.max_depth:
            return out
        source = "link" if listing_page else "related"
        seen = {e.url for e in out}
        known = queue.links_seen[source]
        for link in article.links:
            if not self.options.offsite and not self._on_site(link.url, seed):
                continue  # most links of a page lead elsewhere: drop them before parsing
            if link.url in known:
                continue  # the site's navigation, on every page: handled once a run
            known.add(link.url)
            url = normalize(link.url)
            if url in seen or self._out_of_scope(url, seed):
                continue
            seen.add(url)
            entry = self._entry(url, discovery.url_kind(url), depth, source)
            if (off := queue.links_off.get(source)) is not None:
                out.append(replace(entry, state="skipped", reason=off))
            else:
                out.append(await self._checked(entry))
        return out

    def _aliases(self, site: str, url: str, fetch: FetchResult, article: Article) -> None:
        """The redirect target and canonical URL of an archived page are the same page."""
        final = normalize_url(fetch.final_url or url)
        key = article_key(final, article.canonical_url)
        for alias in dict.fromkeys((final, key)):
            if alias != url:
                self.archive.frontier_alias(site, alias, urlsplit(alias).netloc, of=url)

    # ------------------------------------------------------------ helpers
    def _entry(
        self,
        url: str,
        kind: str,
        depth: int,
        source: str = "link",
        lastmod: datetime | None = None,
        title: str | None = None,
    ) -> Discovered:
        return Discovered(
            url=url,
            host=urlsplit(url).netloc,
            kind=kind,
            depth=depth,
            source=source,
            priority=RELATED_PRIORITY if source == "related" else PRIORITY.get(kind, 3),
            lastmod=discovery.iso(lastmod),
            title=title,
        )

    def _out_of_scope(self, url: str, seed: str) -> bool:
        """Dropped without a trace: other sites, non-pages, --include / --exclude."""
        if not url.startswith(("http://", "https://")) or discovery.NOT_HTML_URL.search(
            urlsplit(url).path
        ):
            return True
        if not self.options.offsite and not self._on_site(url, seed):
            return True
        if self.options.include and not any(p.search(url) for p in self.options.include):
            return True
        return any(p.search(url) for p in self.options.exclude)

    def _on_site(self, url: str, seed: str) -> bool:
        """``same_site(url, seed)``, remembered by host."""
        netloc = url.partition("://")[2].partition("/")[0].partition("?")[0].partition("#")[0]
        key = (netloc.lower(), seed)
        found = self._same_site.get(key)
        if found is None:
            found = self._same_site[key] = same_site(f"http://{key[0]}/", seed)
        return found

    async def _checked(self, entry: Discovered) -> Discovered:
        """The entry, or the entry recorded as skipped when it may not be fetched."""
        refusal = await self.guard(entry.url)
        return entry if refusal is None else replace(entry, state="skipped", reason=refusal[1])

    def _report(self, outcome: Outcome, problem: str | None = None) -> None:
        """Count and pass on an outcome; a failure that is not a ``problem`` (one of
        ``PROBLEMS``) is only counted."""
        # the summary keeps failures for the whole run: not their bodies and articles
        counted = outcome.status is Status.FAILED and problem is None
        outcome = replace(outcome, article=None, fetch=None, counted=counted)
        if problem is not None and outcome.status is Status.FAILED:
            self.result.problems[problem] = self.result.problems.get(problem, 0) + 1
        self.result.summary.add(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    async def _watch_host(self, queue: SiteQueue, fetch: FetchResult) -> None:
        """Pause a host that keeps failing; stop its site after ``MAX_HOST_PAUSES``."""
        host = urlsplit(fetch.final_url or fetch.url).netloc.lower()
        if fetch.status is not None and fetch.error is None:
            self._pauses.pop(host, None)
            return
        now = time.monotonic()
        if not self.fetcher.host_failing(host) or now < self._paused_until.get(host, 0.0):
            return
        pauses = self._pauses[host] = self._pauses.get(host, 0) + 1
        if pauses >= MAX_HOST_PAUSES and same_site(fetch.url, "http://" + queue.site):
            await queue.stop(f"{host} kept failing ({fetch.error}); the rest is left queued")
        else:
            self._paused_until[host] = now + self.settings.host_pause
            self.fetcher.pause_host(host, self.settings.host_pause)


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


def _problem(item: Queued, outcome: Outcome) -> str | None:
    """What a page's failure was, if a user must look at it: a seed, a robots.txt
    that cannot be read, or a page that could not be fetched after retries."""
    if outcome.status is not Status.FAILED:
        return None
    if (outcome.reason or "").startswith(ROBOTS_UNAVAILABLE):
        return "robots.txt"
    if item.source == "seed":
        return "seed"
    if outcome.kind is FailureKind.TRANSIENT:
        return "after retries"
    return None


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
