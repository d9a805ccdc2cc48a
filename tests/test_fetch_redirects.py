"""Redirects, retries and the client's errors at their edges, on a real server on
127.0.0.1: each test fails when one small change is made to scraper/fetch.py (the
mutation run's survivors, bench/mutation_results.md; named in each docstring)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import httpx
import pytest
from pytest_httpserver import HTTPServer
from rawserver import RawServer
from werkzeug import Request, Response

from scraper.fetch import Fetcher, _converted, _unknown_host
from scraper.models import FailureKind, FetchResult
from scraper.netguard import PRIVATE_ADDRESS, PRIVATE_REFUSAL
from scraper.settings import Settings

HTML = "<html><head><title>T</title></head><body><p>Hello</p></body></html>"


def fetch(settings: Settings, url: str) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings) as f:
            return await f.fetch(url)

    return asyncio.run(go())


def counted(server: HTTPServer, path: str, *answers: Response) -> list[int]:
    """``path`` answers with ``answers`` in turn (the last one from then on); returns
    the list its requests are counted in."""
    calls: list[int] = []

    def handler(request: Request) -> Response:
        calls.append(1)
        return answers[min(len(calls), len(answers)) - 1]

    server.expect_request(path).respond_with_handler(handler)
    return calls


def test_a_transient_failure_is_tried_once_then_retries_times_more(
    server: HTTPServer, settings: Settings
) -> None:
    """``range(retries + 1)``: not ``- 1``, not ``+ 2``."""
    calls = counted(server, "/busy", Response("busy", status=503))
    r = fetch(replace(settings, retries=2), server.url_for("/busy"))
    assert (r.kind, r.error, len(calls)) == (
        FailureKind.TRANSIENT,
        "HTTP 503 SERVICE UNAVAILABLE",
        3,
    )


def test_a_permanent_failure_is_not_retried(server: HTTPServer, settings: Settings) -> None:
    """``failure.retryable and attempt < retries``: not ``or``."""
    calls = counted(server, "/missing", Response("no", status=404))
    r = fetch(replace(settings, retries=2), server.url_for("/missing"))
    assert (r.kind, len(calls)) == (FailureKind.PERMANENT, 1)


def test_a_retry_after_of_exactly_the_longest_wait_is_waited_for(
    server: HTTPServer, settings: Settings
) -> None:
    """``retry_after > max_retry_wait`` fails the URL: not ``>=`` (0 s here)."""
    busy = Response("busy", status=503, headers={"Retry-After": "0"})
    calls = counted(server, "/later", busy, Response(HTML, content_type="text/html"))
    r = fetch(replace(settings, max_retry_wait=0), server.url_for("/later"))
    assert r.ok and len(calls) == 2, r.error


@pytest.mark.parametrize(("paused", "ok"), [(0.0, True), (0.5, False)])
def test_a_host_paused_for_exactly_the_longest_wait_is_waited_for(
    server: HTTPServer, settings: Settings, paused: float, ok: bool
) -> None:
    """The hosts every crawl of an archive shares (``share_hosts``, the crawl's
    ``SharedHosts``): a wait of exactly ``max_retry_wait`` is waited for (not ``>=``,
    0 s here), a longer one fails the URL at once, unrequested."""
    server.expect_request("/a").respond_with_data(HTML, content_type="text/html")

    async def gate(host: str, delay: float, max_wait: float) -> float:
        return paused

    async def go() -> FetchResult:
        async with Fetcher(replace(settings, max_retry_wait=0)) as f:
            f.share_hosts(gate)
            return await f.fetch(server.url_for("/a"))

    r = asyncio.run(go())
    if ok:
        assert r.error is None and len(server.log) == 1
    else:
        assert r.kind is FailureKind.TRANSIENT and "is paused for" in (r.error or "")
        assert not server.log


def test_a_200_with_a_location_header_is_the_page(server: HTTPServer, settings: Settings) -> None:
    """A redirect is a redirect status *and* a Location: not ``or``."""
    server.expect_request("/page").respond_with_data(
        HTML, content_type="text/html", headers={"Location": "/elsewhere"}
    )
    r = fetch(settings, server.url_for("/page"))
    assert r.ok and r.final_url == server.url_for("/page") and r.redirects == ()


def test_exactly_max_redirects_are_followed(server: HTTPServer, settings: Settings) -> None:
    """``len(redirects) > max_redirects`` fails: not ``>=``."""
    for i in range(3):
        server.expect_request(f"/hop{i}").respond_with_data(
            "", status=302, headers={"Location": f"/hop{i + 1}"}
        )
    server.expect_request("/hop3").respond_with_data(HTML, content_type="text/html")
    r = fetch(replace(settings, max_redirects=3), server.url_for("/hop0"))
    assert r.ok and r.final_url == server.url_for("/hop3"), r.error


def test_a_redirect_to_another_scheme_is_refused_as_such(
    server: HTTPServer, settings: Settings
) -> None:
    """The check of a redirect's scheme (removed, the client's own refusal said less)."""
    server.expect_request("/ftp").respond_with_data(
        "", status=301, headers={"Location": "ftp://127.0.0.1/file"}
    )
    r = fetch(settings, server.url_for("/ftp"))
    assert (r.kind, r.error) == (
        FailureKind.INVALID_URL,
        "redirect to a non-http URL ftp://127.0.0.1/file",
    )


def test_a_loop_away_from_the_first_url_is_a_loop(server: HTTPServer, settings: Settings) -> None:
    """Each redirect's target is remembered (``seen.add``), not only the first URL."""
    server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/c"})
    server.expect_request("/c").respond_with_data("", status=302, headers={"Location": "/b"})
    r = fetch(settings, server.url_for("/a"))
    assert (r.kind, r.error) == (FailureKind.PERMANENT, f"redirect loop at {server.url_for('/b')}")


def test_a_204_is_no_page(server: HTTPServer, settings: Settings) -> None:
    """A 2xx other than 200 fails as such (the raise removed, it was read as a page)."""
    server.expect_request("/empty").respond_with_data("", status=204)
    r = fetch(settings, server.url_for("/empty"))
    assert (r.kind, r.error) == (FailureKind.PERMANENT, "HTTP 204: no page")


def test_a_connection_closed_without_an_answer_is_a_network_error_retried(
    raw_server: Callable[[bytes], RawServer], settings: Settings
) -> None:
    """``_converted``'s network error: its failure (not None) and retryable."""
    hanging_up = raw_server(b"")  # reads each request and closes without a word
    r = fetch(replace(settings, retries=2), hanging_up.url())
    assert r.kind is FailureKind.TRANSIENT and r.error.startswith("network error ("), r.error
    assert len(hanging_up.requests) == 3


def test_a_refused_connection_is_a_connection_failure(settings: Settings) -> None:
    """``_converted``'s connect error: its failure, not None."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]  # closed when the fetch runs: nothing listens
    r = fetch(replace(settings, retries=0), f"http://127.0.0.1:{port}/")
    assert r.kind is FailureKind.TRANSIENT and r.error.startswith("connection failed ("), r.error


@pytest.mark.parametrize(
    ("url", "kind", "reason"),
    [
        ("ftp://127.0.0.1/file", FailureKind.INVALID_URL, "unsupported URL scheme"),
        ("http://ü..com/", FailureKind.INVALID_URL, "invalid URL ("),
    ],
)
def test_urls_the_client_refuses_are_failures_with_a_kind(
    settings: Settings, url: str, kind: FailureKind, reason: str
) -> None:
    """``_converted``'s unsupported scheme and invalid URL: their failures, not None."""
    r = fetch(settings, url)
    assert r.kind is kind and r.error.startswith(reason), r.error


# ------------------------------------------------------------- the host a failure counts against


def test_a_failure_after_a_redirect_counts_against_the_host_that_failed(
    server: HTTPServer, settings: Settings
) -> None:
    """A redirect to another host that answers 503: the failure counts against that host
    (``result.final_url or url``: not ``and``, which counted the first URL's host)."""
    server.expect_request("/busy").respond_with_data("busy", status=503)
    elsewhere = server.url_for("/busy").replace("127.0.0.1", "localhost")
    server.expect_request("/moved").respond_with_data(
        "", status=302, headers={"Location": elsewhere}
    )
    s = replace(settings, retries=0, host_failures=1)

    async def go() -> tuple[FetchResult, bool, bool]:
        async with Fetcher(s) as f:
            r = await f.fetch(server.url_for("/moved"))
            port = server.port
            return r, f.host_failing(f"localhost:{port}"), f.host_failing(f"127.0.0.1:{port}")

    r, other_failing, first_failing = asyncio.run(go())
    assert r.kind is FailureKind.TRANSIENT and r.final_url == elsewhere, r.error
    assert (other_failing, first_failing) == (True, False)


def test_each_timeout_counts_one_failure_of_its_host(
    server: HTTPServer, settings: Settings
) -> None:
    """A timed-out request counts one transient failure (``+= 1``: not ``-=``, not 2)."""
    answer = threading.Event()  # set once the fetches have returned

    def slow(request: Request) -> Response:
        answer.wait(30)
        return Response(HTML, content_type="text/html")

    server.expect_request("/slow").respond_with_handler(slow)
    s = replace(settings, timeout=0.3, retries=0, host_failures=2)

    async def go() -> list[bool]:
        seen = []
        async with Fetcher(s) as f:
            for _ in range(2):
                r = await f.fetch(server.url_for("/slow"))
                assert r.error == "timed out after 0.3s"
                seen.append(f.host_failing(f"127.0.0.1:{server.port}"))
        return seen

    try:
        assert asyncio.run(go()) == [False, True]
    finally:
        answer.set()


# ------------------------------------------------------------- the client's errors, converted once


def _caused_by(exc: Exception, cause: BaseException) -> Exception:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "reading", "kind", "reason", "retryable"),
    [
        (
            httpx.ReadTimeout("slow"),
            True,
            FailureKind.TRANSIENT,
            "timed out reading the body (slow)",
            False,
        ),
        (
            httpx.DecodingError("bad"),
            True,
            FailureKind.UNDECODABLE,
            "undecodable body (bad)",
            False,
        ),
        (
            httpx.RemoteProtocolError("cut"),
            True,
            FailureKind.TRANSIENT,
            "body cut short (cut)",
            True,
        ),
        (
            httpx.UnsupportedProtocol("ftp"),
            False,
            FailureKind.INVALID_URL,
            "unsupported URL scheme",
            False,
        ),
        (httpx.InvalidURL("bad"), False, FailureKind.INVALID_URL, "invalid URL (bad)", False),
        (
            httpx.ConnectError(f"{PRIVATE_ADDRESS}: x resolves to 10.0.0.1"),
            False,
            FailureKind.PRIVATE_ADDRESS,
            PRIVATE_REFUSAL,
            False,
        ),
        (
            _caused_by(httpx.ConnectError("dns"), socket.gaierror(socket.EAI_NONAME, "no name")),
            False,
            FailureKind.PERMANENT,
            "unknown host (dns)",
            False,
        ),
        (
            httpx.ConnectError("refused"),
            False,
            FailureKind.TRANSIENT,
            "connection failed (refused)",
            True,
        ),
        (
            httpx.ConnectTimeout("slow"),
            False,
            FailureKind.TRANSIENT,
            "connection failed (slow)",
            True,
        ),
        (httpx.PoolTimeout("busy"), False, FailureKind.TRANSIENT, "timed out (busy)", False),
        (httpx.ReadError("reset"), False, FailureKind.TRANSIENT, "network error (reset)", True),
        (
            httpx.DecodingError("bad"),
            False,
            FailureKind.PERMANENT,
            "HTTP client error (bad)",
            False,
        ),
        (httpx.StreamConsumed(), False, FailureKind.PERMANENT, "HTTP client error (", False),
    ],
)
def test_each_client_error_is_converted_to_its_kind(
    exc: Exception, reading: bool, kind: FailureKind, reason: str, retryable: bool
) -> None:
    """``_converted``, the one place httpx's errors become failures: each branch's kind,
    reason and whether it is retried (a return -> None, or a flag turned, fails here).
    Those a loopback server can cause are also tested through ``fetch`` above."""
    failure = _converted(exc, reading=reading)
    assert (failure.kind, failure.retryable) == (kind, retryable)
    assert failure.reason.startswith(reason), failure.reason


def _chain(depth: int, last: BaseException) -> Exception:
    """A ConnectError whose cause chain is ``depth`` errors long before ``last``."""
    exc: BaseException = last
    for i in range(depth):
        exc = _caused_by(httpx.ConnectError(f"wrapped {i}"), exc)
    return exc  # type: ignore[return-value]


def test_an_unknown_host_is_looked_for_ten_causes_deep() -> None:
    """``_unknown_host`` walks the cause chain (``__cause__``, else ``__context__``) up to
    ten errors: deeper is not looked at, and no gaierror is False (not None)."""
    gone = socket.gaierror(socket.EAI_NONAME, "no name")
    assert _unknown_host(_chain(9, gone)) is True
    assert _unknown_host(_chain(10, gone)) is False
    assert _unknown_host(_chain(3, ConnectionRefusedError())) is False
    hiccup = socket.gaierror(socket.EAI_AGAIN, "try again")
    assert _unknown_host(_chain(2, hiccup)) is False
    context = httpx.ConnectError("outer")
    context.__context__ = gone
    assert _unknown_host(context) is True


# ------------------------------------------------------------- redirect codes, per-host spacing


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_each_redirect_status_is_followed(
    server: HTTPServer, settings: Settings, status: int
) -> None:
    """Every redirect status in REDIRECT_CODES is followed (the tests redirected with
    301 and 302 only: 303, 307 and 308 could go from the set unseen)."""
    server.expect_request(f"/from{status}").respond_with_data(
        "", status=status, headers={"Location": f"/to{status}"}
    )
    server.expect_request(f"/to{status}").respond_with_data(HTML, content_type="text/html")
    r = fetch(settings, server.url_for(f"/from{status}"))
    assert r.ok and r.final_url == server.url_for(f"/to{status}"), r.error
    assert r.redirects == (server.url_for(f"/from{status}"),)


def test_two_requests_to_a_host_at_once_are_still_the_delay_apart(server: HTTPServer) -> None:
    """--per-host 2: the second request waits for the first's delay, counted from when
    the first went out (``now + delay``: not ``- delay``, which let both go at once)."""
    arrived: dict[str, float] = {}

    def handler(request: Request) -> Response:
        arrived[request.path] = time.monotonic()
        return Response(HTML, content_type="text/html")

    server.expect_request("/one").respond_with_handler(handler)
    server.expect_request("/two").respond_with_handler(handler)
    s = replace(Settings(), per_host=2, delay=0.3, retries=0, http2=False)

    async def go() -> None:
        async with Fetcher(s) as f:
            await asyncio.gather(f.fetch(server.url_for("/one")), f.fetch(server.url_for("/two")))

    asyncio.run(go())
    first, second = sorted(arrived.values())
    assert second - first >= 0.3
