"""Link scope: what a site's crawl queues from a page or a listing, and at what priority.

A URL is in scope when it is http(s), looks like a page (not an image, a PDF,
...), is on the seed's site (unless ``--offsite``), and matches ``--include`` /
``--exclude``; other URLs are dropped without a trace.  Links are followed up to
``max_depth`` from a seed; ``rel="next"`` pagination keeps its page's depth.
Sitemap indexes nest at most ``MAX_SITEMAP_DEPTH`` levels, and a site reads at
most ``MAX_SITEMAPS`` sitemaps a run: what is left out is noted on the listing's
frontier row.  Only sitemaps new to the queue count against it (every run queues
the known ones again), so a site of more is listed in turn, run after run.
Entries that may not be fetched (robots.txt, a private address) are queued as
skipped, with the reason, by the crawl's ``check``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from scraper.archive import Discovered, Queued
from scraper.crawl import discovery
from scraper.crawl.deadlinks import DeadLinkBrake
from scraper.crawl.frontier import MAX_SITEMAPS, SiteQueue
from scraper.models import Article, FetchResult
from scraper.urls import normalize_url, same_site

# Queued URLs are taken lowest first: sitemaps and feeds, the seeds, articles, then
# index pages (re-read every run: they must not eat a small --max-pages budget) and
# pages of unknown kind, then links found on articles.
PRIORITY = {"sitemap": 0, "feed": 0, "seed": 1, "article": 2, "index": 3, "page": 3}
RELATED_PRIORITY = 4  # links found on article pages come after everything else
# Sitemap indexes nest at most this many levels (a robots.txt sitemap, the sitemaps
# it lists, and theirs): an index of indexes without end is read no deeper.
MAX_SITEMAP_DEPTH = 3
# Pages of one site link the same URLs over and over: normalize each once.
normalize = functools.lru_cache(maxsize=50_000)(normalize_url)

Check = Callable[[Discovered], Awaitable[Discovered]]  # RequestGuard.checked


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """What to crawl, beyond ``Settings`` (max_pages, max_depth, politeness)."""

    since: datetime | None = None  # skip listing entries dated older
    include: tuple[re.Pattern[str], ...] = ()  # a page URL must match one of these
    exclude: tuple[re.Pattern[str], ...] = ()  # ... and none of these
    follow_links: bool = True  # False: sitemaps and feeds only
    offsite: bool = False  # follow links to other sites too


def entry(
    url: str,
    kind: str,
    depth: int,
    source: str = "link",
    lastmod: datetime | None = None,
    title: str | None = None,
) -> Discovered:
    """A URL to queue, with the priority of its kind (``PRIORITY``)."""
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


class Scope:
    """The scope of one site's crawl in a run, from its first seed."""

    def __init__(
        self,
        seed: str,
        options: CrawlOptions,
        *,
        max_depth: int,
        check: Check,
        brake: DeadLinkBrake | None = None,
    ) -> None:
        self.seed = seed
        self.options = options
        self.max_depth = max_depth
        self.check = check
        self.brake = DeadLinkBrake() if brake is None else brake
        self._same_site: dict[str, bool] = {}  # netloc -> on the seed's site
        # links already handled in this run, by the kind of page they were found on
        self.seen: dict[str, set[str]] = {"link": set(), "related": set()}

    def out(self, url: str) -> bool:
        """Dropped without a trace: other sites, non-pages, --include / --exclude, and a
        URL that cannot be split (an unclosed "[" in a page's link)."""
        if not url.startswith(("http://", "https://")):
            return True
        try:
            path = urlsplit(url).path
        except ValueError:
            return True
        if discovery.NOT_HTML_URL.search(path):
            return True
        if not self.options.offsite and not self.on_site(url):
            return True
        if self.options.include and not any(p.search(url) for p in self.options.include):
            return True
        return any(p.search(url) for p in self.options.exclude)

    def on_site(self, url: str) -> bool:
        """``same_site(url, seed)``, remembered by host."""
        netloc = url.partition("://")[2].partition("/")[0].partition("?")[0].partition("#")[0]
        key = netloc.lower()
        found = self._same_site.get(key)
        if found is None:
            found = self._same_site[key] = same_site(f"http://{key}/", self.seed)
        return found

    async def listing_entries(
        self, queue: SiteQueue, item: Queued, listing: discovery.Listing
    ) -> tuple[list[Discovered], list[str]]:
        """The entries of a sitemap or feed to queue, and notes on the sitemaps left
        out (too deep, too many)."""
        since = self.options.since
        out = []
        # a sitemap's depth is its nesting level; its pages are one link from the site
        nested = item.depth + 1 if item.kind == "sitemap" else 1
        depth = 1 if item.kind == "sitemap" else item.depth + 1
        too_deep = too_many = 0
        # sitemaps queued by an earlier run are queued again by every run: only new
        # ones count against the run's MAX_SITEMAPS, so each run adds the next ones
        known = (
            await queue.db(
                queue.archive.frontier_known,
                [normalize_url(e.url) for e in listing.entries if e.sitemap],
            )
            if nested < MAX_SITEMAP_DEPTH
            else set()
        )
        for e in listing.entries:
            if e.sitemap:
                url = normalize_url(e.url)
                if nested >= MAX_SITEMAP_DEPTH:
                    too_deep += 1
                elif url not in known and queue.sitemaps_listed >= MAX_SITEMAPS:
                    too_many += 1
                elif same_site(url, self.seed):
                    queue.sitemaps_listed += url not in known
                    out.append(entry(url, "sitemap", nested, "sitemap", e.lastmod))
                continue
            url = normalize_url(e.url)
            dated = e.lastmod or e.published
            if since is not None and dated is not None and dated < since:
                continue
            if self.out(url):
                continue
            out.append(
                await self.check(entry(url, "article", depth, listing.kind, e.lastmod, e.title))
            )
        notes = []
        if too_deep:
            notes.append(f"{too_deep} sitemaps nested more than {MAX_SITEMAP_DEPTH} deep not read")
        if too_many:
            notes.append(f"{too_many} sitemaps over the {MAX_SITEMAPS} a site and run not read")
        return out, notes

    async def page_links(
        self, item: Queued, fetch: FetchResult, article: Article, kind: str
    ) -> list[Discovered]:
        """What a fetched page adds to the queue: its feeds, its next page, its links."""
        base = fetch.final_url or fetch.url
        out: list[Discovered] = []
        listing_page = kind == "index" or item.source == "seed"
        hints = discovery.page_hints(fetch.body, base) if listing_page else discovery.Hints()
        for feed in hints.feeds:
            url = normalize_url(feed)
            if same_site(url, self.seed):
                out.append(entry(url, "feed", item.depth, "page"))
        if not self.options.follow_links:
            return out
        for nxt in hints.next:  # pagination: the same depth, an index page
            url = normalize_url(nxt)
            if not self.out(url):
                out.append(await self.check(entry(url, "index", item.depth, "next")))
        depth = item.depth + 1
        if depth > self.max_depth:
            return out
        source = "link" if listing_page else "related"
        seen = {e.url for e in out}
        known = self.seen[source]
        for link in article.links:
            if not self.options.offsite and not self.on_site(link.url):
                continue  # most links of a page lead elsewhere: drop them before parsing
            if link.url in known:
                continue  # the site's navigation, on every page: handled once a run
            known.add(link.url)
            url = normalize(link.url)
            if url in seen or self.out(url):
                continue
            seen.add(url)
            found = entry(url, discovery.url_kind(url), depth, source)
            if (off := self.brake.off(source)) is not None:
                out.append(replace(found, state="skipped", reason=off))
            else:
                out.append(await self.check(found))
        return out
