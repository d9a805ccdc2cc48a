"""The fetcher's edges the mutation run (bench/mutation.py) found untested: each test
fails when one small change is made to scraper/fetch.py (named in its docstring)."""

from __future__ import annotations

import asyncio
import gzip
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer
from rawserver import RawServer
from werkzeug import Request, Response

from scraper.fetch import Fetcher, parse_retry_after
from scraper.models import FailureKind, FetchResult
from scraper.settings import Settings

HTML = "<html><head><title>T</title></head><body><p>Hello</p></body></html>"


def fetch(settings: Settings, url: str, **kw: object) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings) as f:
            return await f.fetch(url, **kw)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_a_retry_after_date_without_a_zone_is_taken_as_utc() -> None:
    """``tzinfo is None`` -> ``is not None``: a '-0000' date (no zone said) raised."""
    past = datetime(2015, 10, 21, 7, 28)
    assert parse_retry_after(format_datetime(past)) == 0.0  # 'Wed, 21 Oct 2015 ... -0000'
    ahead = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(seconds=120)
    seconds = parse_retry_after(format_datetime(ahead))
    assert seconds is not None and 0 < seconds <= 120
    aware = ahead.replace(tzinfo=UTC)
    seconds = parse_retry_after(format_datetime(aware, usegmt=True))
    assert seconds is not None and 0 < seconds <= 120


def test_a_truncated_gzip_body_is_undecodable(server: HTTPServer, settings: Settings) -> None:
    """``decoder.close()`` removed: a gzip stream that ends early was taken as a page."""
    body = gzip.compress(HTML.encode() * 20)
    server.expect_request("/cut").respond_with_data(
        body[: len(body) // 2], content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    r = fetch(replace(settings, retries=0), server.url_for("/cut"))
    assert r.kind is FailureKind.UNDECODABLE and r.error.startswith("undecodable body")
    assert r.body == b""


def test_head_keeps_exactly_the_first_bytes(server: HTTPServer, settings: Settings) -> None:
    """``fetch(head=N)`` cuts the chunk that crosses N (the slice's arithmetic), and a
    body shorter than N is kept whole."""
    body = bytes(range(256)) * 12  # 3072 bytes, sent in chunks of 1024

    def chunked(request: Request) -> Response:
        return Response(iter([body[i : i + 1024] for i in range(0, len(body), 1024)]))

    server.expect_request("/r").respond_with_handler(chunked)
    url = server.url_for("/r")
    for head in (1, 1500, 2048, 4000):
        r = fetch(settings, url, accept=None, head=head)
        assert r.ok and r.body == body[:head], head


def test_no_content_type_is_html_only_when_the_body_is_markup(
    raw_server: Callable[[bytes], RawServer], settings: Settings
) -> None:
    """``_looks_like_html`` and the check that calls it (no Content-Type: the body
    decides), and ``accept=None`` takes any body."""
    head = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
    markup = b"\xef\xbb\xbf \n<!doctype html><html><body><p>Hi</p></body></html>"
    text = b"just some words, no markup at all"
    later = b"Note: this page\n<html><body>x</body></html>"  # markup after a line of text
    too_late = b"a" * 2044 + b"<html><body>x</body></html>"  # only the first 2 KiB are looked at
    for body, ok in ((markup, True), (text, False), (later, True), (too_late, False)):
        url = raw_server(head % len(body) + body).url("/page")
        r = fetch(replace(settings, retries=0), url)
        assert r.ok is ok, body
        if ok:
            assert r.body == body and r.content_type is None
        else:
            assert r.kind is FailureKind.NOT_HTML and "no content type" in r.error
            assert r.body == body  # what was read is kept with the failure
    url = raw_server(head % len(text) + text).url("/page")
    assert fetch(settings, url, accept=None).body == text


@pytest.mark.parametrize(
    ("framing", "error"),
    [
        (b"Content-Length: 5000", "body cut short (3 of 5,000 bytes received)"),
        # a chunk cut short: aiohttp's message without the repr of its inner error
        (
            b"Transfer-Encoding: chunked\r\n\r\n400",
            "body cut short (Response payload is not completed)",
        ),
    ],
    ids=["content-length", "chunked"],
)
def test_a_body_cut_short_is_a_transient_failure_retried(
    raw_server: Callable[[bytes], RawServer], settings: Settings, framing: bytes, error: str
) -> None:
    """The connection closed before Content-Length bytes (or a chunk's) came: a
    reading error, converted as one (``reading=True``), said plainly and retried."""
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + framing + b"\r\n\r\n<p>"
    cut = raw_server(answer)
    r = fetch(replace(settings, retries=1), cut.url("/page"))
    assert r.kind is FailureKind.TRANSIENT, r.error
    assert r.error == error
    assert len(cut.requests) == 2


def test_a_host_is_failing_after_so_many_failures_in_a_row(
    server: HTTPServer, settings: Settings
) -> None:
    """Each transient failure counts one; a success starts the count again."""
    server.expect_request("/down").respond_with_data("busy", status=503)
    server.expect_request("/up").respond_with_data(HTML, content_type="text/html")
    s = replace(settings, retries=0, host_failures=2)
    host = f"127.0.0.1:{server.port}"

    async def go() -> list[bool]:
        seen = []
        async with Fetcher(s) as f:
            for path in ("/down", "/down", "/up", "/down"):
                await f.fetch(server.url_for(path))
                seen.append(f.host_failing(host))
        return seen

    assert asyncio.run(go()) == [False, True, False, False]


def test_a_timeout_is_not_retried(server: HTTPServer, settings: Settings) -> None:
    """``break`` after the request timed out: waiting again would double the wait."""
    answer = threading.Event()  # set by the test once the fetch has returned
    calls: list[int] = []

    def slow(request: Request) -> Response:
        calls.append(1)
        answer.wait(30)
        return Response(HTML, content_type="text/html")

    server.expect_request("/slow").respond_with_handler(slow)
    try:
        r = fetch(replace(settings, timeout=0.3, retries=2), server.url_for("/slow"))
    finally:
        answer.set()
    assert r.kind is FailureKind.TRANSIENT and r.error == "timed out after 0.3s"
    assert len(calls) == 1


def test_400_is_a_client_error_with_its_status_line(server: HTTPServer, settings: Settings) -> None:
    """400 is the first client error (``>= 400``), not a 2xx without a page."""
    server.expect_request("/bad").respond_with_data("no", status=400)
    r = fetch(settings, server.url_for("/bad"))
    assert r.kind is FailureKind.PERMANENT and r.error.lower() == "http 400 bad request"


@pytest.mark.parametrize("retries", [2, 0])
def test_a_retry_after_pauses_the_host_for_every_url(
    server: HTTPServer, settings: Settings, retries: int
) -> None:
    """A Retry-After too long to wait fails the URL and pauses its host: another URL of
    that host is not requested (``pause_host`` removed: it was, at once). With no
    retries (``--retries 0``) too: the server's word is for the host, not the URL."""
    calls: list[str] = []

    def handler(request: Request) -> Response:
        calls.append(request.path)
        return Response("later", status=503, headers={"Retry-After": "3600"})

    server.expect_request("/a").respond_with_handler(handler)
    server.expect_request("/b").respond_with_data(HTML, content_type="text/html")

    async def go() -> tuple[FetchResult, bool]:
        async with Fetcher(replace(settings, retries=retries)) as f:
            first = await f.fetch(server.url_for("/a"))
            try:
                await asyncio.wait_for(f.fetch(server.url_for("/b")), 1.0)
            except TimeoutError:
                return first, True
            return first, False

    first, waited = asyncio.run(go())
    assert "Retry-After 3600s" in first.error
    assert waited and calls == ["/a"]


def test_retries_back_off_doubling_from_half_the_backoff(
    server: HTTPServer, settings: Settings
) -> None:
    """Lower bounds only (a sleep never ends early): the n-th retry waits at least
    ``backoff * 2**n * 0.5``; ``elapsed_ms`` covers the whole fetch, waits included."""
    answered: list[float] = []  # when each answer was made (the server's clock)
    arrived: list[float] = []

    def handler(request: Request) -> Response:
        arrived.append(time.monotonic())
        status = 503 if len(arrived) < 3 else 200
        answered.append(time.monotonic())
        return Response(HTML, status=status, content_type="text/html")

    server.expect_request("/flaky").respond_with_handler(handler)
    s = replace(settings, backoff=0.2, retries=2)
    started = time.monotonic()
    r = fetch(s, server.url_for("/flaky"))
    window_ms = (time.monotonic() - started) * 1000
    assert r.ok and len(arrived) == 3
    assert arrived[1] - answered[0] >= 0.1  # 0.2 * 2**0 * 0.5
    assert arrived[2] - answered[1] >= 0.2  # 0.2 * 2**1 * 0.5
    assert 300 <= r.elapsed_ms <= window_ms


def test_the_accept_header_names_what_is_taken(server: HTTPServer, settings: Settings) -> None:
    """HTML by default; ``accept=None`` (robots.txt, sitemaps) is ``*/*``; a list is sent."""
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("Accept", ""))
        return Response(HTML, content_type="text/html")

    server.expect_request("/x").respond_with_handler(handler)
    url = server.url_for("/x")
    fetch(settings, url)
    fetch(settings, url, accept=None)
    fetch(settings, url, accept=("text/html", "application/xml"))
    assert seen == ["text/html,application/xhtml+xml", "*/*", "text/html, application/xml"]


@pytest.mark.parametrize("http2", [False, True], ids=["aiohttp", "httpx"])
def test_a_kept_alive_connection_the_server_closed_is_not_reused(
    raw_server: Callable[[bytes], RawServer], http2: bool
) -> None:
    """A connection the server closed is not sent on again: aiohttp sees it closed;
    through httpx, netguard's stream says it is readable (at EOF), and httpcore then
    opens a new one instead of sending on the dead one."""
    body = HTML.encode()
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (
        len(body),
        body,
    )
    server = raw_server(answer)  # keep-alive promised, then the server hangs up

    async def go() -> list[FetchResult]:
        settings = replace(Settings(), retries=0, http2=http2)
        async with Fetcher(settings, trusted=lambda host: True) as f:
            first = await f.fetch(server.url())
            assert await asyncio.to_thread(server.wait_closed, 1)
            return [first, await f.fetch(server.url())]

    results = asyncio.run(go())
    assert [r.error for r in results] == [None, None]
    assert len(server.requests) == 2  # the second fetch came on a second connection


def test_the_delay_counts_from_when_a_request_goes_out(server: HTTPServer) -> None:
    """A request that waited for a slot of all hosts (--concurrency) still keeps
    its host's next request ``delay`` seconds after it."""
    stamps: list[tuple[str, float]] = []
    release = threading.Event()

    def handler(request: Request) -> Response:
        stamps.append((request.path, time.monotonic()))
        if request.path == "/slow":
            release.wait(5)
        return Response(HTML, content_type="text/html")

    server.expect_request(re.compile("/.*")).respond_with_handler(handler)
    settings = replace(Settings(), concurrency=1, per_host=1, delay=0.3, retries=0)
    other = server.url_for("/slow").replace("127.0.0.1", "localhost")  # another host

    async def go() -> None:
        async with Fetcher(settings) as f:
            slow = asyncio.create_task(f.fetch(other))  # holds the one slot of all hosts
            while not stamps:
                await asyncio.sleep(0.01)
            first = asyncio.create_task(f.fetch(server.url_for("/a")))
            await asyncio.sleep(0.5)  # /a waits for the slot past its host's delay
            release.set()
            await asyncio.gather(slow, first)
            await f.fetch(server.url_for("/b"))

    asyncio.run(go())
    when = dict(stamps)
    assert when["/b"] - when["/a"] >= 0.3


def test_the_delay_counts_again_from_when_an_answer_is_read(server: HTTPServer) -> None:
    """A slow answer: the host's next request still waits the delay after it."""
    stamps: dict[str, float] = {}
    answered: dict[str, float] = {}

    def handler(request: Request) -> Response:
        stamps[request.path] = time.monotonic()
        if request.path == "/slow":
            time.sleep(0.3)  # the server's own slowness, not a wait of the test's
        answered[request.path] = time.monotonic()
        return Response(HTML, content_type="text/html")

    server.expect_request(re.compile("/.*")).respond_with_handler(handler)
    settings = replace(Settings(), per_host=1, delay=0.2, retries=0)

    async def go() -> None:
        async with Fetcher(settings) as f:
            await f.fetch(server.url_for("/slow"))
            await f.fetch(server.url_for("/next"))

    asyncio.run(go())
    assert stamps["/next"] - answered["/slow"] >= 0.2
