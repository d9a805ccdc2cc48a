"""Link scope (``crawl/scope.py``): what a page or a listing adds to a site's queue,
with the crawl's real request guard (robots.txt from a real server on 127.0.0.1),
a real archive under the site's queue, and pages run through the real extractor."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from pytest_httpserver import HTTPServer

from scraper.archive import Archive, Discovered, Queued
from scraper.crawl.deadlinks import DeadLinkBrake
from scraper.crawl.discovery import Entry, Listing
from scraper.crawl.frontier import MAX_SITEMAPS, SiteQueue
from scraper.crawl.guard import RequestGuard
from scraper.crawl.robots import ROBOTS_REFUSAL
from scraper.crawl.scope import CrawlOptions, Scope
from scraper.extract import extract
from scraper.models import FetchResult
from scraper.settings import Settings

T = TypeVar("T")
SENTENCE = "The council met on Tuesday to discuss the budget and argued about roads. " * 6


def scoped(
    server: HTTPServer,
    settings: Settings,
    options: CrawlOptions,
    work: Callable[[Scope], Awaitable[T]],
    *,
    max_depth: int = 3,
    brake: DeadLinkBrake | None = None,
) -> T:
    """``work(scope)`` for the site of ``server``, whose robots.txt disallows /private/."""
    server.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )

    async def go() -> T:
        guard = RequestGuard(settings, [server.url_for("/")])
        async with guard.fetcher:
            scope = Scope(
                server.url_for("/"),
                options,
                max_depth=max_depth,
                check=guard.checked,
                brake=brake,
            )
            return await work(scope)

    return asyncio.run(go())


def test_what_is_out_of_scope(settings: Settings) -> None:
    seed = "http://news.test/"
    check = RequestGuard(settings, [seed]).checked  # not called by out()

    def out(url: str, **options: object) -> bool:
        return Scope(seed, CrawlOptions(**options), max_depth=3, check=check).out(url)  # type: ignore[arg-type]

    assert not out("http://news.test/a") and not out("https://WWW.news.test/a")
    assert out("ftp://news.test/a") and out("mailto:x@news.test")
    assert out("http://news.test/logo.PNG") and out("http://news.test/report.pdf")
    assert out("http://other.test/a") and not out("http://other.test/a", offsite=True)
    keep = (re.compile("/news/"),)
    assert out("http://news.test/a", include=keep) and not out(
        "http://news.test/news/a", include=keep
    )
    drop = (re.compile("/video/"),)
    assert out("http://news.test/video/a", exclude=drop) and not out(
        "http://news.test/a", exclude=drop
    )


def test_on_site_is_same_site_of_the_seed_by_host(settings: Settings) -> None:
    seed = "http://news.test/"
    scope = Scope(seed, CrawlOptions(), max_depth=3, check=RequestGuard(settings, [seed]).checked)
    assert scope.on_site("http://news.test:8080/a?b#c")  # the host decides, not the port
    assert scope.on_site("http://NEWS.test/x") and scope.on_site("http://www.news.test/")
    assert not scope.on_site("http://news.test.evil.example/")


def item(url: str, kind: str, depth: int, source: str) -> Queued:
    return Queued(url, kind, depth, source, None, 0, 0)


def test_a_sitemaps_entries_dated_in_scope_and_checked(
    server: HTTPServer, settings: Settings, archive: Archive
) -> None:
    url = server.url_for
    host = url("/").split("/")[2]
    since = datetime(2026, 11, 1, tzinfo=UTC)
    new, old = datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
    listing = Listing(
        "sitemap",
        [
            Entry(url("/news/1/"), lastmod=new, title="One"),
            Entry(url("/news/2/"), lastmod=old),  # older than --since
            Entry(url("/news/3/"), published=old),  # ... by its publication date
            Entry(url("/news/4/")),  # undated: kept
            Entry("http://other.test/news/5/"),  # another site
            Entry(url("/private/6/")),  # robots.txt: queued as skipped
            Entry(url("/maps/more.xml"), sitemap=True),
            Entry("http://other.test/map.xml", sitemap=True),
        ],
    )
    queue = SiteQueue(archive, host.split(":")[0], 100)

    async def work(scope: Scope) -> tuple[list[Discovered], list[str]]:
        return await scope.listing_entries(
            queue, item(url("/sitemap.xml"), "sitemap", 0, "robots"), listing
        )

    entries, notes = scoped(server, settings, CrawlOptions(since=since), work)
    assert notes == []
    assert [(e.url, e.kind, e.depth, e.source, e.priority, e.state) for e in entries] == [
        (url("/news/1/"), "article", 1, "sitemap", 2, "queued"),
        (url("/news/4/"), "article", 1, "sitemap", 2, "queued"),
        (url("/private/6/"), "article", 1, "sitemap", 2, "skipped"),
        (url("/maps/more.xml"), "sitemap", 1, "sitemap", 0, "queued"),
    ]
    assert entries[0].title == "One" and entries[0].lastmod == "2026-11-02T00:00:00+00:00"
    assert entries[2].reason == ROBOTS_REFUSAL
    assert queue.sitemaps_listed == 1


def test_sitemaps_too_deep_or_too_many_are_noted_and_a_feeds_pages_one_deeper(
    server: HTTPServer, settings: Settings, archive: Archive
) -> None:
    url = server.url_for
    nested = Listing("sitemap", [Entry(url(f"/m{n}.xml"), sitemap=True) for n in range(2)])
    feed = Listing("feed", [Entry(url("/news/7/"))])
    queue = SiteQueue(archive, "127.0.0.1", 100)

    async def work(scope: Scope) -> list[tuple[list[Discovered], list[str]]]:
        deep = item(url("/deep.xml"), "sitemap", 2, "sitemap")  # its children: level 3
        shallow = item(url("/top.xml"), "sitemap", 1, "sitemap")
        out = [await scope.listing_entries(queue, deep, nested)]
        queue.sitemaps_listed = MAX_SITEMAPS - 1
        out.append(await scope.listing_entries(queue, shallow, nested))
        out.append(await scope.listing_entries(queue, item(url("/f"), "feed", 2, "page"), feed))
        return out

    (deep, deep_notes), (last, many_notes), (pages, _) = scoped(
        server, settings, CrawlOptions(), work
    )
    assert deep == [] and deep_notes == ["2 sitemaps nested more than 3 deep not read"]
    assert [e.url for e in last] == [url("/m0.xml")] and last[0].depth == 2
    assert many_notes == [f"1 sitemaps over the {MAX_SITEMAPS} a site and run not read"]
    assert [(e.depth, e.source) for e in pages] == [(3, "feed")]


def test_sitemaps_queued_before_do_not_count_against_a_runs_cap(
    server: HTTPServer, settings: Settings, archive: Archive
) -> None:
    """Every run queues the sitemaps it knew again: only new ones count against
    MAX_SITEMAPS, so a run over an index of more lists the next ones."""
    url = server.url_for
    index = Listing("sitemap", [Entry(url(f"/m{n}.xml"), sitemap=True) for n in range(3)])
    archive.frontier_add("127.0.0.1", [Discovered(url("/m1.xml"), "127.0.0.1", kind="sitemap")])
    queue = SiteQueue(archive, "127.0.0.1", 100)
    queue.sitemaps_listed = MAX_SITEMAPS - 1

    async def work(scope: Scope) -> tuple[list[Discovered], list[str]]:
        return await scope.listing_entries(
            queue, item(url("/top.xml"), "sitemap", 0, "robots"), index
        )

    entries, notes = scoped(server, settings, CrawlOptions(), work)
    assert [e.url for e in entries] == [url("/m0.xml"), url("/m1.xml")]  # m1 known: no count
    assert notes == [f"1 sitemaps over the {MAX_SITEMAPS} a site and run not read"]
    assert queue.sitemaps_listed == MAX_SITEMAPS


def fetched(url: str, html: str) -> tuple[FetchResult, object]:
    fetch = FetchResult(url=url, final_url=url, status=200, body=html.encode())
    return fetch, extract(fetch.body, url)


def index_page(server: HTTPServer) -> str:
    links = ["/news/2026/11/a-long-story-about-roads/", "/section/world/", "/private/p/"]
    links += ["http://other.test/news/x/", "/img/photo.jpg"]
    items = "".join(
        f"<li><a href='{server.url_for(p) if p[0] == '/' else p}'>{p}</a></li>" for p in links
    )
    return (
        "<html><head><title>Home</title>"
        "<link rel='alternate' type='application/rss+xml' href='/feed.xml'>"
        "<link rel='alternate' type='application/rss+xml' href='http://other.test/f.xml'>"
        "</head><body><ul>" + items + "</ul><a rel='next' href='/?page=2'>Next</a></body></html>"
    )


def test_an_index_pages_feeds_next_page_and_links(server: HTTPServer, settings: Settings) -> None:
    url = server.url_for
    fetch, page = fetched(url("/"), index_page(server))

    async def work(scope: Scope) -> tuple[list[Discovered], list[Discovered]]:
        seed = item(url("/"), "index", 0, "seed")
        first = await scope.page_links(seed, fetch, page, "index")  # type: ignore[arg-type]
        again = await scope.page_links(
            item(url("/?page=2"), "index", 0, "next"), fetch, page, "index"
        )  # type: ignore[arg-type]
        return first, again

    first, again = scoped(server, settings, CrawlOptions(), work)
    assert [(e.url, e.kind, e.depth, e.source, e.priority, e.state) for e in first] == [
        (url("/feed.xml"), "feed", 0, "page", 0, "queued"),
        (url("/?page=2"), "index", 0, "next", 3, "queued"),
        (url("/news/2026/11/a-long-story-about-roads/"), "article", 1, "link", 2, "queued"),
        (url("/section/world/"), "index", 1, "link", 3, "queued"),
        (url("/private/p/"), "page", 1, "link", 3, "skipped"),
    ]
    # the same links on the next page: handled once a run (its feed and next are not links)
    assert [e.source for e in again] == ["page", "next"]


def test_links_of_an_article_past_the_depth_unfollowed_or_braked(
    server: HTTPServer, settings: Settings
) -> None:
    url = server.url_for
    html = (
        f"<html><head><title>A</title><meta property='og:type' content='article'></head><body>"
        f"<article><h1>A</h1><p>{SENTENCE}</p><p>{SENTENCE}</p></article><aside>"
        f"<a href='{url('/news/2026/11/another-long-story-here/')}'>more</a></aside></body></html>"
    )
    fetch, page = fetched(url("/news/1/"), html)
    brake = DeadLinkBrake()
    for _ in range(20):
        brake.after("related", 404)

    def links(depth: int, **options: object) -> list[tuple[str, int, str, int, str]]:
        async def work(scope: Scope) -> list[Discovered]:
            return await scope.page_links(
                item(url("/news/1/"), "article", depth, "link"),
                fetch,
                page,
                "article",  # type: ignore[arg-type]
            )

        found = scoped(server, settings, CrawlOptions(**options), work, max_depth=3)  # type: ignore[arg-type]
        return [(e.url, e.depth, e.source, e.priority, e.state) for e in found]

    story = url("/news/2026/11/another-long-story-here/")
    assert links(2) == [(story, 3, "related", 4, "queued")]
    assert links(3) == []  # max_depth 3: one more would be 4
    assert links(2, follow_links=False) == []

    async def braked(scope: Scope) -> list[Discovered]:
        return await scope.page_links(
            item(url("/news/1/"), "article", 1, "link"), fetch, page, "article"
        )  # type: ignore[arg-type]

    (off,) = scoped(server, settings, CrawlOptions(), braked, brake=brake)
    assert (off.state, off.reason) == ("skipped", brake.off("related"))
