"""Fetching pages over HTTP: the one fetch path for ``fetch`` and ``crawl``.

``Fetcher.fetch(url)`` never raises for a network or HTTP problem: it returns a
``FetchResult`` whose ``error`` is a short reason.  What it does, in order:

1. waits for a slot: at most ``concurrency`` requests in all, ``per_host`` per
   host, ``delay`` seconds between two requests to one host, and no request to
   a host paused by a ``Retry-After`` or by repeated failures;
2. sends the request (conditional when an ETag / Last-Modified is known);
3. follows redirects itself, up to ``max_redirects``, refusing loops;
4. refuses anything that is not HTML (or not of the ``accept``-ed types),
   before reading its body;
5. streams the body, decoding its Content-Encoding a chunk at a time
   (``contentcoding``: only gzip, deflate and zstd are offered, any other coding
   is refused), counting decoded bytes as they are produced, and stops past
   ``max_bytes`` (a decompression bomb costs the limit, not what it expands to);
6. retries connect errors, 429 and 5xx with exponential backoff and jitter,
   honouring ``Retry-After`` (up to ``max_retry_wait``); a host name that DNS
   says does not exist fails at once ("unknown host").

The client (or its transport) is passed in or built from ``Settings``; there
is no module-level client.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit
from urllib.request import getproxies

import httpx

from scraper import contentcoding
from scraper.models import FailureKind, FetchResult, Refusal
from scraper.netguard import PRIVATE_ADDRESS, PRIVATE_REFUSAL, public_only_transport
from scraper.settings import Settings
from scraper.urls import redact

HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

# Called before each request (redirect hops included) with the URL about to be
# requested; returns why it is refused (a kind and a reason), or None.  ``fetch``
# uses it for the private-address rule, the crawler for that rule and robots.txt.
RequestGuard = Callable[[str], Awaitable[Refusal | None]]


class _Failure(Exception):
    """Internal: one attempt failed; ``retryable`` when it may be tried again at once
    (after ``retry_after`` seconds, when the server said); ``result`` is what was
    learnt of the response before it failed."""

    def __init__(
        self,
        kind: FailureKind,
        reason: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        result: FetchResult | None = None,
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.result = result


def host_of(url: str) -> str:
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:  # e.g. an unclosed "[": httpx refuses the URL itself
        return ""


def content_type_of(headers: httpx.Headers) -> tuple[str | None, str | None]:
    """``(media type, charset)`` of a Content-Type header."""
    raw = headers.get("content-type")
    if not raw:
        return None, None
    parts = [p.strip() for p in raw.split(";")]
    media = parts[0].lower() or None
    charset = None
    for p in parts[1:]:
        key, _, value = p.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media, charset


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class HostGate(Protocol):
    """Seconds a request to ``host`` must still wait (more than ``max_wait``: it is not
    sent); ``delay``: the host's delay, the time its next request takes after this one.
    ``pause_left``: the seconds a pause of ``host`` has still to run, read again once a
    request has waited for its slot (another crawl may have paused the host meanwhile)."""

    def __call__(self, host: str, delay: float, max_wait: float) -> Awaitable[float]: ...

    def pause_left(self, host: str) -> Awaitable[float]: ...


PAUSED = "failing, paused by a crawl of the archive"


@dataclass
class _Host:
    slots: asyncio.Semaphore
    next_at: float = 0.0  # monotonic time before which no request may start
    failures: int = 0  # consecutive transient failures (network, timeout, 429, 5xx)
    delay: float | None = None  # this host's own delay (robots.txt Crawl-delay)


class Fetcher:
    """Concurrent, polite HTTP fetching with one shared ``httpx.AsyncClient``."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        guard: RequestGuard | None = None,
        trusted: Callable[[str], bool] | None = None,
    ) -> None:
        """``trusted``: when given, a host it does not trust is connected to only at
        public addresses, resolved when connecting (``netguard``); not behind a
        proxy from the environment, which resolves names itself."""
        self.settings = settings
        self._guard = guard  # given when built: never changed afterwards
        self._transport = transport
        self._trusted = trusted
        self._client: httpx.AsyncClient | None = None
        self._slots = asyncio.Semaphore(max(1, settings.concurrency))
        self._hosts: dict[str, _Host] = {}
        self._shared: HostGate | None = None

    def share_hosts(self, gate: HostGate) -> None:
        """Ask ``gate`` before each request how long its host must still wait (a host's
        delay and pause shared by every crawl of an archive: ``crawl.hosts``)."""
        self._shared = gate

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        limits = httpx.Limits(
            max_connections=max(1, s.concurrency),
            max_keepalive_connections=max(1, s.concurrency),
        )
        transport = self._transport
        if transport is None and not getproxies():
            # HTTP/1.1 through aiohttp (HTTP/2: httpx's own), guarded when ``trusted``
            # is given; behind a proxy from the environment, httpx's own transport
            trusted = self._trusted or (lambda host: True)
            try:
                transport = public_only_transport(trusted, http2=s.http2, limits=limits)
            except RuntimeError:  # an httpx that changed its insides: the guard's check stays
                transport = None
        self._client = httpx.AsyncClient(
            http2=s.http2 and self._transport is None,
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
            limits=limits,
            headers={
                "User-Agent": s.user_agent,
                "Accept": "text/html,application/xhtml+xml",
                # only the codings decoded (with a bound) in contentcoding
                "Accept-Encoding": contentcoding.ACCEPT_ENCODING,
            },
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # ------------------------------------------------------------ politeness
    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(asyncio.Semaphore(max(1, self.settings.per_host)))
        return state

    def pause_host(self, host: str, seconds: float) -> None:
        state = self._host(host)
        state.next_at = max(state.next_at, time.monotonic() + seconds)

    def set_delay(self, host: str, seconds: float) -> None:
        """Space requests to ``host`` by ``seconds`` instead of ``settings.delay``."""
        self._host(host).delay = seconds

    def host_failing(self, host: str) -> bool:
        """True when a host failed ``host_failures`` times in a row (transient failures:
        network errors, timeouts, 429 and 5xx; a 404 or a PDF says nothing of the host)."""
        return self._host(host).failures >= self.settings.host_failures

    @asynccontextmanager
    async def _slot(self, url: str):  # type: ignore[no-untyped-def]
        host = host_of(url)
        state = self._host(host)
        async with state.slots:
            while (wait := state.next_at - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            if self._shared is not None:  # the slot other crawls left this host
                delay = self.settings.delay if state.delay is None else state.delay
                limit = self.settings.max_retry_wait
                wait = await self._shared(host, delay, limit)
                while 0 < wait <= limit:
                    await asyncio.sleep(wait)
                    # the slot has come: a pause another crawl set meanwhile is waited
                    # for too (the host is sent nothing inside it), or the URL fails
                    wait = await self._shared.pause_left(host)
                if wait > limit:
                    raise _Failure(
                        FailureKind.TRANSIENT, f"{host} is paused for {wait:.0f}s more ({PAUSED})"
                    )
            async with self._slots, asyncio.timeout(self.settings.timeout):
                # the delay counts from when the request goes out (set before waiting
                # for a slot of all hosts, it let the next request to this host follow
                # this one closer than the delay when that wait was long) and again
                # from when its answer is read: a request that was slow to leave (a
                # busy event loop) is still the delay ahead of the next one, as the
                # host sees them
                delay = self.settings.delay if state.delay is None else state.delay
                state.next_at = time.monotonic() + delay
                try:
                    yield state
                finally:
                    state.next_at = max(state.next_at, time.monotonic() + delay)

    # --------------------------------------------------------------- fetching
    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: tuple[str, ...] | None = HTML_TYPES,
        head: int | None = None,
    ) -> FetchResult:
        """One URL; ``accept`` lists the media types taken (``None``: any, for
        robots.txt, sitemaps and feeds); ``head``: keep only the body's first
        ``head`` bytes and stop reading there, instead of refusing a body over
        ``max_bytes`` (robots.txt: RFC 9309 lets a crawler read the first 500 KiB)."""
        started = time.monotonic()
        s = self.settings
        result = FetchResult(url=url)
        for attempt in range(s.retries + 1):
            result = FetchResult(url=url, fetched_at=datetime.now(UTC))
            try:
                result = await self._attempt(result, etag, last_modified, accept, head)
                self._host(host_of(url)).failures = 0
                break
            except _Failure as failure:
                reason = failure.reason
                result = failure.result or result
                retry = failure.retryable and attempt < s.retries
                host = host_of(result.final_url or url)
                if failure.retryable:
                    self._host(host).failures += 1
                if failure.retry_after is not None:  # for every URL of the host, retried or not
                    self.pause_host(host, failure.retry_after)
                    if failure.retry_after > s.max_retry_wait:
                        reason += f" (Retry-After {failure.retry_after:.0f}s)"
                        retry = False
                result = replace(result, error=redact(reason), kind=failure.kind)
                if not retry:
                    break
                wait = s.backoff * 2**attempt * (0.5 + random.random())
                await asyncio.sleep(max(wait, failure.retry_after or 0.0))
            except TimeoutError:
                error = f"timed out after {s.timeout:g}s"
                result = replace(result, error=error, kind=FailureKind.TRANSIENT)
                self._host(host_of(url)).failures += 1
                break
        return replace(result, elapsed_ms=int((time.monotonic() - started) * 1000))

    async def _attempt(
        self,
        result: FetchResult,
        etag: str | None,
        last_modified: str | None,
        accept: tuple[str, ...] | None,
        head: int | None = None,
    ) -> FetchResult:
        assert self._client is not None, "use 'async with Fetcher(...)'"
        s = self.settings
        current = result.url
        seen = {current}
        redirects: list[str] = []
        headers = {} if accept == HTML_TYPES else {"Accept": ", ".join(accept or ("*/*",))}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        while True:
            if self._guard is not None and (refusal := await self._guard(current)):
                raise _Failure(*refusal)
            async with self._slot(current):
                try:
                    request = self._client.build_request("GET", current, headers=headers)
                    response = await self._client.send(request, stream=True)
                except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
                    raise _converted(exc) from exc
                try:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECT_CODES and location:
                        target = urljoin(current, location.strip())
                        redirects.append(current)
                        if target in seen:
                            raise _Failure(FailureKind.PERMANENT, f"redirect loop at {target}")
                        if len(redirects) > s.max_redirects:
                            raise _Failure(
                                FailureKind.PERMANENT, f"more than {s.max_redirects} redirects"
                            )
                        if urlsplit(target).scheme not in ("http", "https"):
                            raise _Failure(
                                FailureKind.INVALID_URL, f"redirect to a non-http URL {target}"
                            )
                        seen.add(target)
                        current = target
                        continue
                    result = replace(result, redirects=tuple(redirects))
                    return await self._read(result, current, response, accept, head)
                finally:
                    await response.aclose()

    async def _read(
        self,
        result: FetchResult,
        url: str,
        response: httpx.Response,
        accept: tuple[str, ...] | None,
        head: int | None = None,
    ) -> FetchResult:
        s = self.settings
        media, charset = content_type_of(response.headers)
        status = response.status_code
        result = replace(
            result,
            final_url=url,
            status=status,
            content_type=media,
            encoding=charset,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            headers=tuple(response.headers.multi_items()),
        )
        if status == 304:
            return result

        def failure(kind: FailureKind, reason: str, **kw: Any) -> _Failure:
            return _Failure(kind, reason, result=result, **kw)

        if status == 429 or status >= 500:
            raise failure(
                FailureKind.TRANSIENT,
                f"HTTP {status} {response.reason_phrase}".strip(),
                retryable=True,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        if status >= 400 or status < 200:
            raise failure(FailureKind.PERMANENT, f"HTTP {status} {response.reason_phrase}".strip())
        if status != 200:  # 204, 206, ...
            raise failure(FailureKind.PERMANENT, f"HTTP {status}: no page")
        if media is not None and accept is not None and media not in accept:
            what = "not HTML" if accept == HTML_TYPES else "unexpected type"
            raise failure(FailureKind.NOT_HTML, f"{what} ({media})")
        declared = response.headers.get("content-length", "")
        if head is None and declared.isdigit() and int(declared) > s.max_bytes:
            raise failure(
                FailureKind.TOO_LARGE,
                f"larger than the {s.max_bytes:,} byte limit ({int(declared):,} bytes)",
            )
        try:
            applied = contentcoding.codings(response.headers.get_list("content-encoding"))
        except contentcoding.DecodeError as exc:
            raise failure(FailureKind.UNDECODABLE, str(exc)) from exc
        chunks: list[bytes] = []
        size = 0

        def keep(chunk: bytes) -> None:  # each decoded chunk, as it is produced
            nonlocal size
            size += len(chunk)
            if head is not None and size >= head:
                chunks.append(chunk[: len(chunk) - (size - head)])
                raise _Enough
            if size > s.max_bytes:
                limit = f"larger than the {s.max_bytes:,} byte limit"
                raise failure(FailureKind.TOO_LARGE, limit)
            chunks.append(chunk)

        decoder = contentcoding.Decoder(applied, keep)
        try:
            async for raw in response.aiter_raw():
                decoder.write(raw)
            decoder.close()
        except _Enough:  # ``head`` bytes read: the rest is not
            pass
        except contentcoding.DecodeError as exc:
            raise failure(FailureKind.UNDECODABLE, f"undecodable body ({_short(exc)})") from exc
        except (httpx.HTTPError, httpx.StreamError) as exc:
            converted = _converted(exc, reading=True)
            raise failure(converted.kind, converted.reason, retryable=converted.retryable) from exc
        result = replace(result, body=b"".join(chunks))
        if media is None and accept == HTML_TYPES and not _looks_like_html(result.body):
            raise failure(FailureKind.NOT_HTML, "not HTML (no content type, body is not markup)")
        return result


class _Enough(Exception):
    """``fetch(head=N)``: the first N bytes are read, stop reading."""


def _converted(exc: Exception, *, reading: bool = False) -> _Failure:
    """The one place an error of the HTTP client becomes a failure with a kind.

    ``reading``: it came while reading a body, after the response had begun."""
    short = _short(exc)
    if reading:
        if isinstance(exc, httpx.TimeoutException):
            return _Failure(FailureKind.TRANSIENT, f"timed out reading the body ({short})")
        if isinstance(exc, httpx.DecodingError):
            return _Failure(FailureKind.UNDECODABLE, f"undecodable body ({short})")
        if isinstance(exc, httpx.TransportError):
            return _Failure(FailureKind.TRANSIENT, f"body cut short ({short})", retryable=True)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return _Failure(FailureKind.INVALID_URL, "unsupported URL scheme")
    if isinstance(exc, httpx.InvalidURL):
        return _Failure(FailureKind.INVALID_URL, f"invalid URL ({short})")
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        if str(exc).startswith(PRIVATE_ADDRESS):  # its name changed its answer
            return _Failure(FailureKind.PRIVATE_ADDRESS, PRIVATE_REFUSAL)
        if _unknown_host(exc):  # retrying a name that does not exist is waiting
            return _Failure(FailureKind.PERMANENT, f"unknown host ({short})")
        return _Failure(FailureKind.TRANSIENT, f"connection failed ({short})", retryable=True)
    if isinstance(exc, httpx.TimeoutException):
        return _Failure(FailureKind.TRANSIENT, f"timed out ({short})")
    if isinstance(exc, httpx.TransportError):
        return _Failure(FailureKind.TRANSIENT, f"network error ({short})", retryable=True)
    return _Failure(FailureKind.PERMANENT, f"HTTP client error ({short})")


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") or b"<html" in head or b"<body" in head


# getaddrinfo's answers for a name that does not exist (EAI_AGAIN, a resolver
# that did not answer, is retried like other connect errors)
_NO_SUCH_NAME = frozenset(
    code for code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if code is not None
)


def _unknown_host(exc: BaseException) -> bool:
    """Whether a connect error comes from DNS saying the host name does not exist."""
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 10:
        if isinstance(cause, socket.gaierror):
            return cause.errno in _NO_SUCH_NAME
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return False


def _short(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:160]
