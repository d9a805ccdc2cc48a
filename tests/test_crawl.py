"""The crawler against a real HTTP server on 127.0.0.1 and a real SQLite archive."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scraper.archive import Archive
from scraper.crawl import CrawlOptions, CrawlResult, crawl, crawl_lock
from scraper.crawl.frontier import MAX_SITEMAPS
from scraper.errors import ArchiveError
from scraper.models import Article, FetchResult
from scraper.settings import Settings

SENTENCE = (
    "The council met on Tuesday to discuss the budget, and members argued at length about "
    "roads, schools and parks before a vote that was postponed until next month. "
)


def article_html(n: int, extra: str = "", links: str = "") -> str:
    paras = "".join(f"<p>Part {k} of story {n}. {SENTENCE * 3}</p>" for k in range(4))
    return (
        f"<html><head><title>Story {n}</title><meta property='og:type' content='article'>"
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>Story {n}</h1>"
        f"{paras}{extra}</article><aside>{links}</aside></body></html>"
    )


def index_html(links: list[str], head: str = "", tail: str = "") -> str:
    items = "".join(f"<li><a href='{u}'>Headline number {u}</a></li>" for u in links)
    return f"<html><head><title>Home</title>{head}</head><body><ul>{items}</ul>{tail}</body></html>"


@dataclass
class Route:
    body: str | bytes | Callable[[Request], Response]
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None


@dataclass
class Site:
    """All paths of a test site, served by one handler that logs every request."""

    routes: dict[str, Route] = field(default_factory=dict)
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    stamps: list[tuple[str, float]] = field(default_factory=list)  # when each request came
    served: list[tuple[str, float]] = field(default_factory=list)  # when its answer was made

    def add(self, path: str, body: str | bytes | Callable[[Request], Response], **kw: object):
        self.routes[path] = Route(body, **kw)  # type: ignore[arg-type]

    def article(self, n: int, extra: str = "", links: str = "") -> str:
        path = f"/news/{n}-story-number-{n}/"
        html = article_html(n, extra, links)
        self.add(path, html, etag=f'"{n}-{hash(html) & 0xFFFF}"')
        return path

    def requests(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.log if p == path]

    def __call__(self, request: Request) -> Response:
        qs = request.query_string.decode()
        key = request.path + (f"?{qs}" if qs else "")
        self.log.append((key, dict(request.headers)))
        self.stamps.append((key, time.monotonic()))
        response = self._respond(key, request)
        self.served.append((key, time.monotonic()))
        return response

    def _respond(self, key: str, request: Request) -> Response:
        route = self.routes.get(key)
        if route is None:
            return Response("not found", status=404)
        if callable(route.body):
            return route.body(request)
        headers = {"ETag": route.etag} if route.etag else {}
        if route.etag and request.headers.get("If-None-Match") == route.etag:
            return Response(status=304, headers=headers)
        return Response(route.body, route.status, headers, content_type=route.content_type)


@pytest.fixture
def site(server: HTTPServer) -> Site:
    s = Site()
    server.expect_request(re.compile(".*")).respond_with_handler(s)
    s.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    return s


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return replace(settings, crawl_delay=0.0, per_host=4, host_pause=0.2, max_depth=3)


def run(
    seed: str, settings: Settings, options: CrawlOptions | None = None, **kw: object
) -> CrawlResult:
    with Archive(settings.db) as archive:
        return asyncio.run(crawl([seed], archive, settings, options, **kw))  # type: ignore[arg-type]


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def sitemap(urls: list[tuple[str, str]]) -> str:
    items = "".join(f"<url><loc>{u}</loc><lastmod>{d}</lastmod></url>" for u, d in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'
    )


def build_news_site(site: Site, server: HTTPServer) -> dict[str, str]:
    """Home -> 3 articles, a section with a second page, a private link; sitemap
    index -> article 5; RSS feed (found through <link rel=alternate>) -> article 6."""
    url = server.url_for
    a = {n: site.article(n) for n in range(1, 7)}
    site.routes["/robots.txt"].body += f"Sitemap: {url('/sitemap.xml')}\n"  # type: ignore[operator]
    site.add(
        "/",
        index_html(
            [a[1], a[2], a[3], "/section/world/", "/private/secret/", "/logo.png"],
            head='<link rel="alternate" type="application/rss+xml" href="/feed.xml">',
        ),
    )
    site.add(
        "/section/world/",
        index_html([a[1]], tail='<a rel="next" href="/section/world/?page=2">Next</a>'),
    )
    site.add("/section/world/?page=2", index_html([a[4]]))
    site.add(
        "/sitemap.xml",
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{url('/sitemaps/1.xml')}</loc></sitemap></sitemapindex>",
        content_type="application/xml",
    )
    site.add(
        "/sitemaps/1.xml",
        sitemap([(url(a[5]), "2026-11-01T10:00:00Z"), (url(a[1]), "2026-11-01")]),
        content_type="application/xml",
    )
    site.add(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>Six'
        f"</title><link>{url(a[6])}</link><pubDate>Tue, 03 Nov 2026 10:00:00 GMT</pubDate>"
        "</item></channel></rss>",
        content_type="application/rss+xml",
    )
    return a


# ---------------------------------------------------------------- discovery and runs
def test_a_page_whose_extraction_takes_too_long_fails_and_the_crawl_goes_on(
    server: HTTPServer, site: Site, fast: Settings
) -> None:
    from slowwork import SLOW, extract_slowly

    from scraper.crawl.pool import ExtractPool

    paths = [site.article(n) for n in range(3)]
    slow = paths[1]
    site.add(slow, SLOW.decode() + article_html(1))  # as a page costing the parser minutes
    site.add("/", index_html(paths))
    started = time.monotonic()
    result = run(server.url_for("/"), fast, pool=ExtractPool(1, seconds=2.0, work=extract_slowly))
    assert time.monotonic() - started < 30  # not the minute the page asked for

    assert result.summary.counts["archived"] == 2, result.summary.as_dict()
    assert result.summary.failed == 1 and not result.problems  # not a seed's: exit code 0
    assert rows(fast.db, "SELECT error FROM fetches WHERE url = ?", server.url_for(slow)) == [
        ("extraction took longer than 2 s (stopped)",)
    ]
    frontier = rows(fast.db, "SELECT state FROM frontier WHERE url = ?", server.url_for(slow))
    assert frontier == [("failed",)]
    again = run(server.url_for("/"), fast)  # not tried again: it would stop again
    assert not site.requests(slow)[1:] and again.summary.failed == 0


def test_first_crawl_archives_articles_and_follows_index_pages(
    server: HTTPServer, site: Site, fast: Settings
) -> None:
    a = build_news_site(site, server)
    result = run(server.url_for("/"), fast)

    assert result.summary.counts["archived"] == 6, result.summary.as_dict()
    assert result.summary.failed == 0
    archived = {r[0] for r in rows(fast.db, "SELECT url FROM articles")}
    assert archived == {server.url_for(p) for p in a.values()}
    frontier = dict(
        (u.removeprefix(server.url_for("/")[:-1]), (s, k, r))
        for u, s, k, r in rows(fast.db, "SELECT url, state, kind, reason FROM frontier")
    )
    assert frontier["/"][:2] == ("done", "index")
    assert frontier["/section/world/?page=2"][:2] == ("done", "index")
    assert frontier["/private/secret/"] == ("skipped", "page", "disallowed by robots.txt")
    assert frontier["/feed.xml"][:2] == ("done", "feed")
    assert "/logo.png" not in frontier
    assert not [u for u, (s, _, _) in frontier.items() if s == "queued"]
    assert not site.requests("/private/secret/")  # robots.txt obeyed
    assert all(h["User-Agent"].startswith("scraper/") for _, h in site.log)
    # every article was fetched once
    assert all(len(site.requests(p)) == 1 for p in a.values())


def test_second_run_fetches_nothing_and_revalidates_what_lastmod_says_changed(
    server: HTTPServer, site: Site, fast: Settings
) -> None:
    a = build_news_site(site, server)
    run(server.url_for("/"), fast)
    site.log.clear()

    second = run(server.url_for("/"), fast)
    assert not [p for p, _ in site.log if p.startswith("/news/")]
    assert second.summary.counts["archived"] == 0 and second.summary.failed == 0

    # article 5 changed (new lastmod, new body); article 1's lastmod moved, body did not
    url = server.url_for
    site.article(5, extra="<p>Update: the vote was held after all, and the budget passed.</p>")
    site.routes["/sitemaps/1.xml"].body = sitemap(
        [(url(a[5]), "2026-11-20T10:00:00Z"), (url(a[1]), "2026-11-21")]
    )
    site.log.clear()
    third = run(server.url_for("/"), fast)
    assert third.summary.counts["updated"] == 1
    assert third.summary.counts["not-modified"] == 1
    assert sorted(p for p, _ in site.log if p.startswith("/news/")) == sorted([a[1], a[5]])
    assert all("If-None-Match" in h for p, h in site.log if p.startswith("/news/"))
    text = rows(fast.db, "SELECT text FROM articles WHERE url = ?", url(a[5]))[0][0]
    assert "budget passed" in text
    (raw,) = rows(
        fast.db,
        "SELECT count(*) FROM raw_pages JOIN articles ON articles.id = article_id "
        "WHERE articles.url = ?",
        url(a[5]),
    )[0]
    assert raw == 2  # the raw page of both fetches is kept


def test_max_pages_leaves_the_rest_queued_for_the_next_run(
    server: HTTPServer, site: Site, fast: Settings
) -> None:
    paths = [site.article(n) for n in range(8)]
    site.add("/", index_html(paths))
    small = replace(fast, max_pages=4)  # /sitemap.xml (a 404) is one of the 4 requests
    first = run(server.url_for("/"), small)
    assert first.left > 0
    assert first.summary.fetched + first.summary.skipped == 3  # the home page is one
    assert len(site.log) == 1 + 4  # robots.txt, then the budget
    for _ in range(4):
        run(server.url_for("/"), small)
    stored = rows(
        fast.db,
        "SELECT url, count(*) FROM fetches WHERE article_id IS NOT NULL AND status = 200 "
        "GROUP BY url",
    )
    assert len(stored) == 8 and all(n == 1 for _, n in stored)  # each archived once


def test_since_include_exclude_and_no_links(server: HTTPServer, site: Site, fast: Settings) -> None:
    old, new, linked = site.article(1), site.article(2), site.article(3)
    site.add("/", index_html([linked]))
    site.add(
        "/sitemap.xml",
        sitemap(
            [(server.url_for(old), "2020-01-01"), (server.url_for(new), "2026-11-02T00:00:00Z")]
        ),
        content_type="application/xml",
    )
    options = CrawlOptions(
        since=datetime(2026, 11, 1, tzinfo=UTC),
        follow_links=False,
        exclude=(re.compile("story-number-9"),),
    )
    run(server.url_for("/"), fast, options)
    archived = {r[0] for r in rows(fast.db, "SELECT url FROM articles")}
    assert archived == {server.url_for(new)}

    run(server.url_for("/"), fast, CrawlOptions(include=(re.compile("number-3"),)))
    archived = {r[0] for r in rows(fast.db, "SELECT url FROM articles")}
    assert archived == {server.url_for(new), server.url_for(linked)}


def test_since_applies_to_the_own_date_of_articles_found_by_links(
    server: HTTPServer, site: Site, fast: Settings
) -> None:
    def dated(n: int, when: str) -> str:
        path = f"/news/{n}-story-number-{n}/"
        meta = f"<meta property='article:published_time' content='{when}'>"
        site.add(path, article_html(n).replace("<head>", "<head>" + meta))
        return path

    old, new, undated = dated(1, "2020-01-05T10:00:00Z"), dated(2, "2026-11-10"), site.article(3)
    listed_old, listed_new = dated(4, "2019-03-01"), dated(5, "2019-03-02")
    site.add("/", index_html([old, new, undated]))
    site.add(  # no date for article 4; a new lastmod for 5 (an old story, updated)
        "/sitemap.xml",
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{server.url_for(listed_old)}</loc></url>"
        f"<url><loc>{server.url_for(listed_new)}</loc><lastmod>2026-11-20</lastmod></url>"
        "</urlset>",
        content_type="application/xml",
    )
    result = run(server.url_for("/"), fast, CrawlOptions(since=datetime(2026, 11, 1, tzinfo=UTC)))

    archived = {r[0] for r in rows(fast.db, "SELECT url FROM articles")}
    assert archived == {server.url_for(p) for p in (new, undated, listed_new)}
    reasons = dict(rows(fast.db, "SELECT url, reason FROM frontier WHERE state = 'done'"))
    assert reasons[server.url_for(old)] == "published 2020-01-05, before --since 2026-11-01"
    assert reasons[server.url_for(listed_old)] == "published 2019-03-01, before --since 2026-11-01"
    assert result.summary.skipped == 3  # the home page and the two old articles
    site.log.clear()
    run(server.url_for("/"), fast, CrawlOptions(since=datetime(2026, 11, 1, tzinfo=UTC)))
    assert not site.requests(old)  # not fetched again on the next run


def test_canonical_and_tracking_parameters_are_one_url(
    server: HTTPServer, site: Site, fast: Settings
) -> None:
    target = site.article(1)
    site.add("/old-story/", "", status=301)
    site.routes["/old-story/"] = Route(
        lambda r: Response("", 301, {"Location": server.url_for(target)})
    )
    site.add(
        "/",
        index_html(["/old-story/", f"{target}?utm_source=x", f"{target}#comments", target]),
    )
    result = run(server.url_for("/"), replace(fast, per_host=1))
    assert result.summary.counts["archived"] == 1
    assert rows(fast.db, "SELECT count(*) FROM articles") == [(1,)]
    assert rows(fast.db, "SELECT count(*) FROM raw_pages") == [(1,)]
    # the redirect's target is only known once followed; the copies of the URL are one
    # the article is taken first (articles before other pages), then the redirect leads
    # to it again: its target is only known once followed
    assert len(site.requests(target)) == 2 and len(site.requests("/old-story/")) == 1
    states = rows(fast.db, "SELECT url, state FROM frontier WHERE url LIKE '%/news/%'")
    assert states == [(server.url_for(target), "done")]


# ---------------------------------------------------------------- faults
def test_faults_end_recorded_with_a_reason(server: HTTPServer, site: Site, fast: Settings) -> None:
    calls: dict[str, int] = {}

    def first_then(status: int, headers: dict[str, str], n: int) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            calls[request.path] = calls.get(request.path, 0) + 1
            if calls[request.path] == 1:
                return Response("busy", status, headers)
            return Response(article_html(n), content_type="text/html")

        return handler

    released = threading.Event()  # the slow page answers only once the test is over

    def slow(request: Request) -> Response:
        released.wait(30)
        return Response("late", content_type="text/html")

    bomb = gzip.compress(b"<urlset>" + b" " * 60_000_000 + b"</urlset>")
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<urlset><url><loc>&lol2;</loc></url></urlset>"
    )
    pages = {
        "/f/503/": Route(first_then(503, {}, 1)),
        "/f/429/": Route(first_then(429, {"Retry-After": "1"}, 2)),
        "/f/loop/": Route(lambda r: Response("", 302, {"Location": "/f/loop2/"})),
        "/f/loop2/": Route(lambda r: Response("", 302, {"Location": "/f/loop/"})),
        "/f/big/": Route("<html><body>" + "<p>big</p>" * 200_000 + "</body></html>"),
        "/f/slow/": Route(slow),
        "/f/doc.pdf/": Route(b"%PDF-1.4", content_type="application/pdf"),
        "/f/gone/": Route("gone", status=410),
        "/f/cp1252/": Route(
            article_html(3, "<p>Caf\u00e9 cr\u00e8me \u2013 \u20ac5</p>").encode("cp1252"),
            content_type="text/html; charset=windows-1252",
        ),
        "/f/deep/": Route(article_html(5, extra="<div>" * 40_000 + "too deep")),
        "/private/x/": Route(article_html(4)),
    }
    site.routes.update(pages)
    site.add("/", index_html(list(pages)))
    site.routes["/robots.txt"].body += (  # type: ignore[operator]
        "Sitemap: /bad.xml\nSitemap: /bomb.xml.gz\nSitemap: /laughs.xml\n"
    )
    site.add("/bad.xml", "<urlset><url><loc>/f/gone/</loc></url><url><loc", content_type="text/xml")
    site.add("/bomb.xml.gz", bomb, content_type="application/gzip")
    site.add("/laughs.xml", laughs, content_type="application/xml")
    settings = replace(fast, timeout=3.0, max_bytes=1_000_000)
    try:
        result = run(server.url_for("/"), settings)
    finally:
        released.set()

    states = {
        u.removeprefix(server.url_for("/")[:-1]): (s, r)
        for u, s, r in rows(settings.db, "SELECT url, state, reason FROM frontier")
    }
    assert states["/f/503/"] == ("done", None)
    assert states["/f/429/"] == ("done", None)
    assert states["/f/cp1252/"] == ("done", None)
    assert "redirect loop" in states["/f/loop/"][1]
    assert "byte limit" in states["/f/big/"][1]
    assert "timed out" in states["/f/slow/"][1]
    assert states["/f/doc.pdf/"][1] == "not HTML (application/pdf)"
    assert states["/f/gone/"] == ("failed", "HTTP 410 GONE")
    assert states["/private/x/"] == ("skipped", "disallowed by robots.txt")
    assert "malformed XML" in states["/bad.xml"][1]
    assert "gzip expands past" in states["/bomb.xml.gz"][1]
    assert "unsafe XML refused" in states["/laughs.xml"][1]
    assert states["/f/deep/"] == ("done", None)  # archived, its nesting cut
    assert all(s != "queued" for s, _ in states.values())
    assert all(r for s, r in states.values() if s in ("failed", "skipped"))
    fetched = {r[0] for r in rows(settings.db, "SELECT url FROM fetches")}
    for url, (state, _) in states.items():
        if state == "failed":
            assert server.url_for(url) in fetched, url
    assert not site.requests("/private/x/")
    text = rows(settings.db, "SELECT text FROM articles WHERE url LIKE '%cp1252%'")[0][0]
    assert "Caf\u00e9 cr\u00e8me \u2013 \u20ac5" in text
    deep = rows(settings.db, "SELECT text FROM articles WHERE url LIKE '%/f/deep/'")[0][0]
    assert "Part 3 of story 5" in deep and "too deep" not in deep
    assert rows(settings.db, "PRAGMA integrity_check") == [("ok",)]
    assert result.summary.failed >= 5


def test_a_failing_host_is_paused_then_left_for_the_next_run(
    server: HTTPServer, site: Site, fast: Settings
) -> None:
    paths = [f"/down/{n}-story-number-{n}/" for n in range(30)]
    for p in paths:
        site.add(p, "down", status=500)
    site.add("/", index_html(paths))
    settings = replace(fast, retries=0, host_failures=3, host_pause=0.1, per_host=1)
    result = run(server.url_for("/"), settings)
    hits = sum(len(site.requests(p)) for p in paths)
    assert hits < len(paths)  # stopped, not hammered
    assert result.stopped and result.left > 0


def test_robots_crawl_delay_spaces_requests(server: HTTPServer, site: Site, fast: Settings) -> None:
    paths = [site.article(n) for n in range(3)]
    site.add("/", index_html(paths))
    site.routes["/robots.txt"].body = "User-agent: scraper\nCrawl-delay: 0.3\n"
    run(server.url_for("/"), replace(fast, per_host=1))  # one request at a time
    # Request j is let go at least 0.3 s after request j-1 was, which was let go only
    # once request j-2 was answered (one at a time): so it arrives at least 0.3 s after
    # the server answered request j-2, however slow or loaded the machine. (robots.txt
    # is request 0: its Crawl-delay is known from request 1 on.)
    arrived = [t for _, t in site.stamps]
    answered = [t for _, t in site.served]
    assert len(arrived) >= 6
    gaps = [arrived[j] - answered[j - 2] for j in range(2, len(arrived))]
    assert min(gaps) >= 0.3 - 1e-6, gaps


def test_a_huge_robots_txt_is_read_up_to_its_first_500_kib(
    server: HTTPServer, site: Site, fast: Settings
) -> None:
    article, private, late = site.article(1), "/private/2-story-number-2/", "/late/3-story/"
    site.add(private, article_html(2))
    site.add(late, article_html(3))
    site.add("/", index_html([article, private, late]))
    padding = "# " + "x" * 98 + "\n"
    site.routes["/robots.txt"].body = (  # 11 MB: over --max-bytes (10 MB)
        "User-agent: *\nDisallow: /private/\n" + padding * 110_000 + "Disallow: /late/\n"
    )
    result = run(server.url_for("/"), fast)
    assert result.summary.counts["archived"] == 2, result.summary.as_dict()
    assert not site.requests(private)  # the rules of its first 500 KiB are obeyed
    assert site.requests(late)  # a rule past them is not read (RFC 9309 allows it)


class EndlessSitemaps:
    """A site whose sitemap index lists ``fan(name)`` new indexes, each listing new
    ones, without end; generated on the fly.  After ``FUSE`` requests it answers 503
    to everything, so that a crawl that does not bound itself still ends (the host
    is paused, then left) and the test fails on its count instead of hanging."""

    FUSE = 2000

    def __init__(self, server: HTTPServer, fan: Callable[[str], int]) -> None:
        self.base = server.url_for("")
        self.fan = fan
        self.paths: list[str] = []
        self.lock = threading.Lock()
        server.expect_request(re.compile(".*")).respond_with_handler(self)

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.paths.append(request.path)
            if len(self.paths) > self.FUSE:
                return Response("fuse blown", 503)
        if request.path == "/robots.txt":
            return Response(f"Sitemap: {self.base}/idx/r.xml\n", content_type="text/plain")
        if request.path == "/":
            return Response(index_html([]), content_type="text/html")
        name = request.path.removeprefix("/idx/").removesuffix(".xml")
        if not request.path.startswith("/idx/"):
            return Response("not found", 404)
        items = "".join(
            f"<sitemap><loc>{self.base}/idx/{name}-{k}.xml</loc></sitemap>"
            for k in range(self.fan(name))
        )
        body = f'<?xml version="1.0"?><sitemapindex xmlns="{SITEMAP_NS}">{items}</sitemapindex>'
        return Response(body, content_type="application/xml")

    def sitemaps_read(self) -> int:
        return sum(p.startswith("/idx/") or p == "/sitemap.xml" for p in self.paths)


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def test_a_sitemap_index_of_thousands_of_sitemaps_keeps_to_the_page_budget(
    server: HTTPServer, fast: Settings
) -> None:
    endless = EndlessSitemaps(server, lambda name: 5_000 if name == "r" else 3)
    result = run(server.url_for("/"), replace(fast, max_pages=5, timeout=30))
    # robots.txt, then 5: the index and /sitemap.xml (listings take at most half), the
    # home page; nothing else is queued
    assert len(endless.paths) <= 1 + 5, endless.paths[:20]
    assert endless.paths[0] == "/robots.txt" and "/" in endless.paths
    assert result.left > 0
    queued = rows(fast.db, "SELECT count(*) FROM frontier WHERE kind = 'sitemap'")[0][0]
    assert queued <= MAX_SITEMAPS  # the index's 5,000 are not all queued either


@pytest.mark.parametrize(
    ("fan", "most"),
    [
        (3, 1 + 3 + 9 + 1),  # indexes of indexes forever: 3 levels read (+ /sitemap.xml)
        (20, MAX_SITEMAPS),  # wider ones (1 + 20 + 400 ...): a few hundred a site and run
    ],
)
def test_endless_sitemap_indexes_are_read_to_a_bounded_depth_and_number(
    server: HTTPServer, fast: Settings, fan: int, most: int
) -> None:
    endless = EndlessSitemaps(server, lambda name: fan)
    result = run(server.url_for("/"), fast)  # --max-pages 1000
    assert endless.sitemaps_read() == most, len(endless.paths)
    assert len(endless.paths) <= most + 2  # + robots.txt and the home page
    assert result.summary.failed == 0 and result.listings == most - 1
    reasons = {r for (r,) in rows(fast.db, "SELECT reason FROM frontier WHERE reason NOT NULL")}
    word = "nested more than 3 deep" if fan == 3 else f"over the {MAX_SITEMAPS} a site and run"
    assert any(word in r for r in reasons), reasons


def test_a_second_run_reads_the_sitemaps_the_first_did_not(
    server: HTTPServer, fast: Settings
) -> None:
    """--max-pages 20 reads 10 listings a run: the index, /sitemap.xml, its 5
    sitemaps and 3 of theirs; the next run reads the indexes again, then 3 others."""
    endless = EndlessSitemaps(server, lambda name: 5)
    leaves = []
    for _ in range(2):
        endless.paths.clear()
        run(server.url_for("/"), replace(fast, max_pages=20))
        leaves.append({p for p in endless.paths if p.count("-") == 2})
    assert len(leaves[0]) == len(leaves[1]) == 3
    assert not leaves[0] & leaves[1]


# ---------------------------------------------------------------- the command
def test_cli_json_summary_and_lock(
    server: HTTPServer,
    site: Site,
    tmp_path: Path,
    cli: Callable[..., object],
    cli_here: Callable[..., object],
) -> None:
    build_news_site(site, server)
    env = {"SCRAPER_CRAWL_DELAY": "0"}
    with crawl_lock(tmp_path / "data" / "archive.db"):  # held by another process
        busy = cli("crawl", server.url_for("/"), "--quiet", env=env)
    assert busy.code == 0 and "another crawl is running" in busy.err  # type: ignore[attr-defined]
    done = cli_here("crawl", server.url_for("/"), "--json", env=env)
    assert done.code == 0, done.err  # type: ignore[attr-defined]
    *per_url, summary = map(json.loads, done.out.splitlines())  # type: ignore[attr-defined]
    archived = [o for o in per_url if o["outcome"] == "archived"]
    assert summary["type"] == "summary" and {o["type"] for o in per_url} == {"url"}
    assert len({o["id"] for o in archived}) == len(archived) == 6
    assert summary["archived"] == 6 and summary["failed"] == 0 and summary["left"] == 0
    bad = cli_here("crawl", "ftp://x", env=env)
    assert bad.code == 2  # type: ignore[attr-defined]

    # --wait: the second run finds the lock held, says it waits, and crawls once released
    site.log.clear()
    with crawl_lock(tmp_path / "data" / "archive.db"):
        waiting = subprocess.Popen(
            [sys.executable, "-m", "scraper", "crawl", server.url_for("/"), "--wait", "--json"],
            cwd=tmp_path,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        said = waiting.stderr.readline()  # printed once it found the lock taken
        sent_while_held = list(site.log)
    out, _ = waiting.communicate(timeout=60)
    assert "another crawl is running; waiting for it to end" in said
    assert sent_while_held == []
    assert waiting.returncode == 0 and json.loads(out.splitlines()[-1])["archived"] == 0
    assert site.requests("/")  # it crawled once the lock was released


def test_a_crawl_merges_the_full_text_index_it_wrote(
    server: HTTPServer, site: Site, tmp_path: Path, cli_here: Callable[..., object]
) -> None:
    """As ``fetch`` and ``import`` do: at its end a crawl that was not interrupted tidies
    the archive, so the full-text index's segments (one per transaction: one from before
    the crawl, one or more from its batches) are merged into one."""
    build_news_site(site, server)
    db = tmp_path / "data" / "archive.db"
    db.parent.mkdir()
    with Archive(str(db)) as arc:  # an article stored before the crawl: a segment of its own
        url = "https://other.example/news/1"
        fetch = FetchResult(url=url, status=200, body=b"<p>x</p>", content_type="text/html")
        arc.store(fetch, Article(title="Story", text=SENTENCE * 5), url)
    segments = "SELECT count(DISTINCT segid) FROM articles_fts_idx"

    def count(sql: str) -> int:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return int(conn.execute(sql).fetchone()[0])

    assert count(segments) == 1
    done = cli_here("crawl", server.url_for("/"), "--quiet", env={"SCRAPER_CRAWL_DELAY": "0"})
    assert done.code == 0, done.err  # type: ignore[attr-defined]
    assert count("SELECT count(*) FROM articles") == 7
    assert count(segments) == 1


def test_quiet_is_silent_when_all_went_well_and_dead_links_are_only_counted(
    server: HTTPServer, site: Site, cli_here: Callable[..., object]
) -> None:
    cli = cli_here  # the command in this process: what it prints and exits with
    paths = [site.article(n) for n in range(2)]
    dead = [f"/news/{n}-gone-story-number-{n}/" for n in range(3)]  # 404s, linked from /
    site.add("/", index_html([*paths, *dead]))
    env = {"SCRAPER_CRAWL_DELAY": "0"}

    quiet = cli("crawl", server.url_for("/"), "--quiet", env=env)
    assert (quiet.code, quiet.out, quiet.err) == (0, "", "")  # type: ignore[attr-defined]
    told = cli("crawl", server.url_for("/"), "--db", "again.db", env=env)
    assert told.code == 0 and "scraper: error" not in told.err  # type: ignore[attr-defined]
    assert told.out.count("HTTP 404") == 3  # type: ignore[attr-defined]
    assert "dead_links 3" in told.err and "problems" not in told.err  # type: ignore[attr-defined]

    # a sitemap that fails is something to look at: its line, and a summary naming it
    # (a new archive: the others keep the robots.txt read, without the sitemap, for 24 h)
    site.routes["/robots.txt"].body += f"Sitemap: {server.url_for('/broken.xml')}\n"  # type: ignore[operator]
    site.add("/broken.xml", "down", status=500)
    broken = cli("crawl", server.url_for("/"), "--quiet", "--db", "broken.db", env=env)
    assert broken.code == 1 and broken.out == ""  # type: ignore[attr-defined]
    lines = broken.err.splitlines()  # type: ignore[attr-defined]
    assert (
        lines[0]
        == f"scraper: error: {server.url_for('/broken.xml')}: HTTP 500 INTERNAL SERVER ERROR"
    )
    assert len(lines) == 2 and "problems (sitemap: 1)" in lines[1], lines
    seed = cli("crawl", server.url_for("/nothing-here/"), "--quiet", env=env)
    assert seed.code == 1 and "seed: 1)" in seed.err  # type: ignore[attr-defined]


def test_what_needs_a_look_is_told_apart_from_what_is_only_counted(
    server: HTTPServer, site: Site, fast: Settings
) -> None:
    good = site.article(1)
    site.add("/down/2-story-number-2/", "busy", status=503)  # still failing after retries
    site.add("/doc/3-story-number-3/", b"%PDF-1.4", content_type="application/pdf")
    site.add("/", index_html([good, "/down/2-story-number-2/", "/doc/3-story-number-3/", "/gone/"]))
    result = run(server.url_for("/"), fast)
    assert result.problems == {"after retries": 1}
    assert result.dead_links == 1 and result.summary.failed == 3  # 503, PDF, 404
    counted = {o.url.rsplit("/", 2)[-2]: o.counted for o in result.summary.failures}
    assert counted == {"2-story-number-2": False, "3-story-number-3": True, "gone": True}

    site.routes["/robots.txt"] = Route("down", status=500)  # the site cannot tell its rules
    result = run(server.url_for("/"), replace(fast, db=fast.db.with_name("other.db")))
    assert result.problems == {"robots.txt": 2}  # the seed and /sitemap.xml, not fetched


def _session(sid: int) -> list[int]:
    """Live processes of session ``sid`` (Linux /proc): a crawl started in its own
    session and everything it started, even once reparented."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rpartition(")")[2].split()  # after "pid (comm)"
            if int(fields[3]) == sid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree in /proc")
def test_ctrl_c_prints_what_was_done_and_exits_130(
    server: HTTPServer, site: Site, tmp_path: Path
) -> None:
    arrived, release = threading.Event(), threading.Event()

    def stuck(request: Request) -> Response:
        arrived.set()
        release.wait(30)
        return Response(article_html(9), content_type="text/html")

    paths = [site.article(n) for n in range(2)]
    site.add("/news/9-the-slow-story-number-9/", stuck)
    site.add("/", index_html([*paths, "/news/9-the-slow-story-number-9/"]))
    db = tmp_path / "c.db"
    args = [sys.executable, "-m", "scraper", "crawl", server.url_for("/"), "--db", str(db)]
    env = {**os.environ, "SCRAPER_CRAWL_DELAY": "0", "SCRAPER_PER_HOST": "1"}
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group: Ctrl-C reaches the group
    )  # fmt: skip
    try:
        assert arrived.wait(60), "the crawl never reached the slow page"
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = proc.communicate(timeout=60)
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("fetched 2,") and "interrupted" in summary, err
    assert "archived 2" in summary
    assert _count(db, "articles") == 2  # what was done is kept
    deadline = time.monotonic() + 15  # its extraction workers and forkserver end with it
    while _session(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session(proc.pid) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_killed_crawl_resumes_without_losing_or_repeating_articles(
    server: HTTPServer, site: Site, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    # One worker, and each article held until the test lets it go: one at a time, each
    # once it was asked for (so after the one before was written), at least 50 ms after
    # the one before, and at most 14 of the 16. The writes of 12 pages then span more
    # than the group commit's 0.5 s, so articles are committed before the kill, and
    # pages are left for the next run, however fast or slow the machine.
    asked: list[str] = []
    let_go: dict[str, threading.Event] = {}
    paths = []
    for n in range(16):
        path = f"/news/{n}-story-number-{n}/"
        let_go[path] = threading.Event()

        def held(request: Request, html: str = article_html(n), path: str = path) -> Response:
            asked.append(path)
            let_go[path].wait(60)
            return Response(html, content_type="text/html")

        site.add(path, held)
        paths.append(path)
    site.add("/", index_html(paths))
    # on PostgreSQL, the frontier rows are committed with the articles' in its transactions
    db: Path | str = tmp_path / "k.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    args = [sys.executable, "-m", "scraper", "crawl", server.url_for("/"), "--db", str(db)]
    env = {"SCRAPER_CRAWL_DELAY": "0", "SCRAPER_PER_HOST": "1", "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        released = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if _count(db, "articles") >= 3:
                break
            waiting = [p for p in asked if not let_go[p].is_set()]
            if waiting and released < 14:
                let_go[waiting[0]].set()
                released += 1
            time.sleep(0.05)
        proc.kill()  # SIGKILL, mid-crawl
    finally:
        proc.wait()
        for event in let_go.values():  # the next run's pages are not held
            event.set()
    before = _count(db, "articles")
    assert 3 <= before < 16
    # its extraction workers (and their forkserver) do not outlive it
    deadline = time.monotonic() + 15
    while _processes_mentioning(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_mentioning(str(tmp_path)) == []
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert _count(db, "articles") == 16
    with Archive(db, readonly=True) as arc:
        stored = list(
            arc._db.rows(
                "SELECT url, count(*) FROM fetches WHERE article_id IS NOT NULL GROUP BY url"
            )
        )
    assert len(stored) == 16 and all(n == 1 for _, n in stored)
    if backend == "sqlite":
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line holds ``text`` (Linux /proc; elsewhere none)."""
    found = []
    proc = Path("/proc")
    for entry in proc.iterdir() if (proc / "self" / "cmdline").exists() else ():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _count(db: Path | str, table: str) -> int:
    if isinstance(db, str):  # PostgreSQL
        try:
            with Archive(db, readonly=True) as arc:
                return arc.counts()[table]
        except ArchiveError:
            return 0
    try:
        return int(rows(db, f"SELECT count(*) FROM {table}")[0][0]) if db.exists() else 0
    except sqlite3.Error:
        return 0


def test_a_small_page_budget_still_reaches_articles_run_after_run(
    server: HTTPServer, site: Site, fast: Settings
) -> None:
    paths = [site.article(n) for n in range(4)]
    sections = [f"/section/s{k}/" for k in range(4)]
    for s in sections:
        site.add(s, index_html(paths))
    site.add("/", index_html([*sections, *paths]))
    small = replace(fast, max_pages=4, per_host=1)  # /sitemap.xml (a 404) is one of the 4
    for _ in range(2):
        run(server.url_for("/"), small)
    assert rows(fast.db, "SELECT count(*) FROM articles") == [(4,)]
