"""The fetcher's HTTP/1.1 transport (``aiotransport``: httpx's requests sent by aiohttp):
what aiohttp would do on its own and must not (refuse long headers, decode bodies,
send a request again), and the HTTP/2 transport still guarded."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import replace

import httpx
import pytest
from pytest_httpserver import HTTPServer
from resolvers import resolver

from scraper.aiotransport import MAX_HEADER_LINE, AiohttpTransport
from scraper.fetch import Fetcher
from scraper.models import FetchResult
from scraper.netguard import public_only_transport
from scraper.settings import Settings

HTML = "<html><head><title>T</title></head><body><p>Hello</p></body></html>"


def fetch_all(settings: Settings, *urls: str) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(settings, trusted=lambda host: True) as f:
            return [await f.fetch(url) for url in urls]

    return asyncio.run(go())


def test_the_fetcher_sends_http_1_1_through_aiohttp(settings: Settings) -> None:
    async def go() -> httpx.AsyncBaseTransport:
        async with Fetcher(settings, trusted=lambda host: True) as f:
            assert f._client is not None
            return f._client._transport

    assert isinstance(asyncio.run(go()), AiohttpTransport)
    assert not isinstance(asyncio.run(go_http2(settings)), AiohttpTransport)


async def go_http2(settings: Settings) -> httpx.AsyncBaseTransport:
    async with Fetcher(replace(settings, http2=True), trusted=lambda host: True) as f:
        assert f._client is not None
        return f._client._transport


def test_a_long_header_line_is_read(server: HTTPServer, settings: Settings) -> None:
    # a Content-Security-Policy of 20 KB: aiohttp's own limit (8 KB) refuses the page
    policy = "default-src 'self' " + " ".join(f"https://cdn{i}.example" for i in range(1000))
    assert 8190 < len(policy) < MAX_HEADER_LINE
    server.expect_request("/a").respond_with_data(
        HTML, content_type="text/html", headers={"Content-Security-Policy": policy}
    )
    (r,) = fetch_all(settings, server.url_for("/a"))
    assert r.error is None and r.body == HTML.encode()
    assert dict(r.headers)["content-security-policy"] == policy


def test_the_body_arrives_as_sent_for_the_fetcher_to_decode(
    server: HTTPServer, settings: Settings
) -> None:
    # aiohttp does not decode it (the fetcher does, within its size bound): decoded
    # twice, a gzip body would fail
    server.expect_request("/gz").respond_with_data(
        gzip.compress(HTML.encode()),
        content_type="text/html",
        headers={"Content-Encoding": "gzip"},
    )
    (r,) = fetch_all(settings, server.url_for("/gz"))
    assert r.error is None and r.body == HTML.encode()


@pytest.mark.parametrize("http2", [False, True])
def test_both_transports_refuse_a_name_with_a_private_address(
    server: HTTPServer, http2: bool
) -> None:
    transport = public_only_transport(
        lambda host: False, http2=http2, resolve=resolver({"inside.test": ["10.0.0.7"]})
    )

    async def go() -> None:
        async with httpx.AsyncClient(transport=transport, timeout=5) as client:
            await client.get(f"http://inside.test:{server.port}/")

    with pytest.raises(httpx.ConnectError, match=r"^private address: inside\.test resolves"):
        asyncio.run(go())
    assert not server.log
