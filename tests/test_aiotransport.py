"""The fetcher's HTTP/1.1 transport (``aiotransport``: httpx's requests sent by aiohttp):
what aiohttp would do on its own and must not (refuse long headers, decode bodies,
send a request again), and the HTTP/2 transport still guarded."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import aiohttp
import httpx
import pytest
from pytest_httpserver import HTTPServer
from rawserver import RawServer
from resolvers import resolver
from werkzeug import Request, Response

from scraper.aiotransport import MAX_HEADER_LINE, AiohttpTransport
from scraper.fetch import Fetcher
from scraper.models import FailureKind, FetchResult
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
@pytest.mark.parametrize("host", ["inside.test", "127.0.0.1"])  # a name, an address
def test_both_transports_refuse_a_name_with_a_private_address(
    server: HTTPServer, http2: bool, host: str
) -> None:
    transport = public_only_transport(
        lambda host: False, http2=http2, resolve=resolver({"inside.test": ["10.0.0.7"]})
    )

    async def go() -> None:
        async with httpx.AsyncClient(transport=transport, timeout=5) as client:
            await client.get(f"http://{host}:{server.port}/")

    with pytest.raises(httpx.ConnectError, match=rf"^private address: {host} resolves"):
        asyncio.run(go())
    assert not server.log


# ------------------------------------------------- aiohttp's errors, as the httpx error of each


def test_a_name_idna_cannot_encode_is_an_unknown_host(settings: Settings) -> None:
    """A label of 64 letters fails in the resolver before any lookup (UnicodeError):
    a name that cannot exist, failed at once as DNS's "no such name" is."""
    (r,) = fetch_all(settings, "http://" + "a" * 64 + ".test/")
    assert r.kind is FailureKind.PERMANENT and r.error.startswith("unknown host ("), r.error
    assert "not a host name" in r.error


def test_a_url_aiohttp_will_not_parse_is_an_invalid_url(settings: Settings) -> None:
    (r,) = fetch_all(settings, "http://1.2.3.4.5/")  # httpx takes it, yarl does not
    assert r.kind is FailureKind.INVALID_URL and r.error.startswith("invalid URL ("), r.error


def test_a_header_aiohttp_will_not_send_fails_before_anything_is_sent(
    server: HTTPServer, settings: Settings
) -> None:
    """A user agent with a line break (from a config file): no request, not retried."""
    server.expect_request("/").respond_with_data(HTML, content_type="text/html")
    (r,) = fetch_all(replace(settings, user_agent="bot\r\nX-Injected: 1"), server.url_for("/"))
    assert r.kind is FailureKind.INVALID_URL and r.error.startswith("invalid URL ("), r.error
    assert not server.log


def test_a_hang_up_before_the_answer_is_told_apart_from_a_body_cut_short(
    raw_server: Callable[[bytes], RawServer], settings: Settings
) -> None:
    unanswered = raw_server(b"")
    cut = raw_server(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 99\r\n\r\n<p>")
    first, second = fetch_all(replace(settings, retries=0), unanswered.url(), cut.url())
    assert first.error == "network error (server disconnected without sending a response)"
    assert second.error.startswith("body cut short ("), second.error


def test_no_credentials_from_netrc_are_sent(
    server: HTTPServer, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiohttp reads ~/.netrc (and proxies) when it trusts the environment: not here."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login user password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    seen: list[str | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("Authorization"))
        return Response(HTML, content_type="text/html")

    server.expect_request("/").respond_with_handler(handler)
    (r,) = fetch_all(settings, server.url_for("/"))
    assert r.error is None and seen == [None]


def _resetting_server() -> socket.socket:
    """Reads a request and resets the connection (RST, not a clean close)."""
    sock = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = sock.accept()
            conn.recv(65536)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock


async def _error_of(url: str, timeout: httpx.Timeout) -> httpx.HTTPError:
    async with httpx.AsyncClient(
        transport=AiohttpTransport(lambda host: True), timeout=timeout
    ) as client:
        with pytest.raises(httpx.HTTPError) as info:
            await client.get(url)
    return info.value


def test_each_aiohttp_error_is_the_httpx_error_of_what_happened_in_aiohttps_words(
    raw_server: Callable[[bytes], RawServer],
) -> None:
    """A reset, an answer that is not HTTP, no answer (read timeout), no connection
    (a connect timeout: a server whose queue of connections is full drops the
    handshake), a scheme not http(s): each httpx error carries aiohttp's own message."""
    not_http = raw_server(b"HELLO\r\n\r\n")
    resetting = _resetting_server()
    silent = socket.create_server(("127.0.0.1", 0))  # takes connections, never answers
    full = socket.create_server(("127.0.0.1", 0), backlog=0)
    filler = socket.create_connection(full.getsockname())  # the queue is full now
    port = lambda sock: sock.getsockname()[1]  # noqa: E731
    cases = [
        (f"http://127.0.0.1:{port(resetting)}/", httpx.NetworkError),
        (not_http.url(), httpx.RemoteProtocolError),
        (f"http://127.0.0.1:{port(silent)}/", httpx.ReadTimeout),
        (f"http://127.0.0.1:{port(full)}/", httpx.ConnectTimeout),
    ]

    async def go() -> list[httpx.HTTPError]:
        timeout = httpx.Timeout(5, connect=0.3, read=0.3)
        return [await _error_of(url, timeout) for url, _ in cases]

    try:
        errors = asyncio.run(go())
    finally:
        for sock in (resetting, silent, filler, full):
            sock.close()
    assert [type(e) for e in errors] == [kind for _, kind in cases]
    for error in errors:
        cause = error.__cause__
        assert isinstance(cause, aiohttp.ClientError), repr(cause)
        said = cause.message if isinstance(cause, aiohttp.ClientResponseError) else str(cause)
        assert said and str(error) == said
    scheme = asyncio.run(_error_of("ftp://127.0.0.1/", httpx.Timeout(5)))
    assert isinstance(scheme, httpx.UnsupportedProtocol)
    assert str(scheme) == "unsupported URL scheme 'ftp'"


def test_a_request_s_body_is_sent(server: HTTPServer) -> None:
    """Any httpx request, not only the fetcher's GETs: a POST's body goes with it."""
    server.expect_request("/form", method="POST", data=b"a=1").respond_with_data("ok")

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=AiohttpTransport(lambda host: True)) as client:
            return await client.post(server.url_for("/form"), content=b"a=1")

    assert asyncio.run(go()).text == "ok"


@pytest.mark.parametrize(
    ("headers", "read"),
    [
        ([b"X: " + b"a" * 65_535], True),
        ([b"X: " + b"a" * 65_536], False),
        ([b"X-%d: 1" % i for i in range(255)], True),  # and Content-Length: 256 lines
        ([b"X-%d: 1" % i for i in range(256)], False),  # 257 lines
    ],
    ids=["longest-value", "value-too-long", "most-headers", "one-header-too-many"],
)
def test_headers_are_read_up_to_their_bounds(
    raw_server: Callable[[bytes], RawServer], headers: list[bytes], read: bool
) -> None:
    """A header value of up to 65,535 bytes and 256 header lines in all are read; a
    value of 65,536 bytes or a 257th line is refused as not HTTP, not a crash. These are
    our bounds (MAX_HEADER_LINE, MAX_HEADERS), which aiohttp applies exactly: with
    either one larger, the answers refused here are read. The figures are written out
    so that the test does not move with the constants."""
    head = b"".join(h + b"\r\n" for h in [*headers, b"Content-Length: 0"])
    server = raw_server(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n")

    async def go() -> int:
        async with httpx.AsyncClient(transport=AiohttpTransport(lambda host: True)) as client:
            return (await client.get(server.url())).status_code

    if read:
        assert asyncio.run(go()) == 200
    else:
        with pytest.raises(httpx.RemoteProtocolError):
            asyncio.run(go())
