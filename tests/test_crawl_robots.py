"""robots.txt through the shared fetcher, against a real server on 127.0.0.1: the
product token, the groups, Crawl-delay and its bounds, one fetch per origin."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from pytest_httpserver import HTTPServer

from scraper.crawl.robots import (
    MAX_CRAWL_DELAY,
    MAX_ROBOTS_BYTES,
    RobotsCache,
    agent_token,
    origin,
)
from scraper.fetch import Fetcher
from scraper.models import FailureKind
from scraper.settings import Settings

RULES = (
    "User-agent: scraper\nDisallow: /mine/\nCrawl-delay: {delay}\n\n"
    "User-agent: *\nDisallow: /\n\nSitemap: /map.xml\n"
)


def test_agent_token_and_origin() -> None:
    assert agent_token("scraper/0.1.0 (+https://example.org)") == "scraper"
    assert agent_token("my-archive/1.0") == "my-archive"
    assert agent_token("Archiver bot") == "Archiver"
    assert agent_token("  ") == "*"
    assert origin("HTTPS://Example.COM:8443/a/b?c") == "https://example.com:8443"


def load(server: HTTPServer, settings: Settings, delay: str, *, min_delay: float = 0.0):  # type: ignore[no-untyped-def]
    server.expect_request("/robots.txt").respond_with_data(
        RULES.format(delay=delay), content_type="text/plain"
    )

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(settings) as fetcher:
            cache = RobotsCache(fetcher, min_delay=min_delay)
            both = await asyncio.gather(
                cache.get(server.url_for("/a")), cache.get(server.url_for("/b"))
            )
            refusals = [await cache.refusal(server.url_for(p)) for p in ("/mine/x", "/yours/x")]
            host = server.url_for("/").split("//")[1].rstrip("/")
            return both, refusals, fetcher._host(host).delay

    return asyncio.run(go())


def test_our_group_its_crawl_delay_and_one_fetch_per_origin(
    server: HTTPServer, settings: Settings
) -> None:
    (first, second), refusals, delay = load(server, settings, "2.5")
    assert first is second and len(server.log) == 1  # fetched once for both
    assert refusals == [(FailureKind.ROBOTS, "disallowed by robots.txt"), None]
    assert first.delay == delay == 2.5
    assert first.sitemaps == ["/map.xml"]


def test_crawl_delay_is_capped_and_never_under_the_crawls_own(
    server: HTTPServer, settings: Settings
) -> None:
    (robots, _), _, delay = load(server, settings, "3600")
    assert robots.delay == delay == MAX_CRAWL_DELAY == 60.0
    server.clear()
    (robots, _), _, delay = load(server, replace(settings), "0.5", min_delay=2.0)
    assert robots.delay == delay == 2.0


def robots_of(server: HTTPServer, settings: Settings, status: int, body: str = ""):  # type: ignore[no-untyped-def]
    server.expect_request("/robots.txt").respond_with_data(
        body, status=status, content_type="text/plain"
    )

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(replace(settings, retries=0)) as fetcher:
            cache = RobotsCache(fetcher)  # the crawl's own delay left at its default
            paths = ("/early/x", "/late/x", "/other")
            return await cache.get(server.url_for("/")), [
                await cache.refusal(server.url_for(p)) for p in paths
            ]

    return asyncio.run(go())


def test_the_4xx_answers_allow_all_and_5xx_is_unavailable(
    server: HTTPServer, settings: Settings
) -> None:
    for status in (400, 499):
        robots, refusals = robots_of(server, settings, status, "User-agent: *\nDisallow: /\n")
        assert robots.rules is None and refusals == [None, None, None], status
        server.clear()
    robots, refusals = robots_of(server, settings, 500)
    reason = "robots.txt unavailable (HTTP 500 INTERNAL SERVER ERROR)"
    assert robots.unavailable == reason
    assert refusals == [(FailureKind.TRANSIENT, reason)] * 3


def test_the_first_512_kib_are_read_and_no_more(server: HTTPServer, settings: Settings) -> None:
    head = "User-agent: *\nCrawl-delay: 0.5\nDisallow: /early/\n"
    pad = "#" * (MAX_ROBOTS_BYTES - len(head) - 1) + "\n"
    body = head + pad + "Disallow: /late/\n"
    assert len((head + pad).encode()) == MAX_ROBOTS_BYTES == 512 * 1024
    robots, refusals = robots_of(server, settings, 200, body)
    disallowed = (FailureKind.ROBOTS, "disallowed by robots.txt")
    assert refusals == [disallowed, None, None]
    assert robots.delay == 0.5  # not raised: the crawl's own delay defaults to none
