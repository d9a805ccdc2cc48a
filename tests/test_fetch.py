"""The fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import replace

import httpx
import pytest
from pytest_httpserver import HTTPServer
from resolvers import resolver
from werkzeug import Request, Response

from scraper.fetch import Fetcher, _unknown_host, parse_retry_after
from scraper.models import FetchResult
from scraper.netguard import PRIVATE_REFUSAL, public_only_transport
from scraper.settings import Settings

HTML = "<html><head><title>T</title></head><body><p>Hello</p></body></html>"


def fetch(settings: Settings, url: str, **kw: str) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings) as f:
            return await f.fetch(url, **kw)

    return asyncio.run(go())


def test_ok_page_with_validators(server: HTTPServer, settings: Settings) -> None:
    server.expect_request("/a").respond_with_data(
        HTML,
        content_type="text/html; charset=utf-8",
        headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Nov 2016 10:00:00 GMT"},
    )
    r = fetch(settings, server.url_for("/a"))
    assert r.ok and r.status == 200 and r.error is None
    assert r.body == HTML.encode()
    assert r.content_type == "text/html" and r.encoding == "utf-8"
    assert r.etag == '"v1"' and r.last_modified.startswith("Tue")
    assert r.final_url == server.url_for("/a")


def test_user_agent_names_the_tool(server: HTTPServer, settings: Settings) -> None:
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("User-Agent", ""))
        return Response(HTML, content_type="text/html")

    server.expect_request("/ua").respond_with_handler(handler)
    fetch(settings, server.url_for("/ua"))
    assert seen and seen[0].startswith("scraper/")


def test_redirects_followed_and_final_url_recorded(server: HTTPServer, settings: Settings) -> None:
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/mid"})
    server.expect_request("/mid").respond_with_data("", status=302, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data(HTML, content_type="text/html")
    r = fetch(settings, server.url_for("/old"))
    assert r.ok
    assert r.final_url == server.url_for("/new")
    assert r.redirects == (server.url_for("/old"), server.url_for("/mid"))


def test_redirect_loop_and_cap(server: HTTPServer, settings: Settings) -> None:
    server.expect_request("/x").respond_with_data("", status=302, headers={"Location": "/y"})
    server.expect_request("/y").respond_with_data("", status=302, headers={"Location": "/x"})
    r = fetch(settings, server.url_for("/x"))
    assert not r.ok and "redirect loop" in r.error

    for i in range(5):
        server.expect_request(f"/hop{i}").respond_with_data(
            "", status=302, headers={"Location": f"/hop{i + 1}"}
        )
    r = fetch(replace(settings, max_redirects=3), server.url_for("/hop0"))
    assert not r.ok and "more than 3 redirects" in r.error


def test_404_and_410_are_failures_without_retry(server: HTTPServer, settings: Settings) -> None:
    calls = []
    server.expect_request("/gone").respond_with_handler(
        lambda req: calls.append(1) or Response("gone", status=410)
    )
    r = fetch(settings, server.url_for("/gone"))
    assert r.status == 410 and r.error == "HTTP 410 GONE"
    assert len(calls) == 1
    server.expect_request("/missing").respond_with_data("no", status=404)
    assert fetch(settings, server.url_for("/missing")).error.startswith("HTTP 404")


def test_503_then_200_is_retried(server: HTTPServer, settings: Settings) -> None:
    server.expect_ordered_request("/flaky").respond_with_data("busy", status=503)
    server.expect_ordered_request("/flaky").respond_with_data(HTML, content_type="text/html")
    r = fetch(settings, server.url_for("/flaky"))
    assert r.ok and r.body == HTML.encode()


def test_429_honours_retry_after(server: HTTPServer, settings: Settings) -> None:
    arrived: list[float] = []  # when each request reached the server (its own clock)

    def handler(request: Request) -> Response:
        arrived.append(time.monotonic())
        if len(arrived) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return Response(HTML, content_type="text/html")

    server.expect_request("/limited").respond_with_handler(handler)
    r = fetch(settings, server.url_for("/limited"))
    assert r.ok and len(arrived) == 2
    # a lower bound only (waited as told, not the 10 ms backoff): load cannot break it
    assert arrived[1] - arrived[0] >= 0.99


def test_retry_after_too_long_fails_instead_of_waiting(
    server: HTTPServer, settings: Settings
) -> None:
    server.expect_request("/later").respond_with_data(
        "", status=503, headers={"Retry-After": "3600"}
    )
    r = fetch(settings, server.url_for("/later"))
    assert not r.ok and "HTTP 503" in r.error and "Retry-After 3600s" in r.error


def test_retries_are_bounded(server: HTTPServer, settings: Settings) -> None:
    calls = []
    server.expect_request("/down").respond_with_handler(
        lambda req: calls.append(1) or Response("", status=500)
    )
    r = fetch(settings, server.url_for("/down"))
    assert r.error.startswith("HTTP 500")
    assert len(calls) == settings.retries + 1


def test_slow_response_times_out(server: HTTPServer, settings: Settings) -> None:
    answer = threading.Event()  # set by the test once the fetch has returned

    def slow(request: Request) -> Response:
        answer.wait(30)
        return Response(HTML, content_type="text/html")

    server.expect_request("/slow").respond_with_handler(slow)
    try:  # the server has not answered: the fetch can only have returned by giving up
        r = fetch(replace(settings, timeout=0.3), server.url_for("/slow"))
    finally:
        answer.set()
    assert not r.ok and "timed out" in r.error


def test_non_html_is_refused_with_its_type(server: HTTPServer, settings: Settings) -> None:
    server.expect_request("/doc.pdf").respond_with_data(b"%PDF-1.4", content_type="application/pdf")
    r = fetch(settings, server.url_for("/doc.pdf"))
    assert r.error == "not HTML (application/pdf)" and r.body == b""


def test_oversized_body_is_cut_while_streaming(server: HTTPServer, settings: Settings) -> None:
    big = b"<html><body>" + b"x" * 50_000 + b"</body></html>"
    server.expect_request("/big").respond_with_data(big, content_type="text/html")

    def chunked(request: Request) -> Response:  # no Content-Length: counted while streaming
        return Response((b"<p>" + b"y" * 1000 for _ in range(100)), content_type="text/html")

    server.expect_request("/stream").respond_with_handler(chunked)
    small = replace(settings, max_bytes=10_000)
    for path in ("/big", "/stream"):
        r = fetch(small, server.url_for(path))
        assert not r.ok and "10,000 byte limit" in r.error, path


def test_conditional_request_gets_304(server: HTTPServer, settings: Settings) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(HTML, content_type="text/html", headers={"ETag": '"v1"'})

    server.expect_request("/c").respond_with_handler(handler)
    r = fetch(settings, server.url_for("/c"), etag='"v1"')
    assert r.not_modified and r.error is None and r.body == b""


def test_connection_refused_is_a_reason(settings: Settings) -> None:
    r = fetch(replace(settings, retries=1), "http://127.0.0.1:9/")
    assert not r.ok and r.error.startswith("connection failed")


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None) is None
    assert parse_retry_after("nonsense") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


class _Resolver(httpx.AsyncBaseTransport):
    """A transport whose every connection fails in DNS the way getaddrinfo does (no
    network is touched)."""

    def __init__(self, code: int) -> None:
        self.code, self.calls = code, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        try:
            raise socket.gaierror(self.code, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc


def test_unknown_host_fails_at_once_a_resolver_hiccup_is_retried(settings: Settings) -> None:
    async def go(transport: _Resolver) -> FetchResult:
        async with Fetcher(replace(settings, retries=2), transport=transport) as f:
            return await f.fetch("http://no-such-host.example/")

    gone = _Resolver(socket.EAI_NONAME)
    r = asyncio.run(go(gone))
    assert r.error.startswith("unknown host") and gone.calls == 1
    hiccup = _Resolver(socket.EAI_AGAIN)
    r = asyncio.run(go(hiccup))
    assert r.error.startswith("connection failed") and hiccup.calls == 3


# ---------------------------------------------------------------- addresses pinned


def get(transport: httpx.AsyncBaseTransport, url: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, timeout=5) as client:
            return await client.get(url)

    return asyncio.run(go())


def test_a_name_is_connected_only_at_the_public_addresses_it_resolves_to(
    server: HTTPServer,
) -> None:
    # a name whose DNS answer turned private after the crawler's check (rebinding):
    # resolved again when connecting, and refused before any byte is sent
    server.expect_request("/secret").respond_with_data("internal", content_type="text/html")
    table = {"rebind.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "127.0.0.1"]}
    transport = public_only_transport(lambda host: False, resolve=resolver(table))
    for host in ("rebind.test", "mixed.test", "127.0.0.1"):
        url = server.url_for("/secret").replace("localhost", host).replace("127.0.0.1", host)
        with pytest.raises(httpx.ConnectError, match=r"^private address"):
            get(transport, url)
    # nothing reached the server (a request of an earlier test may still be logged:
    # test_slow_response_times_out's handler answers after its client gave up)
    assert not [request for request, _ in server.log if request.path == "/secret"]
    with pytest.raises(httpx.ConnectError) as info:
        get(transport, "http://no-such-name.test/")
    assert _unknown_host(info.value)  # still told apart: fails at once as "unknown host"


def test_trusted_hosts_connect_as_usual(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data(HTML, content_type="text/html")
    transport = public_only_transport(lambda host: host == "127.0.0.1")
    assert get(transport, server.url_for("/a").replace("localhost", "127.0.0.1")).text == HTML


def test_fetcher_with_trusted_hosts_refuses_the_others(
    server: HTTPServer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    server.expect_request("/a").respond_with_data(HTML, content_type="text/html")
    url = server.url_for("/a").replace("localhost", "127.0.0.1")

    async def go(trusted: set[str]) -> FetchResult:
        async with Fetcher(settings, trusted=trusted.__contains__) as f:
            return await f.fetch(url)

    refused = asyncio.run(go(set()))
    assert refused.error == PRIVATE_REFUSAL and not server.log
    assert asyncio.run(go({"127.0.0.1"})).ok
