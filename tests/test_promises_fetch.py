"""README promises of fetching and archiving, each at its boundary: the size cap
(``--max-bytes`` exactly, and one byte more), ``If-Modified-Since`` on a refetch, the
shrink guard (under half of an archived text of at least 600 characters), and the
address guard (every address a name resolves to must be public). A real server on
127.0.0.1, real SQLite files."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import replace

import pytest
from promise_site import rows
from pytest_httpserver import HTTPServer
from resolvers import resolving_to
from werkzeug import Request, Response

from scraper.archive import Archive
from scraper.crawl.urllist import archive_urls
from scraper.fetch import Fetcher
from scraper.models import FetchResult
from scraper.pipeline import Summary
from scraper.settings import Settings
from scraper.urls import is_public_address

LIMIT = 1000


def fetch_all(settings: Settings, urls: list[str]) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(settings) as f:
            return [await f.fetch(u) for u in urls]

    return asyncio.run(go())


def markup(size: int) -> bytes:
    return b"<p>" + b"x" * (size - 3)


@pytest.mark.parametrize("how", ["declared", "streamed", "gzip"])
def test_the_size_cap_takes_max_bytes_exactly_and_not_one_more(
    server: HTTPServer, settings: Settings, how: str
) -> None:
    def handler(request: Request) -> Response:
        body = markup(int(request.args["size"]))
        if how == "declared":  # Content-Length says it before the body is read
            return Response(body, content_type="text/html")
        if how == "streamed":  # no Content-Length: counted while streaming
            return Response(iter([body[:500], body[500:]]), content_type="text/html")
        # decompressed bytes count: the compressed body is far under the limit
        headers = {"Content-Encoding": "gzip"}
        return Response(gzip.compress(body), headers=headers, content_type="text/html")

    server.expect_request("/page").respond_with_handler(handler)
    urls = [server.url_for(f"/page?size={n}") for n in (LIMIT, LIMIT + 1)]
    exact, over = fetch_all(replace(settings, max_bytes=LIMIT, retries=0), urls)
    assert exact.ok and exact.body == markup(LIMIT)
    assert not over.ok and "byte limit" in over.error and over.body == b""


def archive(urls: list[str], settings: Settings) -> Summary:
    with Archive(settings.db) as arc:
        return asyncio.run(archive_urls(urls, arc, settings))


def test_a_refetch_sends_if_modified_since(server: HTTPServer, settings: Settings) -> None:
    stamp = "Tue, 01 Nov 2016 10:00:00 GMT"
    asked: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        asked.append(dict(request.headers))
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304)
        page = "<html><body><article><p>" + "A paragraph of the story. " * 20 + "</p></article>"
        return Response(page, content_type="text/html", headers={"Last-Modified": stamp})

    server.expect_request("/story").respond_with_handler(handler)
    url = server.url_for("/story")
    assert archive([url], settings).counts["archived"] == 1
    assert archive([url], settings).counts["not-modified"] == 1
    assert "If-Modified-Since" not in asked[0]
    assert asked[1]["If-Modified-Since"] == stamp and "If-None-Match" not in asked[1]


def text_of(n: int) -> str:
    """A text of exactly ``n`` characters, words and spaces."""
    return ("Words of the story " * (n // 19 + 1))[: n - 1] + "."


def page_of(n: int) -> str:
    return f"<html><body><article><p>{text_of(n)}</p></article></body></html>"


def test_the_shrink_guard_at_half_and_at_600_characters(
    server: HTTPServer, settings: Settings
) -> None:
    # (archived text, new text, kept?) - kept only when the new text is under half of
    # an archived text of at least 600 characters
    cases = {
        "/a": (600, 300, False),
        "/b": (600, 299, True),
        "/c": (599, 299, False),
        "/d": (2000, 409, True),
    }
    serving = {path: old for path, (old, _, _) in cases.items()}
    for path in cases:
        server.expect_request(path).respond_with_handler(
            lambda r: Response(page_of(serving[r.path]), content_type="text/html")
        )
    urls = [server.url_for(p) for p in cases]
    assert archive(urls, settings).counts["archived"] == 4
    serving.update({path: new for path, (_, new, _) in cases.items()})
    second = archive(urls, settings)
    assert second.counts["kept"] == 2 and second.counts["updated"] == 2
    with Archive(settings.db) as arc:
        for path, (old, new, kept) in cases.items():
            text = arc.get_article(server.url_for(path))["text"]
            assert text == text_of(old if kept else new), path
    reasons = rows(settings.db, "SELECT url, error FROM fetches WHERE error IS NOT NULL")
    assert sorted(reasons) == [
        (server.url_for("/b"), "kept the archived article: the new text is 50% of its length"),
        (server.url_for("/d"), "kept the archived article: the new text is 20% of its length"),
    ]


@pytest.mark.parametrize(
    ("addresses", "public"),
    [
        (("93.184.216.34",), True),
        (("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"), True),
        (("93.184.216.34", "10.0.0.7"), False),  # one private address is enough
        (("127.0.0.1", "93.184.216.34"), False),
        (("169.254.169.254",), False),
        ((), True),  # does not resolve: the fetch fails on its own
    ],
)
def test_a_name_is_public_only_when_every_address_is(
    addresses: tuple[str, ...], public: bool
) -> None:
    assert is_public_address("news.example", resolve=resolving_to(*addresses)) is public


def test_loopback_names_and_private_literals_are_not_public() -> None:
    nowhere = resolving_to("93.184.216.34")  # never asked for these
    for host in ("localhost", "a.localhost", "127.0.0.1", "[::1]", "10.1.2.3", "192.168.0.1"):
        assert not is_public_address(host, resolve=nowhere), host
    assert is_public_address("93.184.216.34", resolve=nowhere)
