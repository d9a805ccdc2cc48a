"""The fetcher's connections, through either transport (aiohttp's for HTTP/1.1,
``aiotransport``; httpx's with netguard's streams when HTTP/2 is on): kept alive from
one request to the next, given back when a body is left unread, at most ``per_host``
at once to a host, and closed when the fetcher is done. A server in the test's own
event loop (tests/loopserver.py) sees each connection open and close."""

from __future__ import annotations

import asyncio
import gc
from dataclasses import replace

import pytest
from loopserver import Answer, LoopServer

from scraper.fetch import Fetcher
from scraper.models import FailureKind, FetchResult
from scraper.settings import Settings

TRANSPORTS = pytest.mark.parametrize("http2", [False, True], ids=["aiohttp", "httpx"])
BIG = 4 << 20  # more than the client reads ahead of the fetcher: the body is not all in


async def answer(srv: LoopServer, path: str) -> Answer:
    if path.startswith("/big"):  # a PDF, or a page read only in part (``head``)
        kind = "application/pdf" if path == "/big.pdf" else "text/html"
        return Answer(content_type=kind, body=b"<" + b"x" * (BIG - 1))
    return Answer()


@TRANSPORTS
def test_a_connection_is_kept_alive_and_closed_when_the_fetcher_is_done(
    settings: Settings, http2: bool
) -> None:
    """Closed by the fetcher, not by the garbage collector: aiohttp's session tells
    the event loop "Unclosed client session" when it is collected unclosed."""
    unclosed: list[str] = []

    async def go() -> tuple[list[FetchResult], int, bool]:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: unclosed.append(context["message"]))
        async with LoopServer(answer) as srv:
            async with Fetcher(replace(settings, http2=http2)) as f:
                results = [await f.fetch(srv.url("/a")), await f.fetch(srv.url("/b"))]
            closed = await srv.wait(lambda: srv.closed == 1, 3)
            gc.collect()
            return results, srv.connections, closed

    results, connections, closed = asyncio.run(go())
    assert [r.error for r in results] == [None, None]
    assert connections == 1  # the second request went on the first one's connection
    assert closed  # and leaving the fetcher closed it
    assert unclosed == []


@TRANSPORTS
def test_a_body_left_unread_gives_its_connection_back(settings: Settings, http2: bool) -> None:
    """With one connection in all (--concurrency 1), a refused PDF and a page read only
    in part (robots.txt: ``head``) each close theirs: the next request goes through."""

    async def go() -> tuple[list[FetchResult], bool]:
        async with LoopServer(answer) as srv:
            async with Fetcher(replace(settings, http2=http2, concurrency=1, retries=0)) as f:
                results = [
                    await f.fetch(srv.url("/big.pdf")),
                    await f.fetch(srv.url("/big"), accept=None, head=1000),
                    await f.fetch(srv.url("/page")),
                ]
                closed = await srv.wait(lambda: srv.closed == 2, 3)
            return results, closed

    (pdf, part, page), closed = asyncio.run(go())
    assert (pdf.kind, pdf.error) == (FailureKind.NOT_HTML, "not HTML (application/pdf)")
    assert part.error is None and part.body == b"<" + b"x" * 999
    assert page.error is None and page.body == Answer().body
    assert closed  # both connections left with a body unread were closed


@pytest.mark.parametrize("per_host", [1, 2])
def test_at_most_per_host_requests_go_to_a_host_at_once(settings: Settings, per_host: int) -> None:
    """Two requests to one host at once: the server holds the first until the second
    arrives (it never does with --per-host 1: held 0.3 s, then answered)."""

    async def hold(srv: LoopServer, path: str) -> Answer:
        await srv.wait(lambda: srv.most_in_flight >= 2, 0.3 if per_host == 1 else 10)
        return Answer()

    async def go() -> tuple[list[FetchResult], int]:
        async with LoopServer(hold) as srv:
            s = replace(settings, concurrency=4, per_host=per_host, delay=0.0, retries=0)
            async with Fetcher(s) as f:
                results = await asyncio.gather(f.fetch(srv.url("/a")), f.fetch(srv.url("/b")))
            return list(results), srv.most_in_flight

    results, most = asyncio.run(go())
    assert [r.error for r in results] == [None, None]
    assert most == per_host
