"""robots.txt through the shared fetcher, against a real server on 127.0.0.1: the
product token, the groups, Crawl-delay and its bounds, one fetch per origin, and the
copy kept in the archive (both backends) with its validators."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scraper.archive import Archive
from scraper.crawl.robots import (
    MAX_AGE,
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


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_robots_txt_is_kept_in_the_archive_and_revalidated_once_a_day_old(
    server: HTTPServer, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest,
    backend: str,
) -> None:  # fmt: skip
    """Each run below is another worker (its own fetcher, cache and archive connection)
    at a time after the first: within a day it reads the kept copy (no request); once
    a day old, it revalidates with the kept validators, and a 304 keeps the copy, fresh
    again. A new robots.txt (its ETag changed) replaces the copy."""
    db = str(tmp_path / "r.db") if backend == "sqlite" else str(request.getfixturevalue("pg_url"))
    stamp = "Tue, 01 Dec 2026 00:00:00 GMT"
    current = {"etag": '"v1"', "body": RULES.format(delay="0.5")}
    asked: list[tuple[str | None, str | None]] = []  # each request's validators

    def answer(req: Request) -> Response:
        asked.append((req.headers.get("If-None-Match"), req.headers.get("If-Modified-Since")))
        headers = {"ETag": current["etag"], "Last-Modified": stamp}
        if req.headers.get("If-None-Match") == current["etag"]:
            return Response(status=304, headers=headers)
        return Response(current["body"], content_type="text/plain", headers=headers)

    server.expect_request("/robots.txt").respond_with_handler(answer)
    start = datetime.now(UTC).replace(microsecond=0)  # kept to the millisecond: exact ages

    def run(hours: float) -> tuple[object, list[str]]:
        async def go() -> tuple[object, list[str]]:
            async with Fetcher(settings) as fetcher:
                with Archive(db) as arc:
                    cache = RobotsCache(fetcher, clock=lambda: start + timedelta(hours=hours))
                    cache.share(arc)
                    robots = await cache.get(server.url_for("/a"))
                    return robots.refusal(server.url_for("/mine/x"), cache.agent), robots.sitemaps

        return asyncio.run(go())

    disallowed = ((FailureKind.ROBOTS, "disallowed by robots.txt"), ["/map.xml"])
    assert MAX_AGE == 24 * 3600
    assert run(0) == disallowed and asked == [(None, None)]
    assert run(23.9) == disallowed and len(asked) == 1  # the kept copy, no request
    # a day old to the microsecond is no longer younger than a day: revalidated, a 304
    assert run(24) == disallowed and asked[1:] == [('"v1"', stamp)]
    assert run(47.9) == disallowed and len(asked) == 2  # fresh again from 24 h on
    with Archive(db, readonly=True) as arc:
        kept = arc.robots.get(server.url_for("/").rstrip("/"))
    assert kept is not None and (kept.etag, kept.last_modified) == ('"v1"', stamp)
    assert kept.checked_at - kept.fetched_at == timedelta(hours=24)

    current.update(etag='"v2"', body="User-agent: *\nDisallow: /other/\n")
    assert run(49) == (None, []) and asked[2:] == [('"v1"', stamp)]  # a 200: the new copy
    assert run(50) == (None, []) and len(asked) == 3
