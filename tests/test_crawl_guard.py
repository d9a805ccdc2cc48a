"""The crawl's request guard (``crawl/guard.py``), against a real server on 127.0.0.1:
the private-address rule, robots.txt, and the fetcher it is given to when built."""

from __future__ import annotations

import asyncio

from pytest_httpserver import HTTPServer
from werkzeug import Response

from scraper.archive import Discovered
from scraper.crawl.guard import RequestGuard
from scraper.crawl.robots import ROBOTS_REFUSAL
from scraper.models import FailureKind
from scraper.netguard import PRIVATE_REFUSAL
from scraper.settings import Settings


def test_links_to_private_addresses_are_refused_from_public_pages(settings: Settings) -> None:
    async def go() -> tuple[object, object]:
        guard = RequestGuard(settings, ["http://10.1.2.3/"])
        async with guard.fetcher:
            return await guard("http://127.0.0.1:9/admin"), await guard("ftp://example.com/x")

    private, ftp = asyncio.run(go())
    assert private == (FailureKind.PRIVATE_ADDRESS, PRIVATE_REFUSAL)
    assert ftp == (FailureKind.INVALID_URL, "not an http(s) URL")


def serve(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    server.expect_request("/open/").respond_with_data("<p>open</p>", content_type="text/html")
    server.expect_request("/hop/").respond_with_response(
        Response(status=302, headers={"Location": "/private/x"})
    )
    port = server.url_for("/").split(":")[2].rstrip("/")
    server.expect_request("/away/").respond_with_response(
        Response(status=302, headers={"Location": f"http://localhost:{port}/open/"})
    )


def paths(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def test_robots_txt_decides_and_is_itself_only_address_checked(
    server: HTTPServer, settings: Settings
) -> None:
    serve(server)

    async def go() -> list[object]:
        guard = RequestGuard(settings, [server.url_for("/")])
        async with guard.fetcher:
            robots = await guard(server.url_for("/robots.txt"))
            fetched_before = paths(server)
            return [
                robots,
                fetched_before,
                await guard(server.url_for("/private/a")),
                await guard(server.url_for("/open/")),
            ]

    robots, before, private, open_ = asyncio.run(go())
    assert robots is None and before == []  # robots.txt is not checked against itself
    assert private == (FailureKind.ROBOTS, ROBOTS_REFUSAL)
    assert open_ is None
    assert paths(server) == ["/robots.txt"]


def test_the_fetcher_is_built_with_the_guard_every_hop_checked(
    server: HTTPServer, settings: Settings
) -> None:
    serve(server)

    async def go() -> list[tuple[str | None, FailureKind | None]]:
        guard = RequestGuard(settings, [server.url_for("/")])
        async with guard.fetcher as fetcher:
            results = [
                await fetcher.fetch(server.url_for(p)) for p in ("/private/y", "/hop/", "/away/")
            ]
            ok = await fetcher.fetch(server.url_for("/open/"))
        return [(r.error, r.kind) for r in results] + [(ok.error, ok.kind)]

    private, hop, away, ok = asyncio.run(go())
    assert private == (ROBOTS_REFUSAL, FailureKind.ROBOTS)
    assert hop == (ROBOTS_REFUSAL, FailureKind.ROBOTS)  # refused on the redirect hop
    # localhost is not the seed's host: a redirect there is a private address
    assert away == (PRIVATE_REFUSAL, FailureKind.PRIVATE_ADDRESS)
    assert ok == (None, None)
    assert "/private/y" not in paths(server) and "/private/x" not in paths(server)
    assert paths(server).count("/robots.txt") == 1


def test_checked_marks_a_refused_entry_skipped_with_its_reason(
    server: HTTPServer, settings: Settings
) -> None:
    serve(server)
    host = server.url_for("/").split("/")[2]

    async def go() -> list[Discovered]:
        guard = RequestGuard(settings, [server.url_for("/")])
        async with guard.fetcher:
            return [
                await guard.checked(Discovered(url=server.url_for(p), host=host))
                for p in ("/private/a", "/open/")
            ]

    private, open_ = asyncio.run(go())
    assert (private.state, private.reason) == ("skipped", ROBOTS_REFUSAL)
    assert open_ == Discovered(url=server.url_for("/open/"), host=host)
