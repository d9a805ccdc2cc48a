"""Requests and connections that go only where the private-address rule allows.

``AddressGuard`` checks a URL before each request and redirect hop: http(s)
only, and a host on a loopback, private or link-local address only when the
user named it (a seed, a URL on the command line: intranets, tests), so a public
page cannot send the fetcher to 169.254.169.254 or to a service on localhost.

The crawler checks a URL's host before each request (``urls.is_public_address``),
but the HTTP client resolves the name again when it connects: a name whose DNS
answer changes in between (DNS rebinding) could reach a private address. With
``public_only_transport`` the name is resolved once, when connecting, every
address it resolves to must be public, and the connection goes to one of those
very addresses. TLS still names the host (SNI and certificate check), and hosts
the caller trusts (a crawl's seeds: intranets, tests) connect as usual.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore._utils import is_socket_readable  # what httpcore's own streams use

from scraper.models import FailureKind, Refusal
from scraper.urls import is_public_address

# A connection refused by this rule fails with this text at the start of its error;
# the request then fails with PRIVATE_REFUSAL, as when the crawler's check refuses it.
PRIVATE_ADDRESS = "private address"
PRIVATE_REFUSAL = "private address (not followed from a public page)"

Resolver = Callable[[str, int], Awaitable[list[str]]]


def hosts_of(urls: Iterable[str]) -> set[str]:
    """The lowercased host names of URLs."""
    out = set()
    for url in urls:
        try:
            out.add((urlsplit(url).hostname or "").lower())
        except ValueError:
            continue
    return out


class AddressGuard:
    """The request guard of the private-address rule (``Fetcher(guard=...)``); the
    hosts it trusts are those of the URLs the user gave (``trusted``)."""

    def __init__(self, trusted_urls: Iterable[str] = ()) -> None:
        self._trusted = hosts_of(trusted_urls)
        self._public: dict[str, bool] = {}

    def trusts(self, host: str) -> bool:
        """Whether ``host`` (a host name, lowercased) was named by the user."""
        return host in self._trusted

    async def __call__(self, url: str) -> Refusal | None:
        """Why a request to ``url`` may not be sent, or None."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return FailureKind.INVALID_URL, "not a valid URL"
        if parts.scheme not in ("http", "https"):
            return FailureKind.INVALID_URL, "not an http(s) URL"
        if host in self._trusted:
            return None
        public = self._public.get(host)
        if public is None:
            public = self._public[host] = await asyncio.to_thread(is_public_address, host)
        return None if public else (FailureKind.PRIVATE_ADDRESS, PRIVATE_REFUSAL)


def refused(host: str, addresses: list[str]) -> str | None:
    """Why ``host``, resolving to ``addresses``, may not be connected to (every
    address must be public, and there must be one), or None."""
    blocked = [a for a in addresses if not ipaddress.ip_address(a).is_global]
    if blocked or not addresses:
        return f"{PRIVATE_ADDRESS}: {host} resolves to {', '.join(blocked) or 'no address'}"
    return None


def ipv4_first(addresses: list[str]) -> list[str]:
    """The order to try addresses in, one after another (no happy eyeballs): IPv4
    first, where a broken IPv6 route would otherwise cost a whole connect timeout."""
    return sorted(addresses, key=lambda a: ":" in a)


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for ``host``, in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting hosts that are not trusted only to the
    public addresses they resolve to (all of them must be public)."""

    def __init__(
        self,
        trusted: Callable[[str], bool],
        *,
        resolve: Resolver = system_resolve,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._trusted = trusted
        self._resolve = resolve
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        options = {"timeout": timeout, "local_address": local_address}
        if socket_options is not None:
            options["socket_options"] = socket_options
        if self._trusted(host.lower()):
            return await self._inner.connect_tcp(host, port, **options)
        addresses = await self._addresses(host, port, timeout)
        if why := refused(host, addresses):
            raise httpcore.ConnectError(why)
        error: Exception | None = None
        for address in ipv4_first(addresses):
            try:
                return await self._inner.connect_tcp(address, port, **options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def _addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            pass
        try:
            return await asyncio.wait_for(self._resolve(host, port), timeout)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except (OSError, UnicodeError) as exc:  # socket.gaierror: kept as the cause
            raise httpcore.ConnectError(str(exc)) from exc

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError(f"{PRIVATE_ADDRESS}: a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    """A connection's stream, answering "is it readable?" at the cost of one poll.

    httpcore asks it of every idle connection in the pool on every request (an idle
    connection that is readable was closed by the server); anyio answers by building
    its table of socket attributes, a ``getpeername`` call included, each time: a
    tenth of a crawl's event loop.  The socket is looked up once instead."""

    __slots__ = ("_inner", "_sock")

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._sock = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._sock is not None:
            return is_socket_readable(self._sock)
        return self._inner.get_extra_info(info)


class _QuickStreams(httpcore.AsyncNetworkBackend):
    """An inner backend's connections, each in a ``_Stream``."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        inner = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(inner)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def public_only_transport(
    trusted: Callable[[str], bool],
    *,
    http2: bool = False,
    limits: httpx.Limits | None = None,
    resolve: Resolver = system_resolve,
) -> httpx.AsyncBaseTransport:
    """A transport that connects hosts ``trusted`` does not name only at public
    addresses: aiohttp's (``aiotransport``) for HTTP/1.1, httpx's own with
    ``PublicOnlyBackend`` for HTTP/2."""
    if not http2:
        from scraper.aiotransport import AiohttpTransport

        return AiohttpTransport(trusted, limits=limits, resolve=resolve)
    transport = httpx.AsyncHTTPTransport(http2=http2, limits=limits or httpx.Limits())
    pool = transport._pool  # httpx takes no network backend: set it on its pool
    if not isinstance(pool, httpcore.AsyncConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError("this httpx version keeps its connection pool elsewhere")
    guarded = PublicOnlyBackend(trusted, resolve=resolve, inner=pool._network_backend)
    pool._network_backend = _QuickStreams(guarded)
    return transport
