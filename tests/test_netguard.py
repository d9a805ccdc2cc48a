"""Connections only to public addresses, checked when connecting (``netguard``): what a
refusal says, a name with no address, a resolver that does not answer, and the system
resolver (``localhost``, from the hosts file: no DNS is asked)."""

from __future__ import annotations

import asyncio
import socket

import httpcore
import httpx
import pytest
from pytest_httpserver import HTTPServer
from resolvers import resolver

from scraper.models import FailureKind
from scraper.netguard import PRIVATE_REFUSAL, AddressGuard, PublicOnlyBackend, public_only_transport


async def _never(host: str, port: int) -> list[str]:
    await asyncio.Event().wait()  # a resolver that does not answer
    return []


def get(transport: httpx.AsyncBaseTransport, url: str) -> httpx.Response:
    async def go() -> httpx.Response:
        timeout = httpx.Timeout(5, connect=0.3)
        async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
            return await client.get(url)

    return asyncio.run(go())


def refusal(transport: httpx.AsyncBaseTransport, url: str) -> str:
    with pytest.raises(httpx.ConnectError) as info:
        get(transport, url)
    return str(info.value)


def test_a_refusal_names_the_private_addresses(server: HTTPServer) -> None:
    table = {"mixed.test": ["93.184.216.34", "10.0.0.7", "127.0.0.1"], "empty.test": []}
    transport = public_only_transport(lambda host: False, resolve=resolver(table))
    port = server.port
    assert refusal(transport, f"http://mixed.test:{port}/") == (
        "private address: mixed.test resolves to 10.0.0.7, 127.0.0.1"
    )
    assert refusal(transport, f"http://empty.test:{port}/") == (
        "private address: empty.test resolves to no address"
    )
    assert refusal(transport, f"http://[::1]:{port}/") == "private address: ::1 resolves to ::1"
    assert not server.log


def test_the_system_resolver_is_asked_when_connecting(server: HTTPServer) -> None:
    transport = public_only_transport(lambda host: False)
    message = refusal(transport, f"http://localhost:{server.port}/")
    assert message.startswith("private address: localhost resolves to 127.0.0.1")
    assert not server.log


# each case on both transports: aiohttp's (HTTP/1.1, ``GuardedResolver``) and httpx's
# own with ``PublicOnlyBackend`` (HTTP/2 on; plain http on loopback speaks HTTP/1.1 through it)
BOTH = pytest.mark.parametrize("http2", [False, True], ids=["aiohttp", "http2"])


@BOTH
def test_a_resolver_that_does_not_answer_is_a_connect_timeout(
    server: HTTPServer, http2: bool
) -> None:
    transport = public_only_transport(lambda host: False, resolve=_never, http2=http2)
    with pytest.raises(httpx.ConnectTimeout, match=r"^resolving slow\.test timed out$"):
        get(transport, f"http://slow.test:{server.port}/")
    assert not server.log


@BOTH
def test_a_name_the_resolver_does_not_know_is_a_connect_error(
    server: HTTPServer, http2: bool
) -> None:
    transport = public_only_transport(lambda host: False, resolve=resolver({}), http2=http2)
    with pytest.raises(httpx.ConnectError, match=r"Name or service not known") as info:
        get(transport, f"http://unknown.test:{server.port}/")
    causes, cause = [], info.value.__cause__
    while cause is not None:  # the fetcher tells an unknown host by the resolver's error
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    assert any(isinstance(c, socket.gaierror) for c in causes)
    assert not server.log


class Recording(httpcore.AsyncNetworkBackend):
    """httpcore's network layer as the guard's inner backend: records each connect and
    fails on the addresses in ``down`` (no socket is opened)."""

    def __init__(self, down: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.calls: list[tuple[str, dict[str, object]]] = []
        self.slept: list[float] = []
        self.down = down
        self.stream = object()

    async def connect_tcp(self, host: str, port: int, **options: object):  # type: ignore[no-untyped-def, override]
        self.calls.append((host, options))
        if host in self.down:
            raise httpcore.ConnectError(f"{host} unreachable")
        return self.stream

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def backend(inner: Recording, table: dict[str, list[str]]) -> PublicOnlyBackend:
    return PublicOnlyBackend(lambda host: host == "intranet", resolve=resolver(table), inner=inner)


def test_a_public_name_is_connected_at_its_addresses_ipv4_first() -> None:
    v6, v4 = "2606:2800:220:1:248:1893:25c8:1946", "93.184.216.34"
    inner = Recording(down={v4})
    guard = backend(inner, {"news.test": [v6, v4]})
    stream = asyncio.run(guard.connect_tcp("news.test", 80, timeout=1, socket_options=[(1, 2, 3)]))
    assert stream is inner.stream  # the second address, once the first failed
    assert [host for host, _ in inner.calls] == [v4, v6]
    assert inner.calls[0][1] == {"timeout": 1, "local_address": None, "socket_options": [(1, 2, 3)]}


def test_every_address_failing_is_the_last_failure() -> None:
    inner = Recording(down={"93.184.216.34", "93.184.216.35"})
    guard = backend(inner, {"news.test": ["93.184.216.34", "93.184.216.35"]})
    with pytest.raises(httpcore.ConnectError, match=r"^93\.184\.216\.35 unreachable$"):
        asyncio.run(guard.connect_tcp("news.test", 80))
    assert inner.calls[0][1] == {"timeout": None, "local_address": None}  # no socket options


def test_trusted_hosts_unix_sockets_and_sleep() -> None:
    inner = Recording()
    guard = backend(inner, {})
    assert asyncio.run(guard.connect_tcp("INTRANET", 80)) is inner.stream
    assert inner.calls == [("INTRANET", {"timeout": None, "local_address": None})]
    with pytest.raises(httpcore.ConnectError, match=r"^private address: a unix socket$"):
        asyncio.run(guard.connect_unix_socket("/run/docker.sock"))
    asyncio.run(guard.sleep(0.01))
    assert inner.slept == [0.01]


def test_the_request_guard_lets_public_addresses_through_and_refuses_the_others() -> None:
    guard = AddressGuard(["http://intranet.test/"])

    async def go() -> list[object]:
        urls = ["http://93.184.216.34/a", "http://93.184.216.34/b", "http://10.0.0.7/"]
        return [await guard(u) for u in [*urls, "http://INTRANET.test/x", "http://[::1/"]]

    public, again, private, trusted, broken = asyncio.run(go())
    assert broken == (FailureKind.INVALID_URL, "not a valid URL")
    assert public is None and again is None  # the second answer from what the first learnt
    assert private == (FailureKind.PRIVATE_ADDRESS, PRIVATE_REFUSAL)
    assert trusted is None and guard.trusts("intranet.test") and not guard.trusts("other.test")
